/**
 * The one gate between the queue and the processors: a job's data parsed with its name's schema
 * (job-schemas.ts), or refused with one line naming the job name and the field. Every job goes through
 * it in startWorker's processJob, so a new processor cannot forget, and jobs added by any client (a
 * dashboard, a script with Redis access, an older version) are held to the same rules as our own.
 *
 * The line quotes no value from the job: only the schema's field names, array positions and the
 * schema's own expectations. An unknown field's name is the one piece of the job shown, made printable
 * and shortened (it may be a terminal escape or a megabyte long).
 */
import { z } from 'zod';
import type { RunResults } from '../src/pipeline/write-run-results.js';
import { printable } from '../src/shared/printable.js';
import { JOB_DATA_SCHEMAS, PLANNED_RUN_SCHEMA } from './job-schemas.js';
import { JOB_NAMES, runJobId, type JobDataByName, type JobName } from './job-types.js';

/** Issues named in one line; the rest are counted. */
const MAX_ISSUES_SHOWN = 3;
/** How much of an unknown field's name (or a job name) is shown. */
const MAX_NAME_SHOWN = 40;

/** A job whose name or data no processor accepts: failed for good (no retry can mend it). */
export class JobDataInvalidError extends Error {
  readonly code = 'JOB_DATA_INVALID';
  /** As enqueue's own input (a selection no job may carry): bad configuration, exit 2. */
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'JobDataInvalidError';
  }
}

function shown(name: string): string {
  const cut = name.length > MAX_NAME_SHOWN ? `${name.slice(0, MAX_NAME_SHOWN)}…` : name;
  return printable(cut);
}

/** `run.from`, `contactIds[3]`; empty for the data itself. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? shown(String(part)) : `.${shown(String(part))}`;
  }
  return out;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const part of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return typeof v;
}

/** Each issue as `field: what was expected`, never with the value found. */
function describeIssues(issues: readonly z.core.$ZodIssue[], data: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = at === '' ? shown(key) : `${at}.${shown(key)}`;
        lines.push(key === 'outDir' ? `${field}: not accepted (a worker writes only to its own report.outDir)` : `${field}: unknown field`);
      }
      continue;
    }
    let what: string;
    if (issue.code === 'invalid_type') {
      const found = valueAt(data, issue.path);
      what = found === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${typeName(found)}`;
    } else if (issue.code === 'too_big' || issue.code === 'too_small') {
      const found = valueAt(data, issue.path);
      const bound = issue.code === 'too_big' ? `at most ${String(issue.maximum)}` : `at least ${String(issue.minimum)}`;
      // Our own messages (ids, patterns, lists) say it in words; zod's defaults are rewritten the same way.
      what = issue.message.startsWith('expected ') ? issue.message : typeof found === 'number' ? `expected ${bound}` : `expected ${bound} ${Array.isArray(found) ? 'items' : 'characters'}`;
    } else {
      what = issue.message;
    }
    lines.push(at === '' ? what : `${at}: ${what}`);
  }
  return lines;
}

function refusal(subject: string, lines: readonly string[]): JobDataInvalidError {
  const more = lines.length > MAX_ISSUES_SHOWN ? `; and ${lines.length - MAX_ISSUES_SHOWN} more` : '';
  return new JobDataInvalidError(printable(`${subject}: ${lines.slice(0, MAX_ISSUES_SHOWN).join('; ')}${more}`));
}

export function isJobName(name: unknown): name is JobName {
  return typeof name === 'string' && (JOB_NAMES as readonly string[]).includes(name);
}

/**
 * `data` as job `name` may carry it, or a JobDataInvalidError whose message names the job name and
 * the first fields at fault.
 *
 * @example parseJobData('scheduled-run', { timeZone: 'Europe/Berlin' }) // { timeZone: 'Europe/Berlin' }
 */
export function parseJobData<N extends JobName>(name: N, data: unknown): JobDataByName[N] {
  if (!isJobName(name)) throw new JobDataInvalidError(`no job is named "${shown(String(name))}"`);
  const parsed = JOB_DATA_SCHEMAS[name].safeParse(data);
  if (!parsed.success) throw refusal(`${name} job data`, describeIssues(parsed.error.issues, data));
  return parsed.data as JobDataByName[N];
}

/**
 * What a worker takes from a job: its data parsed by its name, and a run job only under the id enqueue
 * gives its months (its children are added under that id as their parent, and one id per run is what
 * keeps a month to one live run).
 */
export function parseJob(job: { name: string; id?: string | undefined; data: unknown }): JobDataByName[JobName] {
  if (!isJobName(job.name)) throw new JobDataInvalidError(`no job is named "${shown(job.name)}": this worker runs ${JOB_NAMES.join(', ')}`);
  const data = parseJobData(job.name, job.data);
  if (job.name === 'month-run') {
    const expected = runJobId((data as JobDataByName['month-run']).run.runId);
    if (job.id !== expected) throw refusal('month-run job', [`id: expected ${expected}, the id of run.runId (queue runs with cohort-reports enqueue)`]);
  }
  return data;
}

/**
 * The run a month-run job's data names, for readers that show jobs rather than run them (`status`):
 * only `run` is checked, so a job refused for another field (an old one with `outDir`) is still listed
 * with its months; null when even `run` is not one (a job added by hand), which such readers list as
 * unreadable instead of failing on.
 */
export function readPlannedRun(data: unknown): JobDataByName['month-run']['run'] | null {
  const run = typeof data === 'object' && data !== null ? (data as { run?: unknown }).run : undefined;
  const parsed = PLANNED_RUN_SCHEMA.safeParse(run);
  return parsed.success ? parsed.data : null;
}

/** The folder a finished run job says it wrote to (its return value), or null. */
export function readWrittenOutDir(returnvalue: unknown): string | null {
  const outDir = typeof returnvalue === 'object' && returnvalue !== null ? (returnvalue as { outDir?: unknown }).outDir : undefined;
  return typeof outDir === 'string' && outDir !== '' ? outDir : null;
}

const count = z.number().int().nonnegative();
/** What `enqueue --wait` reads of a run job's run_results.json: only what its summary prints. */
const RUN_RESULTS_SUMMARY = z.object({
  out_dir: z.string().min(1),
  months: z.array(
    z.object({
      month: z.string(),
      dir: z.string(),
      files: z.array(z.string()),
      totals: z.object({ cohorts: count, unique_contacts: count, api_calls: count, responses_429: count }).passthrough(),
    }).passthrough(),
  ),
  files: z.array(z.string()),
}).passthrough();

/**
 * The run_results.json a run job returned (MonthRunResult.runResults), or null when it returned none
 * (a worker of an older version) or something else: the return value sits in Redis, where anything
 * with access may have written it, so it is checked by shape before its figures are printed (and the
 * printer shows every text printable).
 */
export function readRunResults(returnvalue: unknown): RunResults | null {
  const results = typeof returnvalue === 'object' && returnvalue !== null ? (returnvalue as { runResults?: unknown }).runResults : undefined;
  return RUN_RESULTS_SUMMARY.safeParse(results).success ? (results as RunResults) : null;
}
