/**
 * Every error class of the client produced by a real response (or a real failure) of the sandbox, and
 * the retry loop under each fault kind, with attempt counts checked against the sandbox's own counters.
 * The client's backoff sleep is replaced by one that records the wait and returns at once, so the tests
 * stay fast; the rate limiter is the real in-memory one, which still pauses on 429 feedback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIntercomClient, type IntercomClientOptions } from '../../src/intercom/create-intercom-client.js';
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedBodyError,
  isPermanent,
  isRetryable,
} from '../../src/intercom/errors.js';
import type { Cohort, IntercomApi } from '../../src/intercom/types.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { RateLimitFeedback, RateLimiter } from '../../src/rate-limit/rate-limiter.js';
import { cohortKey, generateWorkspace, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const NOW_SEC = 1_767_225_600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let sb: Sandbox;
let inner: RateLimiter;
const clients: IntercomApi[] = [];

/** The real limiter, with a count of what the client asked of it. */
function observedLimiter() {
  const seen = { takes: 0, reports: [] as RateLimitFeedback[] };
  const limiter: RateLimiter = {
    take: async (signal) => {
      seen.takes += 1;
      await inner.take(signal);
    },
    report: async (feedback) => {
      seen.reports.push(feedback);
      await inner.report(feedback);
    },
    close: async () => {},
  };
  return { limiter, seen };
}

function client(overrides: Partial<IntercomClientOptions> = {}) {
  const { limiter, seen } = observedLimiter();
  const waitsMs: number[] = [];
  const api = createIntercomClient({
    baseUrl: sb.url,
    token: sb.token,
    limiter,
    retry: { maxAttempts: 4, baseDelayMs: 10 },
    sleep: async (ms, signal) => {
      waitsMs.push(ms);
      signal?.throwIfAborted();
    },
    ...overrides,
  });
  clients.push(api);
  return { api, seen, waitsMs };
}

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

async function drain<T>(pages: AsyncGenerator<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

function firstSegment(): Cohort {
  const segment = sb.workspace.segments.find((s) => (s.count ?? 0) > 20)!;
  return { type: 'segment', id: segment.id, name: segment.name, memberCountReported: segment.count ?? null, personType: segment.person_type };
}

beforeAll(async () => {
  sb = await startSandbox({ contacts: 200, seed: 5, nowSec: NOW_SEC });
  inner = createMemoryLimiter({ allowancePerWindow: 1_000_000, windowSeconds: 10, share: 1 });
});

afterEach(() => {
  sb.setFaults({});
  sb.setRateLimit(null);
  sb.resetCounters();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await inner.close();
  await sb.close();
});

describe('permanent failures are not retried', () => {
  it('raises AuthenticationError on 401 after exactly one call', async () => {
    const { api, seen } = client({ token: 'not-the-sandbox-token' });
    const err = await failureOf(() => api.listSegments());
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: 'INTERCOM_AUTHENTICATION', status: 401, intercomCode: 'unauthorized', endpoint: 'segments', attempts: 1 });
    expect((err as AuthenticationError).requestId).toMatch(UUID);
    expect(isPermanent(err)).toBe(true);
    expect(sb.counters.requests).toBe(1);
    expect(api.stats).toMatchObject({ calls: 1, retries: 0 });
    expect(seen.takes).toBe(1);
  });

  it('raises NotFoundError on 404 for an unknown contact and for a vanished one', async () => {
    const vanished = sb.workspace.contacts[3]!.id;
    sb.setFaults({ vanishContactIds: [vanished] });
    const { api } = client();
    for (const contactId of ['000000000000000000000000', vanished]) {
      const err = await failureOf(() => drain(api.listEventPages(contactId)));
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err).toMatchObject({ status: 404, intercomCode: 'not_found', endpoint: 'events', attempts: 1 });
    }
    expect(sb.counters.requests).toBe(2);
  });

  it('raises BadRequestError on 400 for a cursor the search never issued', async () => {
    const { api } = client();
    const err = await failureOf(() => drain(api.listMemberPages(firstSegment(), { startingAfter: 'not-a-cursor' })));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, intercomCode: 'parameter_invalid', endpoint: 'contacts.search', attempts: 1 });
    expect(sb.counters.requests).toBe(1);
  });

  it('raises UnexpectedBodyError naming the field when a 200 body has the wrong shape, without retrying', async () => {
    const workspace = generateWorkspace({ contacts: 60, seed: 9, nowSec: NOW_SEC });
    const [key, members] = [...workspace.membersByCohort].find(([k, m]) => k.startsWith('segment:') && m.length > 0)!;
    const position = workspace.contacts.findIndex((c) => c.id === members[0]);
    workspace.contacts[position] = { ...workspace.contacts[position]!, role: 'visitor' as never };
    const odd = await startSandbox({ workspace });
    try {
      const { api } = client({ baseUrl: odd.url, token: odd.token });
      const err = await failureOf(() => drain(api.listMemberPages({ type: 'segment', id: key.slice('segment:'.length) })));
      expect(err).toBeInstanceOf(UnexpectedBodyError);
      expect(err).toMatchObject({ reason: 'wrong-shape', status: 200, attempts: 1 });
      expect((err as Error).message).toContain('data[0].role');
      expect(isPermanent(err)).toBe(true);
      expect(odd.counters.requests).toBe(1);
    } finally {
      await odd.close();
    }
  });
});

