/**
 * The charts of a month page, as Vega-Lite specs over the month's CSVs. Charts draw the cohorts
 * `rankCohorts` marks as charted (the most members); the page's table holds every cohort.
 */
import { AMOUNTS_FILE, EVENTS_FILE, SUMMARY_FILE } from '../report/columns.js';
import {
  CHART_CONFIG,
  cohortFields,
  SCHEMA,
  csvData,
  lookupCohorts,
  toNumber,
  tooltipOf,
  unguarded,
  type ChartSource,
  type ChartCohort,
  type ChartDefinition,
} from './chart-parts.js';

/** Top events drawn per cohort. */
export const TOP_EVENTS = 5;

const BAR_WIDTH = 640;
/** Height of one cohort's bar (with its padding), in px. */
export const STEP = 18;

export const LIFECYCLE = [
  { column: 'lifecycle_new', label: 'new', color: '#2563eb' },
  { column: 'lifecycle_returning', label: 'returning', color: '#16a34a' },
  { column: 'lifecycle_resurrecting', label: 'resurrecting', color: '#9333ea' },
  { column: 'lifecycle_dormant', label: 'dormant', color: '#dc2626' },
] as const;

export const STICKINESS = [
  { column: 'active_days_1', label: '1 day' },
  { column: 'active_days_2_3', label: '2–3 days' },
  { column: 'active_days_4_7', label: '4–7 days' },
  { column: 'active_days_8_14', label: '8–14 days' },
  { column: 'active_days_15_plus', label: '15+ days' },
] as const;

/** The y of a chart with one bar per cohort: its label, ordered by rank. */
export const cohortAxis = { field: 'cohort_label', type: 'nominal' as const, title: null, sort: { field: 'rank', op: 'min' as const, order: 'ascending' as const } };

/**
 * The summary columns `options` folded into one row per cohort and column: `column` (its name),
 * `count` (the cell's text), `labelAs` (its label) and `column_order` (stacking order).
 */
export function foldColumns(options: ReadonlyArray<{ column: string; label: string }>, labelAs: string): object[] {
  const label = options.reduceRight((rest, o) => `datum.column === '${o.column}' ? '${o.label}' : ${rest}`, 'datum.column');
  return [
    { fold: options.map((o) => o.column), as: ['column', 'count'] },
    { calculate: label, as: labelAs },
    { calculate: `indexof(${JSON.stringify(options.map((o) => o.column))}, datum.column)`, as: 'column_order' },
  ];
}

/** A folded bar's tooltip: the cohort, the CSV column and its cell. */
const FOLDED_TOOLTIP = tooltipOf(['cohort_name', 'column', 'count']);

export function activeRateChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  return {
    name: 'active-rate',
    title: 'Active rate by cohort',
    file: SUMMARY_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'active_members / members per cohort (cohort_summary.csv)',
      data: csvData(SUMMARY_FILE, source),
      transform: [...cohortFields(source), ...lookupCohorts(cohorts), { filter: "datum.active_rate !== ''" }, toNumber('active_rate')],
      width: BAR_WIDTH,
      height: { step: STEP },
      mark: { type: 'bar', color: '#2563eb' },
      encoding: {
        y: cohortAxis,
        x: { field: 'active_rate_value', type: 'quantitative', title: 'active rate', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
        tooltip: tooltipOf(['cohort_name', 'members', 'active_members', 'active_rate']),
      },
      config: CHART_CONFIG,
    },
  };
}

export function lifecycleChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  return {
    name: 'lifecycle',
    title: 'Lifecycle per cohort (dormant below zero)',
    file: SUMMARY_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'new, returning and resurrecting members stacked right of zero, dormant left of it (cohort_summary.csv)',
      data: csvData(SUMMARY_FILE, source),
      transform: [
        ...cohortFields(source),
        ...lookupCohorts(cohorts),
        ...foldColumns(LIFECYCLE, 'status'),
        { filter: "datum.count !== ''" },
        { calculate: `(datum.column === 'lifecycle_dormant' ? -1 : 1) * toNumber(datum.count)`, as: 'signed_count' },
      ],
      width: BAR_WIDTH,
      height: { step: STEP },
      mark: { type: 'bar' },
      encoding: {
        y: cohortAxis,
        x: { field: 'signed_count', type: 'quantitative', title: 'members (dormant counted below zero)', stack: 'zero' },
        color: {
          field: 'status',
          type: 'nominal',
          title: null,
          scale: { domain: LIFECYCLE.map((l) => l.label), range: LIFECYCLE.map((l) => l.color) },
        },
        order: { field: 'column_order', type: 'quantitative' },
        tooltip: FOLDED_TOOLTIP,
      },
      config: CHART_CONFIG,
    },
  };
}

