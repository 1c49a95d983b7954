import type { IntercomApi } from '../intercom/types.js';
import type { RunStore } from './run-store.js';

/**
 * Hands the store this process's API client as the source of the run's request counters: the one
 * place a client's figures become the run's (the manifest's api_calls, responses_429, retries and
 * events_per_page; the progress line; `status`).
 */
export function countRequests(api: IntercomApi, store: RunStore): void {
  store.countRequests(() => ({
    apiCalls: api.stats.calls,
    responses429: api.stats.responses429,
    retries: api.stats.retries,
    eventsPageSize: api.eventsPageSize,
  }));
}