describe('transient failures are retried a bounded number of times', () => {
  it('raises ServerError after maxAttempts calls when every answer is 5xx (JSON or HTML)', async () => {
    sb.setFaults({ seed: 3, serverErrorRate: 1 });
    const { api, seen, waitsMs } = client();
    const err = await failureOf(() => api.listTags());
    expect(err).toBeInstanceOf(ServerError);
    expect([500, 502, 503]).toContain((err as ServerError).status);
    expect(err).toMatchObject({ attempts: 4, endpoint: 'tags' });
    expect(isRetryable(err)).toBe(true);
    expect(sb.counters.faultsInjected.serverError).toBe(4);
    expect(sb.counters.requests).toBe(4);
    expect(api.stats).toMatchObject({ calls: 4, retries: 3 });
    expect(seen.takes).toBe(4);
    expect(seen.reports).toHaveLength(4);
    expect(seen.reports.every((r) => r.status >= 500)).toBe(true);
    expect(waitsMs).toHaveLength(3);
  });

  it('raises RateLimitedError after the allowed 429 waits, reporting each 429 to the limiter', async () => {
    sb.setRateLimit({ allowancePerWindow: 1000, windowSeconds: 1 });
    sb.setFaults({ burst429: { everyNthRequest: 1, length: 1 } });
    const { api, seen } = client({ retry: { maxAttempts: 4, baseDelayMs: 10, max429Waits: 2 } });
    const err = await failureOf(() => api.listSegments());
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ status: 429, intercomCode: 'rate_limit_exceeded', attempts: 3 });
    expect(sb.counters.responses429).toBe(3);
    expect(api.stats).toMatchObject({ calls: 3, retries: 2, responses429: 3 });
    expect(seen.reports).toHaveLength(3);
    for (const report of seen.reports) {
      expect(report).toMatchObject({ status: 429, remaining: 0 });
      expect(report.resetAtSec).toBeGreaterThan(0);
    }
  });

  it('waits out 429 bursts and still yields every member once', async () => {
    const burst = { everyNthRequest: 3, length: 1 };
    sb.setRateLimit({ allowancePerWindow: 1000, windowSeconds: 1 });
    sb.setFaults({ burst429: burst });
    const segment = firstSegment();
    const expected = sb.workspace.membersByCohort.get(cohortKey('segment', segment.id))!;
    const perPage = Math.ceil(expected.length / 5);
    const pageCount = Math.ceil(expected.length / perPage);
    // The sandbox's rule: request n (1-based) is refused when n >= N and n mod N < length.
    const refused = (n: number) => n >= burst.everyNthRequest && n % burst.everyNthRequest < burst.length;
    let requests = 0;
    let refusals = 0;
    for (let page = 0; page < pageCount; page += 1) {
      requests += 1;
      while (refused(requests)) {
        refusals += 1;
        requests += 1;
      }
    }
    expect(refusals).toBeGreaterThan(0);

    const { api } = client({ perPage });
    const pages = await drain(api.listMemberPages(segment));
    expect(pages.flatMap((p) => p.members.map((m) => m.id))).toEqual(expected);
    expect(sb.counters.responses429).toBe(refusals);
    expect(api.stats).toMatchObject({ calls: requests, retries: refusals, responses429: refusals });
  });

  it('raises TimeoutError (headers) when every answer is slower than the headers timeout', async () => {
    sb.setFaults({ slowRate: 1, slowMs: 5_000 });
    const { api, seen } = client({ retry: { maxAttempts: 2, baseDelayMs: 10 }, timeouts: { headersMs: 150 } });
    const err = await failureOf(() => api.listSegments());
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ phase: 'headers', status: null, attempts: 2 });
    expect(sb.counters.faultsInjected.slow).toBe(2);
    expect(seen.reports).toHaveLength(0);
  });

  it('raises ConnectionError (ECONNREFUSED) after maxAttempts against a closed port', async () => {
    const gone = await startSandbox({ contacts: 1 });
    await gone.close();
    const { api } = client({ baseUrl: gone.url, token: gone.token, retry: { maxAttempts: 3, baseDelayMs: 10 } });
    const err = await failureOf(() => api.listSegments());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ reason: 'ECONNREFUSED', status: null, attempts: 3 });
    expect(isRetryable(err)).toBe(true);
    expect(api.stats.calls).toBe(3);
  });

  it('raises ConnectionError after maxAttempts when every socket is dropped', async () => {
    sb.setFaults({ dropRate: 1 });
    const { api } = client();
    const err = await failureOf(() => api.listSegments());
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ attempts: 4, status: null });
    expect(isRetryable(err)).toBe(true);
    expect(sb.counters.faultsInjected.drop).toBe(4);
  });

  it('retries a 200 whose body is not JSON, then raises UnexpectedBodyError (not-json)', async () => {
    sb.setFaults({ nonJsonRate: 1 });
    const { api } = client();
    const err = await failureOf(() => api.listSegments());
    expect(err).toBeInstanceOf(UnexpectedBodyError);
    expect(err).toMatchObject({ reason: 'not-json', status: 200, attempts: 4 });
    expect(sb.counters.faultsInjected.nonJson).toBe(4);
  });

  it('recovers from a seeded mix of every fault: complete data, one retry per injected fault', async () => {
    sb.setFaults({ seed: 11, serverErrorRate: 0.12, dropRate: 0.08, nonJsonRate: 0.08, slowRate: 0.05, slowMs: 5_000 });
    const { api, seen } = client({ perPage: 9, retry: { maxAttempts: 8, baseDelayMs: 10 }, timeouts: { headersMs: 200 } });
    const cohorts = [...(await api.listSegments()), ...(await api.listTags())];
    for (const cohort of cohorts) {
      const pages = await drain(api.listMemberPages(cohort));
      expect(pages.flatMap((p) => p.members.map((m) => m.id))).toEqual(sb.workspace.membersByCohort.get(cohortKey(cohort.type, cohort.id)) ?? []);
    }
    const injected = Object.values(sb.counters.faultsInjected).reduce((a, b) => a + b, 0);
    expect(injected).toBeGreaterThan(5);
    expect(api.stats.retries).toBe(injected);
    expect(api.stats.calls).toBe(sb.counters.requests);
    expect(seen.takes).toBe(api.stats.calls);
    // Every call that got an answer was reported; drops and timeouts have nothing to report.
    const unanswered = sb.counters.faultsInjected.drop + sb.counters.faultsInjected.slow;
    expect(seen.reports).toHaveLength(api.stats.calls - unanswered);
  });
});

describe('cancellation', () => {
  it('rejects with the caller’s abort reason and sends nothing more', async () => {
    sb.setFaults({ slowRate: 1, slowMs: 5_000 });
    const { api } = client();
    const controller = new AbortController();
    const pending = api.listSegments(controller.signal);
    while (sb.counters.requests === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error('stop requested'));
    await expect(pending).rejects.toThrow('stop requested');
    expect(sb.counters.requests).toBe(1);
    expect(api.stats.calls).toBe(1);
  });
});
