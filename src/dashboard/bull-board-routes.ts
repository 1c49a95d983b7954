/**
 * Every API route of @bull-board/api 9.10.1 (dist/routes.js `appRoutes.api`), in its order, with what
 * the dashboard lets through. Order matters: Express dispatches a request to the first route that
 * matches, so the gate (create-action-gate.ts) registers these in the same order and decides for the
 * same route Bull Board would run (e.g. `PUT /api/queues/runs/retry/retry` is "retry all", not the job
 * "retry"). test/integration/dashboard-routes.test.ts fails when a Bull Board upgrade changes the list.
 *
 * - `read`: shows something; always allowed.
 * - `job-action`: retry, promote or remove ONE existing job; allowed only with `--allow-actions`.
 * - `never`: adds jobs, changes a queue or its settings, or acts on every job at once; always refused.
 *   Adding a job is refused because job data says what a worker does; the rest because one click
 *   would stop, reconfigure or wipe the deployment's queue.
 */
export type BullBoardRouteKind = 'read' | 'job-action' | 'never';

export interface BullBoardRoute {
  method: 'get' | 'put' | 'post' | 'patch';
  path: string;
  kind: BullBoardRouteKind;
  /** What the route does, as the end of "the dashboard does not …" / "… needs --allow-actions". */
  what: string;
}

export const BULL_BOARD_API_ROUTES: readonly BullBoardRoute[] = [
  { method: 'get', path: '/api/redis/stats', kind: 'read', what: 'show Redis statistics' },
  { method: 'get', path: '/api/queues', kind: 'read', what: 'list queues and jobs' },
  { method: 'get', path: '/api/job-schedulers', kind: 'read', what: 'list job schedulers' },
  { method: 'get', path: '/api/queues/:queueName/metrics', kind: 'read', what: 'show queue metrics' },
  { method: 'get', path: '/api/queues/:queueName/default-job-options', kind: 'read', what: 'show default job options' },
  { method: 'get', path: '/api/queues/:queueName/workers', kind: 'read', what: 'list workers' },
  { method: 'get', path: '/api/queues/:queueName/rate-limit', kind: 'read', what: 'show the rate limit' },
  { method: 'get', path: '/api/queues/:queueName/job-data-schema', kind: 'read', what: 'show the job data schema' },
  { method: 'put', path: '/api/queues/pause', kind: 'never', what: 'pause queues' },
  { method: 'put', path: '/api/queues/resume', kind: 'never', what: 'resume queues' },
  { method: 'get', path: '/api/queues/:queueName/:jobId/logs', kind: 'read', what: 'show job logs' },
  { method: 'get', path: '/api/queues/:queueName/:jobId/flow', kind: 'read', what: 'show a job flow' },
  { method: 'get', path: '/api/queues/:queueName/:jobId', kind: 'read', what: 'show a job' },
  { method: 'post', path: '/api/queues/:queueName/add', kind: 'never', what: 'add jobs' },
  { method: 'put', path: '/api/queues/:queueName/retry/:queueStatus', kind: 'never', what: 'retry every job of a state at once' },
  { method: 'put', path: '/api/queues/:queueName/promote', kind: 'never', what: 'promote every delayed job at once' },
  { method: 'put', path: '/api/queues/:queueName/clean/:queueStatus', kind: 'never', what: 'clean queues' },
  { method: 'put', path: '/api/queues/:queueName/pause', kind: 'never', what: 'pause queues' },
  { method: 'put', path: '/api/queues/:queueName/resume', kind: 'never', what: 'resume queues' },
  { method: 'put', path: '/api/queues/:queueName/concurrency', kind: 'never', what: 'change concurrency' },
  { method: 'put', path: '/api/queues/:queueName/rate-limit', kind: 'never', what: 'change the rate limit' },
  { method: 'put', path: '/api/queues/:queueName/rate-limit/release', kind: 'never', what: 'release the rate limit' },
  { method: 'put', path: '/api/queues/:queueName/empty', kind: 'never', what: 'empty queues' },
  { method: 'put', path: '/api/queues/:queueName/obliterate', kind: 'never', what: 'obliterate queues' },
  { method: 'put', path: '/api/queues/:queueName/job-schedulers/:schedulerId/remove', kind: 'never', what: 'remove job schedulers' },
  { method: 'patch', path: '/api/queues/:queueName/job-schedulers/:schedulerId', kind: 'never', what: 'change job schedulers' },
  { method: 'put', path: '/api/queues/:queueName/job-schedulers/:schedulerId/run', kind: 'never', what: 'run job schedulers' },
  { method: 'put', path: '/api/queues/:queueName/:jobId/retry', kind: 'job-action', what: 'retry a job' },
  { method: 'put', path: '/api/queues/:queueName/:jobId/clean', kind: 'job-action', what: 'remove a job' },
  { method: 'put', path: '/api/queues/:queueName/:jobId/promote', kind: 'job-action', what: 'promote a job' },
  { method: 'patch', path: '/api/queues/:queueName/:jobId/update-data', kind: 'never', what: 'change job data' },
  { method: 'patch', path: '/api/queues/:queueName/:jobId/delay', kind: 'never', what: 'change job delays' },
  { method: 'patch', path: '/api/queues/:queueName/:jobId/priority', kind: 'never', what: 'change job priorities' },
  { method: 'put', path: '/api/queues/:queueName/:jobId/remove-unprocessed-children', kind: 'never', what: 'remove the children of a job' },
];
