import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type Express } from 'express';
import pino from 'pino';
import type { Logger } from '../logger.js';
import type { BasicAuthCredentials } from './check-basic-auth.js';
import { checkHost } from './check-host.js';
import { checkSameOrigin } from './check-same-origin.js';
import { createActionGate } from './create-action-gate.js';
import { createLoginThrottle, type LoginThrottleOptions } from './create-login-throttle.js';
import type { Authority } from './parse-authority.js';
import { requireBasicAuth } from './require-basic-auth.js';

export interface DashboardAppOptions {
  /** The deployment's queues (opened by the caller, who also closes them). */
  queues: readonly Queue[];
  /** null: no authentication (the caller allows that only on loopback; see resolveDashboardAuth). */
  auth: BasicAuthCredentials | null;
  /** --host: a name given there is one the dashboard answers to (checkHost). Default 127.0.0.1. */
  bindHost?: string;
  /** Further names the dashboard answers to (--public-host; parsePublicHosts). Default none. */
  publicHosts?: readonly Authority[];
  /** Let the board retry, promote and remove single jobs (--allow-actions). Default false: read-only. */
  allowActions?: boolean;
  /** Failed-login throttle settings (tests shorten the clock). */
  throttle?: LoginThrottleOptions;
  /** Failed logins are logged here at warn. Default: nowhere. */
  log?: Logger;
  /** Shown in the board's header. */
  title?: string;
}

/**
 * Bull Board over the given queues, as an Express app served at `/`. Each request passes, in order:
 * the Host check (421: DNS rebinding), the same-origin check for anything but GET/HEAD/OPTIONS (403:
 * cross-site requests), basic auth with its failed-login throttle when credentials are given (401,
 * 429), and the action gate (403: everything but reads, and retry/promote/remove of one job with
 * `allowActions`). Only then does Bull Board see it — itself in read-only mode unless `allowActions`.
 *
 * @example
 * const app = createDashboardApp({ queues: [queue], auth: null });
 * const dashboard = await startDashboard({ app, host: '127.0.0.1', port: 3000 });
 */
export function createDashboardApp(options: DashboardAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const names = { bindHost: options.bindHost ?? '127.0.0.1', publicHosts: options.publicHosts ?? [] };
  const allowActions = options.allowActions === true;
  app.use(checkHost(names));
  app.use((_req, res, next) => {
    // No framing by other pages: a framed board could be clicked into acting (clickjacking).
    res.set({ 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "frame-ancestors 'none'" });
    next();
  });
  app.use(checkSameOrigin(names));
  if (options.auth !== null) {
    app.use(requireBasicAuth(options.auth, createLoginThrottle(options.throttle), options.log ?? pino({ level: 'silent' })));
  }
  app.use(createActionGate(allowActions));
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('');
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: !allowActions, allowRetries: allowActions })),
    serverAdapter,
    options: { uiConfig: { boardTitle: options.title ?? 'cohort-reports', hideDocsLink: true } },
  });
  app.use('/', serverAdapter.getRouter() as express.Router);
  return app;
}
