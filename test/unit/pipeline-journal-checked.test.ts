/**
 * The memory store's journal (what only `run` has; the RunStore contract both stores pass is
 * test/integration/pipeline-run-store.redis.test.ts). A rerun replays it and holds what the first
 * attempt recorded. It is state on disk, read back without trust: every line is checked by shape and
 * by what came before it on replay, and a bad one is a JournalInvalidError naming the file, the line
 * and the fix, with the file left as it was. A torn last line (a crash mid-append) is cut off. The
 * request counters carried by the journal say when an attempt died counting (a lower bound).
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConversationPage } from '../../src/intercom/conversation-types.js';
import type { Cohort, MemberPage } from '../../src/intercom/types.js';
import { createMemoryStore, type MemoryStore } from '../../src/pipeline/memory-store.js';
import { JournalInvalidError } from '../../src/pipeline/journal-records.js';
import type { ClientCounts, RunRequests } from '../../src/pipeline/run-store.js';
import type { ContactStats } from '../../src/report/contact-stats.js';

const COHORTS: Cohort[] = [{ type: 'segment', id: 's1', name: 'Paying', memberCountReported: 2, personType: 'user' }];
const PAGE: MemberPage = {
  members: [
    { id: 'c1', role: 'user', createdAtSec: 1_790_000_000, signedUpAtSec: null, unsubscribedFromEmails: false },
    { id: 'c2', role: 'lead', createdAtSec: 1_790_000_000, signedUpAtSec: 1_790_000_100, unsubscribedFromEmails: true },
  ],
  totalCount: 2,
  nextCursor: null,
};
/** Two events of one name on one day of November 2026. */
const STATS: ContactStats = { months: { '2026-11': { events: 2, activeDays: 1, names: { login: [2, 1_793_000_000, 1_793_000_500] }, amounts: {} } } };

let dir: string;
let path: string;
const open: MemoryStore[] = [];
function openStore(): MemoryStore {
  const store = createMemoryStore({ journalPath: path });
  open.push(store);
  return store;
}

/** November's conversations: c2 opened one (replied in 90 s, rated 4), an admin another, a stranger a third. */
const CONVERSATIONS: ConversationPage = {
  conversations: [
    { id: 'k1', createdAtSec: 1_793_000_000, author: { type: 'lead', id: 'c2' }, replied: true, replySeconds: 90, rating: 4, reopened: false },
    { id: 'k2', createdAtSec: 1_793_000_000, author: { type: 'admin', id: 'a1' }, replied: false, replySeconds: null, rating: null, reopened: false },
    { id: 'k3', createdAtSec: 1_793_000_000, author: { type: 'user', id: 'stranger' }, replied: false, replySeconds: null, rating: null, reopened: false },
  ],
  nextCursor: null,
};

/** A journal as a run writes it: cohorts, one page listing c1 and c2, c1's result, November's conversations; then closed. */
async function writeJournal(): Promise<string[]> {
  const store = openStore();
  store.countRequests(counts({ apiCalls: 3 }));
  await store.saveCohorts(COHORTS);
  await store.savePage('segment:s1', null, PAGE);
  await store.saveContactResult('c1', { kind: 'ok', stats: STATS, eventsFetched: 2 });
  await store.saveConversationPage('2026-11', null, CONVERSATIONS);
  store.close();
  return (await readFile(path, 'utf8')).trimEnd().split('\n');
}

/** A client's counters, fixed. */
function counts(c: Partial<ClientCounts>): () => ClientCounts {
  return () => ({ apiCalls: 0, responses429: 0, retries: 0, eventsPageSize: null, ...c });
}
async function requests(store: MemoryStore): Promise<RunRequests> {
  return (await store.progress()).requests;
}

/** The error replaying the journal gives (it must give one). */
function replayError(): JournalInvalidError {
  try {
    openStore();
  } catch (err) {
    expect(err).toBeInstanceOf(JournalInvalidError);
    return err as JournalInvalidError;
  }
  throw new Error('the journal was replayed without an error');
}

