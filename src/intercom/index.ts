export { createIntercomClient, type IntercomClientOptions } from './create-intercom-client.js';
export type { ClientLogger, TransportTimeouts } from './create-transport.js';
export type { WorkspaceIdentity } from './types.js';
export { resolveBaseUrl } from './resolve-base-url.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './plan-retry-wait.js';
export * from './errors.js';
export type * from './types.js';
export { EVENTS_PAGE_SIZES, type EventsPageSize, type EventsPerPageSetting } from './events-page-size.js';
