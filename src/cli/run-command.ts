/**
 * `cohort-reports run`: the whole month run in one process, with the in-memory limiter and store and
 * no Redis. Progress is journaled on local disk (DIR/.work/, or --state-dir: run-state-dir.ts) so a
 * rerun after a crash or Ctrl-C resumes (a journal of another run there is named when this one starts
 * and again when it ends); the reports go to a folder or an object store (report-output/); with --sandbox
 * the built-in workspace is started on a free loopback port and used instead of Intercom.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Config } from '../config.js';
import { isTimeZone } from '../config-schema.js';
import { createMetrics, meterApi, meterLimiter, summarizeMetrics } from '../metrics/index.js';
import { collectRun } from '../pipeline/collect-run.js';
import type { WorkspaceIdentity } from '../intercom/types.js';
import { countRequests } from '../pipeline/count-requests.js';
import { createMemoryStore, type MemoryStore } from '../pipeline/memory-store.js';
import { planRun, type RunPlan } from '../pipeline/plan-run.js';
import { prepareReportWriting, writeRunReports } from '../pipeline/write-run-reports.js';
import type { RunResults } from '../pipeline/write-run-results.js';
import { SUMMARY_FILE } from '../report/columns.js';
import { printable } from '../shared/printable.js';
import { CHARTS_DIR, INDEX_FILE, pageUrl } from '../report-html/index.js';
import { checkOutput } from '../report-files/check-output.js';
import { describeHolder, type OutputLock } from '../report-files/output-lock.js';
import { checkOutputWorkspace } from '../report-files/output-workspace.js';
import { listMonthReports } from '../report-files/read-month-reports.js';
import { isObjectStoreLocation, openReportOutput } from '../report-output/open-report-output.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { checkOutputFolder } from './check-output-folder.js';
import { removeEmptyStateFolders, runStateDir } from './run-state-dir.js';
import { InterruptedError } from './cli-errors.js';
import { createCliLogger } from './create-cli-logger.js';
import { intFlag, strFlag, type ParsedFlags } from './flags.js';
import { countOf, formatCount } from './progress-line.js';
import { createProgressReporter } from './progress-reporter.js';
import { openWorkspace, type Workspace } from './open-workspace.js';
import { loadConfigFromFlags, monthArgs } from './shared-flags.js';
import { resolveTerminal } from './terminal.js';
import { onStopSignal } from './on-stop-signal.js';

const STATE_DIR_FIX = { what: "the run's journal", fix: '--state-dir (or COHORT_REPORTS_STATE_DIR)' };

/** The configured default output folder, and where `run --sandbox` writes instead of it. */
const DEFAULT_OUT_DIR = './reports';
export const SANDBOX_OUT_DIR = './sandbox-reports';

/** How often the request counters are journaled between records (a crash loses only requests in flight). */
const REQUESTS_JOURNAL_MS = 2_000;

/** Raised whenever a journal record or contact record changes what it holds. */
const JOURNAL_FORMAT = 2;

/**
 * The journal belongs to one run of one workspace with one cohort selection: a rerun with other
 * settings must start afresh rather than resume someone else's progress. A sandbox workspace is the
 * same for the same size, seed and day, whatever port it is served on.
 */
function journalKey(config: Readonly<Config>, workspace: string): string {
  // `records`: the journal's record format; a journal of another format is never resumed (its members
  // would lack what this version's figures read, such as unsubscribed_from_emails).
  const shaping = { workspace, cohorts: config.cohorts, perPage: config.intercom.perPage, records: JOURNAL_FORMAT };
  return createHash('sha256').update(JSON.stringify(shaping)).digest('hex').slice(0, 12);
}

/** A journal's file name: the run id (first month, last month, time zone as plan-run.ts spells it) and the key. */
const JOURNAL_NAME = /^(\d{4}-\d{2})_(\d{4}-\d{2})_(.+)\.([0-9a-f]{12})\.journal\.jsonl$/;

function journalName(runId: string, key: string): string {
  return `${runId}.${key}.journal.jsonl`;
}

/** The journals in `workDir` other than `own`'s (a folder that does not exist holds none). */
function otherJournals(workDir: string, own: string): string[] {
  if (!existsSync(workDir)) return [];
  return readdirSync(workDir)
    .filter((name) => name.endsWith('.journal.jsonl') && name !== own)
    .sort();
}

/**
 * The time zone a run id names (`America-Argentina-Buenos-Aires`), or null when no single zone is
 * spelt that way: plan-run.ts wrote each run of other characters as `-`, so every `-` is tried as
 * `/`, `_`, `+` and itself, and only one of the spellings may be a zone (`Etc-GMT-5` is two).
 */
