/**
 * The conversation charts of a month page, as Vega-Lite specs over cohort_conversations.csv. They
 * draw the cohorts the other month charts draw (`rankCohorts`), one bar per cohort.
 *
 * Unlike the other charts, whose cohort labels stop at CHART_CONFIG's 220 px, these give the labels
 * the room the longest charted label needs (up to LABEL_ROOM_MAX_PX) and narrow the plots by as much,
 * so a chart keeps about the width of the others and a page 1400 px wide shows names whole.
 */
import { CONVERSATIONS_FILE } from '../report/columns.js';
import { CHART_CONFIG, SCHEMA, cohortFields, csvData, lookupCohorts, toNumber, tooltipOf, type ChartCohort, type ChartDefinition, type ChartSource } from './chart-parts.js';
import { cohortAxis, foldColumns, STEP } from './month-charts.js';

/** Members by how many conversations they opened, in stacking order. */
export const OPENED_BUCKETS = [
  { column: 'opened_1', label: '1 conversation', color: '#99f6e4' },
  { column: 'opened_2_3', label: '2–3 conversations', color: '#14b8a6' },
  { column: 'opened_4_plus', label: '4 or more', color: '#115e59' },
] as const;

/** The widest a cohort label may be before it is cut (with "…"), in px as vega estimates it. */
export const LABEL_ROOM_MAX_PX = 600;

/** Width of the plots beside the labels: the rates chart's two panels and their gap, or the counts chart's one. */
const PLOTS_WIDTH_PX = { total: 800, min: 480, max: 720 };
const PANEL_GAP_PX = 64;
const LABEL_FONT_PX = CHART_CONFIG.axis.labelFontSize;

