/**
 * Faults change nothing in the output of `cohort-reports run` (the real CLI in a child process, against
 * a sandbox this test holds). Each case compares the final reports with a fault-free run of the same
 * data — every CSV and trends.csv byte for byte, the manifest bar `timing` and the request counters —
 * and prints one JSON line: runs, faults injected, reports identical, extra API calls.
 *
 * The sandbox's clock is frozen a minute in the past (see faults-setup.ts), its allowance is never
 * reached, and the client's timeouts are short and its attempts many, so a faulty run is quick and
 * never gives up by chance.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, listFiles, runCli, spawnCli, waitUntil, type CliResult } from '../support/e2e-cli.js';
import { expectedReports, lastEndedMonth, listedContactIds } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { injectedFaults, recordFaultCase } from '../support/faults-record.js';
import { diffFromIndependentReference, diffRunOutputs, readRunOutput, type RunOutput } from '../support/faults-reports.js';
import { FAULT_KINDS_OF_MIX, FAULT_MIX, faultsWithinFirst, pastClockMs, writeFaultConfig } from '../support/faults-setup.js';
import { monthBefore } from '../support/report-reference.js';
import { expectReportsAsWithoutFaults } from '../support/faults-expect.js';

const CONTACTS = 300;
const SEARCH_PER_PAGE = 40;
const EVENTS_PER_PAGE = 20;
const CONCURRENCY = 8;
/** The sandbox never refuses: a run's requests all fall into its one frozen window. */
const ALLOWANCE = 20_000;
/** Client pacing where a case must act mid-run: ~225 requests/s, so a run of ~450 calls lasts ~2 s. */
const PACED_ALLOWANCE = 250;
const FAULTY_RUN_TIMEOUT_MS = 60_000;

let sb: E2eSandbox;
let tmp: string;
let configPath: string;
let month: string;
let reference: RunOutput;
let referenceRequests: number;
let referenceNowSec: number;

function runArgs(outDir: string, m = month, extra: string[] = []): string[] {
  return ['run', '--month', m, '--out', outDir, '--config', configPath, '--concurrency', String(CONCURRENCY), ...extra];
}

function expectSuccess(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
  expect(humanLines(result.stderr)).toEqual([]);
}

async function journaledResults(outDir: string): Promise<number> {
  let n = 0;
  for (const f of (await listFiles(outDir)).filter((p) => p.endsWith('.journal.jsonl'))) {
    n += (await readFile(join(outDir, f), 'utf8')).split('\n').filter((l) => l.startsWith('{"t":"result"')).length;
  }
  return n;
}

async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const f of await listFiles(dir)) files.set(f, await readFile(join(dir, f)));
  return files;
}

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: CONTACTS, seed: 41, eventsPerPage: EVENTS_PER_PAGE, allowance: ALLOWANCE, clockMs: pastClockMs() });
  tmp = await mkdtemp(join(tmpdir(), 'faults-run-'));
  configPath = await writeFaultConfig(join(tmp, 'config.json'), { searchPerPage: SEARCH_PER_PAGE });
  month = lastEndedMonth(sb.clockMs / 1000, 'UTC');

  const outDir = join(tmp, 'reference');
  sb.freshRun();
  referenceNowSec = Math.floor(Date.now() / 1000);
  expectSuccess(await runCli(runArgs(outDir), sb.env));
  referenceRequests = sb.sandbox.counters.requests;
  reference = await readRunOutput(outDir, [month]);
});

