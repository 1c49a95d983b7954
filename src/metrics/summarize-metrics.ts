import type { CohortMetrics } from './create-metrics.js';

/** Field names for the manifest: lower case, `_` for anything but letters and digits. */
function fieldPart(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/**
 * The metrics as flat manifest fields, for the single-process run's `manifest.json` (`timing`, since
 * they describe one run rather than the data): the same figures a worker serves on `/metrics`.
 *
 *   api_calls_<endpoint>   requests sent per endpoint (segments, tags, contacts_search, events)
 *   api_responses_<status> responses per HTTP status (api_responses_200, api_responses_429, ...)
 *   rate_limit_wait_ms_summed_over_requests
 *                          each request's wait for a rate-limit token, added up over every request;
 *                          requests wait in parallel, so it can exceed the run's duration
 *   contacts_fetched       contacts whose event history was read to the end by this process
 *
 * The totals the manifest already has (api_calls, responses_429, retries) are not repeated.
 * Keys come out sorted, so two manifests list them in the same order.
 *
 * @example
 * await summarizeMetrics(metrics) // { api_calls_events: 2010, api_calls_segments: 1, ..., rate_limit_wait_ms_summed_over_requests: 5234 }
 */
export async function summarizeMetrics(metrics: CohortMetrics): Promise<Record<string, number>> {
  metrics.sync();
  const fields: Record<string, number> = {};
  for (const v of (await metrics.requests.get()).values) {
    fields[`api_calls_${fieldPart(String(v.labels.endpoint ?? 'unknown'))}`] = v.value;
  }
  for (const v of (await metrics.responses.get()).values) {
    fields[`api_responses_${fieldPart(String(v.labels.status ?? 'unknown'))}`] = v.value;
  }
  const waitSum = (await metrics.rateLimitWait.get()).values.find((v) => v.metricName?.endsWith('_sum'));
  fields.rate_limit_wait_ms_summed_over_requests = Math.round((waitSum?.value ?? 0) * 1000);
  fields.contacts_fetched = (await metrics.contactsFetched.get()).values[0]?.value ?? 0;
  return Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
