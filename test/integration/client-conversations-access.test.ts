/**
 * `checkConversationsAccess` against the real sandbox on loopback: one POST /conversations/search of
 * one conversation, paced by the limiter the client was given and counted under 'conversations.search'
 * (by the client, the metrics and the sandbox alike); a token without the Read conversations
 * permission (403) and a refused token (401) are one AuthenticationError naming the permission and both
 * fixes on one line, never the token; an unreadable body fails as the listing's does.
 *
 * The request is read on the wire by a loopback forwarder in front of the sandbox, which records each
 * request body and passes the exchange through unchanged.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntercomClient, type IntercomClientOptions } from '../../src/intercom/create-intercom-client.js';
import { AuthenticationError, UnexpectedBodyError } from '../../src/intercom/errors.js';
import type { IntercomApi } from '../../src/intercom/types.js';
import { createMetrics, meterApi } from '../../src/metrics/index.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { RateLimitFeedback, RateLimiter } from '../../src/rate-limit/rate-limiter.js';
import { monthWindow } from '../../src/report/month-window.js';
import type { ConversationVariant } from '../../src/sandbox/handle-conversations-search.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const NOW_SEC = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAY_SEC = 86_400;

interface Seen {
  method: string;
  path: string;
  body: unknown;
}

interface Forwarder {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

async function readAll(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A loopback pass-through to `target` that records what each request asked. */
async function startForwarder(target: string): Promise<Forwarder> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readAll(req);
      seen.push({ method: req.method ?? '', path: req.url ?? '', body: text === '' ? null : JSON.parse(text) });
      const upstream = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sandboxes: Sandbox[] = [];
const forwarders: Forwarder[] = [];
const clients: IntercomApi[] = [];
let inner: RateLimiter;

async function sandbox(conversations: ConversationVariant = {}): Promise<Sandbox> {
  const started = await startSandbox({ contacts: 80, seed: 3, nowSec: NOW_SEC, clock: () => NOW_SEC * 1000, rateLimit: null, conversations });
  sandboxes.push(started);
  return started;
}

async function forwarder(to: Sandbox): Promise<Forwarder> {
  const started = await startForwarder(to.url);
  forwarders.push(started);
  return started;
}

/** The real in-memory limiter, with a count of what the client asked of it. */
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

function client(on: { url: string; token: string }, overrides: Partial<IntercomClientOptions> = {}) {
  const { limiter, seen } = observedLimiter();
  const api = createIntercomClient({
    baseUrl: on.url,
    token: on.token,
    limiter,
    now: () => NOW_SEC * 1000,
    retry: { maxAttempts: 3, baseDelayMs: 10 },
    // Backoff waits return at once: the attempts are what is counted, not the time.
    sleep: async (_ms, signal) => signal?.throwIfAborted(),
    ...overrides,
  });
  clients.push(api);
  return { api, seen };
}

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

beforeAll(() => {
  inner = createMemoryLimiter({ allowancePerWindow: 1_000_000, windowSeconds: 10, share: 1 });
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const f of forwarders) await f.close();
  for (const s of sandboxes) await s.close();
  await inner.close();
});

describe('checkConversationsAccess', () => {
  it('resolves for a token that may read conversations, with one paced search of one conversation on created_at', async () => {
    const sb = await sandbox();
    const wire = await forwarder(sb);
    const { api, seen } = client({ url: wire.url, token: sb.token });
    await expect(api.checkConversationsAccess()).resolves.toBeUndefined();

    expect(wire.seen).toEqual([
      {
        method: 'POST',
        path: '/conversations/search',
        body: { query: { field: 'created_at', operator: '>', value: NOW_SEC - DAY_SEC }, pagination: { per_page: 1 } },
      },
    ]);
    expect(sb.counters.requests).toBe(1);
    expect(sb.counters.byEndpoint['conversations.search']).toBe(1);
    expect(seen.takes).toBe(1);
    expect(seen.reports.map((r) => r.status)).toEqual([200]);
    expect(api.stats.calls).toBe(1);
    expect(api.stats.callsByEndpoint).toEqual({ 'conversations.search': 1 });
  });

  it('is counted by the metrics under conversations.search when the client is metered', async () => {
    const sb = await sandbox();
    const metrics = createMetrics();
    const api = meterApi(client(sb).api, metrics);
    await api.checkConversationsAccess();
    await api.close();
    const samples = (await metrics.requests.get()).values;
    expect(samples.map((s) => [s.labels.endpoint, s.value])).toEqual([['conversations.search', sb.counters.byEndpoint['conversations.search']]]);
    expect(sb.counters.byEndpoint['conversations.search']).toBe(1);
  });

  it('refuses a token without the Read conversations permission (403) after one call, naming the permission and both fixes on one line', async () => {
    const sb = await sandbox({ readConversations: false });
    const { api, seen } = client(sb);
    const error = await failureOf(() => api.checkConversationsAccess());

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ code: 'INTERCOM_AUTHENTICATION', status: 403, endpoint: 'conversations.search', intercomCode: 'unauthorized', attempts: 1 });
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/Read conversations permission/);
    expect(message).toMatch(/Intercom Developer Hub/);
    expect(message).toMatch(/report\.conversations: false/);
    expect(message).not.toContain(sb.token);
    // Fatal, never retried: the sandbox saw exactly the one search.
    expect(sb.counters.requests).toBe(1);
    expect(sb.counters.byEndpoint['conversations.search']).toBe(1);
    expect(seen.takes).toBe(1);
  });

  it('gives the listing the same refusal, so a run and `check` say the same thing', async () => {
    const sb = await sandbox({ readConversations: false });
    const probe = await failureOf(() => client(sb).api.checkConversationsAccess());
    const listing = await failureOf(async () => {
      for await (const page of client(sb).api.listConversationPages(monthWindow('2025-12', 'UTC'))) void page;
    });
    expect(listing).toBeInstanceOf(AuthenticationError);
    // Everything after Intercom's own words (whose request id differs per call) is the same.
    const tail = (e: unknown) => (e as Error).message.slice((e as Error).message.indexOf('; '));
    expect(tail(probe)).toBe(tail(listing));
  });

  it('refuses a token the workspace does not know (401) the same way, without quoting it', async () => {
    const sb = await sandbox();
    const wrongToken = `${sb.token}x`;
    const error = await failureOf(() => client({ url: sb.url, token: wrongToken }).api.checkConversationsAccess());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401, endpoint: 'conversations.search' });
    expect((error as Error).message).toMatch(/Read conversations permission/);
    expect((error as Error).message).not.toContain(wrongToken);
    expect(sb.counters.byEndpoint['conversations.search']).toBe(1);
  });

  it('fails on an answer that is not JSON as the listing does, after the same bounded attempts', async () => {
    const sb = await sandbox();
    sb.setFaults({ seed: 5, nonJsonRate: 1 });
    const probe = await failureOf(() => client(sb).api.checkConversationsAccess());
    const probeCalls = sb.counters.byEndpoint['conversations.search'];
    const listing = await failureOf(async () => {
      for await (const page of client(sb).api.listConversationPages(monthWindow('2025-12', 'UTC'))) void page;
    });
    for (const error of [probe, listing]) {
      expect(error).toBeInstanceOf(UnexpectedBodyError);
      expect(error).toMatchObject({ reason: 'not-json', endpoint: 'conversations.search', attempts: 3 });
    }
    expect(probeCalls).toBe(3);
    expect(sb.counters.byEndpoint['conversations.search']).toBe(6);
  });
});
