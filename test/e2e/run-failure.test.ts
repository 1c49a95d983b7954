/**
 * A run that fails half way writes nothing: no half-written month folder, no temporary left in the
 * output folder, and the month folders and trends.csv of earlier runs stay byte for byte as they were.
 *
 * Token revoked mid-run: the sandbox cannot change its token while serving, so the test does what a
 * revocation looks like from the client — the server at the same address starts answering 401. It
 * closes the sandbox and starts another on the same port, with the same workspace and clock but a
 * different token; the CLI, still holding the old token, is refused from then on (exit 3).
 * Persistent server errors mid-run (the sandbox's fault injection, every request answered 5xx) end the
 * run with exit 1 once the retries are spent.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, listFiles, runCli, spawnCli, waitUntil } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { monthBefore } from '../support/report-reference.js';

const PACED_ALLOWANCE = 2000;

let sb: E2eSandbox;
let tmp: string;
let outDir: string;
let month: string;
/** The output folder after the successful first run: relative path → bytes. */
let before: Map<string, Buffer>;

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const f of await listFiles(dir)) files.set(f, await readFile(join(dir, f)));
  return files;
}

/** Every file of the first run is still there, unchanged, and the only other files are run journals. */
async function expectEarlierReportsUntouched(): Promise<void> {
  const after = await snapshot(outDir);
  for (const [path, bytes] of before) expect(after.get(path)?.equals(bytes), `${path} unchanged`).toBe(true);
  const extra = [...after.keys()].filter((path) => !before.has(path));
  for (const path of extra) expect(path).toMatch(/^\.work\/[^/]+\.journal\.jsonl$/);
}

async function journaledResults(): Promise<number> {
  const journals = (await listFiles(outDir)).filter((f) => f.endsWith('.journal.jsonl'));
  let n = 0;
  for (const f of journals) n += (await readFile(join(outDir, f), 'utf8')).split('\n').filter((l) => l.startsWith('{"t":"result"')).length;
  return n;
}

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: 600, seed: 31 });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-failure-'));
  outDir = join(tmp, 'reports');
  month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
  sb.freshRun();
  const first = await runCli(['run', '--month', month, '--out', outDir], sb.env);
  expect(first.code, first.stderr).toBe(0);
  before = await snapshot(outDir);
  expect([...before.keys()]).toContain(`${month}/cohort_summary.csv`);
});

afterAll(async () => {
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('a run that fails half way', () => {
  it('with its token revoked mid-run exits 3 with one line and leaves the earlier month folder and trends.csv untouched', async () => {
    sb.freshRun();
    sb.sandbox.setRateLimit({ allowancePerWindow: PACED_ALLOWANCE });
    const run = spawnCli(['run', '--month', month, '--out', outDir], { ...sb.env, RATE_LIMIT_ALLOWANCE: String(PACED_ALLOWANCE) });
    await waitUntil('the rerun has fetched some contacts', async () => (await journaledResults()) >= 100);

    const { workspace } = sb.sandbox;
    const port = Number(new URL(sb.sandbox.url).port);
    const oldToken = sb.sandbox.token;
    await sb.close();
    sb = await startE2eSandbox({ workspace, port, clockMs: sb.clockMs, allowance: PACED_ALLOWANCE });
    expect(sb.sandbox.token).not.toBe(oldToken);

    const result = await run.done;
    expect(result.code, result.stderr).toBe(3);
    expect(humanLines(result.stderr)).toEqual([
      'cohort-reports: authentication refused by Intercom (401 unauthorized): check INTERCOM_TOKEN and the region (INTERCOM_BASE_URL)',
    ]);
    expect(result.stdout + result.stderr).not.toContain(oldToken);
    // The new server saw the old token and refused it.
    expect(sb.sandbox.counters.requests).toBeGreaterThan(0);
    await expectEarlierReportsUntouched();
  });

  it('with every request answered 5xx mid-run exits 1 with one line, writes no month folder, and leaves the earlier reports untouched', async () => {
    const configPath = join(tmp, 'two-attempts.json');
    await writeFile(configPath, JSON.stringify({ intercom: { maxAttempts: 2 } }));
    const otherMonth = monthBefore(month);
    sb.freshRun();
    const run = spawnCli(['run', '--month', otherMonth, '--out', outDir, '--config', configPath, '--allow-partial'], sb.env);
    const journaledBefore = await journaledResults();
    await waitUntil('the run has fetched some contacts', async () => (await journaledResults()) >= journaledBefore + 100);
    sb.sandbox.setFaults({ serverErrorRate: 1 });

    const result = await run.done;
    expect(result.code, result.stderr).toBe(1);
    const lines = humanLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cohort-reports: Intercom \S+ .*5\d\d/);
    expect(sb.sandbox.counters.faultsInjected.serverError).toBeGreaterThan(0);
    expect((await listFiles(outDir)).filter((f) => f.startsWith(`${otherMonth}/`))).toEqual([]);
    await expectEarlierReportsUntouched();
  });
});
