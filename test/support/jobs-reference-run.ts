/**
 * The single-process run (collectRun + writeRunReports over the in-memory store), used as the
 * independent reference the distributed run must match byte for byte.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import type { Config } from '../../src/config.js';
import { createIntercomClient } from '../../src/intercom/index.js';
import { collectRun } from '../../src/pipeline/collect-run.js';
import { countRequests } from '../../src/pipeline/count-requests.js';
import { createMemoryStore } from '../../src/pipeline/memory-store.js';
import type { RunPlan } from '../../src/pipeline/plan-run.js';
import { writeRunReports } from '../../src/pipeline/write-run-reports.js';
import { openDiskOutput } from '../../src/report-output/disk-output.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { ContactStats } from '../../src/report/contact-stats.js';
import { INDEX_PAGE_FILES, MONTH_PAGE_FILES_WITH_CONVERSATIONS } from './report-pages.js';

export const CSV_FILES = ['cohort_summary.csv', 'cohort_events.csv', 'cohort_amounts.csv', 'cohort_retention.csv', 'cohort_conversations.csv'] as const;

export async function runReference(options: { config: Readonly<Config>; token: string; plan: RunPlan; outDir: string }): Promise<void> {
  const { config } = options;
  const limiter = createMemoryLimiter(config.rateLimit);
  const api = createIntercomClient({ baseUrl: config.intercom.baseUrl, token: options.token, limiter, perPage: config.intercom.perPage });
  const store = createMemoryStore();
  countRequests(api, store);
  try {
    await collectRun({ api, store, plan: options.plan, filter: config.cohorts, perPage: config.intercom.perPage, concurrency: 4, log: pino({ level: 'silent' }), conversations: config.report.conversations });
    await writeRunReports({
      store,
      plan: options.plan,
      target: openDiskOutput(options.outDir),
      source: { baseUrl: config.intercom.baseUrl, apiVersion: config.intercom.apiVersion },
      generatedAt: new Date(),
      workspace: await api.identifyWorkspace(),
      conversations: config.report.conversations,
    });
  } finally {
    store.close();
    await api.close();
    await limiter.close();
  }
}

/** The bytes of each month's CSVs and page files, of trends.csv, retention.csv and the index page, keyed by relative path. */
export async function readReportFiles(outDir: string, months: readonly string[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const month of months) for (const f of [...CSV_FILES, ...MONTH_PAGE_FILES_WITH_CONVERSATIONS]) files.set(`${month}/${f}`, await readFile(join(outDir, month, f)));
  for (const f of ['trends.csv', 'retention.csv', ...INDEX_PAGE_FILES]) files.set(f, await readFile(join(outDir, f)));
  return files;
}
