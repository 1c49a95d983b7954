/**
 * `cohort-reports dashboard`: Bull Board over the deployment's queue (redis.url, redis.prefix from
 * config), until SIGINT/SIGTERM. Loopback by default; bound elsewhere it needs DASHBOARD_USER and
 * DASHBOARD_PASSWORD (basic auth) or refuses to start with exit code 2. It never reads INTERCOM_TOKEN,
 * and job data never holds it.
 */
import { Queue } from 'bullmq';
import type { ParsedFlags } from './flags.js';
import { loadConfigFromFlags } from './shared-flags.js';
import { createDashboardApp, resolveDashboardAuth, startDashboard } from '../dashboard/index.js';
import { connectRedis } from '../../jobs/connect-redis.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { portFlag } from './port-flag.js';

export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_DASHBOARD_PORT = 3000;
const REDIS_READY_TIMEOUT_MS = 10_000;

async function readyWithin(queue: Queue, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`dashboard: Redis did not answer within ${ms} ms (check REDIS_URL)`)), ms);
  });
  try {
    await Promise.race([queue.waitUntilReady(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function dashboardCommand(flags: ParsedFlags): Promise<number> {
  const host = typeof flags.host === 'string' ? flags.host : DEFAULT_DASHBOARD_HOST;
  const port = portFlag(flags, 'port', DEFAULT_DASHBOARD_PORT);
  const auth = resolveDashboardAuth({ host, user: process.env.DASHBOARD_USER, password: process.env.DASHBOARD_PASSWORD });
  const { config } = loadConfigFromFlags(flags, false);
  // Reconnects for as long as the dashboard runs; every command still has a timeout.
  const connection = connectRedis(config.redis.url, 'commands');
  const queue = new Queue(QUEUE_NAME, { connection, prefix: bullPrefix(config.redis.prefix) });
  try {
    await readyWithin(queue, REDIS_READY_TIMEOUT_MS);
    const dashboard = await startDashboard({ app: createDashboardApp({ queues: [queue], auth }), host, port });
    process.stdout.write(
      `Queue dashboard for ${queue.qualifiedName} on ${dashboard.url}${auth ? ' (basic auth)' : ' (loopback, no authentication)'}\n` +
        `Press Ctrl-C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await dashboard.close();
    return 0;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
