/**
 * The token must never leave the client except in the Authorization header. Every error path is
 * provoked against the real sandbox with a distinctive token; each error is rendered every way an
 * operator or a log pipeline might render it, and everything a real pino logger at level trace wrote
 * (the client's own logs and the errors logged under `err`) is searched for the token.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntercomClient, type IntercomClientOptions } from '../../src/intercom/create-intercom-client.js';
import {
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  ForeignNextUrlError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedBodyError,
} from '../../src/intercom/errors.js';
import type { IntercomApi } from '../../src/intercom/types.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.js';
import { generateWorkspace, startSandbox, type Sandbox, type SandboxFaults } from '../../src/sandbox/index.js';

const TOKEN = `tok_CANARY_${randomUUID().replaceAll('-', '')}`;
const WRONG_TOKEN = `tok_WRONGCANARY_${randomUUID().replaceAll('-', '')}`;

let sb: Sandbox;
let limiter: RateLimiter;
let logText = '';
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logText += chunk.toString('utf8');
      callback();
    },
  }),
);
const clients: IntercomApi[] = [];

function client(overrides: Partial<IntercomClientOptions> = {}): IntercomApi {
  const api = createIntercomClient({
    baseUrl: sb.url,
    token: TOKEN,
    limiter,
    logger,
    retry: { maxAttempts: 2, baseDelayMs: 1, max429Waits: 1 },
    sleep: async (_ms, signal) => signal?.throwIfAborted(),
    ...overrides,
  });
  clients.push(api);
  return api;
}

async function drain<T>(pages: AsyncGenerator<T>): Promise<void> {
  for await (const _page of pages) {
    // Only the failure matters here.
  }
}

/** Every rendering of an error a person or a log pipeline could see, causes included. */
function renderings(err: unknown): string[] {
  const out: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    const e = current as Error;
    out.push(String(e.message), String(e.stack), String(e), JSON.stringify(e) ?? '', inspect(e, { depth: 10, showHidden: true }));
    out.push(JSON.stringify(Object.getOwnPropertyNames(e).map((name) => [name, String((e as unknown as Record<string, unknown>)[name])])));
    current = e.cause;
  }
  return out;
}

async function provoke(label: string, faults: SandboxFaults | null, work: () => Promise<unknown>): Promise<unknown> {
  sb.setFaults(faults ?? {});
  sb.setRateLimit(faults?.burst429 ? { allowancePerWindow: 1000, windowSeconds: 1 } : null);
  try {
    await work();
  } catch (err) {
    logger.error({ err, label }, 'intercom call failed');
    return err;
  } finally {
    sb.setFaults({});
    sb.setRateLimit(null);
  }
  throw new Error(`${label}: expected a failure`);
}

beforeAll(async () => {
  sb = await startSandbox({ contacts: 80, seed: 4, token: TOKEN });
  limiter = createMemoryLimiter({ allowancePerWindow: 1_000_000, windowSeconds: 10, share: 1 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await limiter.close();
  await sb.close();
});

describe('the token never leaks', () => {
  it('appears in no error rendering and no log line, on any error path', async () => {
    const contactId = [...sb.workspace.eventsByContact].sort((a, b) => b[1].length - a[1].length)[0]![0];
    const segmentId = sb.workspace.segments[0]!.id;
    const closed = await startSandbox({ contacts: 1, token: TOKEN });
    await closed.close();
    const workspace = generateWorkspace({ contacts: 40, seed: 4, nowSec: sb.workspace.nowSec });
    workspace.segments[0] = { ...workspace.segments[0]!, person_type: 'robot' as never };
    const odd = await startSandbox({ workspace, token: TOKEN });

    const cases: Array<[string, new (...args: never[]) => Error, () => Promise<unknown>]> = [
      ['401', AuthenticationError, () => provoke('401', null, () => client({ token: WRONG_TOKEN }).listSegments())],
      // GET /me is the first call of every run and worker: its failures carry no token either.
      ['401 (me)', AuthenticationError, () => provoke('401-me', null, () => client({ token: WRONG_TOKEN }).identifyWorkspace())],
      ['not-json (me)', UnexpectedBodyError, () => provoke('not-json-me', { seed: 3, nonJsonRate: 1 }, () => client().identifyWorkspace())],
      ['404', NotFoundError, () => provoke('404', null, () => drain(client().listEventPages('000000000000000000000000')))],
      ['400', BadRequestError, () => provoke('400', null, () => drain(client().listMemberPages({ type: 'segment', id: segmentId }, { startingAfter: 'bogus' })))],
      ['429', RateLimitedError, () => provoke('429', { burst429: { everyNthRequest: 1, length: 1 } }, () => client().listTags())],
      ['5xx', ServerError, () => provoke('5xx', { seed: 2, serverErrorRate: 1 }, () => client({ retry: { maxAttempts: 6, baseDelayMs: 1 } }).listTags())],
      ['timeout', TimeoutError, () => provoke('timeout', { slowRate: 1, slowMs: 5_000 }, () => client({ timeouts: { headersMs: 100 }, retry: { maxAttempts: 1 } }).listTags())],
      ['refused', ConnectionError, () => provoke('refused', null, () => client({ baseUrl: closed.url }).listTags())],
      ['drop', ConnectionError, () => provoke('drop', { dropRate: 1 }, () => client().listTags())],
      ['not-json', UnexpectedBodyError, () => provoke('not-json', { seed: 3, nonJsonRate: 1 }, () => client().listSegments())],
      ['wrong-shape', UnexpectedBodyError, () => provoke('wrong-shape', null, () => client({ baseUrl: odd.url }).listSegments())],
      ['foreign', ForeignNextUrlError, () => provoke('foreign', null, () => drain(client({ baseUrl: sb.url.replace('127.0.0.1', 'localhost') }).listEventPages(contactId)))],
      ['abort', Error, () => provoke('abort', { slowRate: 1, slowMs: 5_000 }, () => client().listTags(AbortSignal.timeout(50)))],
    ];

    try {
      for (const [label, errorClass, run] of cases) {
      const err = await run();
      expect(err, label).toBeInstanceOf(errorClass);
      for (const text of renderings(err)) {
        expect(text.includes(TOKEN), `${label}: ${text.slice(0, 200)}`).toBe(false);
        expect(text.includes(WRONG_TOKEN), `${label}: ${text.slice(0, 200)}`).toBe(false);
      }
      }
    } finally {
      await odd.close();
    }

    // The log is not vacuous: retries, responses and every failure went through it.
    expect(logText).toContain('intercom call will be retried');
    expect(logText).toContain('intercom response');
    expect(logText.match(/intercom call failed/g)).toHaveLength(cases.length);
    expect(logText.includes(TOKEN)).toBe(false);
    expect(logText.includes(WRONG_TOKEN)).toBe(false);
    expect(logText.toLowerCase()).not.toContain('bearer');
  });
});
