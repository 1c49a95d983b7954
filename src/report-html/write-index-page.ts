/**
 * OUT/index.html and OUT/charts/*.vl.json: every month across one page, rebuilt after every run
 * from trends.csv, retention.csv (when it exists) and the complete months it is handed. Replaced
 * atomically: built in the output's staging folder, then the charts folder and the page are
 * published (charts first, so a page never points at specs older than itself).
 */
import { join } from 'node:path';
import { RETENTION_COLUMNS, RETENTION_HISTORY_FILE, TRENDS_FILE } from '../report/columns.js';
import { addMonths } from '../report/months.js';
import type { MonthReport } from '../report-files/read-month-reports.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { compareText } from '../report/compare-text.js';
import { readText } from './chart-parts.js';
import { csvRecords, type CsvRecord, type CsvTable } from './csv-records.js';
import { CHARTS_DIR, drawCharts } from './draw-charts.js';
import { countOf } from './count-of.js';
import { escapeHtml } from './escape-html.js';
import { activeMembersChart, activeRateTrendChart, RETENTION_MONTHS, retentionChart } from './index-charts.js';
import { INDEX_FILE } from './index-file.js';
import { renderPage } from './page-layout.js';
import { rankCohorts } from './rank-cohorts.js';
import { MONTH_PAGE_FILE } from './write-month-page.js';
import { writeTextFile } from './write-text-file.js';

/** Cohorts drawn in the lines over months. */
export const TREND_CHART_COHORTS = 10;
/** Cohorts drawn as retention heatmaps. */
export const RETENTION_CHART_COHORTS = 6;

async function readOptional(output: ReportOutput, name: string, required: readonly string[]): Promise<CsvTable | null> {
  const bytes = await output.read(name);
  return bytes === null ? null : csvRecords(bytes.toString('utf8'), name, required);
}

/** Each cohort's row in the latest month it appears in: what ranks cohorts across months. */
function latestRows(records: readonly CsvRecord[]): CsvRecord[] {
  const latest = new Map<string, CsvRecord>();
  for (const r of records) {
    const key = `${r.cohort_type}\u0000${r.cohort_id}`;
    const seen = latest.get(key);
    if (!seen || compareText(seen.month ?? '', r.month ?? '') < 0) latest.set(key, r);
  }
  return [...latest.values()];
}

/**
 * What a month's manifest counts, saying what each figure is: members summed over cohorts are
 * memberships (a contact in two cohorts counts twice); the distinct contacts are `unique_contacts`,
 * left out when an older manifest lacks it.
 */
function monthCounts(totals: { cohorts: number; members: number; unique_contacts?: number }): string {
  const contacts = typeof totals.unique_contacts === 'number' ? ` of ${countOf(totals.unique_contacts, 'contact')}` : '';
  return `${countOf(totals.cohorts, 'cohort')}, ${countOf(totals.members, 'membership')}${contacts}`;
}

/** "No month yet", "1 month (2026-11)", "3 months, 2026-09 to 2026-11". */
function monthsSpan(months: readonly string[]): string {
  if (months.length === 0) return 'No month yet';
  if (months.length === 1) return `1 month (${months[0]!})`;
  return `${countOf(months.length, 'month')}, ${months[0]!} to ${months.at(-1)!}`;
}

export interface IndexPageOptions {
  /** Whether trends.csv and retention.csv carry the formula guard on workspace text (default true). */
  formulaGuard?: boolean;
}

/**
 * @example
 * const { path, files } = await writeIndexPage(out, months); // OUT/index.html; ['charts/…', 'index.html']
 */
