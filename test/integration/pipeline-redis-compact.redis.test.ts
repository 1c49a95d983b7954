import { describe, expect, it } from 'vitest';
import { claimContacts } from '../../jobs/claim-contacts.js';
import type { Member, MemberPage } from '../../src/intercom/types.js';
import { CONTACT_BUCKETS, createRedisStore, runStoreKeys } from '../../src/pipeline/redis-store.js';
import type { ListedContact } from '../../src/pipeline/run-store.js';
import { useTestRedis } from '../support/redis.js';

const RUN_ID = '2026-10_2026-10_UTC';
const member = (id: string): Member => ({ id, role: 'user', createdAtSec: 1_700_000_000, signedUpAtSec: 1_700_000_050 });
const page = (ids: string[], nextCursor: string | null = null): MemberPage => ({ members: ids.map(member), totalCount: ids.length, nextCursor });

const testRedis = useTestRedis();
function newStore() {
  const prefix = testRedis.prefix('compact');
  return { prefix, store: createRedisStore<{ events: number }>({ redis: testRedis.redis(), prefix, runId: RUN_ID, ttlSeconds: 600 }) };
}
async function listed(store: ReturnType<typeof newStore>['store']): Promise<Array<ListedContact<{ events: number }>>> {
  const out = [];
  for await (const batch of store.listedContacts()) out.push(...batch);
  return out.sort((a, b) => (a.member.id < b.member.id ? -1 : 1));
}

describe('Redis run store, compact form', () => {
  it('lists every contact once with the cohorts that list it, across buckets', async () => {
    const { store } = newStore();
    const ids = Array.from({ length: 300 }, (_, i) => `c${i}`);
    await store.savePage('segment:s1', null, page(ids.slice(0, 200)));
    await store.savePage('tag:t1', null, page(ids.slice(100)));
    await store.saveContactResult('c150', { kind: 'ok', stats: { events: 2 }, eventsFetched: 2 });
    const all = await listed(store);
    expect(all).toHaveLength(300);
    const c150 = all.find((c) => c.member.id === 'c150')!;
    expect(c150).toEqual({ member: member('c150'), cohortKeys: ['segment:s1', 'tag:t1'], result: { kind: 'ok', stats: { events: 2 }, eventsFetched: 2 } });
    expect(all.find((c) => c.member.id === 'c0')!.cohortKeys).toEqual(['segment:s1']);
    expect(all.find((c) => c.member.id === 'c299')!.cohortKeys).toEqual(['tag:t1']);
  });

  it('holds a claim only until the contact has its result', async () => {
    const { prefix, store } = newStore();
    await store.savePage('segment:s1', null, page(['a', 'b', 'c']));
    const claim = (owner: string, scope = '1.1') => claimContacts(testRedis.redis(), { prefix, runId: RUN_ID, scope, ownerJobId: owner, contactIds: ['a', 'b', 'c'], ttlSeconds: 600 });
    expect(await claim('job1')).toEqual(['a', 'b', 'c']);
    expect(await claim('job2')).toEqual([]);
    expect(await claim('job1')).toEqual(['a', 'b', 'c']);
    await store.saveContactResult('a', { kind: 'missing' });
    expect(await testRedis.redis().hkeys(runStoreKeys(prefix, RUN_ID).claims)).toEqual(expect.arrayContaining(['b', 'c']));
    expect(await testRedis.redis().hexists(runStoreKeys(prefix, RUN_ID).claims, 'a')).toBe(0);
    // A later round takes over the claims of the earlier one; a contact with a result is never fetched again.
    expect(await claim('job3', '1.2')).toEqual(['b', 'c']);
    expect(await claim('job4', '1.2')).toEqual([]);
    expect((await store.progress()).contactsMissing).toBe(1);
  });

  it('after release keeps the cohorts, their progress, the counters and the outcome, and nothing per contact', async () => {
    const { prefix, store } = newStore();
    await store.saveCohorts([{ type: 'segment', id: 's1', name: 'S', memberCountReported: 2, personType: 'user' }]);
    await store.savePage('segment:s1', null, page(['a', 'b']));
    await store.saveContactResult('a', { kind: 'ok', stats: { events: 1 }, eventsFetched: 1 });
    await store.saveContactResult('b', { kind: 'missing' });
    const before = await store.progress();
    expect(await store.released()).toBeNull();
    await store.release('{"months":["2026-10"]}');
    expect(await store.released()).toBe('{"months":["2026-10"]}');
    expect(await store.progress()).toEqual(before);
    expect((await store.cohortProgress('segment:s1')).done).toBe(true);
    expect(await listed(store)).toEqual([]);
    const k = runStoreKeys(prefix, RUN_ID);
    const left = await testRedis.redis().exists(...Array.from({ length: CONTACT_BUCKETS }, (_, i) => k.bucket(i)), k.claims);
    expect(left).toBe(0);
    await store.clear();
    expect(await store.released()).toBeNull();
  });
});
