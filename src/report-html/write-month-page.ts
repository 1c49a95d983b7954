/**
 * DIR/report.html and DIR/charts/*.vl.json for one month folder, from the CSVs already in it. Called
 * by writeMonthReport inside its temporary folder, before the manifest: the page is part of the same
 * atomic month folder and is listed in its manifest. The page depends on the CSVs and the month's
 * facts only (never a clock or a request counter), so the same data gives the same bytes. The
 * conversations section is there only when the folder holds cohort_conversations.csv.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AMOUNTS_FILE, EVENTS_FILE, SUMMARY_FILE } from '../report/columns.js';
import {
  WARNING_MEMBERS_MISSING,
  WARNING_MONTH_BEYOND_RETENTION,
  WARNING_PREVIOUS_MONTH_BEYOND_RETENTION,
  WARNING_REQUESTS_LOWER_BOUND,
  type ReportWarning,
} from '../report/manifest.js';
import { readText } from './chart-parts.js';
import { csvRecords, type CsvRecord, type CsvTable } from './csv-records.js';
import { drawCharts } from './draw-charts.js';
import { drawConversations } from './draw-conversations.js';
import { countOf } from './count-of.js';
import { escapeHtml } from './escape-html.js';
import { INDEX_FILE } from './index-file.js';
import { activeRateChart, amountsChart, lifecycleChart, LIFECYCLE, stickinessChart, STICKINESS, topEventsChart, TOP_EVENTS } from './month-charts.js';
import { renderPage } from './page-layout.js';
import { rankCohorts } from './rank-cohorts.js';
import { writeTextFile } from './write-text-file.js';

export const MONTH_PAGE_FILE = 'report.html';

/** Cohorts drawn in the month's charts: the most members first. */
export const MONTH_CHART_COHORTS = 20;

export interface MonthPageFacts {
  month: string;
  timeZone: string;
  /** Window bounds as the manifest writes them. */
  window: { start: string; end: string };
  warnings: readonly ReportWarning[];
  /** Whether the CSVs' workspace text carries the formula guard, to be undone on the page. */
  formulaGuard: boolean;
}

const WARNING_TEXT: Record<string, string> = {
  [WARNING_MEMBERS_MISSING]: 'contacts listed as members were deleted or merged before their events could be read; they count as members without events',
  [WARNING_PREVIOUS_MONTH_BEYOND_RETENTION]: 'the previous month starts more than 90 days before the run, beyond what Intercom lists: lifecycle and _prev columns are empty',
  [WARNING_MONTH_BEYOND_RETENTION]: 'the month itself starts more than 90 days before the run (--allow-partial): only the events still listable are counted',
};

const TABLE_COLUMNS = [
  { column: 'members', title: 'members' },
  { column: 'active_members', title: 'active' },
  { column: 'active_rate', title: 'active rate' },
  { column: 'events_per_active', title: 'events / active' },
  ...LIFECYCLE.map((l) => ({ column: l.column, title: l.label })),
];

/**
 * Each cohort's first TOP_EVENTS rows, by its key, in file order (events descending, then name):
 * what the top-events spec keeps.
 */
function topEventsOf(records: readonly CsvRecord[], keyOf: (r: CsvRecord) => string): Map<string, CsvRecord[]> {
  const top = new Map<string, CsvRecord[]>();
  for (const r of records) {
    const key = keyOf(r);
    const list = top.get(key) ?? [];
    if (list.length < TOP_EVENTS) list.push(r);
    top.set(key, list);
  }
  return top;
}

async function readTable(dir: string, file: string, required: readonly string[]): Promise<CsvTable> {
  return csvRecords(await readFile(join(dir, file), 'utf8'), file, required);
}