export async function writeIndexPage(output: ReportOutput, months: readonly MonthReport[], options: IndexPageOptions = {}): Promise<{ path: string; files: string[] }> {
  const guarded = options.formulaGuard ?? true;
  const text = readText(guarded);
  const trends = (await readOptional(output, TRENDS_FILE, ['month', 'cohort_type', 'cohort_id', 'cohort_name', 'members', 'active_members', 'active_rate'])) ?? {
    columns: [],
    records: [],
  };
  const retention = await readOptional(output, RETENTION_HISTORY_FILE, RETENTION_COLUMNS);
  // Latest rows in file order (cohort_type, cohort_id), so ties rank as in the month pages.
  const latest = latestRows(trends.records);
  const ranked = rankCohorts(latest, TREND_CHART_COHORTS, guarded);
  const trendCohorts = ranked.filter((c) => c.charted);
  const heatRanked = ranked.slice(0, RETENTION_CHART_COHORTS);
  const latestMonth = months.at(-1)?.month;
  // With no month yet nothing is drawn; the spec still needs a month to anchor its grid.
  const gridMonth = latestMonth ?? '1970-01';
  const oldestSignup = addMonths(gridMonth, -RETENTION_MONTHS);
  // The heatmaps of the cohorts retention.csv has cells for (what the spec's facet would draw).
  const drawnCells = (retention?.records ?? []).filter(
    (r) => Number(r.months_since_signup) <= RETENTION_MONTHS && (r.signup_month ?? '') >= oldestSignup && (r.active_rate ?? '') !== '',
  );
  const withCells = new Set(drawnCells.map((r) => `${r.cohort_type}:${text(r.cohort_id)}`));
  const heatCohorts = heatRanked.filter((c) => withCells.has(c.cohort_key));
  // Lines need two months; with one, each cohort would be a lone dot.
  const trendMonths = [...new Set(trends.records.map((r) => r.month ?? ''))];

  const staged = await output.stageRoot();
  const tmp = staged.dir;
  try {
    const hasTrends = trendCohorts.some((c) => (c.record.active_rate ?? '') !== '');
    const oneMonth =
      trendMonths.length === 1
        ? `One month so far (${trendMonths[0]!}): the lines start with a second month. Until then its figures are on the month's page and in ${TRENDS_FILE}.`
        : null;
    const drawn = await drawCharts(tmp, [
      {
        definition: activeMembersChart({ columns: trends.columns, guarded }, trendCohorts),
        records: trends.records,
        emptyNote: trendCohorts.length === 0 ? 'No month has been written yet.' : oneMonth,
        caption: 'Members active in each month (at least one event).',
      },
      {
        definition: activeRateTrendChart({ columns: trends.columns, guarded }, trendCohorts),
        records: trends.records,
        emptyNote: !hasTrends ? 'No cohort has members yet.' : oneMonth,
        caption: 'active_members / members in each month.',
      },
      {
        definition: retentionChart({ columns: retention?.columns ?? RETENTION_COLUMNS, guarded }, heatCohorts, gridMonth),
        records: retention?.records ?? [],
        emptyNote:
          retention === null
            ? `No retention data yet: ${RETENTION_HISTORY_FILE} is written beside trends.csv by versions that report cohort retention; rerun a month to build it.`
            : heatCohorts.length > 0
              ? null
              : `${RETENTION_HISTORY_FILE} holds no rows for these cohorts yet.`,
        caption:
          `Active rate of each signup month's members, by months since signup (0 to ${RETENTION_MONTHS}, signup months from ${oldestSignup}); ` +
          `darker is higher; a cell's rate is written in it where it fits (not 100%) and is always in its tooltip. Each month's run adds one diagonal. ` +
          `Shown for the ${RETENTION_CHART_COHORTS} cohorts with the most members that have cells.`,
      },
    ]);
    const links = months.map((m) => {
      const hasPage = m.manifest.files.some((f) => f.name === MONTH_PAGE_FILE);
      const label = `${escapeHtml(m.month)}: ${escapeHtml(monthCounts(m.manifest.totals))}`;
      return hasPage ? `<li><a href="${escapeHtml(m.month)}/${MONTH_PAGE_FILE}">${label}</a></li>` : `<li>${label} (CSV only, written before pages existed)</li>`;
    });
    const rule =
      ranked.length > TREND_CHART_COHORTS
        ? `Lines show the ${TREND_CHART_COHORTS} cohorts with the most members in their latest month (ties in file order), heatmaps the first ${RETENTION_CHART_COHORTS}; every cohort is in ${TRENDS_FILE} and the month pages.`
        : `Every cohort is drawn, numbered by members in its latest month (ties in file order)${ranked.length > RETENTION_CHART_COHORTS ? `; heatmaps for the first ${RETENTION_CHART_COHORTS}` : ''}.`;
    const body = [
      `<nav><a href="${TRENDS_FILE}">${TRENDS_FILE}</a>${retention ? `<a href="${RETENTION_HISTORY_FILE}">${RETENTION_HISTORY_FILE}</a>` : ''}</nav>`,
      '<h1>Cohort reports</h1>',
      `<p class="meta">${escapeHtml(monthsSpan(months.map((m) => m.month)))}; ${countOf(ranked.length, 'cohort')}.</p>`,
      `<section id="months">\n<h2>Months</h2>\n<ul class="months">\n${links.join('\n')}\n</ul>\n</section>`,
      `<p class="note">${escapeHtml(rule)}</p>`,
      ...drawn.sections,
    ].join('\n');
    const page = renderPage({ title: 'Cohort reports', body });
    await writeTextFile(join(tmp, INDEX_FILE), page);
    await staged.publish([CHARTS_DIR, INDEX_FILE]);
    return { path: output.describe(INDEX_FILE), files: [...drawn.files.map((f) => f.name), INDEX_FILE] };
  } finally {
    await staged.discard();
  }
}