export function stickinessChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  return {
    name: 'stickiness',
    title: 'Stickiness: active members by days active in the month',
    file: SUMMARY_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'share of each cohort\'s active members by the number of days they were active (cohort_summary.csv)',
      data: csvData(SUMMARY_FILE, source),
      transform: [
        ...cohortFields(source),
        ...lookupCohorts(cohorts),
        ...foldColumns(STICKINESS, 'days_active'),
        toNumber('count'),
        { filter: 'datum.count_value > 0' },
      ],
      width: BAR_WIDTH,
      height: { step: STEP },
      mark: { type: 'bar' },
      encoding: {
        y: cohortAxis,
        x: { field: 'count_value', type: 'quantitative', title: 'share of active members', stack: 'normalize', axis: { format: '.0%' } },
        color: {
          field: 'days_active',
          type: 'nominal',
          title: 'days active',
          scale: { domain: STICKINESS.map((s) => s.label), scheme: 'blues' },
        },
        order: { field: 'column_order', type: 'quantitative' },
        tooltip: FOLDED_TOOLTIP,
      },
      config: CHART_CONFIG,
    },
  };
}

export function topEventsChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  return {
    name: 'top-events',
    title: `Top ${TOP_EVENTS} events per cohort`,
    file: EVENTS_FILE,
    spec: {
      $schema: SCHEMA,
      description: `each cohort's ${TOP_EVENTS} event names with the most events in the month (cohort_events.csv)`,
      data: csvData(EVENTS_FILE, source),
      transform: [
        ...cohortFields(source),
        ...unguarded(source, ['event_name']),
        ...lookupCohorts(cohorts),
        toNumber('events'),
        // The file's order within a cohort (events descending, then name) is the ranking.
        { window: [{ op: 'row_number', as: 'event_rank' }], groupby: ['cohort_key'] },
        { filter: `datum.event_rank <= ${TOP_EVENTS}` },
      ],
      facet: { field: 'cohort_label', type: 'nominal', title: null, sort: { field: 'rank', op: 'min', order: 'ascending' } },
      columns: 3,
      spec: {
        width: 220,
        height: { step: 14 },
        mark: { type: 'bar', color: '#0891b2' },
        encoding: {
          y: { field: 'event_name', type: 'nominal', title: null, sort: { field: 'event_rank', op: 'min', order: 'ascending' }, axis: { labelLimit: 130 } },
          x: { field: 'events_value', type: 'quantitative', title: 'events' },
          tooltip: tooltipOf(['cohort_name', 'event_name', 'events', 'members', 'member_share']),
        },
      },
      resolve: { scale: { y: 'independent', x: 'independent' } },
      config: CHART_CONFIG,
    },
  };
}

/**
 * Amounts per cohort in each currency's major unit, one panel per currency (their scales differ),
 * stacked by event name and metadata key.
 */
export function amountsChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  return {
    name: 'amounts',
    title: 'Amounts by currency (major units)',
    file: AMOUNTS_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'sum of monetary amounts per cohort, in the currency\'s major unit, by event name and metadata key (cohort_amounts.csv)',
      data: csvData(AMOUNTS_FILE, source),
      transform: [
        ...cohortFields(source),
        ...unguarded(source, ['event_name', 'metadata_key', 'currency']),
        ...lookupCohorts(cohorts),
        { filter: "datum.amount_major !== ''" },
        toNumber('amount_major'),
        { calculate: "datum.event_name + ' · ' + datum.metadata_key", as: 'source' },
        { calculate: 'upper(datum.currency)', as: 'currency_code' },
      ],
      facet: { row: { field: 'currency_code', type: 'nominal', title: null } },
      spec: {
        width: BAR_WIDTH,
        height: { step: STEP },
        mark: { type: 'bar' },
        encoding: {
          y: cohortAxis,
          x: { field: 'amount_major_value', type: 'quantitative', title: 'amount (major units)' },
          color: { field: 'source', type: 'nominal', title: 'event · metadata key', scale: { scheme: 'tableau10' } },
          tooltip: tooltipOf(['cohort_name', 'event_name', 'metadata_key', 'currency', 'amount_major', 'events']),
        },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
      config: CHART_CONFIG,
    },
  };
}
