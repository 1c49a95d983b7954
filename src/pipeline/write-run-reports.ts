import { DATA_PACKAGE_FILE } from '../report/columns.js';
import { findWindow } from '../report/create-report-windows.js';
import {
  WARNING_MEMBERS_MISSING,
  WARNING_MONTH_BEYOND_RETENTION,
  WARNING_PREVIOUS_MONTH_BEYOND_RETENTION,
  WARNING_REQUESTS_LOWER_BOUND,
  type ReportWarning,
} from '../report/manifest.js';
import { checkOutput } from '../report-files/check-output.js';
import { claimOutputWorkspace, type OutputWorkspace } from '../report-files/output-workspace.js';
import { listMonthReports } from '../report-files/read-month-reports.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { writeMonthReport, type MonthReportResult } from '../report-files/write-month-report.js';
import { writeTrends } from '../report-files/write-trends.js';
import { DEFAULT_TABLE_WRITE_OPTIONS, type TableWriteOptions } from '../report-files/report-formats.js';
import { writeDataPackage } from '../report-files/write-data-package.js';
import { writeRetentionHistory } from '../report-files/write-retention-history.js';
import { preloadChartEngines } from '../report-html/render-chart.js';
import { writeIndexPage } from '../report-html/write-index-page.js';
import { RunNotCollectedError } from './errors.js';
import type { RunPlan } from './plan-run.js';
import type { RunStore } from './run-store.js';
import { summarizeRun } from './summarize-run.js';
import { buildRunResults, writeRunResults } from './write-run-results.js';

export interface WriteRunReportsInput {
  store: RunStore;
  plan: RunPlan;
  /** Where the reports go: a folder or an object-store prefix (report-output.ts). */
  target: ReportOutput;
  source: { baseUrl: string; apiVersion: string };
  generatedAt: Date;
  /** Run-time figures for the manifest's `timing` (e.g. durationMs). */
  timing?: Record<string, string | number>;
  /** report.formats and report.formulaGuard; default CSV only, guarded. */
  output?: TableWriteOptions;
  /** When the run began (run_results.json's start and duration). */
  startedAt?: Date;
  /** The workspace read (GET /me): named in every manifest, and the one the output is bound to. */
  workspace: OutputWorkspace;
  /** `--replace`: a month may be replaced by one of fewer cohorts or formats. */
  replace?: boolean;
  /** report.conversations: the store holds every month's conversations; write cohort_conversations.csv. */
  conversations: boolean;
  /** Told what is being done now, for people watching ("writing 2026-11"): before each step that takes time. */
  onPhase?: (phase: string) => void;
}

/**
 * The last stage of a run, the same for `run` and the workers: check that the output may take the run
 * (its workspace, each replaced month's scope, every other month intact: check-output.ts), summarize
 * the collected store into every month's rows, write each month folder atomically (tables and their
 * page), rebuild trends.csv, retention.csv, datapackage.json and index.html from every complete month
 * of the workspace, then write run_results.json, last, as the sign that the run is complete. The
 * request counters in the manifests are the store's (every attempt and process of the run). Returns
 * the months written and run_results.json's text (what `run --json` prints).
 */
/** How long after a run starts the chart engines are loaded: by then it waits on the rate limit. */
const PRELOAD_AFTER_MS = 2_000;

/**
 * Loads what writing the reports needs (the chart engines) a little after the run has started, while
 * it waits on the rate limit, rather than at its end. Returns the cancel.
 */
export function prepareReportWriting(): () => void {
  const timer = setTimeout(preloadChartEngines, PRELOAD_AFTER_MS);
  timer.unref();
  return () => clearTimeout(timer);
}