function headlineTable(ranked: ReturnType<typeof rankCohorts>, text: (cell: string | undefined) => string): string {
  const head = `<tr><th class="num">#</th><th>cohort</th><th>type</th><th>id</th>${TABLE_COLUMNS.map((c) => `<th class="num">${escapeHtml(c.title)}</th>`).join('')}</tr>`;
  const rows = ranked.map(({ record, rank, charted }) => {
    const cells = TABLE_COLUMNS.map((c) => `<td class="num" data-column="${c.column}">${escapeHtml(record[c.column] ?? '')}</td>`).join('');
    return (
      `<tr${charted ? ' class="charted"' : ''}><td class="num" data-column="rank">${rank}</td>` +
      `<td class="text name" data-column="cohort_name">${escapeHtml(text(record.cohort_name))}</td>` +
      `<td data-column="cohort_type">${escapeHtml(record.cohort_type ?? '')}</td>` +
      `<td class="text id" data-column="cohort_id">${escapeHtml(text(record.cohort_id))}</td>${cells}</tr>`
    );
  });
  // In a box of its own: a table too wide for a narrow window scrolls there, not the page.
  return `<div class="table-box">\n<table id="cohorts">\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>\n</div>`;
}

/**
 * @example
 * const files = await writeMonthPage(tmpDir, { month: '2026-10', timeZone: 'UTC', window, warnings: [], formulaGuard: true });
 */
