/**
 * The `run` journal is state on disk, read back without trust: every line is checked by shape and by
 * what came before it on replay, and a bad one is a JournalInvalidError naming the file, the line and
 * the fix, with the file left as it was. A torn last line (a crash mid-append) is still cut off. The
 * request counters carried by the journal say when an attempt died counting (a lower bound).
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Cohort, MemberPage } from '../../src/intercom/types.js';
import { createMemoryStore, type MemoryStore } from '../../src/pipeline/memory-store.js';
import { JournalInvalidError } from '../../src/pipeline/journal-records.js';
import type { ContactStats } from '../../src/report/contact-stats.js';

const COHORTS: Cohort[] = [{ type: 'segment', id: 's1', name: 'Paying', memberCountReported: 2, personType: 'user' }];
const PAGE: MemberPage = {
  members: [
    { id: 'c1', role: 'user', createdAtSec: 1_790_000_000, signedUpAtSec: null },
    { id: 'c2', role: 'lead', createdAtSec: 1_790_000_000, signedUpAtSec: 1_790_000_100 },
  ],
  totalCount: 2,
  nextCursor: null,
};
/** Two events of one name on one day of November 2026. */
const STATS: ContactStats = { months: { '2026-11': { events: 2, activeDays: 1, names: { login: [2, 1_793_000_000, 1_793_000_500] }, amounts: {} } } };

let dir: string;
let path: string;
const open: Array<MemoryStore<ContactStats>> = [];
function openStore(): MemoryStore<ContactStats> {
  const store = createMemoryStore<ContactStats>({ journalPath: path });
  open.push(store);
  return store;
}

/** A journal as a run writes it: cohorts, one page listing c1 and c2, c1's result; then closed. */
async function writeJournal(): Promise<string[]> {
  const store = openStore();
  store.countRequests(() => ({ apiCalls: 3, responses429: 0, retries: 0 }));
  await store.saveCohorts(COHORTS);
  await store.savePage('segment:s1', null, PAGE);
  await store.saveContactResult('c1', { kind: 'ok', stats: STATS, eventsFetched: 2 });
  store.close();
  return (await readFile(path, 'utf8')).trimEnd().split('\n');
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
    expect(await store.progress()).toEqual({ cohorts: 1, cohortsDone: 1, contacts: 2, contactsDone: 1, contactsMissing: 0 });
    expect(store.requests()).toEqual({ apiCalls: 3, responses429: 0, retries: 0, lowerBound: false });
  });

  it('refuses a line of the wrong shape in the middle of the file, naming the file, the line and the fix', async () => {
    const lines = await writeJournal();
    await expectRefused([lines[0]!, '{"t":"page","key":5,"members":"c1"}', ...lines.slice(1)], 2, /a "page" record of the wrong shape/);
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
      [result('o3:{"months":{"2026-11":{"events":"many"}}}'), /month 2026-11 has other fields/],
      [result('o3:{"months":{"2026-11":{"events":-2,"activeDays":1,"names":{"a":[-2,1,1]},"amounts":{}}}}'), /events is not a whole number/],
      [result('o9:{"months":{"2026-11":{"events":5,"activeDays":1,"names":{"a":[2,1,1]},"amounts":{}}}}'), /events 5 but its names count 2/],
      [result('o1:{"months":{"2026-11":{"events":2,"activeDays":1,"names":{"a":[2,1,1]},"amounts":{}}}}'), /count 2 events but only 1 were fetched/],
      [result('c2:[["2026-11",2,1,[["a","two",0]]]]'), /a packed name of 2026-11/],
      [result('x'), /not m, c…: or o…:/],
      [result('c-1:[]'), /events fetched is not a whole number/],
    ];
    for (const [line, problem] of cases) await expectRefused([...lines.slice(0, 3), line], 4, problem);
  });

  it('refuses duplicate and contradicting records: a second result, a second cohort list, a page off its cursor, a second page size', async () => {
    const lines = await writeJournal();
    const again = JSON.stringify({ t: 'result', id: 'c1', r: 'm' });
    await expectRefused([...lines.slice(0, 3), again], 4, /a second result for contact "c1"/);
    await expectRefused([lines[0]!, lines[0]!, ...lines.slice(1)], 2, /a second cohort list/);
    await expectRefused([lines[0]!, lines[1]!, lines[1]!], 3, /does not follow its recorded cursor/);
    const size = (n: number): string => JSON.stringify({ t: 'events-page-size', size: n });
    await expectRefused([...lines, size(150), size(100)], lines.length + 2, /a second events page size/);
    await expectRefused([lines[1]!, lines[0]!], 1, /a page before the cohort list/);
  });

  it('refuses request counters that are negative or not whole numbers', async () => {
    const lines = await writeJournal();
    for (const delta of [{ apiCalls: -5, responses429: 0, retries: 0 }, { apiCalls: 1.5, responses429: 0, retries: 0 }, { apiCalls: 1, responses429: 0 }]) {
      await expectRefused([...lines, JSON.stringify({ t: 'requests', delta })], lines.length + 1, /a "requests" record of the wrong shape/);
    }
  });

  it('counts every request across attempts, and says so when an attempt died before counting its last ones', async () => {
    await writeJournal();
    // A second attempt that ends (close): its requests are journaled with an end mark.
    const second = openStore();
    second.countRequests(() => ({ apiCalls: 4, responses429: 1, retries: 1 }));
    expect(second.requests()).toEqual({ apiCalls: 7, responses429: 1, retries: 1, lowerBound: false });
    second.close();
    expect(openStore().requests()).toEqual({ apiCalls: 7, responses429: 1, retries: 1, lowerBound: false });
    open.pop();

    // A third attempt killed after one record: what it counted is kept, and the rest flagged.
    const third = openStore();
    let calls = 2;
    third.countRequests(() => ({ apiCalls: calls, responses429: 0, retries: 0 }));
    await third.saveContactResult('c2', { kind: 'missing' });
    calls = 5; // in flight when killed: never journaled
    open.pop(); // not closed: as after SIGKILL
    const fourth = openStore();
    expect(fourth.requests()).toEqual({ apiCalls: 9, responses429: 1, retries: 1, lowerBound: true });
  });

  it('keeps the lower-bound mark over later attempts', async () => {
    await writeJournal();
    await appendFile(path, `${JSON.stringify({ t: 'requests', delta: { apiCalls: 1, responses429: 0, retries: 0 } })}\n`);
    const resumed = openStore();
    expect(resumed.requests().lowerBound).toBe(true);
    resumed.close();
    expect(openStore().requests().lowerBound).toBe(true);
  });
});
