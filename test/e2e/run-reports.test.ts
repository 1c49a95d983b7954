/**
 * `cohort-reports run` end to end: the real CLI in a child process against a sandbox this test
 * started (so the test holds the workspace and the call counters). Every CSV is compared byte for byte
 * with the brute-force reference computed from the workspace's ground truth; the call counters are
 * compared with the pages the data needs. Months are derived from the clock, never written down.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkspace } from '../../src/sandbox/index.js';
import { humanLines, listFiles, runCli, type CliResult } from '../support/e2e-cli.js';
import {
  eventPagesNeeded,
  expectedReports,
  lastEndedMonth,
  listedContactIds,
  monthAfter,
  monthStartSec,
  searchPagesNeeded,
  type ExpectedReports,
} from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { localMonth, monthBefore } from '../support/report-reference.js';
import { MONTH_PAGE_FILES_WITH_CONVERSATIONS, outputFolderFiles } from '../support/report-pages.js';

const SEARCH_PER_PAGE = 40;
const EVENTS_PER_PAGE = 20;
const CONCURRENCY = 6;

let sb: E2eSandbox;
let tmp: string;
let configPath: string;

interface Manifest {
  month: string;
  time_zone: string;
  warnings: Array<{ name: string; count: number }>;
  totals: { cohorts: number; members: number; unique_contacts: number; api_calls: number };
  run?: { id: string; months: string[] };
}

async function readManifest(outDir: string, month: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(outDir, month, 'manifest.json'), 'utf8')) as Manifest;
}

/** Runs the CLI on the test's sandbox into a fresh folder; returns the folder and what the process did. */
async function runOnSandbox(name: string, args: string[]): Promise<{ outDir: string; result: CliResult; nowSec: number }> {
  const outDir = join(tmp, name);
  sb.freshRun();
  const nowSec = Math.floor(Date.now() / 1000);
  const result = await runCli(['run', '--config', configPath, '--out', outDir, '--concurrency', String(CONCURRENCY), ...args], sb.env);
  return { outDir, result, nowSec };
}

async function expectFilesEqual(outDir: string, expected: ExpectedReports): Promise<void> {
  const months = [...expected.tables.keys()];
  expect(await listFiles(outDir)).toEqual(outputFolderFiles(months));
  for (const [path, text] of expected.files) {
    expect(await readFile(join(outDir, path), 'utf8'), path).toBe(text);
  }
}

function expectCleanSuccess(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
  expect(humanLines(result.stderr)).toEqual([]);
  expect(result.stdout + result.stderr).not.toContain(sb.sandbox.token);
}

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: 600, seed: 11, eventsPerPage: EVENTS_PER_PAGE });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-run-'));
  configPath = join(tmp, 'config.json');
  // A small search page, so that cohorts take several pages.
  await writeFile(configPath, JSON.stringify({ intercom: { perPage: SEARCH_PER_PAGE } }));
});

