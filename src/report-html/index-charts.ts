/**
 * The charts of the index page: headline figures per cohort across months (trends.csv) and the
 * retention triangle (retention.csv, columns as METRICS.md defines them), one heatmap per cohort in
 * panels that the page wraps.
 */
import { RETENTION_HISTORY_FILE, TRENDS_FILE } from '../report/columns.js';
import { addMonths } from '../report/months.js';
import { CHART_CONFIG, CHART_WIDTH_PX, FONT_PX, SCHEMA, cohortFields, csvData, lookupCohorts, toNumber, tooltipOf, type ChartCohort, type ChartDefinition, type ChartSource } from './chart-parts.js';
import { facetPanels } from './facet-panels.js';
import { legendFor } from './month-charts.js';
import { textWidth } from './text-width.js';

/** Months since signup drawn in the heatmap: 0 to this, and signup months no older than the latest month minus it. */
export const RETENTION_MONTHS = 11;

/**
 * A heatmap cell, in px: a panel is about 370 px wide, so two sit side by side in 760 px of page
 * (an 800 px window) and three in 1,200 (1,280 and 1,400 px).
 */
export const CELL_WIDTH_PX = 24;
export const CELL_HEIGHT_PX = 20;
/** The cell labels' font size, and the margin they keep from the cell's sides. */
export const CELL_FONT_PX = 10;
const CELL_MARGIN_PX = 1.5;
/**
 * The longest cell label that fits in a cell ("42%" is 3 characters): a rate whose label is longer
 * ("100%") has none, and its tooltip gives it. Digits are all one width, so the length decides.
 */
export const CELL_LABEL_MAX_CHARS = [4, 3, 2].find((n) => textWidth(`${'0'.repeat(n - 1)}%`, CELL_FONT_PX) + 2 * CELL_MARGIN_PX <= CELL_WIDTH_PX) ?? 0;

/** Room for the y axis of a line chart (its labels and title) left of the plot. */
const LINE_AXIS_PX = 70;

function trendLines(name: string, title: string, field: 'active_members' | 'active_rate', source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  const plotWidthPx = CHART_WIDTH_PX - LINE_AXIS_PX;
  return {
    name,
    title,
    file: TRENDS_FILE,
    spec: {
      $schema: SCHEMA,
      description: `${field} per cohort and month (trends.csv)`,
      data: csvData(TRENDS_FILE, source),
      transform: [...cohortFields(source), ...lookupCohorts(cohorts), { filter: `datum.${field} !== ''` }, toNumber(field)],
      width: plotWidthPx,
      height: 280,
      mark: { type: 'line', point: { filled: true, size: 40 } },
      encoding: {
        // Crowded months show every other label (parity), never two on top of each other.
        x: { field: 'month', type: 'ordinal', title: 'month', axis: { labelAngle: 0, labelOverlap: true } },
        y: {
          field: `${field}_value`,
          type: 'quantitative',
          title: field === 'active_rate' ? 'active rate' : 'active members',
          ...(field === 'active_rate' ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } } : { axis: { tickMinStep: 1 } }),
        },
        color: {
          field: 'cohort_label',
          type: 'nominal',
          sort: { field: 'rank', op: 'min', order: 'ascending' },
          scale: { scheme: 'tableau10' },
          legend: legendFor(cohorts.map((c) => c.cohort_label), plotWidthPx, null),
        },
        tooltip: tooltipOf(['cohort_name', 'month', 'members', 'active_members', 'active_rate']),
      },
      config: CHART_CONFIG,
    },
  };
}

export const activeMembersChart = (source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition =>
  trendLines('active-members', 'Active members per cohort over months', 'active_members', source, cohorts);

export const activeRateTrendChart = (source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition =>
  trendLines('active-rate-trend', 'Active rate per cohort over months', 'active_rate', source, cohorts);

/**
 * One heatmap per cohort, each a panel of its own: rows are signup months, columns months since
 * signup, colour the active rate (darker is higher), and in each cell whose label fits its rate.
 * Each cell is as retention.csv has it (the members as that month's run saw them).
 */
export function retentionChart(source: ChartSource, cohorts: readonly ChartCohort[], latestMonth: string): ChartDefinition {
  const signupMonths = Array.from({ length: RETENTION_MONTHS + 1 }, (_, i) => addMonths(latestMonth, i - RETENTION_MONTHS));
  const oldestSignupMonth = signupMonths[0]!;
  const widthPx = CELL_WIDTH_PX * (RETENTION_MONTHS + 1);
  const cells = {
    mark: { type: 'rect' },
    encoding: {
      color: { field: 'active_rate_value', type: 'quantitative', scale: { domain: [0, 1], scheme: 'blues' }, legend: null },
      tooltip: tooltipOf(['cohort_name', 'signup_month', 'months_since_signup', 'members', 'active_members', 'active_rate']),
    },
  };
  const labels = {
    transform: [{ calculate: "format(datum.active_rate_value, '.0%')", as: 'cell_label' }, { filter: `length(datum.cell_label) <= ${CELL_LABEL_MAX_CHARS}` }],
    mark: { type: 'text', fontSize: CELL_FONT_PX, baseline: 'middle', aria: false },
    encoding: {
      text: { field: 'cell_label', type: 'nominal' },
      color: { condition: { test: 'datum.active_rate_value > 0.5', value: 'white' }, value: '#111827' },
    },
  };
  const spec = {
    $schema: SCHEMA,
    description: 'active rate of the members who signed up in each month, by months since signup (retention.csv)',
    data: csvData(RETENTION_HISTORY_FILE, source),
    transform: [
      ...cohortFields(source),
      ...lookupCohorts(cohorts),
      toNumber('months_since_signup'),
      { filter: `datum.months_since_signup_value <= ${RETENTION_MONTHS} && datum.signup_month >= '${oldestSignupMonth}' && datum.active_rate !== ''` },
      toNumber('active_rate'),
    ],
    facet: { field: 'cohort_label', type: 'nominal', title: null, sort: { field: 'rank', op: 'min', order: 'ascending' }, header: { labelLimit: widthPx, labelFontWeight: 'bold' } },
    columns: 3,
    spec: {
      // Fixed sizes: a layered facet cannot size itself by step (vega-lite 6 fails on child_width).
      width: widthPx,
      height: CELL_HEIGHT_PX * (RETENTION_MONTHS + 1),
      layer: CELL_LABEL_MAX_CHARS > 0 ? [cells, labels] : [cells],
      // The whole triangle's grid in every panel, so cohorts compare cell by cell; no grid lines, which
      // would run through the labels.
      encoding: {
        x: {
          field: 'months_since_signup_value',
          type: 'ordinal',
          title: 'months since signup',
          scale: { domain: Array.from({ length: RETENTION_MONTHS + 1 }, (_, i) => i) },
          axis: { labelAngle: 0, grid: false },
        },
        y: { field: 'signup_month', type: 'ordinal', title: 'signup month', scale: { domain: signupMonths }, axis: { grid: false } },
      },
    },
    // A title may run over the y axis too (its labels, ticks and title: about 16 px besides the labels).
    usermeta: { panels: { titleLimitPx: widthPx + Math.ceil(textWidth(latestMonth, FONT_PX)) + 16 } },
    config: CHART_CONFIG,
  };
  return { name: 'retention', title: 'Retention by signup month', file: RETENTION_HISTORY_FILE, spec, panels: facetPanels('retention', spec, cohorts) };
}
