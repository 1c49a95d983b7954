import type { IntercomApi, RequestStats } from '../intercom/types.js';
import type { CohortMetrics } from './create-metrics.js';

function snapshot(stats: RequestStats): RequestStats {
  return { calls: stats.calls, responses429: stats.responses429, retries: stats.retries, callsByEndpoint: { ...stats.callsByEndpoint } };
}

/**
 * Wraps an Intercom client so its request counters (`stats`, kept by the client per attempt) flow into
 * the metrics, and every contact whose events are read to the end counts as fetched. The counters are
 * brought up to date before each scrape and when the client closes, so a client that lived between
 * two scrapes is still counted in full.
 *
 * @example
 * const api = meterApi(createIntercomClient({ baseUrl, token, limiter }), metrics);
 */
export function meterApi(api: IntercomApi, metrics: CohortMetrics): IntercomApi {
  let seen = snapshot(api.stats);
  const sync = (): void => {
    const now = api.stats;
    for (const [endpoint, calls] of Object.entries(now.callsByEndpoint)) {
      const grown = calls - (seen.callsByEndpoint[endpoint] ?? 0);
      if (grown > 0) metrics.requests.inc({ endpoint }, grown);
    }
    if (now.responses429 > seen.responses429) metrics.responses429.inc(now.responses429 - seen.responses429);
    if (now.retries > seen.retries) metrics.retries.inc(now.retries - seen.retries);
    seen = snapshot(now);
  };
  const untrack = metrics.track(sync);

  return {
    identifyWorkspace: (signal) => api.identifyWorkspace(signal),
    listSegments: (signal) => api.listSegments(signal),
    listTags: (signal) => api.listTags(signal),
    listMemberPages: (cohort, options) => api.listMemberPages(cohort, options),
    async *listEventPages(contactId, options) {
      for await (const page of api.listEventPages(contactId, options)) {
        metrics.eventsFetched.inc(page.length);
        yield page;
      }
      metrics.contactsFetched.inc();
    },
    listConversationPages: (window, options) => api.listConversationPages(window, options),
    checkConversationsAccess: (signal) => api.checkConversationsAccess(signal),
    get stats() {
      return api.stats;
    },
    get eventsPageSize() {
      return api.eventsPageSize;
    },
    async close() {
      try {
        await api.close();
      } finally {
        sync();
        untrack();
      }
    },
  };
}
