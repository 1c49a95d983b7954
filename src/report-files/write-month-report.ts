/**
 * Writes one month's report, OUT/YYYY-MM/, atomically: the tables (CSV, and Parquet when asked for),
 * the page drawn from the CSVs (report.html, charts/*.vl.json) and then manifest.json go into the
 * output's local staging folder, each fsynced, and the month is published only when all are complete
 * (on disk one rename; in a store files first, manifest last: report-output.ts). A crash at any point
 * leaves either the previous complete month or none — never a manifest whose files are partial.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportOutput } from '../report-output/report-output.js';
import { DEFAULT_TABLE_WRITE_OPTIONS, type TableWriteOptions } from './report-formats.js';
import { writeTableFiles } from './write-table-files.js';
import {
  AMOUNTS_TABLE,
  CONVERSATIONS_TABLE,
  EVENTS_TABLE,
  MANIFEST_FILE,
  RETENTION_TABLE,
  SUMMARY_TABLE,
  type CohortAmountRow,
  type CohortConversationRow,
  type CohortEventRow,
  type CohortRetentionRow,
  type CohortSummaryRow,
} from '../report/columns.js';
import { compareText } from '../report/compare-text.js';
import { ReportInputError } from '../report/errors.js';
import { writeMonthPage } from '../report-html/write-month-page.js';
import { formatIsoInZone } from '../report/format-iso.js';
import { MANIFEST_FORMAT, type ManifestFile, type MonthManifest, type ReportTotals, type ReportWarning, type TableFile } from '../report/manifest.js';
import { assertTimeZone } from '../report/month-window.js';
import { parseMonth } from '../report/months.js';
import type { TableSpec } from '../report/table-spec.js';
import { syncPath } from './sync-path.js';
import type { RowSource } from './write-csv.js';

export interface WriteMonthReportOptions {
  /** Where the month goes: a folder or an object-store prefix (report-output.ts). */
  target: ReportOutput;
  month: string;
  timeZone: string;
  window: { startSec: number; endSec: number; month?: string };
  /** When the report was generated; no clock is read here. */
  generatedAt: Date | string;
  /** Further run-time figures (e.g. durationMs), kept under `timing` with generated_at. */
  timing?: Record<string, string | number>;
  /** `eventsPerPage`: the per_page sent on GET /events, null when none was (the API's default). */
  source: { baseUrl: string; apiVersion: string; eventsPerPage?: number | null; workspace?: { id: string; name: string } };
  /** The run writing the month, whose figures `totals` are (a backfill's months share them). */
  run?: { id: string; months: readonly string[] };
  totals: ReportTotals;
  warnings: ReportWarning[];
  /**
   * Rows in file order (sortCohorts for the cohorts; finishCohort gives each cohort's rows in
   * order). Async iterables are streamed, never collected. Out-of-order rows fail the write.
   */
  rows: {
    summary: RowSource<CohortSummaryRow>;
    events: RowSource<CohortEventRow>;
    amounts: RowSource<CohortAmountRow>;
    retention: RowSource<CohortRetentionRow>;
    /** cohort_conversations.csv's rows; absent or null: no such file (report.conversations false). */
    conversations?: RowSource<CohortConversationRow> | null;
  };
  /** Formats and formula guard; default CSV only, guarded. */
  output?: TableWriteOptions;
}

export interface MonthReportResult {
  /** Where the month is, as people are shown it: OUT/YYYY-MM or s3://bucket/prefix/YYYY-MM. */
  dir: string;
  manifest: MonthManifest;
}

function checkMonth<Row extends { month: string }>(month: string, rows: RowSource<Row>): AsyncIterable<Row> {
  return (async function* () {
    for await (const row of rows) {
      if (row.month !== month) throw new ReportInputError(`a row of month ${row.month} was handed to the report of ${month}`);
      yield row;
    }
  })();
}

type TableWriter = (dir: string, output: TableWriteOptions) => Promise<TableFile[]>;

/** The month folder's tables, in the order they are written and listed in the manifest. */
function monthTables(month: string, rows: WriteMonthReportOptions['rows']): TableWriter[] {
  const table =
    <Row extends { month: string }>(spec: TableSpec<Row>, source: RowSource<Row>): TableWriter =>
    (dir, output) =>
      writeTableFiles(dir, spec, checkMonth(month, source), output);
  return [
    table(SUMMARY_TABLE, rows.summary),
    table(EVENTS_TABLE, rows.events),
    table(AMOUNTS_TABLE, rows.amounts),
    table(RETENTION_TABLE, rows.retention),
    ...(rows.conversations ? [table(CONVERSATIONS_TABLE, rows.conversations)] : []),
  ];
}

