import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cohort, Member, MemberPage } from '../../src/intercom/types.js';
import { createMemoryStore, type MemoryStore } from '../../src/pipeline/memory-store.js';
import type { ContactResult, RunStore } from '../../src/pipeline/run-store.js';

type Stats = { events: number };

const COHORTS: Cohort[] = [
  { type: 'segment', id: 's1', name: 'Paying', memberCountReported: 3, personType: 'user' },
  { type: 'tag', id: 't1', name: 'VIP', memberCountReported: null, personType: null },
];

function member(id: string): Member {
  return { id, role: 'user', createdAtSec: 1_700_000_000, signedUpAtSec: null };
}
function page(ids: string[], nextCursor: string | null, totalCount: number | null = 3): MemberPage {
  return { members: ids.map(member), totalCount, nextCursor };
}
const ok = (events: number): ContactResult<Stats> => ({ kind: 'ok', stats: { events }, eventsFetched: events });

async function allPending(store: RunStore<Stats>): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of store.pendingContacts()) out.push(...batch);
  return out.sort();
}

async function membersOf(store: RunStore<Stats>, key: string): Promise<Array<[string, ContactResult<Stats> | null]>> {
  const out: Array<[string, ContactResult<Stats> | null]> = [];
  for await (const batch of store.listedContacts()) for (const m of batch) if (m.cohortKeys.includes(key)) out.push([m.member.id, m.result]);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Cohorts, a two-page segment (c1, c2 | c3), a one-page tag (c2, c4), and results for c1 and c2. */
async function record(store: RunStore<Stats>): Promise<void> {
  await store.saveCohorts(COHORTS);
  expect(await store.savePage('segment:s1', null, page(['c1', 'c2'], 'cur-1'))).toEqual(['c1', 'c2']);
  expect(await store.savePage('segment:s1', 'cur-1', page(['c3'], null))).toEqual(['c3']);
  expect(await store.savePage('tag:t1', null, page(['c2', 'c4'], null, 2))).toEqual(['c4']);
  await store.saveContactResult('c1', ok(5));
  await store.saveContactResult('c2', { kind: 'missing' });
}

async function expectRecordedState(store: RunStore<Stats>): Promise<void> {
  expect(await store.loadCohorts()).toEqual(COHORTS);
  expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 2, done: true, totalCount: 3 });
  expect(await store.cohortProgress('tag:t1')).toEqual({ cursor: null, pages: 1, done: true, totalCount: 2 });
  expect(await allPending(store)).toEqual(['c3', 'c4']);
  expect(await membersOf(store, 'segment:s1')).toEqual([
    ['c1', ok(5)],
    ['c2', { kind: 'missing' }],
    ['c3', null],
  ]);
  expect(await store.progress()).toEqual({ cohorts: 2, cohortsDone: 2, contacts: 4, contactsDone: 2, contactsMissing: 1 });
}

