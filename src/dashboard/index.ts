/**
 * The queue dashboard for operators: Bull Board (all @bull-board packages on one version) over the
 * deployment's queues, on loopback by default, behind basic auth whenever it is bound elsewhere.
 */
export { checkBasicAuth, type BasicAuthCredentials } from './check-basic-auth.js';
export { createDashboardApp, type DashboardAppOptions } from './create-dashboard-app.js';
export { DashboardError } from './errors.js';
export { resolveDashboardAuth, type DashboardAuthInput } from './resolve-dashboard-auth.js';
export { startDashboard, type RunningDashboard } from './start-dashboard.js';