afterAll(async () => {
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('run --month <last ended month> (UTC)', () => {
  let run: { outDir: string; result: CliResult; nowSec: number };
  let month: string;

  beforeAll(async () => {
    month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
    run = await runOnSandbox('utc', ['--month', month]);
  });

  it('exits 0, prints no error line, never the token, and says what it wrote', () => {
    expectCleanSuccess(run.result);
    expect(run.result.stdout).toContain(`wrote ${month}: `);
    expect(run.result.stdout).toContain(`reports in ${run.outDir}:`);
  });

  it('writes every CSV byte for byte as the reference computes it from the sandbox data', async () => {
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec: run.nowSec });
    await expectFilesEqual(run.outDir, expected);
    const manifest = await readManifest(run.outDir, month);
    const ws = sb.sandbox.workspace;
    expect(manifest).toMatchObject({ month, time_zone: 'UTC' });
    expect(manifest.warnings.map((w) => w.name).sort()).toEqual(expected.warnings.get(month));
    expect(manifest.totals.cohorts).toBe(ws.segments.length + ws.tags.length);
    expect(manifest.totals.unique_contacts).toBe(listedContactIds(ws).size);
    expect(manifest.totals.members).toBe([...ws.membersByCohort.values()].reduce((s, ids) => s + new Set(ids).size, 0));
    expect(manifest.totals.api_calls).toBe(sb.sandbox.counters.requests);
  });

  it("fetches each listed contact's events once — exactly the pages its listable events need — though many are in several cohorts", () => {
    const ws = sb.sandbox.workspace;
    const cohortsOf = new Map<string, number>();
    for (const ids of ws.membersByCohort.values()) for (const id of new Set(ids)) cohortsOf.set(id, (cohortsOf.get(id) ?? 0) + 1);
    // The property is only meaningful if contacts do sit in several cohorts and some need several pages.
    expect([...cohortsOf.values()].filter((n) => n >= 3).length).toBeGreaterThan(20);
    const fromSec = monthStartSec(monthBefore(month), 'UTC');
    const needed = new Map([...cohortsOf.keys()].map((id) => [id, eventPagesNeeded(ws, id, { clockMs: sb.clockMs, fromSec, perPage: EVENTS_PER_PAGE })]));
    expect([...needed.values()].filter((n) => n >= 2).length).toBeGreaterThan(5);
    expect(Object.fromEntries(sb.sandbox.counters.eventsCallsByContact)).toEqual(Object.fromEntries(needed));
  });

  it('pages each cohort once: one search per page the cohort needs, no cursor asked twice', () => {
    const ws = sb.sandbox.workspace;
    const calls = sb.sandbox.counters.searchCallsByCursor;
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    for (const [key, ids] of ws.membersByCohort) {
      const [type, id] = key.split(':') as [string, string];
      const prefix = `${type}_id:${id}:`;
      const pages = [...calls.keys()].filter((k) => k.startsWith(prefix)).length;
      expect(pages, key).toBe(searchPagesNeeded(ids.length, SEARCH_PER_PAGE));
    }
    expect(sb.sandbox.counters.byEndpoint['contacts.search']).toBe(
      [...ws.membersByCohort.values()].reduce((s, ids) => s + searchPagesNeeded(ids.length, SEARCH_PER_PAGE), 0),
    );
  });
});

describe('run --from/--to, a two-month backfill in Europe/Berlin', () => {
  it("writes both months and trends.csv as the reference computes them, fetching each contact's history once", async () => {
    const to = lastEndedMonth(sb.clockMs / 1000, 'Europe/Berlin');
    const from = monthBefore(to);
    const { outDir, result, nowSec } = await runOnSandbox('berlin', ['--from', from, '--to', to, '--timezone', 'Europe/Berlin']);
    expectCleanSuccess(result);
    const expected = expectedReports(sb.sandbox.workspace, { months: [from, to], timeZone: 'Europe/Berlin', clockMs: sb.clockMs, nowSec });
    await expectFilesEqual(outDir, expected);
    const totals = [];
    for (const month of [from, to]) {
      const manifest = await readManifest(outDir, month);
      // The totals are the run's, and the manifest says which run and months they cover.
      expect(manifest).toMatchObject({ month, time_zone: 'Europe/Berlin', run: { id: `${from}_${to}_Europe-Berlin`, months: [from, to] } });
      expect(manifest.warnings.map((w) => w.name).sort()).toEqual(expected.warnings.get(month));
      totals.push(manifest.totals);
    }
    expect(totals[0]).toEqual(totals[1]);
    // The calls the run made, GET /me and the conversations check among them, whatever month names them.
    expect(totals[0]!.api_calls).toBe(sb.sandbox.counters.requests);
    const ws = sb.sandbox.workspace;
    const fromSec = monthStartSec(monthBefore(from), 'Europe/Berlin');
    const needed = Object.fromEntries(
      [...listedContactIds(ws)].map((id) => [id, eventPagesNeeded(ws, id, { clockMs: sb.clockMs, fromSec, perPage: EVENTS_PER_PAGE })]),
    );
    expect(Object.fromEntries(sb.sandbox.counters.eventsCallsByContact)).toEqual(needed);
  });
});

