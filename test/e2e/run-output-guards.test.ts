/**
 * What a user does by habit must never replace or mix reports silently (issue 19), through the real
 * CLI against sandboxes on loopback:
 * - a narrower --select (or a csv-only run over a csv,parquet month) refuses to replace a wider month,
 *   and does it with --replace, recorded in run_results.json;
 * - a selection that matches no cohort is bad usage, and writes nothing;
 * - a run of another workspace into a folder of this one refuses after GET /me, its only call, also
 *   when the marker was deleted;
 * - two runs on one folder: the second names the first and touches nothing; a lock whose holder is
 *   gone is taken over, and the run says so (other hosts' locks: test/integration/report-output-lock);
 * - an old month edited after writing stops the run before anything is replaced.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, listFiles, runCli, spawnCli, waitUntil } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { monthBefore } from '../support/report-reference.js';

const LOCK = '.cohort-reports.lock';
const MARKER = '.cohort-reports-workspace.json';

let a: E2eSandbox;
let b: E2eSandbox;
let tmp: string;
let month: string;
let n = 0;

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const f of await listFiles(dir)) if (!f.startsWith('.work/')) files.set(f, await readFile(join(dir, f)));
  return files;
}

function expectSame(before: Map<string, Buffer>, after: Map<string, Buffer>): void {
  expect([...after.keys()]).toEqual([...before.keys()]);
  for (const [path, bytes] of before) expect(after.get(path)?.equals(bytes), `${path} unchanged`).toBe(true);
}

/** Output folders of one complete month of workspace A, written once by the real CLI, by its extra flags. */
const written = new Map<string, string>();

/** A fresh copy of an output folder holding one complete month of workspace A. */
async function monthOfA(extra: string[] = []): Promise<string> {
  const key = extra.join(' ');
  let original = written.get(key);
  if (original === undefined) {
    original = join(tmp, `original-${written.size}`);
    a.freshRun();
    const r = await runCli(['run', '--month', month, '--out', original, ...extra], a.env);
    expect(r.code, r.stderr).toBe(0);
    written.set(key, original);
  }
  const out = join(tmp, `out-${(n += 1)}`);
  await cp(original, out, { recursive: true });
  return out;
}

async function summaryCohorts(out: string, m = month): Promise<string[]> {
  const [, ...rows] = (await readFile(join(out, m, 'cohort_summary.csv'), 'utf8')).trim().split('\n');
  return rows.map((row) => row.split(',').slice(1, 3).join(':'));
}

/** The one line a refused command prints (everything else on stderr is JSON log lines). */
function oneLine(stderr: string): string {
  const lines = humanLines(stderr);
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!;
}

