/**
 * The charts of a month page, as Vega-Lite specs over the month's CSVs. Charts draw the cohorts
 * `rankCohorts` marks as charted (the most members); the page's table holds every cohort. Charts
 * with a bar per cohort are CHART_WIDTH_PX wide, their cohort labels given the room the longest needs
 * (barLayout); the top events are panels of their own that the page wraps.
 */
import { AMOUNTS_FILE, EVENTS_FILE, SUMMARY_FILE } from '../report/columns.js';
import { AXIS_LABEL_OFFSET_PX, barLayout, labelLimitFor, legendLayout, type BarLayout } from './chart-layout.js';
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
  type VegaLiteSpec,
} from './chart-parts.js';
import { facetPanels } from './facet-panels.js';

/** Top events drawn per cohort. */
export const TOP_EVENTS = 5;

/** Height of one cohort's bar (with its padding), in px: room for a 12 px label. */
export const STEP = 20;

/** The natural width of one top-events panel: three side by side fill 1,200 px of page, two 760 px. */
export const EVENTS_PANEL_WIDTH_PX = 360;

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

/** The cohort axis with its labels given `layout`'s room. */
export function cohortAxisIn(layout: BarLayout): object {
  return { ...cohortAxis, axis: { labelLimit: layout.labelLimitPx } };
}

/**
 * Ticks asked of a quantitative axis `widthPx` long: one per 100 px, so that even the most a nice
 * step gives (about twice as many) leaves labels of seven characters apart.
 */
export const tickCountFor = (widthPx: number): number => Math.max(2, Math.floor(widthPx / 100));

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

/** A legend below the plot, in as many columns as its width holds. */
export function legendFor(labels: readonly string[], plotWidthPx: number, title: string | null): object {
  const { columns, labelLimitPx } = legendLayout(labels, plotWidthPx);
  return { title, columns, labelLimit: labelLimitPx };
}

export function activeRateChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  const layout = barLayout(cohorts.map((c) => c.cohort_label));
  return {
    name: 'active-rate',
    title: 'Active rate by cohort',
    file: SUMMARY_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'active_members / members per cohort (cohort_summary.csv)',
      data: csvData(SUMMARY_FILE, source),
      transform: [...cohortFields(source), ...lookupCohorts(cohorts), { filter: "datum.active_rate !== ''" }, toNumber('active_rate')],
      width: layout.plotWidthPx,
      height: { step: STEP },
      mark: { type: 'bar', color: '#2563eb' },
      encoding: {
        y: cohortAxisIn(layout),
        x: {
          field: 'active_rate_value',
          type: 'quantitative',
          title: 'active rate',
          scale: { domain: [0, 1] },
          axis: { format: '.0%', tickCount: tickCountFor(layout.plotWidthPx) },
        },
        tooltip: tooltipOf(['cohort_name', 'members', 'active_members', 'active_rate']),
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * Diverging bars: new, returning and resurrecting stacked right of zero, dormant left of it. The axis
 * reads as counts both ways (no minus sign) and always has its 0: its ticks are multiples of one step,
 * and as few as never to collide, so none is dropped.
 */
export function lifecycleChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  const layout = barLayout(cohorts.map((c) => c.cohort_label));
  return {
    name: 'lifecycle',
    title: 'Lifecycle per cohort (dormant left of zero)',
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
      width: layout.plotWidthPx,
      height: { step: STEP },
      mark: { type: 'bar' },
      encoding: {
        y: cohortAxisIn(layout),
        x: {
          field: 'signed_count',
          type: 'quantitative',
          title: '← dormant members · new, returning and resurrecting members →',
          stack: 'zero',
          // Counts: whole ticks only. labelOverlap off: vega's default drops every other label, 0 among them.
          axis: { tickCount: tickCountFor(layout.plotWidthPx), tickMinStep: 1, labelOverlap: false, labelExpr: "format(abs(datum.value), ',')" },
        },
        color: {
          field: 'status',
          type: 'nominal',
          scale: { domain: LIFECYCLE.map((l) => l.label), range: LIFECYCLE.map((l) => l.color) },
          legend: legendFor(LIFECYCLE.map((l) => l.label), layout.plotWidthPx, null),
        },
        order: { field: 'column_order', type: 'quantitative' },
        tooltip: FOLDED_TOOLTIP,
      },
      config: CHART_CONFIG,
    },
  };
}

/**
 * Bars of 100% per cohort, split into `buckets` (folded from their columns): stickiness and the
 * conversation counts are the same chart of different columns, so both are drawn from here.
 */
export function shareBarsSpec(input: {
  file: string;
  description: string;
  source: ChartSource;
  cohorts: readonly ChartCohort[];
  layout: BarLayout;
  buckets: ReadonlyArray<{ column: string; label: string }>;
  /** The field the bucket's label is folded into, and the color's. */
  as: string;
  title: string;
  scale: object;
  legendTitle: string;
  tooltip: object;
}): VegaLiteSpec {
  const { layout, buckets } = input;
  return {
    $schema: SCHEMA,
    description: input.description,
    data: csvData(input.file, input.source),
    transform: [...cohortFields(input.source), ...lookupCohorts(input.cohorts), ...foldColumns(buckets, input.as), toNumber('count'), { filter: 'datum.count_value > 0' }],
    width: layout.plotWidthPx,
    height: { step: STEP },
    mark: { type: 'bar' },
    encoding: {
      y: cohortAxisIn(layout),
      x: {
        field: 'count_value',
        type: 'quantitative',
        title: input.title,
        stack: 'normalize',
        axis: { format: '.0%', tickCount: tickCountFor(layout.plotWidthPx) },
      },
      color: {
        field: input.as,
        type: 'nominal',
        scale: input.scale,
        legend: legendFor(buckets.map((b) => b.label), layout.plotWidthPx, input.legendTitle),
      },
      order: { field: 'column_order', type: 'quantitative' },
      tooltip: input.tooltip,
    },
    config: CHART_CONFIG,
  };
}

