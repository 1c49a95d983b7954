/**
 * The conversation charts of a month page, as Vega-Lite specs over cohort_conversations.csv. They
 * draw the cohorts the other month charts draw (`rankCohorts`), one bar per cohort, laid out like them:
 * CHART_WIDTH_PX wide, the cohort labels given the room the longest needs (barLayout).
 */
import { CONVERSATIONS_FILE } from '../report/columns.js';
import { barLayout, type BarLayout } from './chart-layout.js';
import { CHART_CONFIG, SCHEMA, cohortFields, csvData, lookupCohorts, toNumber, tooltipOf, type ChartCohort, type ChartDefinition, type ChartSource } from './chart-parts.js';
import { cohortAxis, cohortAxisIn, shareBarsSpec, STEP, tickCountFor } from './month-charts.js';

/** Members by how many conversations they opened, in stacking order. */
export const OPENED_BUCKETS = [
  { column: 'opened_1', label: '1 conversation', color: '#99f6e4' },
  { column: 'opened_2_3', label: '2–3 conversations', color: '#14b8a6' },
  { column: 'opened_4_plus', label: '4 or more', color: '#115e59' },
] as const;

/** Between the rates chart's panels: room for the figure written beside a bar that fills its plot. */
const PANEL_GAP_PX = 64;
/** The same figure beside the right panel's bars, inside the chart's width. */
const VALUE_ROOM_PX = 48;

/** Where the rates chart writes the value next to each bar. */
const VALUE_TEXT = { type: 'text', align: 'left', baseline: 'middle', dx: 4, color: '#374151', aria: false } as const;

/** The layout both charts share: the labels' room and the width of what is right of them. */
export type ConversationLayout = BarLayout;

/**
 * Sizes the charts from the labels they show (barLayout).
 *
 * @example conversationLayout([{ cohort_key: 'tag:1', rank: 1, cohort_label: '1. VIP' }]); // { labelLimitPx: 34, plotWidthPx: 789 }
 */
export function conversationLayout(cohorts: readonly ChartCohort[]): ConversationLayout {
  return barLayout(cohorts.map((c) => c.cohort_label));
}

/**
 * Empty cells as ''. vega's `string` parser reads an empty CSV cell as null, which a tooltip would
 * show as "null"; the file's own empty text is what the chart shows and tests.
 */
function emptyAsText(fields: readonly string[]): Array<{ calculate: string; as: string }> {
  return fields.map((f) => ({ calculate: `isValid(datum.${f}) ? datum.${f} : ''`, as: f }));
}


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
  const widthPx = Math.floor((layout.plotWidthPx - PANEL_GAP_PX - VALUE_ROOM_PX) / 2);
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
          axis: { tickCount: tickCountFor(widthPx) },
          tooltip: ['cohort_name', 'members', 'conversations_opened', 'opened_per_100_members'],
          color: '#0d9488',
          widthPx,
          y: cohortAxisIn(layout),
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
    spec: shareBarsSpec({
      file: CONVERSATIONS_FILE,
      description: 'share of the members who opened a conversation that opened 1, 2–3, or 4 or more, per cohort (cohort_conversations.csv)',
      source,
      cohorts,
      layout,
      buckets: OPENED_BUCKETS,
      as: 'opened',
      title: 'share of the members who opened a conversation',
      scale: { domain: OPENED_BUCKETS.map((b) => b.label), range: OPENED_BUCKETS.map((b) => b.color) },
      legendTitle: 'opened',
      tooltip: tooltipOf(['cohort_name', 'members_opened', 'column', 'count']),
    }),
  };
}
