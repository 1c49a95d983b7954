/**
 * The queue dashboard for operators: Bull Board (all @bull-board packages on one version) over the
 * deployment's queues, on loopback by default, behind basic auth whenever it is bound elsewhere.
 * Read-only unless started with --allow-actions (then retry, promote and remove of single jobs, and
 * nothing else); it answers only to its own address or --public-host names (DNS rebinding), and acts
 * only on same-origin requests (cross-site pages).
 */
export { checkBasicAuth, type BasicAuthCredentials } from './check-basic-auth.js';
export { BULL_BOARD_API_ROUTES, type BullBoardRoute, type BullBoardRouteKind } from './bull-board-routes.js';
export { clientKey } from './client-key.js';
export { createDashboardApp, type DashboardAppOptions } from './create-dashboard-app.js';
export { createLoginThrottle, type LoginThrottle, type LoginThrottleOptions } from './create-login-throttle.js';
export { DashboardError } from './errors.js';
export { parsePublicHosts } from './parse-public-hosts.js';
export { resolveDashboardAuth, type DashboardAuthInput } from './resolve-dashboard-auth.js';
export { startDashboard, type RunningDashboard } from './start-dashboard.js';