export function stickinessChart(source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  return {
    name: 'stickiness',
    title: 'Stickiness: active members by days active in the month',
    file: SUMMARY_FILE,
    spec: shareBarsSpec({
      file: SUMMARY_FILE,
      description: 'share of each cohort\'s active members by the number of days they were active (cohort_summary.csv)',
      source,
      cohorts,
      layout: barLayout(cohorts.map((c) => c.cohort_label)),
      buckets: STICKINESS,
      as: 'days_active',
      title: 'share of active members',
      scale: { domain: STICKINESS.map((s) => s.label), scheme: 'blues' },
      legendTitle: 'days active',
      tooltip: FOLDED_TOOLTIP,
    }),
  };
}

/**
 * Each cohort's top events, a panel per cohort (of `cohorts`, those that have events). `eventNames`
 * are the names the panels show, as shown: their labels get the room the longest needs, up to 45% of
 * a panel. The spec beside the page is the facet of all panels, three to a row.
 */
export function topEventsChart(source: ChartSource, cohorts: readonly ChartCohort[], eventNames: readonly string[]): ChartDefinition {
  const labelLimitPx = labelLimitFor(eventNames, Math.floor(0.45 * EVENTS_PANEL_WIDTH_PX));
  // Every panel one size, its labels' room the same whatever its own labels: panels side by side line up.
  const padding = { left: labelLimitPx + AXIS_LABEL_OFFSET_PX + 5, top: 26, right: 20, bottom: 40 };
  const plotWidthPx = EVENTS_PANEL_WIDTH_PX - padding.left - padding.right;
  const titleLimitPx = EVENTS_PANEL_WIDTH_PX - 10;
  const spec = {
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
    facet: { field: 'cohort_label', type: 'nominal', title: null, sort: { field: 'rank', op: 'min', order: 'ascending' }, header: { labelLimit: titleLimitPx, labelFontWeight: 'bold' } },
    columns: 3,
    spec: {
      width: plotWidthPx,
      height: { step: STEP },
      mark: { type: 'bar', color: '#0891b2' },
      encoding: {
        y: { field: 'event_name', type: 'nominal', title: null, sort: { field: 'event_rank', op: 'min', order: 'ascending' }, axis: { labelLimit: labelLimitPx } },
        x: { field: 'events_value', type: 'quantitative', title: 'events', axis: { tickCount: tickCountFor(plotWidthPx), tickMinStep: 1 } },
        tooltip: tooltipOf(['cohort_name', 'event_name', 'events', 'members', 'member_share']),
      },
    },
    resolve: { scale: { y: 'independent', x: 'independent' } },
    usermeta: { panels: { titleLimitPx, padding } },
    config: CHART_CONFIG,
  };
  const panels = facetPanels('top-events', spec, cohorts);
  return { name: 'top-events', title: `Top ${TOP_EVENTS} events per cohort`, file: EVENTS_FILE, spec, panels };
}

/** Bars per cohort in the amounts chart: one per event name and metadata key, each this high, in px. */
const AMOUNT_BAR_PX = 6;

/**
 * Amounts per cohort in each currency's major unit, one panel per currency (their scales differ), one
 * bar per event name and metadata key side by side (never stacked: a refund or a credit added to a
 * sale would make a bar no one amount). `sources` are the "event · key" texts the legend shows.
 */
export function amountsChart(source: ChartSource, cohorts: readonly ChartCohort[], sources: readonly string[]): ChartDefinition {
  const layout = barLayout(cohorts.map((c) => c.cohort_label));
  return {
    name: 'amounts',
    title: 'Amounts by currency (major units)',
    file: AMOUNTS_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'sum of monetary amounts per cohort, in the currency\'s major unit, one bar per event name and metadata key (cohort_amounts.csv)',
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
      facet: { row: { field: 'currency_code', type: 'nominal', title: null, header: { labelAngle: 0, labelOrient: 'top', labelAlign: 'left', labelAnchor: 'start', labelFontWeight: 'bold' } } },
      spec: {
        width: layout.plotWidthPx,
        height: { step: AMOUNT_BAR_PX, for: 'offset' },
        mark: { type: 'bar' },
        encoding: {
          y: { ...cohortAxisIn(layout), scale: { paddingInner: 0.25 } },
          yOffset: { field: 'source', type: 'nominal' },
          x: { field: 'amount_major_value', type: 'quantitative', title: 'amount (major units)', axis: { tickCount: tickCountFor(layout.plotWidthPx) } },
          color: { field: 'source', type: 'nominal', scale: { scheme: 'tableau10' }, legend: legendFor(sources, layout.plotWidthPx, 'event · metadata key') },
          tooltip: tooltipOf(['cohort_name', 'event_name', 'metadata_key', 'currency', 'amount_major', 'events']),
        },
      },
      resolve: { scale: { x: 'independent', y: 'independent' } },
      config: CHART_CONFIG,
    },
  };
}
