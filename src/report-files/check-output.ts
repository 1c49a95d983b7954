/**
 * What must hold before a run replaces anything in its output folder, checked once before the run
 * spends its allowance and again just before the first file is written:
 * - the folder holds no other workspace's months (output-workspace.ts);
 * - each month the run will replace is replaced by one of at least the same scope: every cohort it
 *   holds is selected again and every format it was written in is written again, unless `replace`
 *   (`--replace`) says a narrower month is wanted;
 * - every other month, the ones trends.csv, retention.csv, datapackage.json and index.html are
 *   rebuilt from, still matches its manifest byte for byte. A failed check here leaves every file as
 *   it was; found only while rebuilding, it would leave a new month beside stale root files.
 */
import { basename, dirname } from 'node:path';
import { CONVERSATIONS_FILE, SUMMARY_FILE } from '../report/columns.js';
import { ReportIntegrityError } from '../report/errors.js';
import { printable } from '../shared/printable.js';
import { parseCsv } from './parse-csv.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { listMonthReports, verifyReportFile, type MonthReport } from './read-month-reports.js';
import { checkOutputWorkspace, type OutputWorkspace } from './output-workspace.js';
import { parquetName, type ReportFormat } from './report-formats.js';

/** Names shown in a refusal before "and N more": enough to recognise, short enough for one line. */
const NAMES_SHOWN = 5;

export interface RunScope {
  /** The cohorts the run reports (after config and --select/--exclude). */
  cohorts: ReadonlyArray<{ type: string; id: string; name: string }>;
  formats: readonly ReportFormat[];
  /** report.conversations: the run writes cohort_conversations.csv. */
  conversations: boolean;
}

export interface CheckOutputInput {
  output: ReportOutput;
  workspace: OutputWorkspace;
  /** The months the run writes. */
  months: readonly string[];
  scope: RunScope;
  /** `--replace`: a narrower month may replace a wider one. */
  replace: boolean;
}

export interface ReplacedMonth {
  month: string;
  /** Cohorts of the old month that the new one does not hold (only ever non-empty with `replace`). */
  cohortsDropped: number;
  /** Formats of the old month that the new one is not written in (likewise). */
  formatsDropped: ReportFormat[];
  /** The old month had cohort_conversations.csv and the new one has none (likewise). */
  conversationsDropped: boolean;
}

/** A run would replace a month with a narrower one (exit 2: widen the selection, or say --replace). */
export class MonthScopeError extends Error {
  readonly code = 'MONTH_SCOPE_NARROWER';
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'MonthScopeError';
  }
}

/** A month folder the rebuilds read no longer matches its manifest (exit 1; nothing was replaced). */
export class MonthIntegrityError extends Error {
  readonly code = 'MONTH_CHANGED_AFTER_WRITING';
  readonly exitCode = 1;
  readonly path: string;
  constructor(month: string, dir: string, cause: ReportIntegrityError) {
    const what = dir.startsWith('s3://') ? `every object under ${dir}/` : `the folder ${dir}`;
    super(
      `${cause.message}; nothing was replaced: restore ${month}/ from a copy, or delete ${what} ` +
        `(and run that month again to recreate it), then run this again`,
      { cause },
    );
    this.name = 'MonthIntegrityError';
    this.path = cause.path;
  }
}

function formatsOf(report: MonthReport): ReportFormat[] {
  const names = new Set(report.manifest.files.map((f) => f.name));
  const formats: ReportFormat[] = ['csv'];
  if (names.has(parquetName(SUMMARY_FILE))) formats.push('parquet');
  return formats;
}

/**
 * The cohorts an existing month holds, from its cohort_summary.csv as it is stored (not checked
 * against the manifest: this month is the one being replaced, and replacing it is how an edited
 * copy is mended).
 */
