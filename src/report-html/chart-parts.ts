/**
 * Pieces shared by the chart specs. Every spec reads a CSV of the report as the file holds it: all
 * cells as strings (so a tooltip shows the file's own text), workspace text unguarded in the spec
 * itself when the files carry the formula guard (a cell `'=x` is the name `=x`), numbers converted by `calculate` into `*_value` fields.
 * The written spec and the rendered chart differ only in `data`: a URL beside the spec, or the same
 * rows inline.
 */
import { unguardFormula } from '../report/guard-formula.js';
import type { CsvRecord } from './csv-records.js';

/**
 * A Vega-Lite spec as plain JSON. Built from literals here and checked by vega-lite's own compiler
 * when rendered (its TypeScript types cannot follow transforms assembled from parts).
 */
export type VegaLiteSpec = Record<string, unknown>;

const FONT = 'Helvetica, Arial, sans-serif';

/** The size of every chart text, in px. */
export const FONT_PX = 12;

/**
 * The natural width of a chart across the page, in px. It is drawn whole from 880 px of window up
 * (1,280 and 1,400 px give the page 1,200 px); at 800 px (760 px of page) the browser draws it at 0.9
 * of its size, its 12 px text at 10.9 px. Narrower pages scale it further.
 */
export const CHART_WIDTH_PX = 840;

/** Looks alike in every chart; no font is ever fetched (a generic family the browser has). */
export const CHART_CONFIG = {
  font: FONT,
  background: 'white',
  view: { stroke: null },
  axis: { labelFontSize: FONT_PX, titleFontSize: FONT_PX, labelLimit: 240, grid: true, gridColor: '#e5e7eb', domainColor: '#9ca3af', tickColor: '#9ca3af' },
  legend: { labelFontSize: FONT_PX, titleFontSize: FONT_PX, labelLimit: 260, orient: 'bottom' as const, direction: 'horizontal' as const },
  title: { fontSize: FONT_PX, anchor: 'start' as const },
  header: { labelFontSize: FONT_PX, titleFontSize: FONT_PX, labelLimit: 260, labelAnchor: 'start' as const, labelAlign: 'left' as const },
  text: { fontSize: FONT_PX },
};

/**
 * The spec of one chart: `spec` reads `file` by URL; `name` names charts/<name>.vl.json and the SVG ids.
 * A chart of small multiples also has `panels`: the same chart, one SVG per panel (facetPanels).
 */
export interface ChartDefinition {
  name: string;
  title: string;
  /** The CSV the spec reads, relative to the page. */
  file: string;
  spec: VegaLiteSpec;
  panels?: ChartPanel[];
}

/** One panel of a chart of small multiples: its own spec, drawn as its own SVG; `name` prefixes its ids. */
export interface ChartPanel {
  name: string;
  spec: VegaLiteSpec;
}

/** `data` reading `file` from the chart folder: every column kept as the string the file holds. */
export function csvData(file: string, { columns }: ChartSource): { url: string; format: { type: 'csv'; parse: Record<string, 'string'> } } {
  return { url: `../${file}`, format: { type: 'csv', parse: Object.fromEntries(columns.map((c) => [c, 'string' as const])) } };
}

/** The same spec with its rows inline instead of at the URL. */
export function withInlineRows(spec: VegaLiteSpec, records: CsvRecord[]): VegaLiteSpec {
  const data = (spec as { data?: { format?: { parse?: unknown } } }).data;
  return { ...spec, data: { values: records, format: { type: 'json', parse: data?.format?.parse } } };
}

/** A CSV a chart reads: its header, and whether its workspace text carries METRICS.md's formula guard. */
export interface ChartSource {
  columns: readonly string[];
  guarded: boolean;
}

/** The guard undone in the spec (`'` before = + - @ tab CR LF dropped); nothing when the file has none. */
export function unguarded(source: ChartSource, fields: readonly string[]): Array<{ calculate: string; as: string }> {
  if (!source.guarded) return [];
  return fields.map((f) => ({ calculate: `test(/^'[=+\\-@\\t\\r\\n]/, datum.${f}) ? substring(datum.${f}, 1) : datum.${f}`, as: f }));
}

/** The same for text read in TypeScript. */
export function readText(guarded: boolean): (cell: string | undefined) => string {
  return (cell) => (guarded ? unguardFormula(cell ?? '') : (cell ?? ''));
}

export function toNumber(field: string): { calculate: string; as: string } {
  return { calculate: `toNumber(datum.${field})`, as: `${field}_value` };
}

/** cohort_id and cohort_name as text, and `cohort_key` ("type:id") to look cohorts up by. */
export function cohortFields(source: ChartSource): object[] {
  return [...unguarded(source, ['cohort_id', 'cohort_name']), { calculate: "datum.cohort_type + ':' + datum.cohort_id", as: 'cohort_key' }];
}

/** A cohort shown in the charts: its key, its rank by members and the label its bars carry. */
export interface ChartCohort {
  cohort_key: string;
  rank: number;
  cohort_label: string;
}

/**
 * Keeps the rows of the charted cohorts and gives them `rank` and `cohort_label` ("3. name": the rank
 * keeps two cohorts of one name apart and points at the table row).
 */
export function lookupCohorts(cohorts: readonly ChartCohort[]): object[] {
  return [
    { lookup: 'cohort_key', from: { data: { values: cohorts }, key: 'cohort_key', fields: ['rank', 'cohort_label'] } },
    { filter: 'isValid(datum.rank)' },
  ];
}

/** A tooltip entry per CSV column, titled by the column: the tooltip (and aria-label) reads like the file. */
export function tooltipOf(columns: readonly string[]): Array<{ field: string; type: 'nominal'; title: string }> {
  return columns.map((field) => ({ field, type: 'nominal' as const, title: field }));
}

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
