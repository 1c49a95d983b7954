/**
 * The RunStore contract, one suite that both stores pass: in memory (`run`) and in Redis (the
 * workers). What only one of them does is tested beside it: the memory store's journal in
 * test/unit/pipeline-journal-checked.test.ts, the Redis store's keys, claims and release below.
 */
import { describe, expect, it } from 'vitest';
import type { Conversation, ConversationPage } from '../../src/intercom/conversation-types.js';
import type { Cohort, Member, MemberPage } from '../../src/intercom/types.js';
import { RunNotCollectedError } from '../../src/pipeline/errors.js';
import { createMemoryStore } from '../../src/pipeline/memory-store.js';
import { CONTACT_BUCKETS, createRedisStore, runStoreKeys } from '../../src/pipeline/redis-store.js';
import type { ClientCounts, ContactResult, ListedContact, RunStore } from '../../src/pipeline/run-store.js';
import type { ContactStats } from '../../src/report/contact-stats.js';
import { useTestRedis } from '../support/redis.js';

const COHORTS: Cohort[] = [
  { type: 'segment', id: 's1', name: 'Paying', memberCountReported: 3, personType: 'user' },
  { type: 'tag', id: 't1', name: 'VIP', memberCountReported: null, personType: null },
];
const RUN_ID = '2026-10_2026-10_UTC';
/** 2026-10-05T00:00:00Z. */
const OCT_5 = 1_791_158_400;

function member(id: string): Member {
  // Leads and users, signed up or not, unsubscribed or not, so every member field makes the trip.
  return id.endsWith('1')
    ? { id, role: 'lead', createdAtSec: 1_700_000_000 + id.length, signedUpAtSec: 1_700_000_100, unsubscribedFromEmails: true }
    : { id, role: 'user', createdAtSec: 1_700_000_000, signedUpAtSec: null, unsubscribedFromEmails: false };
}
function page(ids: string[], nextCursor: string | null, totalCount: number | null = 3): MemberPage {
  return { members: ids.map(member), totalCount, nextCursor };
}
/** A result of `events` events of one name on one October day (none: no month at all), with an amount. */
function ok(events: number): ContactResult {
  const stats: ContactStats =
    events === 0
      ? { months: {} }
      : { months: { '2026-10': { events, activeDays: 1, names: { 'paid "plan"': [events, OCT_5, OCT_5 + events] }, amounts: { 'paid "plan".amount': ['1250', events] } } } };
  return { kind: 'ok', stats, eventsFetched: events + 1 };
}

/** A conversation of October opened by `author` (a contact id, or an admin when it starts with `admin`). */
function conversation(id: string, author: string, facts: Partial<Conversation> = {}): Conversation {
  const type = author.startsWith('admin') ? 'admin' : 'user';
  return { id, createdAtSec: OCT_5 + 60, author: { type, id: author }, replied: false, replySeconds: null, rating: null, reopened: false, ...facts };
}
function conversations(list: Conversation[], nextCursor: string | null): ConversationPage {
  return { conversations: list, nextCursor };
}

async function collect<T>(iterable: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of iterable) out.push(...batch);
  return out;
}
async function listed(store: RunStore): Promise<ListedContact[]> {
  return (await collect(store.listedContacts())).sort((a, b) => (a.member.id < b.member.id ? -1 : 1));
}
async function membersOf(store: RunStore, key: string): Promise<Array<[string, ContactResult | null]>> {
  return (await listed(store)).filter((c) => c.cohortKeys.includes(key)).map((c): [string, ContactResult | null] => [c.member.id, c.result]);
}
/** A client's counters as a test sets them. */
function client(counts: Partial<ClientCounts> = {}): { read: () => ClientCounts; set: (c: Partial<ClientCounts>) => void } {
  let now: ClientCounts = { apiCalls: 0, responses429: 0, retries: 0, eventsPageSize: null, ...counts };
  return { read: () => now, set: (c) => (now = { ...now, ...c }) };
}