function zoneOfRunId(spelt: string): string | null {
  const parts = spelt.split('-');
  if (parts.length > 6) return null;
  let spellings = [parts[0]!];
  for (const part of parts.slice(1)) spellings = spellings.flatMap((s) => ['/', '_', '+', '-'].map((sep) => `${s}${sep}${part}`));
  const zones = spellings.filter(isTimeZone);
  return zones.length === 1 ? zones[0]! : null;
}

/**
 * What a journal another run left in DIR/.work/ is, and what to do with it: its months and zone and
 * the options that resume it (the other options as now when its key is this run's: same workspace,
 * cohort selection, page size and journal format), or that deleting it loses only its progress. A run
 * never deletes another run's journal itself: it may be a backfill hours in.
 *
 * @example
 * describeJournal('out/.work/2026-09_2026-09_UTC.0123456789ab.journal.jsonl', '0123456789ab')
 * // '2026-09 UTC, unfinished; resume it with --month 2026-09 --timezone UTC (other options as now)
 * //  or delete out/.work/2026-09_2026-09_UTC.0123456789ab.journal.jsonl (only its progress is lost)'
 */
export function describeJournal(path: string, key: string): string {
  const drop = `delete ${printable(path)} (only its progress is lost)`;
  const m = JOURNAL_NAME.exec(basename(path));
  if (m === null) return `not a journal this version can resume; ${drop}`;
  const [, first, last, spelt, itsKey] = m as unknown as [string, string, string, string, string];
  const zone = zoneOfRunId(spelt);
  const what = `${first === last ? first : `${first} to ${last}`} ${zone ?? spelt}, unfinished`;
  if (itsKey !== key) return `${what}, started with another workspace, cohort selection, page size or version; resume it with those or ${drop}`;
  const months = first === last ? `--month ${first}` : `--from ${first} --to ${last}`;
  const options = zone === null ? `${months} and its time zone` : `${months} --timezone ${zone}`;
  return `${what}; resume it with ${options} (other options as now) or ${drop}`;
}

/** The chart specs of a page as one entry (run_results.json lists each). */
function shortList(files: readonly string[]): string[] {
  const specs = files.filter((f) => f.startsWith(`${CHARTS_DIR}/`));
  return specs.length === 0 ? [...files] : [...files.filter((f) => !specs.includes(f)), `${CHARTS_DIR}/*.vl.json`];
}

/**
 * `head` followed by `items`, comma-separated and wrapped at `width` columns, continuation lines
 * indented by `indent` spaces; an item longer than a line (a long path) stands alone on its line.
 */
export function wrapList(head: string, items: readonly string[], width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = head;
  let empty = true;
  items.forEach((item, i) => {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (!empty && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = ' '.repeat(indent - 1);
    }
    line = `${line} ${piece}`;
    empty = false;
  });
  lines.push(line);
  return lines;
}

/**
 * The lines after the `run finished` log: where the reports are, what was written (wrapped to the
 * terminal's width, so a listing never floods an 80-column screen), what the run leaves behind
 * (`left`: the journals of other runs, ./describeJournal), what to do next, and last the page to
 * open (index.html links every month's report.html).
 */
export function finalLines(results: RunResults, width = 80, left: readonly string[] = [], stateDir = '.work'): string[] {
  const lines = results.months.map(
    (m) =>
      `wrote ${m.month}: ${countOf(m.totals.cohorts, 'cohort')}, ${countOf(m.totals.unique_contacts, 'contact')}, ` +
      `${countOf(m.totals.api_calls, 'API call')}, ${formatCount(m.totals.responses_429)} × 429`,
  );
  lines.push(`reports in ${results.out_dir}:`);
  for (const m of results.months) lines.push(...wrapList(`  ${m.month}/`, shortList(m.files), width, 4));
  lines.push(...wrapList(' ', shortList(results.files), width, 4));
  for (const journal of left) lines.push(`left in ${printable(stateDir)}/: ${journal}`);
  const last = results.months[results.months.length - 1];
  const inStore = isObjectStoreLocation(results.out_dir);
  // Not a command line: no query tool is on every machine (Debian packages no DuckDB CLI).
  if (last) lines.push(`next: load ${inStore ? `${last.dir}/${SUMMARY_FILE}` : join(last.dir, SUMMARY_FILE)} in DuckDB or pandas (README: "Read it in DuckDB and pandas")`);
  // A page in a bucket opens only once copied down (or served): its links are relative.
  if (inStore) lines.push(`pages: ${results.out_dir}/${INDEX_FILE} (copy the prefix down, e.g. aws s3 sync, to open it)`);
  else lines.push(`open ${pageUrl(results.out_dir, INDEX_FILE)}`);
  return lines;
}

