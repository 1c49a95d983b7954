/**
 * The `run` journal (OUT/.work/*.journal.jsonl) read back without trust, through the real CLI: a run is
 * killed half way (SIGKILL) and its journal kept; copies of it, damaged or forged, are put beside a
 * folder of finished reports, and the rerun refuses with one line naming the file, the line and the fix,
 * touching no report. The killed run itself is resumed, and its manifest counts the requests of both
 * attempts as the sandbox received them, or says they are a lower bound (requests in flight at the
 * kill were never journaled).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, listFiles, runCli, spawnCli, waitUntil } from '../support/e2e-cli.js';
import { eventPagesNeeded, expectedReports, lastEndedMonth, listedContactIds, monthStartSec } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { monthBefore } from '../support/report-reference.js';

const SEARCH_PER_PAGE = 40;
const EVENTS_PER_PAGE = 20;
const CONCURRENCY = 4;
const PAGERS = Math.ceil(CONCURRENCY / 2);
/** Paced, so the run is still going when it is killed. */
const ALLOWANCE = 1500;
const STOP_AFTER_RESULTS = 60;

let sb: E2eSandbox;
let tmp: string;
let configPath: string;
let month: string;
/** The killed run's journal as it was left (a copy), and its file name. */
let killedJournal: string[];
let journalName: string;
/** A folder holding a finished run's reports, and its files. */
let reportsDir: string;
let reports: Map<string, Buffer>;

function runArgs(outDir: string): string[] {
  return ['run', '--month', month, '--out', outDir, '--config', configPath, '--concurrency', String(CONCURRENCY)];
}

async function journalPath(outDir: string): Promise<string | null> {
  try {
    const names = (await readdir(join(outDir, '.work'))).filter((n) => n.endsWith('.journal.jsonl'));
    return names.length === 1 ? join(outDir, '.work', names[0]!) : null;
  } catch {
    return null;
  }
}

async function resultsJournaled(outDir: string): Promise<number> {
  const path = await journalPath(outDir);
  if (path === null) return 0;
  return (await readFile(path, 'utf8')).split('\n').filter((l) => l.startsWith('{"t":"result"')).length;
}

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const f of await listFiles(dir)) if (!f.startsWith('.work/')) files.set(f, await readFile(join(dir, f)));
  return files;
}

/** Puts `lines` as the journal beside the finished reports, reruns, and expects one refusal naming `line`. */
async function expectRefused(lines: string[], line: number, problem: RegExp): Promise<void> {
  const path = join(reportsDir, '.work', journalName);
  await mkdir(join(reportsDir, '.work'), { recursive: true });
  await writeFile(path, `${lines.join('\n')}\n`);
  const rerun = await runCli(runArgs(reportsDir), sb.env);
  expect(rerun.code, rerun.stderr).toBe(1);
  const human = humanLines(rerun.stderr);
  expect(human, rerun.stderr).toHaveLength(1);
  expect(human[0]).toContain(`cohort-reports: the run's journal ${resolve(path)}, line ${line}: `);
  expect(human[0]).toMatch(problem);
  expect(human[0]).toContain(`delete that file (or the whole folder ${resolve(reportsDir, '.work')}/) and run again to start over`);
  // No report written or replaced.
  const after = await snapshot(reportsDir);
  expect([...after.keys()]).toEqual([...reports.keys()]);
  for (const [f, bytes] of reports) expect(after.get(f)!.equals(bytes), `${f} unchanged`).toBe(true);
  await rm(join(reportsDir, '.work'), { recursive: true, force: true });
}

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: 300, seed: 31, eventsPerPage: EVENTS_PER_PAGE, allowance: ALLOWANCE });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-journal-'));
  configPath = join(tmp, 'config.json');
  await writeFile(configPath, JSON.stringify({ intercom: { perPage: SEARCH_PER_PAGE } }));
  month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
});

