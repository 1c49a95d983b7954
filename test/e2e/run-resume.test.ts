/**
 * A run stopped half way — killed outright (SIGKILL) or interrupted (SIGINT) — and run again with the
 * same command resumes from its journal (DIR/.work/*.journal.jsonl): the reports equal the reference
 * computed from the sandbox's ground truth, and the sandbox's counters show that nothing recorded
 * before the stop was fetched again; only work in flight at that moment (at most one contact per
 * event fetcher and one page per cohort pager) was repeated.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, listFiles, runCli, spawnCli, waitUntil } from '../support/e2e-cli.js';
import { eventPagesNeeded, expectedReports, lastEndedMonth, listedContactIds, monthStartSec, searchPagesNeeded } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { monthBefore } from '../support/report-reference.js';

const SEARCH_PER_PAGE = 40;
const EVENTS_PER_PAGE = 20;
const CONCURRENCY = 6;
/** collectRun runs ceil(concurrency / 2) cohort pagers beside the event fetchers. */
const PAGERS = Math.ceil(CONCURRENCY / 2);
/** Paced (180 calls/s after a burst of ~180) so a run of ~600 calls lasts long enough to be stopped half way. */
const ALLOWANCE = 2000;
const STOP_AFTER_RESULTS = 150;

let sb: E2eSandbox;
let tmp: string;
let configPath: string;
let month: string;

interface Calls {
  events: Map<string, number>;
  searches: Map<string, number>;
  discovery: number;
}

function snapshotCalls(): Calls {
  const c = sb.sandbox.counters;
  return { events: new Map(c.eventsCallsByContact), searches: new Map(c.searchCallsByCursor), discovery: c.byEndpoint.segments + c.byEndpoint.tags };
}

interface JournalFacts {
  results: Set<string>;
  /** Search cursor keys as the sandbox counts them (`segment_id:<id>:<cursor>`) of every recorded page. */
  pages: Set<string>;
}

async function journalFile(outDir: string): Promise<string> {
  const names = (await readdir(join(outDir, '.work'))).filter((n) => n.endsWith('.journal.jsonl'));
  expect(names).toHaveLength(1);
  return join(outDir, '.work', names[0]!);
}

/** What the journal holds, read as plain JSON lines (a torn last line is skipped, as the store does). */
async function readJournal(outDir: string): Promise<JournalFacts> {
  const facts: JournalFacts = { results: new Set(), pages: new Set() };
  const text = await readFile(await journalFile(outDir), 'utf8');
  for (const line of text.split('\n').slice(0, -1)) {
    const rec = JSON.parse(line) as { t: string; id?: string; key?: string; from?: string | null };
    if (rec.t === 'result') facts.results.add(rec.id!);
    if (rec.t === 'page') {
      const [type, id] = rec.key!.split(':') as [string, string];
      facts.pages.add(`${type}_id:${id}:${rec.from ?? ''}`);
    }
  }
  return facts;
}

async function resultsJournaled(outDir: string): Promise<number> {
  try {
    return (await readJournal(outDir)).results.size;
  } catch {
    return 0;
  }
}

function add(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

async function expectReportsEqualReference(outDir: string, nowSec: number): Promise<void> {
  const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
  for (const [path, text] of expected.files) expect(await readFile(join(outDir, path), 'utf8'), path).toBe(text);
  // The journal is removed once the reports are written.
  expect((await listFiles(outDir)).filter((f) => f.startsWith('.work'))).toEqual([]);
}

/** Nothing the journal held was fetched again; across both runs only in-flight work was repeated. */
function expectOnlyInFlightRepeated(first: Calls, second: Calls, journal: JournalFacts): void {
  const ws = sb.sandbox.workspace;
  for (const id of journal.results) expect(second.events.get(id), `contact ${id} fetched again`).toBeUndefined();
  for (const key of journal.pages) expect(second.searches.get(key), `page ${key} fetched again`).toBeUndefined();
  expect(second.discovery).toBe(0);
  // The stop came half way, or the test proves nothing.
  expect(journal.results.size).toBeGreaterThanOrEqual(STOP_AFTER_RESULTS);
  expect(journal.results.size).toBeLessThan(listedContactIds(ws).size);

  const fromSec = monthStartSec(monthBefore(month), 'UTC');
  const events = add(first.events, second.events);
  let repeatedContacts = 0;
  for (const id of listedContactIds(ws)) {
    const needed = eventPagesNeeded(ws, id, { clockMs: sb.clockMs, fromSec, perPage: EVENTS_PER_PAGE });
    const calls = events.get(id) ?? 0;
    expect(calls, `events calls of ${id}`).toBeGreaterThanOrEqual(needed);
    expect(calls, `events calls of ${id}`).toBeLessThanOrEqual(2 * needed);
    if (calls > needed) repeatedContacts += 1;
  }
  expect(events.size).toBe(listedContactIds(ws).size);
  expect(repeatedContacts).toBeLessThanOrEqual(CONCURRENCY);

  const searches = add(first.searches, second.searches);
  const repeatedPages = [...searches.values()].reduce((s, n) => s + (n - 1), 0);
  expect(repeatedPages).toBeLessThanOrEqual(PAGERS);
  expect(searches.size).toBe([...ws.membersByCohort.values()].reduce((s, ids) => s + searchPagesNeeded(ids.length, SEARCH_PER_PAGE), 0));
}

function runArgs(outDir: string): string[] {
  return ['run', '--month', month, '--out', outDir, '--config', configPath, '--concurrency', String(CONCURRENCY)];
}

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: 600, seed: 23, eventsPerPage: EVENTS_PER_PAGE, allowance: ALLOWANCE });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-resume-'));
  configPath = join(tmp, 'config.json');
  await writeFile(configPath, JSON.stringify({ intercom: { perPage: SEARCH_PER_PAGE } }));
  month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
});