async function cohortsOf(report: MonthReport): Promise<Array<{ key: string; type: string; name: string }> | null> {
  const bytes = await report.output.read(`${report.month}/${SUMMARY_FILE}`);
  if (bytes === null) return null;
  const [header, ...rows] = parseCsv(bytes.toString('utf8'));
  const at = (column: string): number => header?.indexOf(column) ?? -1;
  const [type, id, name] = [at('cohort_type'), at('cohort_id'), at('cohort_name')];
  if (type < 0 || id < 0) return null;
  return rows.map((row) => ({ key: `${row[type]}:${row[id]}`, type: row[type] ?? '', name: name < 0 ? (row[id] ?? '') : (row[name] ?? '') }));
}

function listNames(items: ReadonlyArray<{ type: string; name: string }>): string {
  const shown = items.slice(0, NAMES_SHOWN).map((c) => `${c.type} "${printable(c.name)}"`);
  return items.length > NAMES_SHOWN ? `${shown.join(', ')} and ${items.length - NAMES_SHOWN} more` : shown.join(', ');
}

async function checkScope(report: MonthReport, input: CheckOutputInput): Promise<ReplacedMonth> {
  const selected = new Set(input.scope.cohorts.map((c) => `${c.type}:${c.id}`));
  const held = await cohortsOf(report);
  const fix = `select them again (see --select/--exclude and cohorts.include/exclude), write to another folder with --out, or add --replace to replace the month with the narrower one`;
  if (held === null) {
    if (input.replace) return { month: report.month, cohortsDropped: 0, formatsDropped: [], conversationsDropped: false };
    throw new MonthScopeError(`${report.dir} exists but its ${SUMMARY_FILE} cannot be read, so what the run would drop is unknown: add --replace to replace it, or write to another folder with --out`);
  }
  const dropped = held.filter((c) => !selected.has(c.key));
  const formatsDropped = formatsOf(report).filter((f) => !input.scope.formats.includes(f));
  const conversationsDropped = !input.scope.conversations && report.manifest.files.some((f) => f.name === CONVERSATIONS_FILE);
  if (!input.replace) {
    if (dropped.length > 0) {
      throw new MonthScopeError(
        `${report.dir} holds ${held.length} cohorts and this run selects ${input.scope.cohorts.length}: ${dropped.length} would disappear (${listNames(dropped)}); ${fix}`,
      );
    }
    if (formatsDropped.length > 0) {
      throw new MonthScopeError(
        `${report.dir} was written as ${formatsOf(report).join(',')} and this run writes only ${input.scope.formats.join(',')}: its ${formatsDropped.join(', ')} files would disappear; ` +
          `add --format ${formatsOf(report).join(',')}, write to another folder with --out, or add --replace`,
      );
    }
    if (conversationsDropped) {
      throw new MonthScopeError(
        `${report.dir} has ${CONVERSATIONS_FILE} and this run lists no conversations (report.conversations is false): it would disappear; ` +
          `set report.conversations: true, write to another folder with --out, or add --replace`,
      );
    }
  }
  return { month: report.month, cohortsDropped: dropped.length, formatsDropped, conversationsDropped };
}

/** Checks every file the manifest lists against its size and SHA-256 (a store: without downloading it). */
async function verifyMonth(report: MonthReport): Promise<void> {
  try {
    for (const file of report.manifest.files) await verifyReportFile(report, file.name);
  } catch (err) {
    if (err instanceof ReportIntegrityError) throw new MonthIntegrityError(report.month, report.dir, err);
    throw err;
  }
}

/**
 * Throws OutputWorkspaceMismatchError, MonthScopeError or MonthIntegrityError when the run must not
 * write; otherwise returns the months it will replace.
 */
export async function checkOutput(input: CheckOutputInput): Promise<ReplacedMonth[]> {
  let months: MonthReport[];
  try {
    months = await listMonthReports(input.output, { workspace: 'any' });
  } catch (err) {
    // A manifest that cannot be read: its folder is the one to restore or delete.
    if (err instanceof ReportIntegrityError) throw new MonthIntegrityError(basename(dirname(err.path)), dirname(err.path), err);
    throw err;
  }
  await checkOutputWorkspace(input.output, input.workspace, months);
  const replaced: ReplacedMonth[] = [];
  for (const report of months) {
    if (input.months.includes(report.month)) replaced.push(await checkScope(report, input));
    else await verifyMonth(report);
  }
  return replaced;
}