describe('run --format csv,parquet', () => {
  it('writes a Parquet twin beside every CSV, listed in the manifest and in datapackage.json, the CSVs unchanged', async () => {
    const month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
    const { outDir, result, nowSec } = await runOnSandbox('parquet', ['--month', month, '--format', 'csv,parquet']);
    expectCleanSuccess(result);
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    for (const [path, text] of expected.files) expect(await readFile(join(outDir, path), 'utf8'), path).toBe(text);
    const tables = ['cohort_summary', 'cohort_events', 'cohort_amounts', 'cohort_retention', 'cohort_conversations'];
    const manifest = JSON.parse(await readFile(join(outDir, month, 'manifest.json'), 'utf8')) as { files: Array<{ name: string }>; formula_guard: boolean };
    expect(manifest.files.map((f) => f.name).slice(0, 10)).toEqual(tables.flatMap((t) => [`${t}.csv`, `${t}.parquet`]));
    expect(manifest.files.map((f) => f.name).slice(10).sort()).toEqual([...MONTH_PAGE_FILES_WITH_CONVERSATIONS]);
    expect(manifest.formula_guard).toBe(true);
    const listed = (JSON.parse(await readFile(join(outDir, 'datapackage.json'), 'utf8')) as { resources: Array<{ path: string }> }).resources.map((r) => r.path);
    expect(listed.sort()).toEqual(
      [...tables.flatMap((t) => [`${month}/${t}.csv`, `${month}/${t}.parquet`]), 'retention.csv', 'retention.parquet', 'trends.csv', 'trends.parquet'].sort(),
    );
    for (const path of listed) expect((await readFile(join(outDir, path))).length, path).toBeGreaterThan(0);
  });
});

describe('contacts deleted after they were listed', () => {
  it('counts them as members without events, once each, with the members_missing warning', async () => {
    const month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
    const ws = sb.sandbox.workspace;
    // Every 40th listed contact with events: its events call answers 404 from now on.
    const vanished = new Set([...listedContactIds(ws)].filter((id) => (ws.eventsByContact.get(id)?.length ?? 0) > 0).filter((_, i) => i % 40 === 0));
    expect(vanished.size).toBeGreaterThan(5);
    sb.sandbox.setFaults({ vanishContactIds: [...vanished] });
    try {
      const { outDir, result, nowSec } = await runOnSandbox('vanished', ['--month', month]);
      expectCleanSuccess(result);
      const expected = expectedReports(ws, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec, vanished });
      await expectFilesEqual(outDir, expected);
      const manifest = await readManifest(outDir, month);
      expect(manifest.warnings).toContainEqual({ name: 'members_missing', count: vanished.size });
      expect(manifest.totals.unique_contacts).toBe(listedContactIds(ws).size);
      for (const id of vanished) expect(sb.sandbox.counters.eventsCallsByContact.get(id), id).toBe(1);
    } finally {
      sb.sandbox.setFaults({});
    }
  });
});

