/**
 * `cohort-reports dashboard`: Bull Board over the deployment's queue (redis.url, redis.prefix from
 * config), until SIGINT/SIGTERM. Loopback by default; bound elsewhere it needs DASHBOARD_USER and
 * DASHBOARD_PASSWORD (basic auth) or refuses to start with exit code 2. Read-only unless
 * --allow-actions (retry, promote, remove single jobs); it answers only to its bound address and the
 * --public-host names. It never reads INTERCOM_TOKEN, and job data never holds it.
 */
import { Queue } from 'bullmq';
import { listFlag, strFlag, type ParsedFlags } from './flags.js';
import { loadConfigFromFlags } from './shared-flags.js';
import { createDashboardApp, parsePublicHosts, resolveDashboardAuth, startDashboard } from '../dashboard/index.js';
import { connectRedis, waitForRedis } from '../../jobs/connect-redis.js';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { createCliLogger } from './create-cli-logger.js';
import { REDIS_READY_TIMEOUT_MS } from './open-queue.js';
import { portFlag } from './port-flag.js';
import { untilStopSignal } from './on-stop-signal.js';
import { resolveTerminal } from './terminal.js';

export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
export const DEFAULT_DASHBOARD_PORT = 3000;

export async function dashboardCommand(flags: ParsedFlags): Promise<number> {
  const host = strFlag(flags, 'host') ?? DEFAULT_DASHBOARD_HOST;
  const port = portFlag(flags, 'port', DEFAULT_DASHBOARD_PORT);
  const publicHosts = parsePublicHosts(listFlag(flags, 'public-host'));
  const allowActions = flags['allow-actions'] === true;
  const auth = resolveDashboardAuth({ host, user: process.env.DASHBOARD_USER, password: process.env.DASHBOARD_PASSWORD });
  const { config } = loadConfigFromFlags(flags, false);
  // Failed logins are logged (never their password: it is scrubbed from every line as a second guard).
  const log = createCliLogger(resolveTerminal(flags, process.env), { level: config.log.level, secrets: [auth?.password] });
  // Reconnects for as long as the dashboard runs; every command still has a timeout.
  const connection = connectRedis(config.redis.url, 'commands');
  const queue = new Queue(QUEUE_NAME, { connection, prefix: bullPrefix(config.redis.prefix) });
  // A Redis outage while the dashboard runs shows in its pages; the queue's reconnect errors need no echo.
  queue.on('error', () => {});
  try {
    await waitForRedis(connection, config.redis.url, REDIS_READY_TIMEOUT_MS);
    const app = createDashboardApp({ queues: [queue], auth, bindHost: host, publicHosts, allowActions, log });
    const dashboard = await startDashboard({ app, host, port });
    process.stdout.write(
      `Queue dashboard for ${queue.qualifiedName} on ${dashboard.url}${auth ? ' (basic auth)' : ' (loopback, no authentication)'}, ` +
        `${allowActions ? 'retry, promote and remove allowed (--allow-actions)' : 'read-only'}\n` +
        `Press Ctrl-C to stop.\n`,
    );
    await untilStopSignal();
    await dashboard.close();
    return 0;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