export async function writeMonthPage(dir: string, facts: MonthPageFacts): Promise<Array<{ name: string; bytes: number; sha256: string }>> {
  const summary = await readTable(dir, SUMMARY_FILE, ['cohort_type', 'cohort_id', 'cohort_name', 'members', 'active_members', 'active_rate', 'events_per_active']);
  const events = await readTable(dir, EVENTS_FILE, ['cohort_type', 'cohort_id', 'event_name', 'events']);
  const amounts = await readTable(dir, AMOUNTS_FILE, ['cohort_type', 'cohort_id', 'currency', 'amount_major']);
  const guarded = facts.formulaGuard;
  const text = readText(guarded);
  const ranked = rankCohorts(summary.records, MONTH_CHART_COHORTS, guarded);
  const charted = ranked.filter((c) => c.charted);
  const chartedKeys = new Set(charted.map((c) => c.cohort_key));
  const inCharts = (r: CsvRecord): boolean => chartedKeys.has(`${r.cohort_type}:${text(r.cohort_id)}`);
  // The specs keep only the charted cohorts' rows themselves; handing them only those rows draws the
  // same chart without copying every row of a large cohort_events.csv into vega.
  const chartedEvents = events.records.filter(inCharts);
  const chartedAmounts = amounts.records.filter(inCharts);
  // What the top events and amounts show, as shown: their labels are sized by it.
  const topEvents = topEventsOf(chartedEvents, (r) => `${r.cohort_type}:${text(r.cohort_id)}`);
  const eventCohorts = charted.filter((c) => topEvents.has(c.cohort_key));
  const eventNames = [...topEvents.values()].flat().map((r) => text(r.event_name));
  const sources = [...new Set(chartedAmounts.filter((r) => (r.amount_major ?? '') !== '').map((r) => `${text(r.event_name)} · ${text(r.metadata_key)}`))];
  const lifecycleKnown = charted.some((c) => LIFECYCLE.some((l) => (c.record[l.column] ?? '') !== ''));
  const anyActive = charted.some((c) => STICKINESS.some((s) => Number(c.record[s.column]) > 0));
  const withMembers = charted.some((c) => (c.record.active_rate ?? '') !== '');

  const fromSummary = { columns: summary.columns, guarded };
  const drawn = await drawCharts(dir, [
    {
      definition: activeRateChart(fromSummary, charted),
      records: summary.records,
      emptyNote: withMembers ? null : 'No cohort has members this month.',
      caption: 'active_members / members of each cohort.',
    },
    {
      definition: lifecycleChart(fromSummary, charted),
      records: summary.records,
      emptyNote: lifecycleKnown ? null : 'Lifecycle needs the previous month, which is beyond the 90 days of events Intercom lists: its columns are empty.',
      caption:
        'PostHog lifecycle with a calendar month as the interval: new + returning + resurrecting = active members, right of zero; ' +
        'dormant (active last month, not this one) left of zero. The axis counts members both ways.',
    },
    {
      definition: stickinessChart(fromSummary, charted),
      records: summary.records,
      emptyNote: anyActive ? null : 'No member was active this month.',
      caption: 'Each bar is a cohort\'s active members (100%), split by the number of distinct days in the month they were active.',
    },
    {
      definition: topEventsChart({ columns: events.columns, guarded }, eventCohorts, eventNames),
      records: chartedEvents,
      emptyNote: chartedEvents.length > 0 ? null : 'No events this month.',
      caption: `The ${TOP_EVENTS} event names with the most events in each cohort; each panel has its own scale.`,
    },
    {
      definition: amountsChart({ columns: amounts.columns, guarded }, charted, sources),
      records: chartedAmounts,
      emptyNote: chartedAmounts.length > 0 ? null : 'No monetary amounts (metadata with an integer amount and a currency) this month.',
      caption:
        'Sums of monetary metadata in the currency\'s major unit (amount_major), one panel per currency and one bar per event name and metadata key, ' +
        'never added together: a refund or a credit is a bar of its own beside the sales.',
    },
  ]);
  // Only when the run wrote cohort_conversations.csv (report.conversations); otherwise nothing at all.
  const conversations = await drawConversations(dir, { charted, guarded });

  // requests_lower_bound is about the run's request counters, which the page never shows.
  const warnings = facts.warnings.filter((w) => w.name !== WARNING_REQUESTS_LOWER_BOUND).map(
    (w) => `<p class="warning"><strong>${escapeHtml(w.name)}</strong> (${w.count}): ${escapeHtml(WARNING_TEXT[w.name] ?? 'see manifest.json')}</p>`,
  );
  const memberships = summary.records.reduce((sum, r) => sum + (Number(r.members) || 0), 0);
  const rule =
    ranked.length > MONTH_CHART_COHORTS
      ? `Charts show the ${MONTH_CHART_COHORTS} cohorts with the most members (ties in file order); all ${ranked.length} cohorts are in the table below, charted ones in bold.`
      : `All ${ranked.length} cohorts are charted, numbered by members (most first, ties in file order).`;
  const body = [
    `<nav><a href="../${INDEX_FILE}">All months</a><a href="${SUMMARY_FILE}">${SUMMARY_FILE}</a><a href="${EVENTS_FILE}">${EVENTS_FILE}</a><a href="${AMOUNTS_FILE}">${AMOUNTS_FILE}</a>${conversations?.link ?? ''}<a href="manifest.json">manifest.json</a></nav>`,
    `<h1>Cohort report ${escapeHtml(facts.month)}</h1>`,
    `<p class="meta">Time zone ${escapeHtml(facts.timeZone)}, from ${escapeHtml(facts.window.start)} to ${escapeHtml(facts.window.end)} (exclusive). ${countOf(ranked.length, 'cohort')}, ${countOf(memberships, 'membership')} (a contact in several cohorts counts in each).</p>`,
    ...warnings,
    `<p class="note">${escapeHtml(rule)}</p>`,
    ...drawn.sections,
    ...(conversations?.sections ?? []),
    `<section id="table">\n<h2>Cohorts</h2>\n<p class="meta">Every cohort, by members. Values as in ${SUMMARY_FILE}; an empty cell is a ratio with a zero denominator or a figure that needs the previous month.</p>\n${headlineTable(ranked, text)}\n</section>`,
  ].join('\n');
  const page = renderPage({ title: `Cohort report ${facts.month}`, body });
  return [{ name: MONTH_PAGE_FILE, ...(await writeTextFile(join(dir, MONTH_PAGE_FILE), page)) }, ...drawn.files, ...(conversations?.files ?? [])];
}