async function expectRefused(lines: string[], line: number, problem: RegExp): Promise<void> {
  const text = `${lines.join('\n')}\n`;
  await writeFile(path, text);
  const err = replayError();
  expect(err.line).toBe(line);
  expect(err.exitCode).toBe(1);
  expect(err.message).toMatch(problem);
  expect(err.message).toContain(`${resolve(path)}, line ${line}:`);
  expect(err.message).toContain(`delete that file (or the whole folder ${resolve(dir, '.work')}/)`);
  expect(err.message).not.toContain('\n');
  // Nothing is cut off or appended: the file is evidence, left as it was.
  expect(await readFile(path, 'utf8')).toBe(text);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'journal-checked-'));
  path = join(dir, '.work', 'run.journal.jsonl');
});
afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the run journal, checked on replay', () => {
  it('replays what the run wrote', async () => {
    await writeJournal();
    const store = openStore();
    expect(await store.progress()).toEqual({
      cohorts: 1,
      cohortsDone: 1,
      contacts: 2,
      contactsDone: 1,
      contactsMissing: 0,
      requests: { apiCalls: 3, responses429: 0, retries: 0, lowerBound: false, eventsPerPage: null },
    });
    expect(await store.cohortProgress('segment:s1')).toEqual({ cursor: null, pages: 1, done: true, totalCount: 2 });
    const listed = [];
    for await (const batch of store.listedContacts()) listed.push(...batch);
    expect(listed.sort((a, b) => (a.member.id < b.member.id ? -1 : 1))).toEqual([
      { member: PAGE.members[0], cohortKeys: ['segment:s1'], result: { kind: 'ok', stats: STATS, eventsFetched: 2 }, conversations: null },
      { member: PAGE.members[1], cohortKeys: ['segment:s1'], result: null, conversations: { months: { '2026-11': [[true, 90, 4, false]] } } },
    ]);
    expect(await store.conversationProgress('2026-11')).toEqual({ cursor: null, pages: 1, done: true });
    // Only the member's conversation is journaled: the admin's and the stranger's are dropped for good.
    expect(JSON.parse((await readFile(path, 'utf8')).split('\n')[3]!)).toMatchObject({ t: 'conversations', month: '2026-11', kept: ['c2', 'k1', '2026-11,1,90,4,0'] });
  });

  it("refuses conversations no run records: before the cohorts are paged, a non-member's, malformed, repeated or outside the page's month", async () => {
    const lines = await writeJournal();
    const record = (kept: string[], extra: Record<string, unknown> = {}): string => JSON.stringify({ t: 'conversations', month: '2026-11', from: null, next: null, kept, ...extra });
    await expectRefused([lines[0]!, record(['c2', 'k1', '2026-11,1,90,4,0'])], 2, /conversations before every cohort was paged to its end/);
    const cases: Array<[string, RegExp]> = [
      [record(['stranger', 'k1', '2026-11,1,90,4,0']), /a conversation of contact "stranger", which no recorded page listed/],
      [record(['c2', 'k1', '2026-11,1,90,9,0']), /a conversation of contact "c2": a malformed conversation entry/],
      [record(['c2', 'k,1', '2026-11,1,90,4,0']), /a malformed conversation entry/],
      [record(['c2', 'k1', '2026-11,1,9999999999999999,4,0']), /a reply time beyond a safe integer/],
      [record(['c2', 'k1', '2026-10,1,90,4,0']), /outside the page's month 2026-11/],
      [record(['c2', 'k1', '2026-11,1,90,4,0', 'c2', 'k1', '2026-11,0,,,0']), /records a conversation twice/],
      [record(['c2', 'k1']), /a "conversations" record of the wrong shape \(kept\)/],
      [record(['c2', 'k1', '2026-11,1,90,4,0'], { month: '2026-13' }), /a "conversations" record of the wrong shape \(month\)/],
    ];
    for (const [line, problem] of cases) await expectRefused([...lines.slice(0, 3), line], 4, problem);
    // The month's one page again: off its cursor.
    await expectRefused([...lines.slice(0, 4), lines[3]!], 5, /a page of 2026-11's conversations that does not follow its recorded cursor/);
  });

  it('creates no journal file until something is recorded', async () => {
    const store = openStore();
    expect(await store.loadCohorts()).toBeNull();
    store.close();
    expect(existsSync(join(dir, '.work'))).toBe(false);
    await openStore().saveCohorts(COHORTS);
    expect(existsSync(path)).toBe(true);
  });

  it('replays a resumed cohort from its stored cursor', async () => {
    const first = openStore();
    await first.saveCohorts(COHORTS);
    await first.savePage('segment:s1', null, { ...PAGE, members: PAGE.members.slice(0, 1), nextCursor: 'cur-1' });
    first.close();
    const second = openStore();
    expect(await second.cohortProgress('segment:s1')).toEqual({ cursor: 'cur-1', pages: 1, done: false, totalCount: 2 });
    expect(await second.savePage('segment:s1', null, { ...PAGE, nextCursor: 'cur-1' })).toEqual([]);
    expect(await second.savePage('segment:s1', 'cur-1', { ...PAGE, members: PAGE.members.slice(1) })).toEqual(['c2']);
  });

  it('records after a torn last line start on a line of their own, which the next replay reads', async () => {
    await writeJournal();
    // A crash in the middle of writing a record.
    await appendFile(path, '{"t":"result","id":"c2","r":"c1:[[');
    const second = openStore();
    await second.saveContactResult('c2', { kind: 'missing' });
    second.close();
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(await openStore().progress()).toMatchObject({ contacts: 2, contactsDone: 2, contactsMissing: 1 });
  });

  it('keeps the events page size the client learnt, so a resumed run that fetches no events still reports it', async () => {
    const first = openStore();
    first.countRequests(counts({ apiCalls: 2, eventsPageSize: 100 }));
    await first.saveCohorts(COHORTS);
    await first.flushRequests();
    first.close();
    expect((await requests(openStore())).eventsPerPage).toBe(100);
  });

  it('clear() removes the journal and its emptied folder', async () => {
    await writeJournal();
    const store = openStore();
    await store.clear();
    expect(existsSync(join(dir, '.work'))).toBe(false);
    expect(await openStore().loadCohorts()).toBeNull();
  });

  it('refuses a line of the wrong shape in the middle of the file, naming the file, the line and the fix', async () => {
    const lines = await writeJournal();
    await expectRefused([lines[0]!, '{"t":"page","key":5,"members":"c1"}', ...lines.slice(1)], 2, /a "page" record of the wrong shape/);
    // A member part with a role letter encodeMember never writes.
    const page = JSON.parse(lines[1]!) as { members: string[] };
    const badRole = JSON.stringify({ ...page, members: [page.members[0], `x${page.members[1]!.slice(1)}`] });
    await expectRefused([lines[0]!, badRole, ...lines.slice(2)], 2, /a "page" record of the wrong shape \(members\)/);
  });

  it('refuses a complete line that is not JSON, where a torn last line is cut off and replay goes on', async () => {
    const lines = await writeJournal();
    await expectRefused([lines[0]!, '{"t":"coh', ...lines.slice(1)], 2, /not a JSON line/);
    await writeFile(path, `${lines.join('\n')}\n{"t":"result","id":"c2","r":"c1:[[`);
    expect(await openStore().progress()).toMatchObject({ contacts: 2, contactsDone: 1 });
  });

  it('refuses a result for a contact no recorded page listed, however plausible its figures', async () => {
    const lines = await writeJournal();
    // c1's own result, well formed and consistent, claimed for a contact that was never listed.
    const forged = JSON.stringify({ t: 'result', id: 'c-forged', r: (JSON.parse(lines[2]!) as { r: string }).r });
    await expectRefused([...lines.slice(0, 3), forged, ...lines.slice(3)], 4, /a result for contact "c-forged", which no recorded page listed/);
  });

  it('refuses results whose figures fail the schema or contradict each other', async () => {
    const lines = await writeJournal();
    const result = (r: string): string => JSON.stringify({ t: 'result', id: 'c2', r });
    const cases: Array<[string, RegExp]> = [
      [result('c3:[["2026-11",-2,1,[["a",-2,0]]]]'), /events is not a whole number/],
      [result('c9:[["2026-11",5,1,[["a",2,0]]]]'), /events 5 but its names count 2/],
      [result('c1:[["2026-11",2,1,[["a",2,0]]]]'), /count 2 events but only 1 were fetched/],
      [result('c3:[["2026-11",2,3,[["a",2,0]]]]'), /active days not between 1 and min\(events, 31\)/],
      [result('c2:[["2026-11",2,1,[["a","two",0]]]]'), /a packed name of 2026-11/],
      [result('c2:{"months":{}}'), /packed stats are not a list of months/],
      // JSON stats (`o…`) were an encoding for stats other than ContactStats, which no run writes.
      [result('o3:{"months":{}}'), /not m or c…:/],
      [result('x'), /not m or c…:/],
      [result('c-1:[]'), /events fetched is not a whole number/],
    ];
    for (const [line, problem] of cases) await expectRefused([...lines.slice(0, 3), line], 4, problem);
  });

  it('refuses duplicate and contradicting records: a second result, a second cohort list, a page off its cursor', async () => {
    const lines = await writeJournal();
    const again = JSON.stringify({ t: 'result', id: 'c1', r: 'm' });
    await expectRefused([...lines.slice(0, 3), again], 4, /a second result for contact "c1"/);
    await expectRefused([lines[0]!, lines[0]!, ...lines.slice(1)], 2, /a second cohort list/);
    await expectRefused([lines[0]!, lines[1]!, lines[1]!], 3, /does not follow its recorded cursor/);
    await expectRefused([lines[1]!, lines[0]!], 1, /a page before the cohort list/);
  });

  it('refuses request counters that are negative or not whole numbers, and a page size that is not one', async () => {
    const lines = await writeJournal();
    for (const delta of [{ apiCalls: -5, responses429: 0, retries: 0 }, { apiCalls: 1.5, responses429: 0, retries: 0 }, { apiCalls: 1, responses429: 0 }]) {
      await expectRefused([...lines, JSON.stringify({ t: 'requests', delta })], lines.length + 1, /a "requests" record of the wrong shape/);
    }
    const delta = { apiCalls: 1, responses429: 0, retries: 0 };
    for (const size of [0, 1.5, 'all']) {
      await expectRefused([...lines, JSON.stringify({ t: 'requests', delta, size })], lines.length + 1, /a "requests" record of the wrong shape/);
    }
  });

  it('refuses records no run writes (the spellings of an unreleased version among them)', async () => {
    const lines = await writeJournal();
    await expectRefused([...lines, JSON.stringify({ t: 'events-page-size', size: 150 })], lines.length + 1, /a "events-page-size" record of the wrong shape/);
    const oldPage = JSON.stringify({ t: 'page', key: 'segment:s1', from: null, page: PAGE });
    await expectRefused([lines[0]!, oldPage], 2, /a "page" record of the wrong shape/);
  });

  it('counts every request across attempts, and says so when an attempt died before counting its last ones', async () => {
    await writeJournal();
    // A second attempt that ends (close): its requests are journaled with an end mark.
    const second = openStore();
    second.countRequests(counts({ apiCalls: 4, responses429: 1, retries: 1 }));
    expect(await requests(second)).toEqual({ apiCalls: 7, responses429: 1, retries: 1, lowerBound: false, eventsPerPage: null });
    second.close();
    expect(await requests(openStore())).toEqual({ apiCalls: 7, responses429: 1, retries: 1, lowerBound: false, eventsPerPage: null });
    open.pop();

    // A third attempt killed after one record: what it counted is kept, and the rest flagged.
    const third = openStore();
    let calls = 2;
    third.countRequests(() => ({ apiCalls: calls, responses429: 0, retries: 0, eventsPageSize: null }));
    await third.saveContactResult('c2', { kind: 'missing' });
    calls = 5; // in flight when killed: never journaled
    open.pop(); // not closed: as after SIGKILL
    const fourth = openStore();
    expect(await requests(fourth)).toEqual({ apiCalls: 9, responses429: 1, retries: 1, lowerBound: true, eventsPerPage: null });
  });

  it('keeps the lower-bound mark over later attempts', async () => {
    await writeJournal();
    await appendFile(path, `${JSON.stringify({ t: 'requests', delta: { apiCalls: 1, responses429: 0, retries: 0 } })}\n`);
    const resumed = openStore();
    expect((await requests(resumed)).lowerBound).toBe(true);
    resumed.close();
    expect((await requests(openStore())).lowerBound).toBe(true);
  });
});