function isoInstant(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new ReportInputError(`generatedAt is not a valid instant: ${String(value)}`);
  return date.toISOString();
}

/** The base URL without credentials, query or fragment: a manifest never carries a secret. */
function safeBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch (cause) {
    throw new ReportInputError('source.baseUrl is not a URL', { cause });
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function normalizeWarnings(warnings: readonly ReportWarning[]): ReportWarning[] {
  const counts = new Map<string, number>();
  for (const { name, count } of warnings) {
    if (!Number.isSafeInteger(count) || count < 0) throw new ReportInputError(`warning ${name}: count must be an integer >= 0`);
    counts.set(name, (counts.get(name) ?? 0) + count);
  }
  return [...counts]
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => compareText(a, b))
    .map(([name, count]) => ({ name, count }));
}

function checkTotals(totals: ReportTotals): void {
  for (const [key, value] of Object.entries(totals)) {
    if (!Number.isSafeInteger(value) || value < 0) throw new ReportInputError(`totals.${key} must be an integer >= 0, got ${value}`);
  }
}

/**
 * @example
 * await writeMonthReport({ target: openDiskOutput('reports'), month: '2026-10', timeZone: 'Europe/Berlin', window,
 *   generatedAt: now, source, totals, warnings: [], rows: { summary, events, amounts } });
 */
export async function writeMonthReport(options: WriteMonthReportOptions): Promise<MonthReportResult> {
  const { target: out, month, timeZone, window } = options;
  parseMonth(month);
  assertTimeZone(timeZone);
  if (window.month !== undefined && window.month !== month) {
    throw new ReportInputError(`window of ${window.month} passed for month ${month}`);
  }
  if (!Number.isSafeInteger(window.startSec) || !Number.isSafeInteger(window.endSec) || window.endSec <= window.startSec) {
    throw new ReportInputError('window must be whole Unix seconds with endSec > startSec');
  }
  checkTotals(options.totals);
  const generatedAt = isoInstant(options.generatedAt);
  const warnings = normalizeWarnings(options.warnings);
  const baseUrl = safeBaseUrl(options.source.baseUrl);
  const output = options.output ?? DEFAULT_TABLE_WRITE_OPTIONS;

  const staged = await out.stageMonth(month);
  const tmp = staged.dir;
  try {
    const files: ManifestFile[] = [];
    for (const write of monthTables(month, options.rows)) files.push(...(await write(tmp, output)));
    const windowIso = { start: formatIsoInZone(window.startSec, timeZone), end: formatIsoInZone(window.endSec, timeZone) };
    files.push(...(await writeMonthPage(tmp, { month, timeZone, window: windowIso, warnings, formulaGuard: output.formulaGuard })));

    const t = options.totals;
    const manifest: MonthManifest = {
      format: MANIFEST_FORMAT,
      month,
      time_zone: timeZone,
      window: {
        ...windowIso,
        start_unix: window.startSec,
        end_unix: window.endSec,
        hours: (window.endSec - window.startSec) / 3600,
      },
      source: {
        base_url: baseUrl,
        api_version: options.source.apiVersion,
        ...(options.source.eventsPerPage !== undefined ? { events_per_page: options.source.eventsPerPage } : {}),
        ...(options.source.workspace ? { workspace_id: options.source.workspace.id, workspace_name: options.source.workspace.name } : {}),
      },
      ...(options.run ? { run: { id: options.run.id, months: [...options.run.months] } } : {}),
      totals: {
        cohorts: t.cohorts,
        members: t.members,
        unique_contacts: t.uniqueContacts,
        events_fetched: t.eventsFetched,
        api_calls: t.apiCalls,
        responses_429: t.responses429,
        retries: t.retries,
      },
      formula_guard: output.formulaGuard,
      warnings,
      files,
      timing: {
        generated_at: generatedAt,
        ...Object.fromEntries(Object.entries(options.timing ?? {}).filter(([key]) => key !== 'generated_at')),
      },
    };
    const manifestPath = join(tmp, MANIFEST_FILE);
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
    await syncPath(manifestPath);
    await staged.publish();
    return { dir: out.describe(month), manifest };
  } catch (err) {
    await staged.discard();
    throw err;
  }
}
