import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cohortKey, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const NOW_SEC = 1_767_225_600;
let sb: Sandbox;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function get(path: string, opts: { token?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const res = await request(`${sb.url}${path}`, {
    headers: { authorization: `Bearer ${opts.token ?? sb.token}`, accept: 'application/json' },
    headersTimeout: opts.timeoutMs ?? 10_000,
    bodyTimeout: 10_000,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

async function sequence(n: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += 1) statuses.push((await get('/tags')).status);
  return statuses;
}

beforeAll(async () => {
  sb = await startSandbox({ contacts: 60, seed: 11, nowSec: NOW_SEC, clock: () => NOW_SEC * 1000 });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => {
  sb.setFaults({});
  sb.resetCounters();
});

describe('injected faults', () => {
  it('answers 500, 502 and 503, some with HTML bodies, and counts them', async () => {
    sb.setFaults({ seed: 2, serverErrorRate: 1 });
    const replies = [];
    for (let i = 0; i < 40; i += 1) replies.push(await get('/tags'));
    expect(new Set(replies.map((r) => r.status))).toEqual(new Set([500, 502, 503]));
    expect(replies.some((r) => !isJson(r.text))).toBe(true);
    for (const r of replies.filter((x) => isJson(x.text))) {
      expect(['server_error', 'service_unavailable']).toContain(JSON.parse(r.text).errors[0].code);
    }
    expect(sb.counters.faultsInjected.serverError).toBe(40);
  });

  it('answers slowly: a client with a shorter timeout gives up, the answer itself is the real one', async () => {
    sb.setFaults({ slowRate: 1, slowMs: 3_000 });
    await expect(get('/tags', { timeoutMs: 150 })).rejects.toThrow();
    sb.setFaults({ slowRate: 1, slowMs: 30 });
    const late = await get('/tags');
    expect(late.status).toBe(200);
    expect(JSON.parse(late.text).data).toHaveLength(sb.workspace.tags.length);
    expect(sb.counters.faultsInjected.slow).toBe(2);
  });

  it('drops the connection without an answer', async () => {
    sb.setFaults({ dropRate: 1 });
    await expect(get('/tags')).rejects.toThrow();
    expect(sb.counters.faultsInjected.drop).toBe(1);
  });

  it('answers 200 with a body that is not JSON (HTML or truncated)', async () => {
    sb.setFaults({ seed: 4, nonJsonRate: 1 });
    const replies = [];
    for (let i = 0; i < 12; i += 1) replies.push(await get('/tags'));
    expect(replies.every((r) => r.status === 200 && !isJson(r.text))).toBe(true);
    expect(replies.some((r) => String(r.headers['content-type']).startsWith('text/html'))).toBe(true);
    expect(replies.some((r) => String(r.headers['content-type']).startsWith('application/json'))).toBe(true);
    expect(sb.counters.faultsInjected.nonJson).toBe(12);
  });

  it('answers bursts of 429 whatever the allowance, with remaining 0', async () => {
    sb.setFaults({ burst429: { everyNthRequest: 4, length: 2 } });
    const replies = [];
    for (let i = 0; i < 10; i += 1) replies.push(await get('/tags'));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 200, 200, 429, 429, 200]);
    const burst = replies[3]!;
    expect(JSON.parse(burst.text).errors[0].code).toBe('rate_limit_exceeded');
    expect(burst.headers['x-ratelimit-remaining']).toBe('0');
    expect(sb.counters.faultsInjected.burst429).toBe(4);
    expect(sb.counters.responses429).toBe(4);
  });

  it('lists a vanished contact in search but answers 404 for its events', async () => {
    const tag = sb.workspace.tags.find((t) => (sb.workspace.membersByCohort.get(cohortKey('tag', t.id)) ?? []).length > 0)!;
    const gone = sb.workspace.membersByCohort.get(cohortKey('tag', tag.id))![0]!;
    sb.setFaults({ vanishContactIds: [gone] });
    const res = await request(`${sb.url}/contacts/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sb.token}`, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ query: { field: 'tag_id', operator: '=', value: tag.id }, pagination: { per_page: 150 } }),
    });
    const listed = ((await res.body.json()) as { data: Array<{ id: string }> }).data.map((c) => c.id);
    expect(listed).toContain(gone);
    const events = await get(`/events?type=user&intercom_user_id=${gone}`);
    expect(events.status).toBe(404);
    expect(JSON.parse(events.text).errors[0].code).toBe('not_found');
    expect(sb.counters.faultsInjected.vanish).toBe(1);
  });

  it('leaves unauthenticated requests alone', async () => {
    sb.setFaults({ serverErrorRate: 1 });
    expect((await get('/tags', { token: 'wrong' })).status).toBe(401);
    expect(sb.counters.faultsInjected.serverError).toBe(0);
  });

  it('repeats the same faults at the same request numbers for the same seed', async () => {
    const faults = { seed: 21, serverErrorRate: 0.3, nonJsonRate: 0.2 };
    sb.setFaults(faults);
    const first = await sequence(30);
    sb.setFaults(faults);
    const second = await sequence(30);
    expect(second).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('stops injecting once faults are cleared', async () => {
    sb.setFaults({ serverErrorRate: 1 });
    expect((await get('/tags')).status).toBeGreaterThanOrEqual(500);
    sb.setFaults({});
    expect(await sequence(5)).toEqual([200, 200, 200, 200, 200]);
  });
});
