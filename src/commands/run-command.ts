/**
 * `cohort-reports run`: the whole month run in one process, with the in-memory limiter and store and
 * no Redis. Progress is journaled under DIR/.work/ so a rerun after a crash or Ctrl-C resumes; with
 * --sandbox the built-in workspace is started on a free loopback port and used instead of Intercom.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { IntercomApi } from '../intercom/types.js';
import { createLogger } from '../logger.js';
import { createMetrics, meterApi, meterLimiter, summarizeMetrics } from '../metrics/index.js';
import { collectRun } from '../pipeline/collect-run.js';
import { createMemoryStore } from '../pipeline/memory-store.js';
import { planRun } from '../pipeline/plan-run.js';
import { writeRunReports } from '../pipeline/write-run-reports.js';
import { INDEX_FILE, MONTH_PAGE_FILE, pageUrl } from '../report-html/index.js';
import { createMemoryLimiter } from '../rate-limit/memory-limiter.js';
import type { ContactStats } from '../report/contact-stats.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { InterruptedError, UsageError } from '../cli-errors.js';
import { checkOutputFolder } from './check-output-folder.js';
import { createApiClient } from './create-api-client.js';
import { intFlag, type ParsedFlags } from './flags.js';
import { loadConfigFromFlags, monthArgs } from './shared-flags.js';
import { createProgressReporter } from './progress-reporter.js';

/**
 * The journal belongs to one run of one workspace with one cohort selection: a rerun with other
 * settings must start afresh rather than resume someone else's progress.
 */
function journalKey(config: Readonly<Config>, baseUrl: string): string {
  const shaping = { baseUrl, cohorts: config.cohorts, perPage: config.intercom.perPage };
  return createHash('sha256').update(JSON.stringify(shaping)).digest('hex').slice(0, 12);
}

export async function runCommand(flags: ParsedFlags): Promise<number> {
  const useSandbox = flags.sandbox === true;
  if (!useSandbox && (flags['sandbox-contacts'] !== undefined || flags['sandbox-seed'] !== undefined)) {
    throw new UsageError('--sandbox-contacts and --sandbox-seed go with --sandbox');
  }
  const { config, token: envToken } = loadConfigFromFlags(flags, !useSandbox);
  const concurrency = intFlag(flags, 'concurrency', config.worker.concurrency, 1);
  const startedAt = Date.now();
  const plan = planRun({ ...monthArgs(flags), timeZone: config.report.timezone, nowSec: Math.floor(startedAt / 1000), allowPartial: flags['allow-partial'] === true });
  checkOutputFolder(config.report.outDir);

  let sandbox: Sandbox | null = null;
  let baseUrl = config.intercom.baseUrl;
  let token = envToken;
  if (useSandbox) {
    // Anchored to the start of the UTC day, so reruns on one day see the same workspace and resume.
    const dayStartSec = Math.floor(startedAt / 86_400_000) * 86_400;
    sandbox = await startSandbox({
      contacts: intFlag(flags, 'sandbox-contacts', 2000, 1),
      seed: intFlag(flags, 'sandbox-seed', 1),
      nowSec: dayStartSec,
      rateLimit: { allowancePerWindow: config.rateLimit.allowancePerWindow, windowSeconds: config.rateLimit.windowSeconds },
    });
    baseUrl = sandbox.url;
    token = sandbox.token;
  }
  if (token === null) throw new UsageError('INTERCOM_TOKEN is not set');

  const log = createLogger({ level: config.log.level, secrets: [token] }).child({ runId: plan.runId });
  const metrics = createMetrics();
  const limiter = meterLimiter(createMemoryLimiter(config.rateLimit), metrics);
  const api: IntercomApi = meterApi(createApiClient({ config, baseUrl, token, limiter, log }), metrics);
  // A sandbox workspace is new every run: journaling it would resume against other data.
  const store = createMemoryStore<ContactStats>(
    useSandbox ? {} : { journalPath: join(config.report.outDir, '.work', `${plan.runId}.${journalKey(config, baseUrl)}.journal.jsonl`) },
  );
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new InterruptedError());
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = createProgressReporter({ store, api, settings: config.rateLimit, log: log.child({ stage: 'progress' }) });

  try {
    log.info(
      { months: plan.months.map((m) => m.month), timeZone: plan.timeZone, baseUrl: useSandbox ? 'sandbox' : baseUrl },
      'run started',
    );
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
    });
    progress.stop();
    const written = await writeRunReports({
      store,
      plan,
      outDir: config.report.outDir,
      source: { baseUrl, apiVersion: config.intercom.apiVersion },
      requests: { apiCalls: api.stats.calls, responses429: api.stats.responses429, retries: api.stats.retries },
      generatedAt: new Date(),
      // The same figures a worker exports to Prometheus, so a single-process run is as observable.
      timing: { duration_ms: Date.now() - startedAt, ...(await summarizeMetrics(metrics)) },
      output: { formats: config.report.formats, formulaGuard: config.report.formulaGuard },
    });
    await store.clear();
    for (const w of written) {
      process.stdout.write(
        `wrote ${w.dir}: ${w.manifest.totals.cohorts} cohorts, ${w.manifest.totals.unique_contacts} contacts, ` +
          `${w.manifest.totals.api_calls} API calls, ${w.manifest.totals.responses_429} answered 429\n` +
          `page ${pageUrl(w.dir, MONTH_PAGE_FILE)}\n`,
      );
    }
    process.stdout.write(`wrote ${join(config.report.outDir, 'trends.csv')}, retention.csv and datapackage.json\n`);
    // Last, so a person (or a script taking the last line) finds the page that links every month.
    process.stdout.write(`open ${pageUrl(config.report.outDir, INDEX_FILE)}\n`);
    log.info({ months: written.map((w) => w.manifest.month), durationMs: Date.now() - startedAt }, 'run finished');
    return 0;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store.close();
    await api.close();
    await limiter.close();
    await sandbox?.close();
  }
}