const testRedis = useTestRedis();
const STORES: Array<[string, () => RunStore]> = [
  ['memory', () => createMemoryStore()],
  ['redis', () => createRedisStore({ redis: testRedis.redis(), prefix: testRedis.prefix('store'), runId: RUN_ID, ttlSeconds: 600 })],
];

describe.each(STORES)('RunStore contract: %s', (_name, newStore) => {
  it('answers for a run that has recorded nothing', async () => {
    const store = newStore();
    expect(await store.loadCohorts()).toBeNull();
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 0, done: false, totalCount: null });
    expect(await collect(store.pendingContacts())).toEqual([]);
    expect(await listed(store)).toEqual([]);
    expect(await store.progress()).toEqual({
      cohorts: 0,
      cohortsDone: 0,
      contacts: 0,
      contactsDone: 0,
      contactsMissing: 0,
      requests: { apiCalls: 0, responses429: 0, retries: 0, lowerBound: false, eventsPerPage: null },
    });
  });

  it('records a page once and advances the cursor: the same page again, a stale cursor or a finished cohort changes nothing', async () => {
    const store = newStore();
    expect(await store.savePage('segment:s1', null, page(['c1', 'c2'], 'cur-1'))).toEqual(['c1', 'c2']);
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: 'cur-1', pages: 1, done: false, totalCount: 3 });
    // A repeat after a crash: fetched from the same cursor again, maybe with other contents.
    expect(await store.savePage('segment:s1', null, page(['c1', 'c2', 'c9'], 'cur-1'))).toEqual([]);
    expect(await store.savePage('segment:s1', 'cur-0', page(['c8'], null))).toEqual([]);
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: 'cur-1', pages: 1, done: false, totalCount: 3 });
    expect(await store.savePage('segment:s1', 'cur-1', page(['c2', 'c3'], null))).toEqual(['c3']);
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 2, done: true, totalCount: 3 });
    expect(await store.savePage('segment:s1', null, page(['c7'], null))).toEqual([]);
    expect(await store.savePage('segment:s1', 'cur-1', page(['c8'], null))).toEqual([]);
    expect((await membersOf(store, 'segment:s1')).map(([id]) => id)).toEqual(['c1', 'c2', 'c3']);
    expect((await store.progress()).contacts).toBe(3);
  });

  it('applies a page atomically: of many callers saving the same page at once, exactly one records it', async () => {
    const store = newStore();
    const ids = Array.from({ length: 150 }, (_, i) => `c${i}`);
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => store.savePage('tag:t1', null, page(ids, 'next', 150))));
    expect(outcomes.filter((fresh) => fresh.length > 0)).toEqual([ids]);
    expect(await store.cohortProgress('tag:t1')).toEqual({ cursor: 'next', pages: 1, done: false, totalCount: 150 });
    expect((await collect(store.pendingContacts())).length).toBe(150);
  });

  it('registers a contact listed by two cohorts once, a member of both, and lists every contact once across buckets', async () => {
    const store = newStore();
    const ids = Array.from({ length: 300 }, (_, i) => `c${i}`);
    expect(await store.savePage('segment:s1', null, page(ids.slice(0, 200), null))).toEqual(ids.slice(0, 200));
    expect(await store.savePage('tag:t1', null, page(ids.slice(100), null))).toEqual(ids.slice(200));
    await store.saveContactResult('c150', ok(2));
    const all = await listed(store);
    expect(all).toHaveLength(300);
    expect(all.find((c) => c.member.id === 'c150')).toEqual({ member: member('c150'), cohortKeys: ['segment:s1', 'tag:t1'], result: ok(2), conversations: null });
    expect(all.find((c) => c.member.id === 'c0')!.cohortKeys).toEqual(['segment:s1']);
    expect(all.find((c) => c.member.id === 'c299')!.cohortKeys).toEqual(['tag:t1']);
    expect((await store.progress()).contacts).toBe(300);
  });

  it('lists pending contacts in registration order, without those that have a result', async () => {
    const store = newStore();
    const first = Array.from({ length: 700 }, (_, i) => `a${i}`);
    await store.savePage('segment:s1', null, page(first, 'p2', 1000));
    await store.savePage('segment:s1', 'p2', page(['z1', 'a5', 'z2'], null, 1000));
    for (const id of ['a0', 'a1', 'a650', 'z1']) await store.saveContactResult(id, ok(1));
    await store.saveContactResult('a2', { kind: 'missing' });
    expect(await collect(store.pendingContacts())).toEqual([...first.filter((id) => !['a0', 'a1', 'a2', 'a650'].includes(id)), 'z2']);
  });

  it('returns each member with its result (stats whole, workspace text in names and keys), and counts missing contacts', async () => {
    const store = newStore();
    await store.saveCohorts(COHORTS);
    expect(await store.loadCohorts()).toEqual(COHORTS);
    await store.savePage('segment:s1', null, page(['c1', 'c2', 'c3'], null));
    await store.savePage('tag:t1', null, page(['c3'], null, 1));
    await store.saveContactResult('c1', ok(4));
    await store.saveContactResult('c2', { kind: 'missing' });
    await store.saveContactResult('c3', ok(0));
    expect(await membersOf(store, 'segment:s1')).toEqual([
      ['c1', ok(4)],
      ['c2', { kind: 'missing' }],
      ['c3', ok(0)],
    ]);
    expect((await listed(store))[0]!.member).toEqual(member('c1'));
    expect(await store.progress()).toMatchObject({ cohorts: 2, cohortsDone: 2, contacts: 3, contactsDone: 3, contactsMissing: 1 });
    // A missing contact found again (a retry that succeeded) is no longer counted missing.
    await store.saveContactResult('c2', ok(1));
    expect(await store.progress()).toMatchObject({ contactsDone: 3, contactsMissing: 0 });
  });

  it("records an empty cohort's single page as done", async () => {
    const store = newStore();
    expect(await store.savePage('segment:empty', null, page([], null, 0))).toEqual([]);
    expect(await store.cohortProgress('segment:empty')).toEqual({ cursor: null, pages: 1, done: true, totalCount: 0 });
    expect(await listed(store)).toEqual([]);
  });

  it('counts the requests of the clients it is given, across a change of client, with the page size they learnt', async () => {
    const store = newStore();
    await store.saveCohorts(COHORTS);
    // The first client had made a request (GET /me) before the store was given it: it counts.
    const first = client({ apiCalls: 1 });
    store.countRequests(first.read);
    await store.savePage('segment:s1', null, page(['c1'], null));
    first.set({ apiCalls: 6, responses429: 1, retries: 1, eventsPageSize: 150 });
    await store.saveContactResult('c1', ok(1));
    await store.flushRequests();
    expect((await store.progress()).requests).toEqual({ apiCalls: 6, responses429: 1, retries: 1, lowerBound: false, eventsPerPage: 150 });
    // A new client (an idle run's client closed, another opened) counts from zero, after the first.
    first.set({ apiCalls: 8 });
    const second = client();
    store.countRequests(second.read);
    second.set({ apiCalls: 3, retries: 2 });
    await store.flushRequests();
    expect((await store.progress()).requests).toEqual({ apiCalls: 11, responses429: 1, retries: 3, lowerBound: false, eventsPerPage: 150 });
    // Flushing again with nothing new counts nothing twice.
    await store.flushRequests();
    expect((await store.progress()).requests.apiCalls).toBe(11);
  });

  it("says no events page size when the client sent none (the API's default)", async () => {
    const store = newStore();
    await store.saveCohorts(COHORTS);
    store.countRequests(client({ apiCalls: 2, eventsPageSize: 'omit' }).read);
    await store.flushRequests();
    expect((await store.progress()).requests).toMatchObject({ apiCalls: 2, eventsPerPage: null });
  });

  it("records a month's conversations page by page once every cohort is paged: members' only, each once by id, a repeated page ignored", async () => {
    const store = newStore();
    await store.saveCohorts(COHORTS);
    await store.savePage('segment:s1', null, page(['c1', 'c2'], null));
    // The tag is not paged to its end: who is a member is not known yet.
    expect(await store.cohortsPaged()).toBe(false);
    await expect(store.saveConversationPage('2026-10', null, conversations([], null))).rejects.toBeInstanceOf(RunNotCollectedError);
    await store.savePage('tag:t1', null, page(['c2', 'c3'], null));
    expect(await store.cohortsPaged()).toBe(true);
    expect(await store.conversationProgress('2026-10')).toEqual({ cursor: null, pages: 0, done: false });

    // Hostile ids: separators of the stored form, and a long one.
    const odd = 'a,b;c|d%e';
    const first = conversations(
      [
        conversation(odd, 'c1', { replied: true, replySeconds: 9_007_199_254_740_991, rating: 5 }),
        conversation('k2', 'admin-7'),
        conversation('k3', 'stranger'),
        conversation('k4', 'c2', { reopened: true }),
      ],
      'n1',
    );
    expect(await store.saveConversationPage('2026-10', null, first)).toEqual({ kept: 2, dropped: 2 });
    expect(await store.saveConversationPage('2026-10', null, first)).toBeNull();
    expect(await store.conversationProgress('2026-10')).toEqual({ cursor: 'n1', pages: 1, done: false });
    // A later page repeating a conversation (the API's pages may overlap) keeps it once.
    const second = conversations([conversation(odd, 'c1', { replied: true, replySeconds: 9_007_199_254_740_991, rating: 5 }), conversation('k5', 'c1', { rating: 2 })], null);
    expect(await store.saveConversationPage('2026-10', 'n1', second)).toEqual({ kept: 1, dropped: 0 });
    expect(await store.saveConversationPage('2026-10', null, conversations([conversation('k9', 'c1')], null))).toBeNull();
    expect(await store.conversationProgress('2026-10')).toEqual({ cursor: null, pages: 2, done: true });
    expect(await store.conversationProgress('2026-09')).toEqual({ cursor: null, pages: 0, done: false });

    const all = await listed(store);
    expect(all.map((c) => [c.member.id, c.conversations])).toEqual([
      ['c1', { months: { '2026-10': [[true, 9_007_199_254_740_991, 5, false], [false, null, 2, false]] } }],
      ['c2', { months: { '2026-10': [[false, null, null, true]] } }],
      ['c3', null],
    ]);
  });

  it('clear() forgets everything', async () => {
    const store = newStore();
    await store.saveCohorts(COHORTS);
    await store.savePage('segment:s1', null, page(['c1'], null));
    await store.saveContactResult('c1', ok(1));
    await store.savePage('tag:t1', null, page([], null));
    await store.saveConversationPage('2026-10', null, conversations([conversation('k1', 'c1')], null));
    await store.clear();
    expect(await store.conversationProgress('2026-10')).toEqual({ cursor: null, pages: 0, done: false });
    expect(await store.loadCohorts()).toBeNull();
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 0, done: false, totalCount: null });
    expect((await store.progress()).contacts).toBe(0);
    expect(await listed(store)).toEqual([]);
  });
});