export async function runCommand(flags: ParsedFlags): Promise<number> {
  const useSandbox = flags.sandbox === true;
  const terminal = resolveTerminal(flags, process.env);
  const loaded = loadConfigFromFlags(flags, !useSandbox);
  const envToken = loaded.token;
  const config = useSandbox ? withSandboxOutDir(loaded.config, flags) : loaded.config;
  const outDir = config.report.outDir;
  const onDisk = !isObjectStoreLocation(outDir);
  const stateDir = runStateDir(outDir, strFlag(flags, 'state-dir') ?? process.env.COHORT_REPORTS_STATE_DIR);
  const concurrency = intFlag(flags, 'concurrency', config.worker.concurrency, 1);
  const startedAt = Date.now();
  const plan = planRun({ ...monthArgs(flags), timeZone: config.report.timezone, nowSec: Math.floor(startedAt / 1000), allowPartial: flags['allow-partial'] === true });
  if (onDisk) checkOutputFolder(outDir);
  const besideReports = stateDir === join(outDir, '.work');
  if (!besideReports) checkOutputFolder(stateDir, STATE_DIR_FIX);
  // How the journal's folder is named on screen: `.work` beside the reports, as it always was.
  const stateShown = besideReports ? '.work' : stateDir;
  const replace = flags.replace === true;
  // One writer per output, from before the first call: a second run would share the journal too.
  const createdFolder = onDisk && !existsSync(outDir);
  if (onDisk) mkdirSync(outDir, { recursive: true });
  // Until the workspace's logger exists, what the output has to say goes to stderr as a plain line.
  let say = (line: string): void => void process.stderr.write(`${printable(line)}\n`);
  const target = await openReportOutput(outDir, { log: (line) => say(line) });
  let lock: OutputLock;
  try {
    lock = await target.lock(`cohort-reports run ${plan.months.map((m) => m.month).join(',')}`);
  } catch (err) {
    await target.close();
    if (createdFolder) rmdirSync(outDir);
    throw err;
  }

  const metrics = createMetrics();
  let workspace: Workspace;
  try {
    workspace = await openWorkspace({
      flags,
      config,
      envToken,
      log: (token) => createCliLogger(terminal, { level: config.log.level, secrets: [token] }).child({ runId: plan.runId }),
      meter: { limiter: (l) => meterLimiter(l, metrics), api: (a) => meterApi(a, metrics) },
    });
  } catch (err) {
    await releaseOutput(lock, target, createdFolder);
    throw err;
  }
  const { api, baseUrl, log } = workspace;
  say = (line) => log.warn(line);
  if (lock.tookOverFrom !== null) log.warn({ outDir }, `took over the lock of ${describeHolder(lock.tookOverFrom)}, which is no longer running`);
  let store: MemoryStore;
  let ws: WorkspaceIdentity;
  let key: string;
  let journalPath: string;
  let resuming: boolean;
  try {
    // The workspace is known before any other call, so an output of another workspace costs one request.
    ws = await api.identifyWorkspace();
    await checkOutputWorkspace(target, ws, await listMonthReports(target, { workspace: 'any' }));
    key = journalKey(config, `${ws.id}@${workspace.identity}`);
    journalPath = join(stateDir, journalName(plan.runId, key));
    resuming = existsSync(journalPath);
    store = createMemoryStore({ journalPath });
  } catch (err) {
    await workspace.close();
    await releaseOutput(lock, target, createdFolder);
    throw err;
  }
  // Every request of the client (GET /me included) is journaled with the page or result recorded after
  // it, and now and then besides, so a resumed run's manifest counts the earlier attempts' requests.
  countRequests(api, store);
  const flushRequests = (): Promise<void> => store.flushRequests();
  const flushTimer = setInterval(() => void flushRequests(), REQUESTS_JOURNAL_MS);
  flushTimer.unref();
  const controller = new AbortController();
  const stopListening = onStopSignal(() => controller.abort(new InterruptedError()));
  const workDir = dirname(journalPath);
  const othersNow = (): string[] => otherJournals(workDir, basename(journalPath)).map((name) => describeJournal(join(workDir, name), key));
  const progress = createProgressReporter({
    read: async () => {
      const p = await store.progress();
      const figures = { ...p, apiCalls: p.requests.apiCalls, responses429: p.requests.responses429 };
      // Every contact may be done while conversations are still listed: the line says so rather than look stuck.
      const listing = config.report.conversations ? await listingConversations(store, plan, p) : null;
      return listing === null ? figures : { ...figures, state: listing };
    },
    terminal,
    log: log.child({ stage: 'progress' }),
  });

  try {
    log.info(
      { months: plan.months.map((m) => m.month), timeZone: plan.timeZone, baseUrl: useSandbox ? 'sandbox' : baseUrl },
      'run started',
    );
    // A rerun with other months or zone has another journal: the one left behind is named, never kept silently.
    if (!resuming) for (const other of othersNow()) log.info(`another run's journal is in ${stateShown}/: ${other}`);
    prepareReportWriting();
    await collectRun({
      api,
      store,
      plan,
      filter: config.cohorts,
      perPage: config.intercom.perPage,
      concurrency,
      log: log.child({ stage: 'collect' }),
      signal: controller.signal,
      onStep: progress.step,
      conversations: config.report.conversations,
      // Before a member is paged: this run may write here (scope, and every other month intact).
      checkCohorts: async (cohorts) => {
        await checkOutput({ output: target, workspace: ws, months: plan.months.map((m) => m.month), scope: { cohorts, formats: config.report.formats, conversations: config.report.conversations }, replace });
      },
    });
    progress.phase('writing the reports');
    await flushRequests();
    const written = await writeRunReports({
      store,
      plan,
      target,
      source: { baseUrl, apiVersion: config.intercom.apiVersion },
      workspace: { id: ws.id, name: ws.name },
      replace,
      generatedAt: new Date(),
      startedAt: new Date(startedAt),
      // The same figures a worker exports to Prometheus, so a single-process run is as observable.
      timing: { duration_ms: Date.now() - startedAt, ...(await summarizeMetrics(metrics)) },
      output: { formats: config.report.formats, formulaGuard: config.report.formulaGuard },
      conversations: config.report.conversations,
      onPhase: progress.phase,
    });
    await store.clear();
    removeEmptyStateFolders(stateDir);
    log.info({ months: written.months.map((w) => w.manifest.month), durationMs: Date.now() - startedAt }, 'run finished');
    // --json: stdout is the machine-readable result, byte for byte the file; the summary goes to stderr.
    const text = written.runResultsText;
    const human = flags.json === true ? terminal.stream : process.stdout;
    progress.stop();
    for (const line of finalLines(JSON.parse(text) as RunResults, human.columns || 80, othersNow(), stateShown)) human.write(`${line}\n`);
    if (flags.json === true) process.stdout.write(text);
    return 0;
  } finally {
    clearInterval(flushTimer);
    progress.stop();
    stopListening();
    // Whatever ended the run, the requests it made go into the journal for the next attempt.
    try {
      await flushRequests();
    } catch {
      // The journal cannot be written (the failure being reported may be that very folder).
    }
    store.close();
    await workspace.close();
    await releaseOutput(lock, target, createdFolder);
  }
}

