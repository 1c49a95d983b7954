/**
 * The figures operators watch, as Prometheus metrics in one registry per process: requests to
 * Intercom by endpoint, responses by status, 429s, retries, time spent waiting for a rate-limit token,
 * contacts and events fetched, and run durations. The worker serves them (`--metrics-port`); the
 * single-process `run` reads the same counters into its manifest (see summarizeMetrics).
 *
 * Labels only ever hold fixed endpoint names, HTTP status codes and job states: never anything that
 * came from a request, a job's data or the environment (so never the token).
 */
import { Counter, Histogram, Registry } from 'prom-client';

export const METRIC_PREFIX = 'cohort_reports_';

/** Waits for a token: from none at all to the 10 s window Intercom counts in, and a long pause after a 429. */
const WAIT_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Runs: seconds on the sandbox, minutes to many hours on a large workspace. */
const RUN_BUCKETS_SECONDS = [1, 10, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400];

export interface CohortMetrics {
  readonly registry: Registry;
  /** HTTP attempts sent (first tries and retries), by endpoint label. */
  readonly requests: Counter<'endpoint'>;
  /** Responses received, by HTTP status (attempts that got no response at all are not here). */
  readonly responses: Counter<'status'>;
  readonly responses429: Counter;
  readonly retries: Counter;
  /** Time from asking the limiter for a token to getting it, per granted token. */
  readonly rateLimitWait: Histogram;
  /** Contacts whose event history was read to the end. */
  readonly contactsFetched: Counter;
  readonly eventsFetched: Counter;
  /** Enqueue (or start) to reports written, per completed run. */
  readonly runDuration: Histogram;
  /**
   * Registers a function that brings counters kept elsewhere (a client's `stats`) up to date; it is
   * called before every scrape and by `sync()`. Returns the function that unregisters it.
   */
  track(syncSource: () => void): () => void;
  /** Calls every tracked source now. */
  sync(): void;
}

/**
 * A fresh registry holding the project's metrics (no process metrics: the worker adds those itself).
 *
 * @example
 * const metrics = createMetrics();
 * const limiter = meterLimiter(createMemoryLimiter(settings), metrics);
 * const api = meterApi(createIntercomClient({ baseUrl, token, limiter }), metrics);
 */
export function createMetrics(): CohortMetrics {
  const registry = new Registry();
  const sources = new Set<() => void>();
  const sync = (): void => {
    for (const source of sources) source();
  };
  const registers = [registry];
  // Every counter fed from client stats syncs before it is read: whichever the registry reads first.
  const collect = sync;

  return {
    registry,
    requests: new Counter({
      name: `${METRIC_PREFIX}intercom_requests_total`,
      help: 'HTTP attempts sent to the Intercom API (first tries and retries), by endpoint',
      labelNames: ['endpoint'],
      registers,
      collect,
    }),
    responses: new Counter({
      name: `${METRIC_PREFIX}intercom_responses_total`,
      help: 'Responses received from the Intercom API, by HTTP status',
      labelNames: ['status'],
      registers,
    }),
    responses429: new Counter({
      name: `${METRIC_PREFIX}intercom_rate_limited_total`,
      help: 'Responses 429 (rate limited) from the Intercom API',
      registers,
      collect,
    }),
    retries: new Counter({
      name: `${METRIC_PREFIX}intercom_retries_total`,
      help: 'Intercom attempts that repeated an earlier failed one (429, 5xx, timeouts, resets)',
      registers,
      collect,
    }),
    rateLimitWait: new Histogram({
      name: `${METRIC_PREFIX}rate_limit_wait_seconds`,
      help: 'Time each granted request waited for a token of the shared rate limiter',
      buckets: WAIT_BUCKETS_SECONDS,
      registers,
    }),
    contactsFetched: new Counter({
      name: `${METRIC_PREFIX}contacts_fetched_total`,
      help: 'Contacts whose event history was read to the end',
      registers,
    }),
    eventsFetched: new Counter({
      name: `${METRIC_PREFIX}events_fetched_total`,
      help: 'Events received from the Intercom API',
      registers,
    }),
    runDuration: new Histogram({
      name: `${METRIC_PREFIX}run_duration_seconds`,
      help: 'Completed runs: from the run being queued to its reports being written',
      buckets: RUN_BUCKETS_SECONDS,
      registers,
    }),
    track(syncSource) {
      sources.add(syncSource);
      return () => {
        sources.delete(syncSource);
      };
    },
    sync,
  };
}
