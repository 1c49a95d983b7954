/**
 * `run_results.json` beside the reports: what the last successful run wrote, for scripts and
 * orchestrators (dbt's run_results.json is the model). Written last, atomically (published from the
 * output's staging folder: a rename, or one object put), so a reader sees the previous run's whole
 * file or this one's.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportWarning } from '../report/manifest.js';
import type { ReportOutput } from '../report-output/report-output.js';
import type { ReplacedMonth } from '../report-files/check-output.js';
import type { MonthReportResult } from '../report-files/write-month-report.js';

export const RUN_RESULTS_FILE = 'run_results.json';
export const RUN_RESULTS_FORMAT = 'cohort-reports.run-results.v1';

export interface RunResults {
  format: typeof RUN_RESULTS_FORMAT;
  run_id: string;
  status: 'success';
  time_zone: string;
  started_at: string | null;
  finished_at: string;
  duration_ms: number | null;
  /** Absolute: a path, or s3://bucket/prefix. */
  out_dir: string;
  months: Array<{
    month: string;
    /** Absolute path of the month folder (or s3://bucket/prefix/YYYY-MM). */
    dir: string;
    files: string[];
    totals: MonthReportResult['manifest']['totals'];
    warnings: ReportWarning[];
    /** What the month folder this run replaced held that the new one does not; null when there was none. */
    replaced: { cohorts_dropped: number; formats_dropped: string[]; conversations_dropped: boolean } | null;
  }>;
  /** The files beside the month folders (trends, retention, datapackage.json), relative to out_dir. */
  files: string[];
  requests: { api_calls: number; responses_429: number; retries: number };
  /** The workspace the reports were read from (GET /me). */
  workspace: { id: string; name: string };
  /** Whether the run was allowed to replace a month with a narrower one (`--replace`). */
  replace: boolean;
  /**
   * Where the run's time went, in ms: `collect` (from the start to the end of collection: cohorts,
   * members, events, conversations), then `check_output`, `summarize`, `write_months` (tables, pages,
   * manifests) and `rebuild` (trends, retention, datapackage.json, index.html). Varies from run to run.
   */
  phases_ms: Record<string, number>;
}

export function buildRunResults(input: {
  runId: string;
  timeZone: string;
  output: Pick<ReportOutput, 'absolute'>;
  startedAt: Date | null;
  finishedAt: Date;
  written: MonthReportResult[];
  rootFiles: string[];
  requests: { apiCalls: number; responses429: number; retries: number };
  workspace: { id: string; name: string };
  replace: boolean;
  replaced: readonly ReplacedMonth[];
  phasesMs?: Record<string, number>;
}): RunResults {
  return {
    format: RUN_RESULTS_FORMAT,
    run_id: input.runId,
    status: 'success',
    time_zone: input.timeZone,
    started_at: input.startedAt?.toISOString() ?? null,
    finished_at: input.finishedAt.toISOString(),
    duration_ms: input.startedAt ? input.finishedAt.getTime() - input.startedAt.getTime() : null,
    out_dir: input.output.absolute(),
    months: input.written.map((w) => ({
      month: w.manifest.month,
      dir: input.output.absolute(w.manifest.month),
      files: [...w.manifest.files.map((f) => f.name), 'manifest.json'],
      totals: w.manifest.totals,
      warnings: w.manifest.warnings,
      replaced: replacedOf(input.replaced, w.manifest.month),
    })),
    files: [...input.rootFiles, RUN_RESULTS_FILE],
    requests: { api_calls: input.requests.apiCalls, responses_429: input.requests.responses429, retries: input.requests.retries },
    workspace: { id: input.workspace.id, name: input.workspace.name },
    replace: input.replace,
    phases_ms: { ...(input.phasesMs ?? {}) },
  };
}

function replacedOf(replaced: readonly ReplacedMonth[], month: string): RunResults['months'][number]['replaced'] {
  const r = replaced.find((m) => m.month === month);
  return r ? { cohorts_dropped: r.cohortsDropped, formats_dropped: [...r.formatsDropped], conversations_dropped: r.conversationsDropped } : null;
}

/** Writes the file and returns where it is and its exact text. */
export async function writeRunResults(output: ReportOutput, results: RunResults): Promise<{ path: string; text: string }> {
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const staged = await output.stageRoot();
  try {
    await writeFile(join(staged.dir, RUN_RESULTS_FILE), text, 'utf8');
    await staged.publish([RUN_RESULTS_FILE]);
  } catch (err) {
    await staged.discard();
    throw err;
  }
  return { path: output.describe(RUN_RESULTS_FILE), text };
}