export async function writeRunReports(input: WriteRunReportsInput): Promise<{ months: MonthReportResult[]; runResultsText: string }> {
  const { plan } = input;
  const output = input.output ?? DEFAULT_TABLE_WRITE_OPTIONS;
  const replace = input.replace === true;
  // Where the run's time went, phase by phase (run_results.json `phases_ms`): collection until now,
  // then each stage of writing, so a slow end of a run shows what it was.
  const writeStartMs = Date.now();
  const phases: Record<string, number> = {};
  if (input.startedAt) phases.collect = Math.max(0, writeStartMs - input.startedAt.getTime());
  let phaseStartMs = writeStartMs;
  const phaseDone = (name: string): void => {
    const now = Date.now();
    phases[name] = (phases[name] ?? 0) + (now - phaseStartMs);
    phaseStartMs = now;
  };
  const cohorts = await input.store.loadCohorts();
  if (cohorts === null) throw new RunNotCollectedError('the store holds no cohort list');
  // Checked again here, not only before collecting: the folder may have changed while the run was out.
  const replaced = await checkOutput({
    output: input.target,
    workspace: input.workspace,
    months: plan.months.map((m) => m.month),
    scope: { cohorts, formats: output.formats, conversations: input.conversations },
    replace,
  });
  phaseDone('check_output');
  input.onPhase?.(plan.months.length === 1 ? `summarizing ${plan.months[0]!.month}` : `summarizing ${plan.months.length} months`);
  const summary = await summarizeRun(input.store, plan, { conversations: input.conversations });
  phaseDone('summarize');
  const { requests } = await input.store.progress();
  const source = { ...input.source, eventsPerPage: requests.eventsPerPage, workspace: input.workspace };
  await claimOutputWorkspace(input.target, input.workspace, input.generatedAt);
  const written: MonthReportResult[] = [];
  for (const [i, rows] of summary.months.entries()) {
    const monthPlan = plan.months[i]!;
    input.onPhase?.(summary.months.length === 1 ? `writing ${rows.month}` : `writing ${rows.month} (${i + 1} of ${summary.months.length})`);
    const warnings: ReportWarning[] = [];
    if (summary.membersMissing > 0) warnings.push({ name: WARNING_MEMBERS_MISSING, count: summary.membersMissing });
    if (monthPlan.previousBeyondRetention) warnings.push({ name: WARNING_PREVIOUS_MONTH_BEYOND_RETENTION, count: 1 });
    if (monthPlan.beyondRetention) warnings.push({ name: WARNING_MONTH_BEYOND_RETENTION, count: 1 });
    if (requests.lowerBound) warnings.push({ name: WARNING_REQUESTS_LOWER_BOUND, count: 1 });
    written.push(
      await writeMonthReport({
        target: input.target,
        month: rows.month,
        timeZone: plan.timeZone,
        window: findWindow(plan.windows, rows.month),
        generatedAt: input.generatedAt,
        ...(input.timing ? { timing: input.timing } : {}),
        source,
        run: { id: plan.runId, months: plan.months.map((m) => m.month) },
        totals: {
          cohorts: summary.cohorts,
          members: summary.members,
          uniqueContacts: summary.uniqueContacts,
          eventsFetched: summary.eventsFetched,
          apiCalls: requests.apiCalls,
          responses429: requests.responses429,
          retries: requests.retries,
        },
        warnings,
        rows: { summary: rows.summary, events: rows.events, amounts: rows.amounts, retention: rows.retention, conversations: rows.conversations },
        output,
      }),
    );
  }
  phaseDone('write_months');
  input.onPhase?.('rebuilding trends, retention and index');
  // The month list is read once and handed to every rebuild: each manifest fetched once, not four times.
  const complete = await listMonthReports(input.target);
  const trends = await writeTrends(input.target, complete, output);
  const retention = await writeRetentionHistory(input.target, complete, output);
  const rootFiles = [...trends.files, ...retention.files];
  await writeDataPackage(input.target, complete, { rootFiles, formulaGuard: output.formulaGuard });
  const index = await writeIndexPage(input.target, complete, { formulaGuard: output.formulaGuard });
  phaseDone('rebuild');
  const runResults = await writeRunResults(
    input.target,
    buildRunResults({
      runId: plan.runId,
      timeZone: plan.timeZone,
      output: input.target,
      startedAt: input.startedAt ?? null,
      finishedAt: new Date(),
      written,
      rootFiles: [...rootFiles.map((f) => f.name), DATA_PACKAGE_FILE, ...index.files],
      requests,
      workspace: input.workspace,
      replace,
      replaced,
      phasesMs: phases,
    }),
  );
  return { months: written, runResultsText: runResults.text };
}