afterAll(async () => {
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the run journal, checked on replay (real CLI)', () => {
  it('a run killed (SIGKILL) and resumed counts every request both attempts made, or says which it could not', async () => {
    const outDir = join(tmp, 'killed');
    sb.freshRun();
    const run = spawnCli(runArgs(outDir), sb.env);
    await waitUntil(`${STOP_AFTER_RESULTS} contacts are journaled`, async () => (await resultsJournaled(outDir)) >= STOP_AFTER_RESULTS);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    const path = (await journalPath(outDir))!;
    journalName = basename(path);
    killedJournal = (await readFile(path, 'utf8')).split('\n').slice(0, -1);
    const firstRequests = sb.sandbox.counters.requests;

    sb.freshRun();
    const nowSec = Math.floor(Date.now() / 1000);
    const rerun = await runCli(runArgs(outDir), sb.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    for (const [p, text] of expected.files) expect(await readFile(join(outDir, p), 'utf8'), p).toBe(text);

    const manifest = JSON.parse(await readFile(join(outDir, month, 'manifest.json'), 'utf8')) as {
      totals: { api_calls: number };
      warnings: Array<{ name: string; count: number }>;
    };
    const received = firstRequests + sb.sandbox.counters.requests;
    // At the kill, requests were in flight: some journaled (counted when sent) that the sandbox never
    // received, and some sent after the attempt's last record, received but never journaled — at most
    // what its request slots send between two records (a contact's pages each). Hence the warning.
    const fromSec = monthStartSec(monthBefore(month), 'UTC');
    const ws = sb.sandbox.workspace;
    const mostPages = Math.max(...[...listedContactIds(ws)].map((id) => eventPagesNeeded(ws, id, { clockMs: sb.clockMs, fromSec, perPage: EVENTS_PER_PAGE })));
    expect(manifest.warnings).toContainEqual({ name: 'requests_lower_bound', count: 1 });
    expect(Math.abs(received - manifest.totals.api_calls)).toBeLessThanOrEqual((CONCURRENCY + PAGERS) * mostPages);
    // The page shows data, not how the run went: no word of it there.
    expect(await readFile(join(outDir, month, 'report.html'), 'utf8')).not.toContain('requests_lower_bound');

    // The same month again, uninterrupted, over the finished folder: exact counters, no warning.
    sb.freshRun();
    reportsDir = outDir;
    const clean = await runCli(runArgs(reportsDir), sb.env);
    expect(clean.code, clean.stderr).toBe(0);
    const cleanManifest = JSON.parse(await readFile(join(reportsDir, month, 'manifest.json'), 'utf8')) as typeof manifest;
    expect(cleanManifest.warnings.map((w) => w.name)).not.toContain('requests_lower_bound');
    expect(cleanManifest.totals.api_calls).toBe(sb.sandbox.counters.requests);
    reports = await snapshot(reportsDir);
  }, 60_000);

  it('a line of the wrong shape in the middle of the journal: one line naming the file, the line and the fix; no report touched', async () => {
    const lines = [...killedJournal];
    lines.splice(2, 0, '{"t":"page","key":7,"members":{"c1":true}}');
    await expectRefused(lines, 3, /a "page" record of the wrong shape/);
  }, 30_000);

  it('a forged result — plausible figures for a contact no page listed, or figures of the wrong shape — is refused', async () => {
    const results = killedJournal.map((l) => JSON.parse(l) as { t: string; id?: string; r?: string; members?: string[] });
    const real = results.find((r) => r.t === 'result' && r.r!.startsWith('c'))!;
    const at = killedJournal.length - 3;
    const forged = [...killedJournal];
    forged.splice(at, 0, JSON.stringify({ t: 'result', id: 'forged-contact', r: real.r }));
    await expectRefused(forged, at + 1, /a result for contact "forged-contact", which no recorded page listed/);

    // A listed contact the killed run had not fetched yet, given figures of the wrong shape.
    const listed = results.flatMap((r) => (r.t === 'page' ? r.members!.filter((_, i) => i % 2 === 0) : []));
    const done = new Set(results.filter((r) => r.t === 'result').map((r) => r.id));
    const pending = listed.find((id) => !done.has(id))!;
    expect(pending).toBeDefined();
    const wrong = [...killedJournal, JSON.stringify({ t: 'result', id: pending, r: 'c999:[["2026-01",5,1,[["a",2,0]]]]' })];
    await expectRefused(wrong, wrong.length, /month 2026-01: events 5 but its names count 2/);
  }, 30_000);
});
