/**
 * The charts of the index page: headline figures per cohort across months (trends.csv) and the
 * retention triangle (retention.csv, columns as METRICS.md defines them).
 */
import { RETENTION_HISTORY_FILE, TRENDS_FILE } from '../report/columns.js';
import { addMonths } from '../report/months.js';
import { CHART_CONFIG, SCHEMA, cohortFields, csvData, lookupCohorts, toNumber, tooltipOf, type ChartCohort, type ChartDefinition, type ChartSource } from './chart-parts.js';

/** Months since signup drawn in the heatmap: 0 to this, and signup months no older than the latest month minus it. */
export const RETENTION_MONTHS = 11;

function trendLines(name: string, title: string, field: 'active_members' | 'active_rate', source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition {
  return {
    name,
    title,
    file: TRENDS_FILE,
    spec: {
      $schema: SCHEMA,
      description: `${field} per cohort and month (trends.csv)`,
      data: csvData(TRENDS_FILE, source),
      transform: [...cohortFields(source), ...lookupCohorts(cohorts), { filter: `datum.${field} !== ''` }, toNumber(field)],
      width: 900,
      height: 260,
      mark: { type: 'line', point: { filled: true, size: 40 } },
      encoding: {
        x: { field: 'month', type: 'ordinal', title: 'month', axis: { labelAngle: 0 } },
        y: {
          field: `${field}_value`,
          type: 'quantitative',
          title: field === 'active_rate' ? 'active rate' : 'active members',
          ...(field === 'active_rate' ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } } : {}),
        },
        color: { field: 'cohort_label', type: 'nominal', title: null, sort: { field: 'rank', op: 'min', order: 'ascending' }, scale: { scheme: 'tableau10' } },
        tooltip: tooltipOf(['cohort_name', 'month', 'members', 'active_members', 'active_rate']),
      },
      config: { ...CHART_CONFIG, legend: { ...CHART_CONFIG.legend, columns: 3 } },
    },
  };
}

export const activeMembersChart = (source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition =>
  trendLines('active-members', 'Active members per cohort over months', 'active_members', source, cohorts);

export const activeRateTrendChart = (source: ChartSource, cohorts: readonly ChartCohort[]): ChartDefinition =>
  trendLines('active-rate-trend', 'Active rate per cohort over months', 'active_rate', source, cohorts);

/**
 * One heatmap per cohort: rows are signup months, columns months since signup, colour the active
 * rate; each cell as retention.csv has it (the members as that month's run saw them).
 */
export function retentionChart(source: ChartSource, cohorts: readonly ChartCohort[], latestMonth: string): ChartDefinition {
  const signupMonths = Array.from({ length: RETENTION_MONTHS + 1 }, (_, i) => addMonths(latestMonth, i - RETENTION_MONTHS));
  const oldestSignupMonth = signupMonths[0]!;
  return {
    name: 'retention',
    title: 'Retention by signup month',
    file: RETENTION_HISTORY_FILE,
    spec: {
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
      facet: { field: 'cohort_label', type: 'nominal', title: null, sort: { field: 'rank', op: 'min', order: 'ascending' } },
      columns: 2,
      spec: {
        // Fixed sizes: a layered facet cannot size itself by step (vega-lite 6 fails on child_width).
        width: 30 * (RETENTION_MONTHS + 1),
        height: 18 * (RETENTION_MONTHS + 1),
        layer: [
          {
            mark: { type: 'rect' },
            encoding: {
              color: { field: 'active_rate_value', type: 'quantitative', title: 'active rate', scale: { domain: [0, 1], scheme: 'blues' }, legend: { format: '.0%' } },
              tooltip: tooltipOf(['cohort_name', 'signup_month', 'months_since_signup', 'members', 'active_members', 'active_rate']),
            },
          },
          {
            mark: { type: 'text', fontSize: 9, baseline: 'middle', aria: false },
            encoding: {
              text: { field: 'active_rate_value', type: 'quantitative', format: '.0%' },
              color: { condition: { test: 'datum.active_rate_value > 0.5', value: 'white' }, value: '#111827' },
            },
          },
        ],
        // The whole triangle's grid in every panel, so cohorts compare cell by cell.
        encoding: {
          x: {
            field: 'months_since_signup_value',
            type: 'ordinal',
            title: 'months since signup',
            scale: { domain: Array.from({ length: RETENTION_MONTHS + 1 }, (_, i) => i) },
            axis: { labelAngle: 0 },
          },
          y: { field: 'signup_month', type: 'ordinal', title: 'signup month', scale: { domain: signupMonths } },
        },
      },
      config: CHART_CONFIG,
    },
  };
}
