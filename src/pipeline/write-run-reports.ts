import { DATA_PACKAGE_FILE } from '../report/columns.js';
import { findWindow } from '../report/create-report-windows.js';
import type { ContactStats } from '../report/contact-stats.js';
import {
  WARNING_MEMBERS_MISSING,
  WARNING_MONTH_BEYOND_RETENTION,
  WARNING_PREVIOUS_MONTH_BEYOND_RETENTION,
  type ReportWarning,
} from '../report/manifest.js';
import { writeMonthReport, type MonthReportResult } from '../report-files/write-month-report.js';
import { writeTrends } from '../report-files/write-trends.js';
import { DEFAULT_TABLE_WRITE_OPTIONS, type TableWriteOptions } from '../report-files/report-formats.js';
import { writeDataPackage } from '../report-files/write-data-package.js';
import { writeRetentionHistory } from '../report-files/write-retention-history.js';
import { writeIndexPage } from '../report-html/write-index-page.js';
import type { RunPlan } from './plan-run.js';
import type { RunStore } from './run-store.js';
import { summarizeRun } from './summarize-run.js';
import { buildRunResults, writeRunResults } from './write-run-results.js';

export interface WriteRunReportsInput {
  store: RunStore<ContactStats>;
  plan: RunPlan;
  outDir: string;
  source: { baseUrl: string; apiVersion: string };
  /** Request counters of the whole run (summed over workers for a distributed run). */
  requests: { apiCalls: number; responses429: number; retries: number };
  generatedAt: Date;
  /** Run-time figures for the manifest's `timing` (e.g. durationMs). */
  timing?: Record<string, string | number>;
  /** report.formats and report.formulaGuard; default CSV only, guarded. */
  output?: TableWriteOptions;
  /** When the run began (run_results.json's start and duration). */
  startedAt?: Date;
}

/**
 * The last stage of a run, the same for `run` and the workers: summarize the collected store into every
 * month's rows, write each month folder atomically (tables and their page), rebuild trends.csv,
 * retention.csv, datapackage.json and index.html from every complete month, then write
 * run_results.json, last, as the sign that the run is complete.
 */
export async function writeRunReports(input: WriteRunReportsInput): Promise<MonthReportResult[]> {
  const { plan } = input;
  const output = input.output ?? DEFAULT_TABLE_WRITE_OPTIONS;
  const summary = await summarizeRun(input.store, plan);
  const settledPageSize = await input.store.eventsPageSize.settled();
  const source = { ...input.source, eventsPerPage: typeof settledPageSize === 'number' ? settledPageSize : null };
  const written: MonthReportResult[] = [];
  for (const [i, rows] of summary.months.entries()) {
    const monthPlan = plan.months[i]!;
    const warnings: ReportWarning[] = [];
    if (summary.membersMissing > 0) warnings.push({ name: WARNING_MEMBERS_MISSING, count: summary.membersMissing });
    if (monthPlan.previousBeyondRetention) warnings.push({ name: WARNING_PREVIOUS_MONTH_BEYOND_RETENTION, count: 1 });
    if (monthPlan.beyondRetention) warnings.push({ name: WARNING_MONTH_BEYOND_RETENTION, count: 1 });
    written.push(
      await writeMonthReport({
        outDir: input.outDir,
        month: rows.month,
        timeZone: plan.timeZone,
        window: findWindow(plan.windows, rows.month),
        generatedAt: input.generatedAt,
        ...(input.timing ? { timing: input.timing } : {}),
        source,
        totals: {
          cohorts: summary.cohorts,
          members: summary.members,
          uniqueContacts: summary.uniqueContacts,
          eventsFetched: summary.eventsFetched,
          apiCalls: input.requests.apiCalls,
          responses429: input.requests.responses429,
          retries: input.requests.retries,
        },
        warnings,
        rows: { summary: rows.summary, events: rows.events, amounts: rows.amounts, retention: rows.retention },
        output,
      }),
    );
  }
  const trends = await writeTrends(input.outDir, output);
  const retention = await writeRetentionHistory(input.outDir, output);
  const rootFiles = [...trends.files, ...retention.files];
  await writeDataPackage(input.outDir, { rootFiles, formulaGuard: output.formulaGuard });
  const index = await writeIndexPage(input.outDir, { formulaGuard: output.formulaGuard });
  await writeRunResults(
    buildRunResults({
      runId: plan.runId,
      timeZone: plan.timeZone,
      outDir: input.outDir,
      startedAt: input.startedAt ?? null,
      finishedAt: new Date(),
      written,
      rootFiles: [...rootFiles.map((f) => f.name), DATA_PACKAGE_FILE, ...index.files],
      requests: input.requests,
    }),
  );
  return written;
}
