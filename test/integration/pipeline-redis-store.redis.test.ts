import { describe, expect, it } from 'vitest';
import type { Cohort, Member, MemberPage } from '../../src/intercom/types.js';
import { createRedisStore, runKeyBase } from '../../src/pipeline/redis-store.js';
import type { ContactResult, MemberWithResult, RunStore } from '../../src/pipeline/run-store.js';
import { useTestRedis } from '../support/redis.js';

type Stats = { events: number };

const COHORTS: Cohort[] = [
  { type: 'segment', id: 's1', name: 'Paying', memberCountReported: 3, personType: 'user' },
  { type: 'tag', id: 't1', name: 'VIP', memberCountReported: null, personType: null },
];
const RUN_ID = '2026-10_2026-10_UTC';

function member(id: string): Member {
  return { id, role: 'lead', createdAtSec: 1_700_000_000 + id.length, signedUpAtSec: 1_700_000_100 };
}
function page(ids: string[], nextCursor: string | null, totalCount: number | null = 3): MemberPage {
  return { members: ids.map(member), totalCount, nextCursor };
}
const ok = (events: number): ContactResult<Stats> => ({ kind: 'ok', stats: { events }, eventsFetched: events });

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of iterable) out.push(...batch);
  return out;
}
/** A cohort's members, read the way the summary reads the store: every listed contact, kept if the cohort lists it. */
async function cohortMembers(store: RunStore<Stats>, key: string): Promise<Array<MemberWithResult<Stats>>> {
  return (await collect(store.listedContacts())).filter((c) => c.cohortKeys.includes(key));
}
async function membersOf(store: RunStore<Stats>, key: string): Promise<Array<[string, ContactResult<Stats> | null]>> {
  const rows = await cohortMembers(store, key);
  return rows.map((r): [string, ContactResult<Stats> | null] => [r.member.id, r.result]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

const testRedis = useTestRedis();
function newStore(prefix = testRedis.prefix('store')): { store: RunStore<Stats>; prefix: string } {
  return { store: createRedisStore<Stats>({ redis: testRedis.redis(), prefix, runId: RUN_ID, ttlSeconds: 600 }), prefix };
}
async function keysUnder(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await testRedis.redis().scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

describe('createRedisStore', () => {
  it('records a page and advances the cursor; the same page again changes nothing', async () => {
    const { store } = newStore();
    expect(await store.savePage('segment:s1', null, page(['c1', 'c2'], 'cur-1'))).toEqual(['c1', 'c2']);
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: 'cur-1', pages: 1, done: false, totalCount: 3 });
    // A repeat after a crash: fetched from the same cursor again, maybe with other contents.
    expect(await store.savePage('segment:s1', null, page(['c1', 'c2', 'c9'], 'cur-1'))).toEqual([]);
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: 'cur-1', pages: 1, done: false, totalCount: 3 });
    expect(await store.savePage('segment:s1', 'cur-1', page(['c2', 'c3'], null))).toEqual(['c3']);
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 2, done: true, totalCount: 3 });
    expect(await store.savePage('segment:s1', 'cur-1', page(['c8'], null))).toEqual([]);
    expect((await membersOf(store, 'segment:s1')).map(([id]) => id)).toEqual(['c1', 'c2', 'c3']);
    expect((await store.progress()).contacts).toBe(3);
  });

  it('applies a page atomically: of many workers saving the same page at once, exactly one records it', async () => {
    const { store } = newStore();
    const ids = Array.from({ length: 150 }, (_, i) => `c${i}`);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.savePage('tag:t1', null, page(ids, 'next', 150))));
    expect(outcomes.filter((fresh) => fresh.length > 0)).toEqual([ids]);
    expect(await store.cohortProgress('tag:t1')).toEqual({ cursor: 'next', pages: 1, done: false, totalCount: 150 });
    expect((await collect(store.pendingContacts())).length).toBe(150);
  });

  it('registers a contact listed by two cohorts once, and keeps it a member of both', async () => {
    const { store } = newStore();
    await store.savePage('segment:s1', null, page(['c1', 'c2'], null));
    expect(await store.savePage('tag:t1', null, page(['c2', 'c4'], null, 2))).toEqual(['c4']);
    expect((await membersOf(store, 'tag:t1')).map(([id]) => id)).toEqual(['c2', 'c4']);
    expect(await store.contactsWithoutResult(['c1', 'c2', 'c4', 'unknown'])).toEqual(['c1', 'c2', 'c4']);
  });

  it('lists pending contacts in registration order, without those that have a result', async () => {
    const { store } = newStore();
    const first = Array.from({ length: 700 }, (_, i) => `a${i}`);
    await store.savePage('segment:s1', null, page(first, 'p2', 1000));
    await store.savePage('segment:s1', 'p2', page(['z1', 'a5', 'z2'], null, 1000));
    for (const id of ['a0', 'a1', 'a650', 'z1']) await store.saveContactResult(id, ok(1));
    await store.saveContactResult('a2', { kind: 'missing' });
    const pending = await collect(store.pendingContacts());
    expect(pending).toEqual([...first.filter((id) => !['a0', 'a1', 'a2', 'a650'].includes(id)), 'z2']);
  });

  it('returns each member with its result, and counts missing contacts in progress', async () => {
    const { store } = newStore();
    await store.saveCohorts(COHORTS);
    expect(await store.loadCohorts()).toEqual(COHORTS);
    await store.savePage('segment:s1', null, page(['c1', 'c2', 'c3'], null));
    await store.savePage('tag:t1', null, page(['c3'], null, 1));
    await store.saveContactResult('c1', ok(4));
    await store.saveContactResult('c2', { kind: 'missing' });
    expect(await membersOf(store, 'segment:s1')).toEqual([
      ['c1', ok(4)],
      ['c2', { kind: 'missing' }],
      ['c3', null],
    ]);
    const rows = await cohortMembers(store, 'segment:s1');
    expect(rows.find((r) => r.member.id === 'c1')!.member).toEqual(member('c1'));
    expect(await store.progress()).toEqual({ cohorts: 2, cohortsDone: 2, contacts: 3, contactsDone: 2, contactsMissing: 1 });
    // A missing contact found again (a retry that succeeded) is no longer counted missing.
    await store.saveContactResult('c2', ok(0));
    expect((await store.progress()).contactsMissing).toBe(0);
  });

  it('answers for a run that has recorded nothing', async () => {
    const { store } = newStore();
    expect(await store.loadCohorts()).toBeNull();
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 0, done: false, totalCount: null });
    expect(await collect(store.pendingContacts())).toEqual([]);
    expect(await cohortMembers(store, 'segment:s1')).toEqual([]);
    expect(await store.contactsWithoutResult([])).toEqual([]);
    expect(await store.progress()).toEqual({ cohorts: 0, cohortsDone: 0, contacts: 0, contactsDone: 0, contactsMissing: 0 });
  });

  it('records an empty cohort\'s single page as done', async () => {
    const { store } = newStore();
    expect(await store.savePage('segment:empty', null, page([], null, 0))).toEqual([]);
    expect(await store.cohortProgress('segment:empty')).toEqual({ cursor: null, pages: 1, done: true, totalCount: 0 });
    expect(await cohortMembers(store, 'segment:empty')).toEqual([]);
  });

  it('keeps two deployments (prefixes) of the same run apart, and clear() removes only its own keys', async () => {
    const a = newStore();
    const b = newStore();
    await a.store.saveCohorts(COHORTS);
    await a.store.savePage('segment:s1', null, page(['c1'], null));
    await a.store.saveContactResult('c1', ok(1));
    expect(await b.store.loadCohorts()).toBeNull();
    expect(await b.store.savePage('segment:s1', null, page(['c1', 'c2'], null))).toEqual(['c1', 'c2']);
    expect((await a.store.progress()).contacts).toBe(1);
    expect((await b.store.progress()).contacts).toBe(2);

    const keysOfA = await keysUnder(a.prefix);
    expect(keysOfA.length).toBeGreaterThan(0);
    for (const key of keysOfA) {
      expect(key.startsWith(`${runKeyBase(a.prefix, RUN_ID)}:`)).toBe(true);
      expect(await testRedis.redis().ttl(key)).toBeGreaterThan(0);
    }
    await a.store.clear();
    expect(await keysUnder(a.prefix)).toEqual([]);
    expect(await a.store.loadCohorts()).toBeNull();
    expect((await b.store.progress()).contacts).toBe(2);
    expect((await keysUnder(b.prefix)).length).toBeGreaterThan(0);
  });

  it('keeps two runs under one prefix apart', async () => {
    const prefix = testRedis.prefix('store');
    const october = createRedisStore<Stats>({ redis: testRedis.redis(), prefix, runId: RUN_ID });
    const november = createRedisStore<Stats>({ redis: testRedis.redis(), prefix, runId: '2026-11_2026-11_UTC' });
    await october.savePage('segment:s1', null, page(['c1'], null));
    expect(await november.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 0, done: false, totalCount: null });
    await november.clear();
    expect((await october.progress()).contacts).toBe(1);
  });
});
