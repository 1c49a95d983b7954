/**
 * `cohort-reports worker`: one worker process until SIGTERM/SIGINT (then it drains), or until Redis has
 * been unreachable for longer than worker.redisGraceMs (then exit 1, so its supervisor restarts it).
 * Workers read INTERCOM_TOKEN from their own environment; nothing secret is ever put in a job. At start
 * a worker asks which workspace the token reads (GET /me): a token refused exits 3, and a workspace other
 * than the one the deployment's prefix serves exits 2 (see jobs/bind-deployment-workspace.ts), before
 * any job is taken.
 */
import { collectDefaultMetrics } from 'prom-client';
import { connectRedis, waitForRedis, watchRedis, type RedisUnavailableError } from '../../jobs/connect-redis.js';
import { startWorker, type WorkerHandle } from '../../jobs/start-worker.js';
import { createMetrics, startMetricsServer, type CohortMetrics, type MetricsServer } from '../metrics/index.js';
import { isObjectStoreLocation } from '../report-output/open-report-output.js';
import { UsageError } from './cli-errors.js';
import { createCliLogger } from './create-cli-logger.js';
import { intFlag, strFlag, type ParsedFlags } from './flags.js';
import { REDIS_READY_TIMEOUT_MS } from './open-queue.js';
import { portFlag } from './port-flag.js';
import { loadConfigFromFlags } from './shared-flags.js';
import { resolveTerminal } from './terminal.js';
import { onStopSignal } from './on-stop-signal.js';
import { withTimeout } from '../shared/with-timeout.js';

/** Forced shutdown after losing Redis: the jobs' locks lapse and another worker resumes them. */
const LOST_DRAIN_MS = 1_000;

export async function workerCommand(flags: ParsedFlags): Promise<number> {
  const { config, token } = loadConfigFromFlags(flags, true);
  if (token === null) throw new UsageError('INTERCOM_TOKEN is not set');
  // A malformed s3:// output fails the worker at start (exit 2), not its first run's last step. The
  // store itself is reached only when a run is written (`check` probes it beforehand).
  if (isObjectStoreLocation(config.report.outDir)) (await import('../report-output/s3-output.js')).parseS3Url(config.report.outDir);
  const concurrency = intFlag(flags, 'concurrency', config.worker.concurrency, 1);
  const log = createCliLogger(resolveTerminal(flags, process.env), { level: config.log.level, secrets: [token] }).child({ role: 'worker' });
  if (flags['metrics-host'] !== undefined && flags['metrics-port'] === undefined) {
    throw new UsageError('--metrics-host goes with --metrics-port (e.g. --metrics-port 9464 --metrics-host 0.0.0.0)');
  }
  // Redis first, bounded: a worker started while Redis is down says so and exits 1.
  const probe = connectRedis(config.redis.url, 'bullmq-producer');
  try {
    await waitForRedis(probe, config.redis.url, REDIS_READY_TIMEOUT_MS);
  } finally {
    probe.disconnect();
  }
  // The metrics server starts next, so a port already taken fails the command before any job is taken.
  let metrics: CohortMetrics | undefined;
  let metricsServer: MetricsServer | null = null;
  if (flags['metrics-port'] !== undefined) {
    metrics = createMetrics();
    collectDefaultMetrics({ register: metrics.registry });
    metricsServer = await startMetricsServer({
      registry: metrics.registry,
      host: strFlag(flags, 'metrics-host') ?? '127.0.0.1',
      port: portFlag(flags, 'metrics-port', 9464),
    });
    log.info({ url: metricsServer.url, port: metricsServer.port }, 'metrics listening');
  }
  let handle: WorkerHandle;
  try {
    handle = await startWorker({ config, token, concurrency, log, ...(metrics ? { metrics } : {}) });
  } catch (err) {
    await metricsServer?.close();
    throw err;
  }
  let lost: RedisUnavailableError | null = null;
  let stopWatching = (): void => {};
  let stopListening = (): void => {};
  await new Promise<void>((resolve) => {
    stopListening = onStopSignal((signal) => {
      log.info({ signal, drainTimeoutMs: config.worker.drainTimeoutMs }, 'draining');
      resolve();
    });
    stopWatching = watchRedis(handle.connections, config.redis.url, config.worker.redisGraceMs, (err) => {
      lost = err;
      resolve();
    });
  });
  stopWatching();
  stopListening();
  // Without Redis a drain cannot hand anything back cleanly: bounded, the locks lapse on their own.
  const { forced } = lost
    ? await withTimeout(handle.drain(LOST_DRAIN_MS), 3 * LOST_DRAIN_MS, () => ({ forced: true }))
    : await handle.drain(config.worker.drainTimeoutMs);
  await metricsServer?.close();
  if (lost) throw lost;
  log.info({ forced }, forced ? 'drain deadline passed: active jobs handed back' : 'drained');
  return 0;
}