beforeAll(async () => {
  // Full event pages: these tests are about the output folder, and fewer calls keep each run short.
  a = await startE2eSandbox({ contacts: 80, seed: 71, eventsPerPage: 150 });
  b = await startE2eSandbox({ contacts: 80, seed: 72, clockMs: a.clockMs, eventsPerPage: 150 });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-guards-'));
  month = lastEndedMonth(a.clockMs / 1000, 'UTC');
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a month is replaced only by a month of the same scope', () => {
  it('refuses a narrower --select (exit 2, naming what would disappear), replaces with --replace, and a wider run (taking over a dead run\'s lock) replaces that without it', async () => {
    const out = await monthOfA();
    const all = await summaryCohorts(out);
    expect(all.length).toBeGreaterThan(3);
    const kept = a.sandbox.workspace.segments[0]!;
    const before = await snapshot(out);

    a.freshRun();
    const narrow = await runCli(['run', '--month', month, '--out', out, '--select', kept.name], a.env);
    expect(narrow.code, narrow.stderr).toBe(2);
    const line = oneLine(narrow.stderr);
    expect(line).toContain(`holds ${all.length} cohorts and this run selects 1: ${all.length - 1} would disappear`);
    expect(line).toContain('--replace');
    expectSame(before, await snapshot(out));
    // Refused before a member was paged: the allowance was not spent on it.
    expect(a.sandbox.counters.byEndpoint['contacts.search']).toBe(0);
    expect(a.sandbox.counters.byEndpoint.events).toBe(0);

    a.freshRun();
    const replaced = await runCli(['run', '--month', month, '--out', out, '--select', kept.name, '--replace'], a.env);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await summaryCohorts(out)).toEqual([`segment:${kept.id}`]);
    const results = JSON.parse(await readFile(join(out, 'run_results.json'), 'utf8')) as {
      replace: boolean;
      months: Array<{ month: string; replaced: { cohorts_dropped: number; formats_dropped: string[]; conversations_dropped: boolean } | null }>;
    };
    expect(results.replace).toBe(true);
    expect(results.months).toEqual([expect.objectContaining({ month, replaced: { cohorts_dropped: all.length - 1, formats_dropped: [], conversations_dropped: false } })]);

    // A wider selection replaces the narrow month without --replace; it also finds the lock of a run
    // that died (a pid that no longer runs on this host), takes it over and says so.
    const deadPid = await exitedPid();
    await writeFile(join(out, LOCK), JSON.stringify({ pid: deadPid, host: hostname(), started_at: '2026-01-01T00:00:00.000Z', command: 'cohort-reports run', token: 'x' }));
    a.freshRun();
    const wider = await runCli(['run', '--month', month, '--out', out], a.env);
    expect(wider.code, wider.stderr).toBe(0);
    expect(wider.stderr).toContain(`took over the lock of cohort-reports run (pid ${deadPid} on ${hostname()}`);
    expect(existsSync(join(out, LOCK))).toBe(false);
    expect(await summaryCohorts(out)).toEqual(all);
    const widerResults = JSON.parse(await readFile(join(out, 'run_results.json'), 'utf8')) as typeof results;
    expect(widerResults.replace).toBe(false);
    expect(widerResults.months[0]!.replaced).toEqual({ cohorts_dropped: 0, formats_dropped: [], conversations_dropped: false });
  });

  it('refuses a csv-only run over a month written with Parquet twins (exit 2, naming the fix)', async () => {
    const out = await monthOfA(['--format', 'csv,parquet']);
    const before = await snapshot(out);
    expect([...before.keys()]).toContain(`${month}/cohort_summary.parquet`);
    a.freshRun();
    const csvOnly = await runCli(['run', '--month', month, '--out', out], a.env);
    expect(csvOnly.code, csvOnly.stderr).toBe(2);
    expect(oneLine(csvOnly.stderr)).toMatch(/parquet files would disappear; add --format csv,parquet/);
    expectSame(before, await snapshot(out));
  });

  it('refuses a run without conversations over a month that has them (exit 2, naming the fix); --replace drops them, and says so', async () => {
    const out = await monthOfA();
    const before = await snapshot(out);
    expect([...before.keys()]).toContain(`${month}/cohort_conversations.csv`);
    const config = join(tmp, 'no-conversations.json');
    await writeFile(config, JSON.stringify({ report: { conversations: false } }));
    a.freshRun();
    const without = await runCli(['run', '--month', month, '--out', out, '--config', config], a.env);
    expect(without.code, without.stderr).toBe(2);
    expect(oneLine(without.stderr)).toMatch(/has cohort_conversations\.csv and this run lists no conversations \(report\.conversations is false\): it would disappear; set report\.conversations: true/);
    expectSame(before, await snapshot(out));
    // Refused before any conversation or event call.
    expect(a.sandbox.counters.byEndpoint['conversations.search'] + a.sandbox.counters.byEndpoint.events).toBe(0);

    a.freshRun();
    const replaced = await runCli(['run', '--month', month, '--out', out, '--config', config, '--replace'], a.env);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(a.sandbox.counters.byEndpoint['conversations.search']).toBe(0);
    expect(existsSync(join(out, month, 'cohort_conversations.csv'))).toBe(false);
    const results = JSON.parse(await readFile(join(out, 'run_results.json'), 'utf8')) as { months: Array<{ replaced: Record<string, unknown> }> };
    expect(results.months[0]!.replaced).toEqual({ cohorts_dropped: 0, formats_dropped: [], conversations_dropped: true });
  });

  it('a selection that matches no cohort is bad usage (exit 2) and writes nothing', async () => {
    const out = await monthOfA();
    const before = await snapshot(out);
    a.freshRun();
    const none = await runCli(['run', '--month', month, '--out', out, '--select', 'nomatch*'], a.env);
    expect(none.code, none.stderr).toBe(2);
    expect(oneLine(none.stderr)).toMatch(/no cohort matches the selection \(segments and tags; include 'nomatch\*'\)/);
    expectSame(before, await snapshot(out));

    const fresh = join(tmp, 'never-written');
    a.freshRun();
    const nothing = await runCli(['run', '--month', month, '--out', fresh, '--select', 'nomatch*'], a.env);
    expect(nothing.code).toBe(2);
    // A refused run leaves no trace: not the folder it would have made, nor a journal.
    expect(existsSync(fresh)).toBe(false);
  });
});

