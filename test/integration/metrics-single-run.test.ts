/**
 * The metrics of one process, measured against the sandbox's own count of what it received: a real
 * single-process collection (collectRun) through a metered client and limiter, then the /metrics
 * endpoint and the manifest fields (summarizeMetrics) read back and compared with the sandbox counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntercomClient } from '../../src/intercom/index.js';
import type { IntercomApi } from '../../src/intercom/types.js';
import { createLogger } from '../../src/logger.js';
import { createMetrics, meterApi, meterLimiter, startMetricsServer, summarizeMetrics, type CohortMetrics, type MetricsServer } from '../../src/metrics/index.js';
import { collectRun } from '../../src/pipeline/collect-run.js';
import { createMemoryStore } from '../../src/pipeline/memory-store.js';
import { planRun } from '../../src/pipeline/plan-run.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { ContactStats } from '../../src/report/contact-stats.js';
import { lastCompleteMonth } from '../../src/report/last-complete-month.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { parseExposition, sumOf } from '../support/metrics-exposition.js';


let sandbox: Sandbox;
let metrics: CohortMetrics;
let api: IntercomApi;
let server: MetricsServer;
let exposition: string;
let contentType: string | null;
let listedContacts: Set<string>;

beforeAll(async () => {
  const nowSec = Math.floor(Date.now() / 1000);
  // A one-second window keeps the pause after each 429 short; the allowance itself never binds.
  sandbox = await startSandbox({
    contacts: 120,
    seed: 11,
    nowSec,
    rateLimit: { allowancePerWindow: 100_000, windowSeconds: 1 },
    faults: { seed: 3, serverErrorRate: 0.03, burst429: { everyNthRequest: 70, length: 1 } },
  });
  listedContacts = new Set([...sandbox.workspace.membersByCohort.values()].flat());
  metrics = createMetrics();
  const limiter = meterLimiter(createMemoryLimiter({ allowancePerWindow: 5_000, windowSeconds: 10, share: 0.9 }), metrics);
  api = meterApi(createIntercomClient({ baseUrl: sandbox.url, token: sandbox.token, limiter, retry: { baseDelayMs: 20, maxDelayMs: 200 } }), metrics);
  const plan = planRun({ from: lastCompleteMonth(Date.now(), 'UTC'), timeZone: 'UTC', nowSec, allowPartial: false });
  await collectRun({
    api,
    store: createMemoryStore({}),
    plan,
    filter: { segments: true, tags: true, include: [], exclude: [] },
    perPage: 50,
    concurrency: 6,
    log: createLogger({ level: 'silent' }),
  });
  server = await startMetricsServer({ registry: metrics.registry, port: 0 });
  const response = await fetch(server.url);
  contentType = response.headers.get('content-type');
  exposition = await response.text();
});

afterAll(async () => {
  await server?.close();
  await api?.close();
  await sandbox?.close();
});

describe('metrics of a single-process run', () => {
  it('serves /metrics in the Prometheus text format', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(() => parseExposition(exposition)).not.toThrow();
    expect(exposition).toContain('# TYPE cohort_reports_intercom_requests_total counter');
    expect(exposition).toContain('# TYPE cohort_reports_rate_limit_wait_seconds histogram');
  });

  it('counts requests per endpoint exactly as the sandbox received them', () => {
    const samples = parseExposition(exposition);
    for (const endpoint of ['segments', 'tags', 'contacts.search', 'events'] as const) {
      expect(samples.get(`cohort_reports_intercom_requests_total{endpoint="${endpoint}"}`), endpoint).toBe(sandbox.counters.byEndpoint[endpoint]);
    }
    expect(sumOf(samples, 'cohort_reports_intercom_requests_total')).toBe(sandbox.counters.requests);
  });

  it('counts responses per status, 429s and retries as the sandbox sent them', () => {
    const samples = parseExposition(exposition);
    const c = sandbox.counters;
    expect(c.responses429).toBeGreaterThan(0);
    expect(c.faultsInjected.serverError).toBeGreaterThan(0);
    expect(samples.get('cohort_reports_intercom_responses_total{status="429"}')).toBe(c.responses429);
    expect(samples.get('cohort_reports_intercom_rate_limited_total')).toBe(c.responses429);
    expect(sumOf(samples, 'cohort_reports_intercom_responses_total', (l) => /status="5\d\d"/.test(l))).toBe(c.faultsInjected.serverError);
    expect(samples.get('cohort_reports_intercom_responses_total{status="200"}')).toBe(c.requests - c.responses429 - c.faultsInjected.serverError);
    // Every refused attempt was repeated, and nothing else was.
    expect(samples.get('cohort_reports_intercom_retries_total')).toBe(c.responses429 + c.faultsInjected.serverError);
  });

  it('records one rate-limit wait per request sent', () => {
    const samples = parseExposition(exposition);
    expect(samples.get('cohort_reports_rate_limit_wait_seconds_count')).toBe(sandbox.counters.requests);
    expect(samples.get('cohort_reports_rate_limit_wait_seconds_sum')).toBeGreaterThan(0);
  });

  it('counts every listed contact as fetched once, with the events the sandbox served', () => {
    const samples = parseExposition(exposition);
    expect(samples.get('cohort_reports_contacts_fetched_total')).toBe(listedContacts.size);
    expect(sandbox.counters.eventsCallsByContact.size).toBe(listedContacts.size);
    expect(samples.get('cohort_reports_events_fetched_total')).toBeGreaterThan(0);
  });

  it('never puts the token in the metrics', () => {
    expect(exposition).not.toContain(sandbox.token);
  });

  it('answers 404 off /metrics and 405 to anything but GET', async () => {
    const base = server.url.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('gives the manifest the same figures, as sorted flat fields', async () => {
    const fields = await summarizeMetrics(metrics);
    const c = sandbox.counters;
    expect(fields).toMatchObject({
      api_calls_segments: c.byEndpoint.segments,
      api_calls_tags: c.byEndpoint.tags,
      api_calls_contacts_search: c.byEndpoint['contacts.search'],
      api_calls_events: c.byEndpoint.events,
      api_responses_429: c.responses429,
      contacts_fetched: listedContacts.size,
    });
    expect(fields.rate_limit_wait_ms_summed_over_requests).toBeGreaterThan(0);
    expect(Object.keys(fields)).toEqual(Object.keys(fields).sort());
    expect(Object.values(fields).every((v) => Number.isInteger(v))).toBe(true);
    expect(api.stats.calls).toBe(c.requests);
  });
});