let dir: string;
let journalPath: string;
const open: MemoryStore<Stats>[] = [];
function openStore(): MemoryStore<Stats> {
  // These tests' stats are { events }, not ContactStats: replay checks them by their own shape.
  const store = createMemoryStore<Stats>({ journalPath, checkStats: (s, fetched) => (typeof s === 'object' && s !== null && Number.isSafeInteger((s as Stats).events) && (s as Stats).events <= fetched ? null : 'not { events }') });
  open.push(store);
  return store;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'memory-store-'));
  journalPath = join(dir, '.work', 'run.journal.jsonl');
});
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('createMemoryStore', () => {
  it('records a page once: the same page again, or a page from a stale cursor, changes nothing', async () => {
    const store = createMemoryStore<Stats>();
    await store.savePage('segment:s1', null, page(['c1', 'c2'], 'cur-1'));
    expect(await store.savePage('segment:s1', null, page(['c1', 'c2', 'c9'], 'cur-1'))).toEqual([]);
    expect(await store.savePage('segment:s1', 'cur-0', page(['c8'], null))).toEqual([]);
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: 'cur-1', pages: 1, done: false, totalCount: 3 });
    expect((await store.progress()).contacts).toBe(2);
    await store.savePage('segment:s1', 'cur-1', page(['c3'], null));
    // A finished cohort takes no more pages.
    expect(await store.savePage('segment:s1', null, page(['c7'], null))).toEqual([]);
    expect(await membersOf(store, 'segment:s1')).toEqual([
      ['c1', null],
      ['c2', null],
      ['c3', null],
    ]);
  });

  it('tells which of some contacts are registered but still without a result', async () => {
    const store = createMemoryStore<Stats>();
    await record(store);
    expect(await store.contactsWithoutResult(['c1', 'c2', 'c3', 'c4', 'unknown'])).toEqual(['c3', 'c4']);
  });

  it('creates no journal file until something is recorded', async () => {
    const store = openStore();
    expect(await store.loadCohorts()).toBeNull();
    expect(existsSync(join(dir, '.work'))).toBe(false);
    await store.saveCohorts(COHORTS);
    expect(existsSync(journalPath)).toBe(true);
  });

  it('replays its journal on open: a new store over the same file holds what the first recorded', async () => {
    const first = openStore();
    await record(first);
    first.close();
    await expectRecordedState(openStore());
  });

  it('journals the events page size the run settled on, so a resumed run keeps it', async () => {
    const first = openStore();
    expect(await first.eventsPageSize.settled()).toBeNull();
    expect(await first.eventsPageSize.claimTrial(60_000)).toBe(true);
    expect(await first.eventsPageSize.claimTrial(60_000)).toBe(false);
    await first.eventsPageSize.settle(100);
    await first.eventsPageSize.settle(50);
    expect(await first.eventsPageSize.settled()).toBe(100);
    first.close();
    expect(await openStore().eventsPageSize.settled()).toBe(100);
  });

  it('ignores a torn last line, and records after it on a line of their own that the next replay reads', async () => {
    const first = openStore();
    await record(first);
    first.close();
    // A crash in the middle of writing a record.
    await appendFile(journalPath, '{"t":"result","id":"c3","result":{"kind":"o');

    const second = openStore();
    await expectRecordedState(second);
    await second.saveContactResult('c3', ok(2));
    await second.saveContactResult('c4', ok(0));
    second.close();

    const text = await readFile(journalPath, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const third = openStore();
    expect(await allPending(third)).toEqual([]);
    expect(await membersOf(third, 'tag:t1')).toEqual([
      ['c2', { kind: 'missing' }],
      ['c4', ok(0)],
    ]);
    expect(await third.progress()).toMatchObject({ contacts: 4, contactsDone: 4, contactsMissing: 1 });
  });

  it('replays a resumed cohort from its stored cursor', async () => {
    const first = openStore();
    await first.saveCohorts(COHORTS);
    await first.savePage('segment:s1', null, page(['c1', 'c2'], 'cur-1'));
    first.close();
    const second = openStore();
    expect(await second.cohortProgress('segment:s1')).toEqual({ cursor: 'cur-1', pages: 1, done: false, totalCount: 3 });
    expect(await second.savePage('segment:s1', null, page(['c1', 'c2'], 'cur-1'))).toEqual([]);
    expect(await second.savePage('segment:s1', 'cur-1', page(['c3'], null))).toEqual(['c3']);
  });

  it('clear() forgets everything and removes the journal and its emptied folder', async () => {
    const store = openStore();
    await record(store);
    await store.clear();
    expect(await store.loadCohorts()).toBeNull();
    expect(await store.progress()).toEqual({ cohorts: 0, cohortsDone: 0, contacts: 0, contactsDone: 0, contactsMissing: 0 });
    expect(existsSync(join(dir, '.work'))).toBe(false);
    expect(await openStore().loadCohorts()).toBeNull();
  });
});