describe('an output belongs to one workspace', () => {
  it('a run of another workspace refuses after GET /me, its only call, naming both (also with the marker deleted)', async () => {
    const out = await monthOfA();
    const marker = JSON.parse(await readFile(join(out, MARKER), 'utf8')) as { workspace: { id: string } };
    const manifest = JSON.parse(await readFile(join(out, month, 'manifest.json'), 'utf8')) as { source: { workspace_id: string } };
    expect(marker.workspace.id).toBe('sandbox-71-80');
    expect(manifest.source.workspace_id).toBe('sandbox-71-80');
    const before = await snapshot(out);

    for (const step of ['with the marker', 'with the marker deleted']) {
      if (step === 'with the marker deleted') {
        await unlink(join(out, MARKER));
        before.delete(MARKER);
      }
      b.freshRun();
      const other = await runCli(['run', '--month', month, '--out', out], b.env);
      expect(other.code, `${step}: ${other.stderr}`).toBe(2);
      const line = oneLine(other.stderr);
      expect(line).toContain('sandbox-71-80');
      expect(line).toContain('sandbox-72-80');
      expect(line).toContain('another folder with --out');
      expect(b.sandbox.counters.requests, step).toBe(1);
      expect(b.sandbox.counters.byEndpoint.me, step).toBe(1);
      expectSame(before, await snapshot(out));
    }
  });

  it('a month of another workspace copied into the folder is found by its manifest: refused, so trends.csv never mixes the two', async () => {
    const out = await monthOfA();
    const earlier = monthBefore(month);
    const foreign = join(tmp, `foreign-${(n += 1)}`);
    b.freshRun();
    expect((await runCli(['run', '--month', earlier, '--out', foreign], b.env)).code).toBe(0);
    // A month folder of workspace B lands in A's output by hand (a copy, a sync tool).
    await cp(join(foreign, earlier), join(out, earlier), { recursive: true });
    a.freshRun();
    const r = await runCli(['run', '--month', month, '--out', out], a.env);
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r.stderr)).toContain(`(recorded in ${earlier}/manifest.json)`);
  });
});

describe('one writer per output', () => {
  it('a second run on a folder being written names the holder, exits 1 and touches nothing; the first finishes', async () => {
    const out = await monthOfA();
    const before = await snapshot(out);
    a.freshRun();
    const first = spawnCli(['run', '--month', month, '--out', out], a.env, { timeoutMs: 60_000 });
    await waitUntil('the first run holds the lock', () => existsSync(join(out, LOCK)), { timeoutMs: 20_000 });
    first.child.kill('SIGSTOP');
    try {
      const second = await runCli(['run', '--month', month, '--out', out], a.env);
      expect(second.code, second.stderr).toBe(1);
      const line = oneLine(second.stderr);
      expect(line).toContain(`pid ${first.child.pid} on ${hostname()}`);
      expect(line).toContain('is being written by cohort-reports run');
      const held = JSON.parse(await readFile(join(out, LOCK), 'utf8')) as { pid: number };
      expect(held.pid).toBe(first.child.pid);
      // The lock (and, if the first run was stopped just after linking it, the file it was made in) aside.
      expectSame(before, new Map([...(await snapshot(out))].filter(([f]) => f !== LOCK && !f.startsWith(`.${LOCK}.tmp-`))));
    } finally {
      first.child.kill('SIGCONT');
    }
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(existsSync(join(out, LOCK))).toBe(false);
  });
});

describe('every month the rebuilds read is verified before anything is replaced', () => {
  it('an edited CSV of an older month stops the run with one line and the fix; nothing is replaced', async () => {
    const out = join(tmp, `edited-${(n += 1)}`);
    const earlier = monthBefore(month);
    a.freshRun();
    const r = await runCli(['run', '--from', earlier, '--to', month, '--out', out], a.env);
    expect(r.code, r.stderr).toBe(0);
    await appendFile(join(out, earlier, 'cohort_events.csv'), 'x');
    const before = await snapshot(out);
    a.freshRun();
    const again = await runCli(['run', '--month', month, '--out', out], a.env);
    expect(again.code, again.stderr).toBe(1);
    const line = oneLine(again.stderr);
    expect(line).toContain(join(out, earlier, 'cohort_events.csv'));
    expect(line).toContain('does not match its manifest');
    expect(line).toContain(`nothing was replaced: restore ${earlier}/ from a copy, or delete the folder`);
    expectSame(before, await snapshot(out));
    // Refused before a member was paged.
    expect(a.sandbox.counters.byEndpoint.events).toBe(0);
  });
});

/** A pid that no process has any more: a child that has exited. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}
