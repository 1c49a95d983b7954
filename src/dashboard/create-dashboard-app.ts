import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type Express } from 'express';
import { checkBasicAuth, type BasicAuthCredentials } from './check-basic-auth.js';

export interface DashboardAppOptions {
  /** The deployment's queues (opened by the caller, who also closes them). */
  queues: readonly Queue[];
  /** null: no authentication (the caller allows that only on loopback; see resolveDashboardAuth). */
  auth: BasicAuthCredentials | null;
  /** Shown in the board's header. */
  title?: string;
}

const REALM = 'Basic realm="cohort-reports dashboard", charset="UTF-8"';

/**
 * Bull Board over the given queues, as an Express app served at `/`, behind basic auth when
 * credentials are given (every route: the page, its assets and its API).
 *
 * @example
 * const app = createDashboardApp({ queues: [queue], auth: null });
 * const dashboard = await startDashboard({ app, host: '127.0.0.1', port: 3000 });
 */
export function createDashboardApp(options: DashboardAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  const { auth } = options;
  if (auth !== null) {
    app.use((req, res, next) => {
      if (checkBasicAuth(req.headers.authorization, auth)) {
        next();
        return;
      }
      res.status(401).set('WWW-Authenticate', REALM).type('text/plain').send('authentication required\n');
    });
  }
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath('');
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: options.title ?? 'cohort-reports', hideDocsLink: true } },
  });
  app.use('/', serverAdapter.getRouter() as express.Router);
  return app;
}