/**
 * `run --sandbox` writes to ./sandbox-reports unless a folder is named (--out, COHORT_REPORTS_OUT, or a
 * config file's report.outDir): a first try must never land in ./reports, where the real workspace's
 * months go, and mix the two in one history.
 */
function withSandboxOutDir(config: Readonly<Config>, flags: ParsedFlags): Readonly<Config> {
  const named = strFlag(flags, 'out') !== undefined || process.env.COHORT_REPORTS_OUT !== undefined || config.report.outDir !== DEFAULT_OUT_DIR;
  if (named) return config;
  return Object.freeze({ ...config, report: Object.freeze({ ...config.report, outDir: SANDBOX_OUT_DIR }) });
}

/**
 * While collection lists conversations (every cohort paged, a month not yet listed): what the
 * progress line says, with the pages so far; null otherwise.
 */
async function listingConversations(store: MemoryStore, plan: RunPlan, p: { cohorts: number; cohortsDone: number }): Promise<string | null> {
  if (p.cohorts === 0 || p.cohortsDone < p.cohorts) return null;
  let pages = 0;
  let open = false;
  for (const { month } of plan.months) {
    const listed = await store.conversationProgress(month);
    pages += listed.pages;
    open ||= !listed.done;
  }
  return open ? `listing conversations (${countOf(pages, 'page')})` : null;
}

/** Lets go of the output; a folder this run made and left empty (a refused run) goes too. */
async function releaseOutput(lock: OutputLock, target: ReportOutput, createdFolder: boolean): Promise<void> {
  try {
    await lock.release();
  } finally {
    await target.close();
  }
  if (!createdFolder) return;
  try {
    rmdirSync(target.location);
  } catch {
    // Not empty: the run wrote something worth keeping (its journal, or reports).
  }
}