/** Where the rates chart writes the value next to each bar. */
const VALUE_TEXT = { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#374151', aria: false } as const;

export interface ConversationLayout {
  /** The y axis's labelLimit. */
  labelLimitPx: number;
  plotsWidthPx: number;
}

/**
 * Sizes the charts from the labels they show. vega cuts a label whose estimated width (0.8 × font
 * size per UTF-16 unit of the trimmed text, the estimate renderChart measures with) is not below its
 * labelLimit, so the limit is one more than the widest estimate.
 *
 * @example conversationLayout([{ cohort_key: 'tag:1', rank: 1, cohort_label: '1. VIP' }]); // { labelLimitPx: 53, plotsWidthPx: 720 }
 */
export function conversationLayout(cohorts: readonly ChartCohort[]): ConversationLayout {
  const widest = Math.max(0, ...cohorts.map((c) => Math.floor(0.8 * c.cohort_label.trim().length * LABEL_FONT_PX)));
  const labelLimitPx = Math.min(widest + 1, LABEL_ROOM_MAX_PX);
  const plotsWidthPx = Math.min(PLOTS_WIDTH_PX.max, Math.max(PLOTS_WIDTH_PX.min, PLOTS_WIDTH_PX.total - labelLimitPx));
  return { labelLimitPx, plotsWidthPx };
}

/**
 * Empty cells as ''. vega's `string` parser reads an empty CSV cell as null, which a tooltip would
 * show as "null"; the file's own empty text is what the chart shows and tests.
 */
function emptyAsText(fields: readonly string[]): Array<{ calculate: string; as: string }> {
  return fields.map((f) => ({ calculate: `isValid(datum.${f}) ? datum.${f} : ''`, as: f }));
}

const labelledAxis = (layout: ConversationLayout): object => ({ ...cohortAxis, axis: { labelLimit: layout.labelLimitPx } });

/**
 * One panel of the rates chart: a bar per cohort whose `column` has a value, the file's own text (or
 * `format`ted) beside it, and `missing` at zero where the cell is empty.
 */
function ratePanel(options: { column: string; title: string; format: string | null; missing: string; scale: object; axis: object; tooltip: readonly string[]; color: string; widthPx: number; y: object }): object {
  const { column } = options;
  const shown = options.format === null ? `datum.${column}` : `format(toNumber(datum.${column}), '${options.format}')`;
  const x = { type: 'quantitative', title: options.title, scale: options.scale, axis: options.axis };
  // Each layer computes fields of its own: vega's formula writes into the tuples the layers share.
  return {
    width: options.widthPx,
    height: { step: STEP },
    encoding: { y: options.y },
    layer: [
      {
        transform: [{ filter: `datum.${column} !== ''` }],
        mark: { type: 'bar', color: options.color },
        encoding: { x: { field: `${column}_value`, ...x }, tooltip: tooltipOf(options.tooltip) },
      },
      {
        transform: [
          { calculate: `datum.${column} === '' ? '${options.missing}' : ${shown}`, as: `${column}_text` },
          { calculate: `datum.${column} === '' ? 0 : datum.${column}_value`, as: `${column}_text_x` },
        ],
        mark: VALUE_TEXT,
        encoding: { x: { field: `${column}_text_x`, ...x }, text: { field: `${column}_text`, type: 'nominal' } },
      },
    ],
  };
}

/**
 * Conversations opened per 100 members and the reply rate, side by side, one row per cohort. A
 * cohort with no members (or none opened) keeps its row, with a word instead of a bar.
 */
export function conversationRatesChart(source: ChartSource, cohorts: readonly ChartCohort[], layout: ConversationLayout): ChartDefinition {
  const widthPx = Math.floor((layout.plotsWidthPx - PANEL_GAP_PX) / 2);
  return {
    name: 'conversation-rates',
    title: 'Conversations opened per 100 members, and reply rate',
    file: CONVERSATIONS_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'conversations opened by members per 100 members, and replied / conversations_opened, per cohort (cohort_conversations.csv)',
      data: csvData(CONVERSATIONS_FILE, source),
      transform: [
        ...cohortFields(source),
        ...lookupCohorts(cohorts),
        ...emptyAsText(['opened_per_100_members', 'reply_rate', 'median_reply_seconds']),
        toNumber('opened_per_100_members'),
        toNumber('reply_rate'),
      ],
      hconcat: [
        ratePanel({
          column: 'opened_per_100_members',
          title: 'conversations opened per 100 members',
          format: null,
          missing: 'no members',
          scale: { zero: true },
          axis: {},
          tooltip: ['cohort_name', 'members', 'conversations_opened', 'opened_per_100_members'],
          color: '#0d9488',
          widthPx,
          y: labelledAxis(layout),
        }),
        ratePanel({
          column: 'reply_rate',
          title: 'reply rate (replied / opened)',
          format: '.1%',
          missing: 'none opened',
          scale: { domain: [0, 1] },
          axis: { format: '.0%', values: [0, 0.25, 0.5, 0.75, 1] },
          tooltip: ['cohort_name', 'conversations_opened', 'replied', 'reply_rate', 'median_reply_seconds'],
          color: '#7c3aed',
          widthPx,
          y: { ...cohortAxis, axis: null },
        }),
      ],
      spacing: PANEL_GAP_PX,
      // One row per cohort across both panels, even where one of them has no bar.
      resolve: { scale: { y: 'shared' } },
      config: CHART_CONFIG,
    },
  };
}

/** Each cohort's members who opened a conversation (100%), split by how many they opened. */
export function conversationCountsChart(source: ChartSource, cohorts: readonly ChartCohort[], layout: ConversationLayout): ChartDefinition {
  return {
    name: 'conversation-counts',
    title: 'Members who opened conversations, by how many they opened',
    file: CONVERSATIONS_FILE,
    spec: {
      $schema: SCHEMA,
      description: 'share of the members who opened a conversation that opened 1, 2–3, or 4 or more, per cohort (cohort_conversations.csv)',
      data: csvData(CONVERSATIONS_FILE, source),
      transform: [...cohortFields(source), ...lookupCohorts(cohorts), ...foldColumns(OPENED_BUCKETS, 'opened'), toNumber('count'), { filter: 'datum.count_value > 0' }],
      width: layout.plotsWidthPx,
      height: { step: STEP },
      mark: { type: 'bar' },
      encoding: {
        y: labelledAxis(layout),
        x: { field: 'count_value', type: 'quantitative', title: 'share of the members who opened a conversation', stack: 'normalize', axis: { format: '.0%' } },
        color: {
          field: 'opened',
          type: 'nominal',
          title: 'opened',
          scale: { domain: OPENED_BUCKETS.map((b) => b.label), range: OPENED_BUCKETS.map((b) => b.color) },
        },
        order: { field: 'column_order', type: 'quantitative' },
        tooltip: tooltipOf(['cohort_name', 'members_opened', 'column', 'count']),
      },
      config: CHART_CONFIG,
    },
  };
}