describe('the Redis store', () => {
  function redisStore(prefix = testRedis.prefix('store'), runId = RUN_ID) {
    return { prefix, store: createRedisStore({ redis: testRedis.redis(), prefix, runId, ttlSeconds: 600 }) };
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

  it('keeps two deployments (prefixes) of the same run apart, every key expiring, and clear() removes only its own keys', async () => {
    const a = redisStore();
    const b = redisStore();
    await a.store.saveCohorts(COHORTS);
    await a.store.savePage('segment:s1', null, page(['c1'], null));
    await a.store.saveContactResult('c1', ok(1));
    a.store.countRequests(client({ apiCalls: 3 }).read);
    await a.store.flushRequests();
    expect(await b.store.loadCohorts()).toBeNull();
    expect(await b.store.savePage('segment:s1', null, page(['c1', 'c2'], null))).toEqual(['c1', 'c2']);
    expect((await a.store.progress()).contacts).toBe(1);
    expect((await b.store.progress()).requests.apiCalls).toBe(0);

    const keysOfA = await keysUnder(a.prefix);
    expect(keysOfA.length).toBeGreaterThan(0);
    for (const key of keysOfA) {
      expect(key.startsWith(`${runStoreKeys(a.prefix, RUN_ID).base}:`)).toBe(true);
      expect(await testRedis.redis().ttl(key)).toBeGreaterThan(0);
    }
    await a.store.clear();
    expect(await keysUnder(a.prefix)).toEqual([]);
    expect((await b.store.progress()).contacts).toBe(2);
  });

  it('keeps two runs under one prefix apart', async () => {
    const october = redisStore();
    const november = redisStore(october.prefix, '2026-11_2026-11_UTC');
    await october.store.savePage('segment:s1', null, page(['c1'], null));
    expect(await november.store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 0, done: false, totalCount: null });
    await november.store.clear();
    expect((await october.store.progress()).contacts).toBe(1);
  });

  it('sums the request totals of every process, each written whole, so a lost or repeated write loses nothing', async () => {
    const { prefix, store: one } = redisStore();
    const other = createRedisStore({ redis: testRedis.redis(), prefix, runId: RUN_ID, ttlSeconds: 600 });
    const a = client();
    const b = client();
    one.countRequests(a.read);
    other.countRequests(b.read);
    a.set({ apiCalls: 5 });
    b.set({ apiCalls: 7, responses429: 2 });
    await one.flushRequests();
    await other.flushRequests();
    expect((await one.progress()).requests).toMatchObject({ apiCalls: 12, responses429: 2, lowerBound: false });
    // A process's totals written again (a retry after a failed write) replace its own, never add.
    await other.flushRequests();
    expect((await other.progress()).requests.apiCalls).toBe(12);
  });

  it('gives each contact of a job to one job only, until its result; a later scope takes over the claims', async () => {
    const { prefix, store } = redisStore();
    await store.savePage('segment:s1', null, page(['a', 'b', 'c'], null));
    const claim = (owner: string, scope = '1.1') => store.claimContacts(scope, owner, ['a', 'b', 'c']);
    expect(await claim('job1')).toEqual(['a', 'b', 'c']);
    expect(await claim('job2')).toEqual([]);
    // A retry of the same job still holds its claims.
    expect(await claim('job1')).toEqual(['a', 'b', 'c']);
    await store.saveContactResult('a', { kind: 'missing' });
    const claims = runStoreKeys(prefix, RUN_ID).claims;
    expect((await testRedis.redis().hkeys(claims)).sort()).toEqual(['b', 'c']);
    // A later round takes over the claims of the earlier one; a contact with a result is never fetched again.
    expect(await claim('job3', '1.2')).toEqual(['b', 'c']);
    expect(await claim('job4', '1.2')).toEqual([]);
    expect(await store.claimContacts('1.2', 'job5', [])).toEqual([]);
  });

  it('after release keeps the cohorts, their progress, the counters and the outcome, and nothing per contact', async () => {
    const { prefix, store } = redisStore();
    await store.saveCohorts([COHORTS[0]!]);
    await store.savePage('segment:s1', null, page(['a', 'b'], null));
    await store.saveContactResult('a', ok(1));
    await store.saveContactResult('b', { kind: 'missing' });
    await store.saveConversationPage('2026-10', null, conversations([conversation('k1', 'a')], null));
    store.countRequests(client({ apiCalls: 4, eventsPageSize: 100 }).read);
    await store.flushRequests();
    const before = await store.progress();
    expect(await store.released()).toBeNull();
    await store.release('{"months":["2026-10"]}');
    expect(await store.released()).toBe('{"months":["2026-10"]}');
    expect(await store.progress()).toEqual(before);
    expect((await store.cohortProgress('segment:s1')).done).toBe(true);
    expect(await listed(store)).toEqual([]);
    const k = runStoreKeys(prefix, RUN_ID);
    expect(await testRedis.redis().exists(...Array.from({ length: CONTACT_BUCKETS }, (_, i) => k.bucket(i)), k.claims)).toBe(0);
    expect(await testRedis.redis().exists(...Array.from({ length: CONTACT_BUCKETS }, (_, i) => k.conversationBucket(i)))).toBe(0);
    await store.clear();
    expect(await store.released()).toBeNull();
  });
});