describe('months at the edge of the 90-day event window', () => {
  /** The month in which "90 days ago" falls (it starts beyond the window), in UTC. */
  const straddling = (): string => localMonth(sb.clockMs / 1000 - 90 * 86_400, 'UTC');

  it('leaves lifecycle and _prev columns empty, with the manifest warning, when the previous month starts beyond 90 days', async () => {
    const month = monthAfter(straddling());
    const { outDir, result, nowSec } = await runOnSandbox('prev-beyond', ['--month', month]);
    expectCleanSuccess(result);
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    expect(expected.warnings.get(month)).toEqual(['previous_month_beyond_retention']);
    await expectFilesEqual(outDir, expected);
    expect((await readManifest(outDir, month)).warnings.map((w) => w.name)).toEqual(['previous_month_beyond_retention']);
    const [header, ...rows] = (await readFile(join(outDir, month, 'cohort_summary.csv'), 'utf8')).trimEnd().split('\n').map((l) => l.split(','));
    const blank = ['lifecycle_new', 'lifecycle_returning', 'lifecycle_resurrecting', 'lifecycle_dormant', 'events_prev', 'active_members_prev'];
    // Every row ends with these columns and unsubscribed_members (a count, never empty: the contacts'
    // state at the run needs no events), so splitting on commas is safe for them even when names hold quotes.
    for (const row of rows) {
      expect(row.slice(-blank.length - 1, -1)).toEqual(blank.map(() => ''));
      expect(row.at(-1)).toMatch(/^\d+$/);
    }
    expect(header!.slice(-blank.length - 1)).toEqual([...blank, 'unsubscribed_members']);
    expect(rows.some((row) => Number(row.at(-1)) > 0)).toBe(true);
  });

  it('reports a month that starts beyond the window with --allow-partial: what is still listable, flagged in the manifest', async () => {
    const month = straddling();
    const { outDir, result, nowSec } = await runOnSandbox('partial', ['--month', month, '--allow-partial']);
    expectCleanSuccess(result);
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    expect(expected.warnings.get(month)).toEqual(['month_beyond_retention', 'previous_month_beyond_retention']);
    await expectFilesEqual(outDir, expected);
    expect((await readManifest(outDir, month)).warnings.map((w) => w.name).sort()).toEqual(['month_beyond_retention', 'previous_month_beyond_retention']);
    // Some of the month's events are listable, some are not: the partial figures are neither empty nor whole.
    const start = monthStartSec(month, 'UTC');
    const end = monthStartSec(monthAfter(month), 'UTC');
    const inMonth = [...sb.sandbox.workspace.eventsByContact.values()].flat().filter((e) => e.created_at >= start && e.created_at < end);
    const listable = inMonth.filter((e) => e.created_at * 1000 > sb.clockMs - 90 * 86_400_000);
    expect(listable.length).toBeGreaterThan(0);
    expect(listable.length).toBeLessThan(inMonth.length);
  });
});

describe('run --sandbox (the built-in workspace)', () => {
  it("writes the CSVs the reference computes from the built-in sandbox's data set", async () => {
    const contacts = 400;
    const seed = 5;
    // The CLI generates its workspace around the start of the current UTC day; retry once if a run straddles midnight.
    for (let attempt = 0; ; attempt += 1) {
      const dayBefore = Math.floor(Date.now() / 86_400_000) * 86_400;
      const outDir = join(tmp, `builtin-${attempt}`);
      const month = lastEndedMonth(Date.now() / 1000, 'UTC');
      const result = await runCli(
        ['run', '--sandbox', '--sandbox-contacts', String(contacts), '--sandbox-seed', String(seed), '--month', month, '--out', outDir],
        { RATE_LIMIT_ALLOWANCE: '20000', LOG_LEVEL: 'warn' },
      );
      const dayAfter = Math.floor(Date.now() / 86_400_000) * 86_400;
      if (dayBefore !== dayAfter && attempt === 0) continue;
      expect(result.code, result.stderr).toBe(0);
      expect(humanLines(result.stderr)).toEqual([]);
      const ws = generateWorkspace({ contacts, seed, nowSec: dayBefore });
      // The built-in sandbox runs on the real clock, so its listing cutoff (90 days back) moves a few
      // seconds during the run. That changes nothing here: the month starts weeks after the cutoff, and
      // events near it can fall in the previous month only when that month starts beyond the window,
      // where its columns are left blank.
      expect(monthStartSec(month, 'UTC')).toBeGreaterThan(Date.now() / 1000 - 63 * 86_400);
      const expected = expectedReports(ws, { months: [month], timeZone: 'UTC', clockMs: Date.now(), nowSec: Math.floor(Date.now() / 1000) });
      await expectFilesEqual(outDir, expected);
      return;
    }
  });
});