afterAll(async () => {
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('resuming a stopped run', () => {
  it('after kill -9 mid-run, the same command writes the reports of an uninterrupted run, fetching again only what was in flight', async () => {
    const outDir = join(tmp, 'killed');
    sb.freshRun();
    const run = spawnCli(runArgs(outDir), sb.env);
    await waitUntil(`${STOP_AFTER_RESULTS} contacts are journaled`, async () => (await resultsJournaled(outDir)) >= STOP_AFTER_RESULTS);
    run.child.kill('SIGKILL');
    const killed = await run.done;
    expect(killed.signal).toBe('SIGKILL');
    // Killed before writing: no month folder, no trends, only the journal and the lock of the dead run
    // (which the rerun takes over, its holder being gone).
    expect(await listFiles(outDir)).toEqual(['.cohort-reports.lock', (await journalFile(outDir)).slice(outDir.length + 1)]);
    const journal = await readJournal(outDir);
    const first = snapshotCalls();

    sb.freshRun();
    const nowSec = Math.floor(Date.now() / 1000);
    const rerun = await runCli(runArgs(outDir), sb.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(humanLines(rerun.stderr)).toEqual([]);
    await expectReportsEqualReference(outDir, nowSec);
    expectOnlyInFlightRepeated(first, snapshotCalls(), journal);
  });

  it('Ctrl-C (SIGINT) mid-run exits non-zero with one line, writes no month folder, and the rerun resumes', async () => {
    const outDir = join(tmp, 'interrupted');
    sb.freshRun();
    const run = spawnCli(runArgs(outDir), sb.env);
    await waitUntil(`${STOP_AFTER_RESULTS} contacts are journaled`, async () => (await resultsJournaled(outDir)) >= STOP_AFTER_RESULTS);
    run.child.kill('SIGINT');
    const interrupted = await run.done;
    expect(interrupted.signal).toBeNull();
    expect(interrupted.code).toBe(130);
    expect(humanLines(interrupted.stderr)).toEqual(['cohort-reports: interrupted; progress is kept, run the same command again to resume']);
    expect(await listFiles(outDir)).toEqual([(await journalFile(outDir)).slice(outDir.length + 1)]);
    const journal = await readJournal(outDir);
    const first = snapshotCalls();
    const firstRequests = sb.sandbox.counters.requests;

    sb.freshRun();
    const nowSec = Math.floor(Date.now() / 1000);
    const rerun = await runCli(runArgs(outDir), sb.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectReportsEqualReference(outDir, nowSec);
    expectOnlyInFlightRepeated(first, snapshotCalls(), journal);
    // The manifest counts the whole run: the interrupted part (carried by the journal) and the rerun.
    // Requests the interrupt aborted in flight were counted when sent, yet may never have reached the
    // sandbox: at most one per request slot.
    const manifest = JSON.parse(await readFile(join(outDir, month, 'manifest.json'), 'utf8')) as { totals: { api_calls: number } };
    const seen = firstRequests + sb.sandbox.counters.requests;
    expect(manifest.totals.api_calls).toBeGreaterThanOrEqual(seen);
    expect(manifest.totals.api_calls).toBeLessThanOrEqual(seen + CONCURRENCY);
  });
});