afterAll(async () => {
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('run under faults', () => {
  it('the fault-free run writes what the independent reference computes from the sandbox data', () => {
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec: referenceNowSec });
    expect(diffFromIndependentReference(reference, expected)).toEqual([]);
    expect(reference.listing.filter((p) => p.startsWith('.work'))).toEqual([]);
  });

  it('with 5% 5xx, 2% answers slower than the client timeout, 1% dropped connections, 1% non-JSON bodies and 429 bursts together, writes reports identical to the fault-free run', async () => {
    // Every kind is drawn within the first requests the fault-free run needed, so every kind is injected.
    const planned = faultsWithinFirst(FAULT_MIX, referenceRequests);
    for (const kind of FAULT_KINDS_OF_MIX) expect(planned[kind], `${kind} within the first ${referenceRequests} draws`).toBeGreaterThan(0);

    const outDir = join(tmp, 'mixed');
    sb.freshRun();
    sb.sandbox.setFaults(FAULT_MIX);
    let result: CliResult;
    try {
      result = await runCli(runArgs(outDir), sb.env, { timeoutMs: FAULTY_RUN_TIMEOUT_MS });
    } finally {
      sb.sandbox.setFaults({});
    }
    expectSuccess(result);
    const counters = sb.sandbox.counters;
    for (const kind of FAULT_KINDS_OF_MIX) expect(counters.faultsInjected[kind], kind).toBeGreaterThan(0);
    const output = await expectReportsAsWithoutFaults(outDir, month, reference, {
      faultCase: 'sandbox fault mix',
      mode: 'run',
      runs: 1,
      faultsInjected: injectedFaults(counters),
      extraApiCalls: counters.requests - referenceRequests,
    });
    // The manifest's own counters saw the faults: retries and the injected 429s.
    const totals = output.rawManifests.get(month)!.totals;
    expect(totals.retries).toBeGreaterThan(0);
    expect(totals.responses_429).toBe(counters.responses429);
    expect(totals.api_calls).toBe(counters.requests);
  }, 90_000);

  it('contacts deleted mid-run (their events answer 404) are counted in members_missing and the run completes, as if they had been deleted before it', async () => {
    const ws = sb.sandbox.workspace;
    const listed = [...listedContactIds(ws)].sort();
    const outDir = join(tmp, 'deleted-mid-run');
    sb.freshRun();
    const run = spawnCli(runArgs(outDir), { ...sb.env, RATE_LIMIT_ALLOWANCE: String(PACED_ALLOWANCE) }, { timeoutMs: FAULTY_RUN_TIMEOUT_MS });
    let vanished: string[] = [];
    let result: CliResult;
    try {
      await waitUntil('40% of the contacts have had their events asked for', () => sb.sandbox.counters.eventsCallsByContact.size >= 0.4 * listed.length);
      // In one synchronous step (the sandbox answers in this process): contacts whose events no request
      // has reached yet are deleted, so each of them answers 404 whenever the run gets to it.
      const asked = sb.sandbox.counters.eventsCallsByContact;
      vanished = listed.filter((id) => !asked.has(id)).filter((_, i) => i % 8 === 0);
      sb.sandbox.setFaults({ vanishContactIds: vanished });
      result = await run.done;
    } finally {
      run.child.kill('SIGKILL');
      sb.sandbox.setFaults({});
    }
    expectSuccess(result);
    expect(vanished.length).toBeGreaterThanOrEqual(10);
    const midRunCounters = { requests: sb.sandbox.counters.requests, faults: injectedFaults(sb.sandbox.counters) };
    // Each deleted contact answered 404 (more than once only if a request of it was retried after a timeout).
    expect(sb.sandbox.counters.faultsInjected.vanish).toBeGreaterThanOrEqual(vanished.length);
    for (const id of vanished) expect(sb.sandbox.counters.eventsCallsByContact.get(id), id).toBeGreaterThanOrEqual(1);
    const output = await readRunOutput(outDir, [month]);

    // The fault-free run to compare with: the same contacts, deleted before the run started.
    const beforeDir = join(tmp, 'deleted-before');
    sb.freshRun();
    sb.sandbox.setFaults({ vanishContactIds: vanished });
    const nowSec = Math.floor(Date.now() / 1000);
    try {
      expectSuccess(await runCli(runArgs(beforeDir), sb.env));
    } finally {
      sb.sandbox.setFaults({});
    }
    const deletedBefore = await readRunOutput(beforeDir, [month]);
    const diffs = diffRunOutputs(output, deletedBefore, { months: [month] });
    const expected = expectedReports(ws, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec, vanished: new Set(vanished) });
    const independent = diffFromIndependentReference(output, expected, { membersMissing: vanished.length });
    recordFaultCase({
      faultCase: 'contacts deleted mid-run',
      mode: 'run',
      runs: 1,
      faultsInjected: midRunCounters.faults,
      reportsIdentical: diffs.length === 0 && independent.length === 0,
      extraApiCalls: midRunCounters.requests - referenceRequests,
      notes: { contactsDeleted: vanished.length, comparedWith: 'a run with the same contacts deleted before it started' },
    });
    expect(diffs).toEqual([]);
    expect(independent).toEqual([]);
  });

  it('with its token revoked mid-run, fails loudly (exit 3), keeps its journal, leaves the previous month folder and trends.csv untouched, and resumes after the fix to the fault-free reports', async () => {
    const outDir = join(tmp, 'revoked');
    const previous = monthBefore(month);
    // An earlier month written before: what must survive the failed run byte for byte.
    sb.freshRun();
    expectSuccess(await runCli(runArgs(outDir, previous, ['--allow-partial']), sb.env));
    const before = await snapshot(outDir);
    expect([...before.keys()]).toEqual(expect.arrayContaining([`${previous}/cohort_summary.csv`, 'trends.csv']));

    const oldToken = sb.sandbox.token;
    const newToken = `rotated_${randomBytes(18).toString('base64url')}`;
    sb.freshRun();
    const run = spawnCli(runArgs(outDir), { ...sb.env, RATE_LIMIT_ALLOWANCE: String(PACED_ALLOWANCE) });
    let failed: CliResult;
    try {
      await waitUntil('100 contacts are journaled', async () => (await journaledResults(outDir)) >= 100);
      sb.sandbox.setToken(newToken);
      failed = await run.done;
    } catch (err) {
      run.child.kill('SIGKILL');
      sb.sandbox.setToken(oldToken);
      throw err;
    }
    const failedRequests = sb.sandbox.counters.requests;
    try {
      expect(failed.code, failed.stderr).toBe(3);
      expect(humanLines(failed.stderr)).toEqual([
        'cohort-reports: authentication refused by Intercom (401 unauthorized): check INTERCOM_TOKEN and the region (INTERCOM_BASE_URL)',
      ]);
      expect(failed.stdout + failed.stderr).not.toContain(oldToken);
      const after = await snapshot(outDir);
      for (const [path, bytes] of before) expect(after.get(path)?.equals(bytes), `${path} unchanged`).toBe(true);
      const extra = [...after.keys()].filter((p) => !before.has(p));
      expect(extra).toHaveLength(1);
      expect(extra[0]).toMatch(/^\.work\/[^/]+\.journal\.jsonl$/);
      const journaled = await journaledResults(outDir);
      expect(journaled).toBeGreaterThanOrEqual(100);

      // The fix: the new token. The same command resumes from the journal.
      sb.freshRun();
      const nowSec = Math.floor(Date.now() / 1000);
      const rerun = await runCli(runArgs(outDir), { ...sb.env, INTERCOM_TOKEN: newToken });
      expectSuccess(rerun);
      const rerunRequests = sb.sandbox.counters.requests;
      expect(rerunRequests).toBeLessThan(referenceRequests);

      const output = await readRunOutput(outDir, [previous, month]);
      expect(output.listing.filter((p) => p.startsWith('.work'))).toEqual([]);
      const afterRerun = await snapshot(outDir);
      for (const [path, bytes] of before) {
        if (path.startsWith(`${previous}/`)) expect(afterRerun.get(path)?.equals(bytes), `${path} unchanged by the rerun`).toBe(true);
      }
      const diffs = diffRunOutputs(output, reference, { months: [month], compareRootTables: false });
      // trends.csv and retention.csv now span both months: the independent reference over the two.
      const expected = expectedReports(sb.sandbox.workspace, { months: [previous, month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
      const trendsOk = ['trends.csv', 'retention.csv'].every((name) => output.files.get(name)?.toString('utf8') === expected.files.get(name));
      recordFaultCase({
        faultCase: 'token revoked mid-run, rerun with the new token',
        mode: 'run',
        runs: 2,
        faultsInjected: { tokenRevoked: 1 },
        reportsIdentical: diffs.length === 0 && trendsOk,
        extraApiCalls: failedRequests + rerunRequests - referenceRequests,
        notes: { journaledBeforeFailure: journaled, failedRunRequests: failedRequests, rerunRequests, freshRunRequests: referenceRequests },
      });
      expect(diffs).toEqual([]);
      expect(trendsOk, 'trends.csv and retention.csv equal the independent reference over both months').toBe(true);
    } finally {
      sb.sandbox.setToken(oldToken);
    }
  });
});
