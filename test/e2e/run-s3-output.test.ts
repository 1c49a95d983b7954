/**
 * `run --out s3://bucket/prefix` end to end: the real CLI in a child process against a sandbox this
 * test started and an S3 server on loopback (test/support/s3-server.ts: MinIO or S3_TEST_ENDPOINT where
 * there is one, s3rver in-process otherwise), as README "Reports in object storage" promises it:
 * - the objects are the files a run to a folder writes, byte for byte (run-specific values aside), and
 *   the figures are the reference's; backfills and later runs rebuild trends.csv from every month;
 * - a narrower month is refused without --replace and replaced whole with it;
 * - a run killed while uploading leaves no month half-new, keeps its journal on local disk only, and
 *   the same command resumes it;
 * - every way the store can fail is one line with the fix, and touches nothing;
 * - another workspace's output and another writer's lock are refused; `check` says what the store does.
 * Every run names --state-dir: the CLI runs in the project folder, where the default would land.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, humanLines, listFiles, runCli, spawnCli, waitUntil, type CliResult } from '../support/e2e-cli.js';
import { expectedReports, lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { freePort } from '../support/free-port.js';
import { monthBefore } from '../support/report-reference.js';
import {
  expectSameReports,
  expectUnchanged,
  holdRequests,
  type Hold,
  monthState,
  readFolder,
  sha256,
  storeEnv,
} from '../support/s3-e2e.js';
import { readAllObjects, startFaultProxy, startTestS3, testS3Client, type FaultProxy, type TestS3 } from '../support/s3-server.js';

const CONTACTS = 80;
const LOCK = '.cohort-reports.lock';
const BOTH_FORMATS = ['--format', 'csv,parquet'];
/** A month whose start is more than 90 days back is refused without it; the run's day decides, so every run that writes `earlier` allows it. */
const PARTIAL = ['--allow-partial'];

let a: E2eSandbox;
let b: E2eSandbox;
let s3: TestS3;
let tmp: string;
/** Where the CLI's own temporary files go (its local staging folders), so the test removes them. */
let childTmp: string;
/** The latest ended month (UTC) and the one before it. */
let month: string;
let earlier: string;
let nowSec: number;
const proxies: FaultProxy[] = [];

/** Disk outputs and store prefixes written once in beforeAll, shared by the cases below. */
let diskMonth: string; // run --month M, csv+parquet
let diskBackfill: string; // run --from M-1 --to M, csv+parquet

const url = (prefix: string): string => `s3://${s3.bucket}/${prefix}`;
const stateDir = (prefix: string): string => join(tmp, 'state', prefix);

function runToStore(prefix: string, args: string[], options: { sandbox?: E2eSandbox; env?: Record<string, string> } = {}): Promise<CliResult> {
  const sb = options.sandbox ?? a;
  return runCli(['run', ...args, '--out', url(prefix), '--state-dir', stateDir(prefix)], { ...sb.env, ...storeEnv(s3, { TMPDIR: childTmp }), ...options.env }, { timeoutMs: 60_000 });
}

function runToDisk(dir: string, args: string[]): Promise<CliResult> {
  return runCli(['run', ...args, '--out', dir], { ...a.env, TMPDIR: childTmp }, { timeoutMs: 60_000 });
}

function expectSuccess(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
  expect(humanLines(result.stderr)).toEqual([]);
}

/** The one line a refused command prints (everything else on stderr is JSON log lines). */
function oneLine(result: CliResult): string {
  const lines = humanLines(result.stderr);
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

/** The journals in a prefix's --state-dir. */
async function journals(prefix: string): Promise<string[]> {
  return (await listFiles(stateDir(prefix))).filter((f) => f.endsWith('.journal.jsonl'));
}

function objectsUnder(objects: ReadonlyMap<string, Buffer>, folder: string): Map<string, Buffer> {
  return new Map([...objects].filter(([k]) => k.startsWith(`${folder}/`)));
}

function withoutLockAndStaging(objects: ReadonlyMap<string, Buffer>): Map<string, Buffer> {
  return new Map([...objects].filter(([k]) => k !== LOCK && !k.startsWith('.staging/')));
}

/** The CSVs the reference computes for `months` (those the store's objects must hold). */
function expectFiguresOfReference(objects: ReadonlyMap<string, Buffer>, months: string[]): void {
  const expected = expectedReports(a.sandbox.workspace, { months, timeZone: 'UTC', clockMs: a.clockMs, nowSec });
  expect([...expected.files.keys()]).toContain(`${months[0]}/cohort_summary.csv`);
  for (const [path, text] of expected.files) expect(objects.get(path)?.toString('utf8'), path).toBe(text);
}

async function proxyToStore(): Promise<FaultProxy> {
  const proxy = await startFaultProxy(s3.endpoint);
  proxies.push(proxy);
  return proxy;
}

beforeAll(async () => {
  // Full event pages: these tests are about where the reports go, and fewer calls keep each run short.
  a = await startE2eSandbox({ contacts: CONTACTS, seed: 71, eventsPerPage: 150 });
  b = await startE2eSandbox({ contacts: CONTACTS, seed: 72, clockMs: a.clockMs, eventsPerPage: 150 });
  s3 = await startTestS3();
  tmp = await mkdtemp(join(tmpdir(), 'e2e-s3-'));
  childTmp = join(tmp, 'child-tmp');
  await mkdir(childTmp);
  month = lastEndedMonth(a.clockMs / 1000, 'UTC');
  earlier = monthBefore(month);
  diskMonth = join(tmp, 'disk-month');
  diskBackfill = join(tmp, 'disk-backfill');

  // The runs several cases compare against, at once (the sandbox admits them all: no 429, so every
  // run counts the same requests).
  a.freshRun();
  nowSec = Math.floor(Date.now() / 1000);
  const results = await Promise.all([
    runToDisk(diskMonth, ['--month', month, ...BOTH_FORMATS]),
    runToStore('p1', ['--month', month, ...BOTH_FORMATS]),
    runToDisk(diskBackfill, ['--from', earlier, '--to', month, ...BOTH_FORMATS, ...PARTIAL]),
    runToStore('p2', ['--from', earlier, '--to', month, ...BOTH_FORMATS, ...PARTIAL]),
  ]);
  for (const r of results) expectSuccess(r);
}, 120_000);

afterAll(async () => {
  for (const proxy of proxies) await proxy.stop();
  await a?.close();
  await b?.close();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('run --month M --out s3://…', () => {
  it('writes the objects a run to a folder writes, byte for byte (run-specific values aside), with the reference figures', async () => {
    const objects = await readAllObjects(s3, 'p1');
    // The same names on both: the workspace marker included; no lock (released) and no journal
    // (kept in --state-dir, removed once the run succeeded), nor a disk run's .work/.
    expectSameReports(objects, await readFolder(diskMonth));
    expect([...objects.keys()]).toContain(`${month}/cohort_summary.parquet`);
    expect(monthState(objects, month)).toBe('complete');
    expectFiguresOfReference(objects, [month]);
    const results = JSON.parse(objects.get('run_results.json')!.toString('utf8')) as { out_dir: string; months: Array<{ dir: string }> };
    expect(results.out_dir).toBe(url('p1'));
    expect(results.months[0]!.dir).toBe(`${url('p1')}/${month}`);
    expect(await journals('p1')).toEqual([]);
    // The CLI's local staging folders are gone after a run that finished.
    expect(await listFiles(childTmp)).toEqual([]);
    expect(existsSync(join(PROJECT_ROOT, '.cohort-reports-state', s3.bucket))).toBe(false);
  });
});

describe('run --from M-1 --to M --out s3://… (a backfill)', () => {
  it('writes both months, trends.csv, retention.csv and index.html as a backfill to a folder does', async () => {
    const objects = await readAllObjects(s3, 'p2');
    const folder = await readFolder(diskBackfill);
    expectSameReports(objects, folder);
    for (const name of ['trends.csv', 'retention.csv', 'index.html', 'trends.parquet', 'retention.parquet', 'datapackage.json']) {
      expect(objects.get(name)?.equals(folder.get(name)!), name).toBe(true);
    }
    expect(monthState(objects, earlier)).toBe('complete');
    expect(monthState(objects, month)).toBe('complete');
    expectFiguresOfReference(objects, [earlier, month]);
  });
});

describe('a later run to the same prefix', () => {
  it('rebuilds trends.csv from both months, as the same two runs do in a folder', async () => {
    const folder = join(tmp, 'disk-two-runs');
    await cp(diskMonth, folder, { recursive: true });
    a.freshRun();
    const [disk, store] = await Promise.all([runToDisk(folder, ['--month', earlier, ...BOTH_FORMATS, ...PARTIAL]), runToStore('p1', ['--month', earlier, ...BOTH_FORMATS, ...PARTIAL])]);
    expectSuccess(disk);
    expectSuccess(store);
    const objects = await readAllObjects(s3, 'p1');
    expectSameReports(objects, await readFolder(folder));
    const expected = expectedReports(a.sandbox.workspace, { months: [earlier, month], timeZone: 'UTC', clockMs: a.clockMs, nowSec });
    const trends = objects.get('trends.csv')!.toString('utf8');
    expect(trends).toBe(expected.files.get('trends.csv'));
    expect(trends).toContain(`${earlier},`);
    expect(trends).toContain(`${month},`);
  });
});

describe('replacing a month in the store', () => {
  it('refuses a narrower --select (exit 2, naming --replace, touching nothing); with --replace the month holds exactly the new files', async () => {
    const before = await readAllObjects(s3, 'p1');
    expect(monthState(before, month)).toBe('complete');
    const all = JSON.parse(before.get(`${month}/manifest.json`)!.toString('utf8')) as { totals: { cohorts: number } };
    expect(all.totals.cohorts).toBeGreaterThan(3);
    const kept = a.sandbox.workspace.segments[0]!;

    a.freshRun();
    const narrow = await runToStore('p1', ['--month', month, '--select', kept.name, ...BOTH_FORMATS]);
    expect(narrow.code, narrow.stderr).toBe(2);
    const line = oneLine(narrow);
    expect(line).toContain(url('p1'));
    expect(line).toContain(`this run selects 1: ${all.totals.cohorts - 1} would disappear`);
    expect(line).toContain('--replace');
    expectUnchanged(await readAllObjects(s3, 'p1'), before);
    expect(await journals('p1')).toEqual([]);
    expect(a.sandbox.counters.byEndpoint.events).toBe(0);

    // Narrower and CSV only: the Parquet twins go too.
    a.freshRun();
    const replaced = await runToStore('p1', ['--month', month, '--select', kept.name, '--replace']);
    expectSuccess(replaced);
    const after = await readAllObjects(s3, 'p1');
    const manifest = JSON.parse(after.get(`${month}/manifest.json`)!.toString('utf8')) as { files: Array<{ name: string }>; totals: { cohorts: number } };
    expect(manifest.totals.cohorts).toBe(1);
    expect([...objectsUnder(after, month).keys()].sort()).toEqual([...manifest.files.map((f) => `${month}/${f.name}`), `${month}/manifest.json`].sort());
    expect([...after.keys()].filter((k) => k.endsWith('.parquet') && k.startsWith(`${month}/`))).toEqual([]);
    expect([...after.keys()].filter((k) => k.startsWith('.staging/') || k === LOCK)).toEqual([]);
    expect(monthState(after, month)).toBe('complete');
    // The other month is left as it was.
    expectUnchanged(objectsUnder(after, earlier), objectsUnder(before, earlier));
    // The kept cohort's row is the reference's.
    const expected = expectedReports(a.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: a.clockMs, nowSec });
    const [header, ...rows] = expected.files.get(`${month}/cohort_summary.csv`)!.trimEnd().split('\n');
    const row = rows.filter((r) => r.split(',').slice(1, 3).join(':') === `segment:${kept.id}`);
    expect(row).toHaveLength(1);
    expect(after.get(`${month}/cohort_summary.csv`)!.toString('utf8')).toBe(`${header}\n${row[0]}\n`);
    const results = JSON.parse(after.get('run_results.json')!.toString('utf8')) as {
      replace: boolean;
      months: Array<{ month: string; replaced: unknown }>;
    };
    expect(results.replace).toBe(true);
    expect(results.months).toEqual([
      expect.objectContaining({ month, replaced: { cohorts_dropped: all.totals.cohorts - 1, formats_dropped: ['parquet'], conversations_dropped: false } }),
    ]);
  });
});

describe('a run killed while uploading (kill -9)', () => {
  const prefix = 'p5';
  // `month` is known once the top-level beforeAll ran.
  const args = (): string[] => ['--month', month, ...BOTH_FORMATS];
  let proxy: FaultProxy;
  /** Seen at the moment of the first kill. */
  let killedObjects: Map<string, Buffer>;
  let killedJournals: string[];

  /** Starts the run through the proxy, holding requests as `hold` says, and kills it once one is held. */
  async function killWhenHeld(runArgs: string[], hold: () => Hold, settle?: () => Promise<void>): Promise<void> {
    const held = hold();
    a.freshRun();
    const run = spawnCli(['run', ...runArgs, '--out', url(prefix), '--state-dir', stateDir(prefix)], { ...a.env, ...storeEnv(s3, { TMPDIR: join(childTmp, 'killed'), AWS_ENDPOINT_URL_S3: proxy.endpoint }) }, { timeoutMs: 60_000 });
    try {
      await Promise.race([held.first, run.done.then((r) => Promise.reject(new Error(`the run ended before a request was held: ${r.code} ${r.stderr}`)))]);
      await settle?.();
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
    } finally {
      held.drop();
    }
  }

  beforeAll(async () => {
    proxy = await proxyToStore();
    // A killed run's local staging folder stays behind (kill -9 runs no cleanup): kept apart here.
    await mkdir(join(childTmp, 'killed'));
  });

  it('leaves the month without manifest.json (never half-new) while uploading it, and the same command resumes from the journal', async () => {
    const monthFile = (r: { method: string; url: string }): boolean => r.method === 'PUT' && r.url.includes(`/${prefix}/${month}/`);
    // Four of the month's files reach the store; the fifth and everything after it is held.
    await killWhenHeld(
      args(),
      () => holdRequests(proxy, monthFile, 4),
      () => waitUntil('four files of the month are on the store', async () => objectsUnder(await readAllObjects(s3, prefix), month).size >= 4),
    );
    const firstCalls = a.sandbox.counters.requests;
    killedObjects = await readAllObjects(s3, prefix);
    killedJournals = await journals(prefix);
    const inMonth = [...objectsUnder(killedObjects, month).keys()];
    expect(inMonth.length).toBeGreaterThanOrEqual(4);
    expect(inMonth).not.toContain(`${month}/manifest.json`);
    expect(monthState(killedObjects, month)).toBe('incomplete');
    // Nothing else was written: no trends, no index, no run_results.json; the dead run's lock is there.
    expect([...killedObjects.keys()].filter((k) => !k.startsWith(`${month}/`)).sort()).toEqual(['.cohort-reports-workspace.json', LOCK]);

    a.freshRun();
    const rerun = await runToStore(prefix, args());
    expectSuccess(rerun);
    const rerunCalls = a.sandbox.counters.requests;
    // Resumed: every contact came from the journal; a fresh run makes all of firstCalls again.
    expect(rerunCalls).toBeLessThan(firstCalls / 10);
    expect(a.sandbox.counters.byEndpoint.events).toBe(0);
    const objects = await readAllObjects(s3, prefix);
    // The reference run (no kill) wrote the same files; only the request counters differ: the resumed
    // run counts the killed attempt's requests too, and says the count is a lower bound.
    expectSameReports(objects, await readFolder(diskMonth), { ignoreRequests: true });
    const manifest = JSON.parse(objects.get(`${month}/manifest.json`)!.toString('utf8')) as { totals: { api_calls: number }; warnings: Array<{ name: string }> };
    expect(manifest.totals.api_calls).toBe(firstCalls + rerunCalls);
    expect(manifest.warnings.map((w) => w.name)).toContain('requests_lower_bound');
    expect(monthState(objects, month)).toBe('complete');
    expectFiguresOfReference(objects, [month]);
    expect(await journals(prefix)).toEqual([]);
  });

  it('keeps the journal on local disk only: in --state-dir while killed, never an object', () => {
    expect(killedJournals).toHaveLength(1);
    expect(killedJournals[0]).toMatch(new RegExp(`^${month}_${month}_UTC\\.[0-9a-f]{12}\\.journal\\.jsonl$`));
    expect([...killedObjects.keys()].filter((k) => /journal|\.work\//.test(k))).toEqual([]);
    expect(existsSync(join(PROJECT_ROOT, '.cohort-reports-state', s3.bucket))).toBe(false);
  });

  it('killed while replacing the month, it reads complete-old or incomplete, never half-new; the rerun replaces it and leaves no .staging/', async () => {
    const before = await readAllObjects(s3, prefix);
    expect(monthState(before, month)).toBe('complete');
    // CSV only over a month with Parquet twins: a replace (--replace), so old and new differ.
    const replaceArgs = ['--month', month, '--replace'];

    // 1. While the new files go up under .staging/: the old month is exactly as it was.
    await killWhenHeld(replaceArgs, () => holdRequests(proxy, (r) => r.method === 'PUT' && r.url.includes(`/${prefix}/.staging/`)));
    const whileStaging = await readAllObjects(s3, prefix);
    expect(monthState(whileStaging, month)).toBe('complete');
    expectUnchanged(withoutLockAndStaging(whileStaging), withoutLockAndStaging(before));

    // 2. Once every new file is staged, at the first copy into place: the old manifest is gone (the
    //    month reads incomplete), nothing else of it changed yet.
    await killWhenHeld(replaceArgs, () => holdRequests(proxy, (r) => r.copySource !== undefined));
    const whileCopying = await readAllObjects(s3, prefix);
    expect(monthState(whileCopying, month)).toBe('incomplete');
    const expectedWhileCopying = withoutLockAndStaging(before);
    expectedWhileCopying.delete(`${month}/manifest.json`);
    expectUnchanged(withoutLockAndStaging(whileCopying), expectedWhileCopying);
    expect([...whileCopying.keys()].some((k) => k.startsWith('.staging/'))).toBe(true);

    a.freshRun();
    const rerun = await runToStore(prefix, replaceArgs);
    expectSuccess(rerun);
    expect(a.sandbox.counters.byEndpoint.events).toBe(0);
    const after = await readAllObjects(s3, prefix);
    expect(monthState(after, month)).toBe('complete');
    const manifest = JSON.parse(after.get(`${month}/manifest.json`)!.toString('utf8')) as { files: Array<{ name: string }> };
    expect([...objectsUnder(after, month).keys()].sort()).toEqual([...manifest.files.map((f) => `${month}/${f.name}`), `${month}/manifest.json`].sort());
    expect([...after.keys()].filter((k) => k.endsWith('.parquet'))).toEqual([]);
    expect([...after.keys()].filter((k) => k.startsWith('.staging/') || k === LOCK)).toEqual([]);
    // The CSVs are the reference run's, byte for byte.
    const reference = await readFolder(diskMonth);
    for (const name of manifest.files.map((f) => `${month}/${f.name}`).filter((f) => f.endsWith('.csv'))) {
      expect(sha256(after.get(name)!), name).toBe(sha256(reference.get(name)!));
    }
    // The killed attempt had removed the old manifest: the rerun found the month incomplete, so it
    // wrote it as a new month and has nothing to say it replaced (an uninterrupted run says
    // formats_dropped: ['parquet']). README: the month reads incomplete from that step on.
    const results = JSON.parse(after.get('run_results.json')!.toString('utf8')) as { replace: boolean; months: Array<{ month: string; replaced: unknown }> };
    expect(results.replace).toBe(true);
    expect(results.months).toEqual([expect.objectContaining({ month, replaced: null })]);
    expect(await journals(prefix)).toEqual([]);
  });
});

describe('a store that cannot be used: one line with the fix, nothing written, no journal', () => {
  const secret = 'wrong-secret-Zq8x7Vb2Kp';
  let results: Map<string, CliResult>;

  beforeAll(async () => {
    const closed = await freePort();
    const env = { ...a.env, ...storeEnv(s3, { TMPDIR: childTmp }) };
    // No key pair at all (the variables unset), no config or credentials file, no instance metadata.
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...noCredentials } = env;
    expect(noCredentials.AWS_EC2_METADATA_DISABLED).toBe('true');
    const cases: Array<[string, string, Record<string, string>]> = [
      ['no-credentials', url('e-no-credentials'), noCredentials],
      ['wrong-secret', url('e-wrong-secret'), { ...env, AWS_SECRET_ACCESS_KEY: secret }],
      ['no-bucket', 's3://cr-test-no-such-bucket/e-no-bucket', env],
      ['unreachable', url('e-unreachable'), { ...env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${closed}` }],
      ['bad-url', 's3://', env],
    ];
    a.freshRun();
    const done = await Promise.all(
      cases.map(async ([name, out, caseEnv]) => {
        const r = await runCli(['run', '--month', month, '--out', out, '--state-dir', stateDir(name)], caseEnv, { timeoutMs: 60_000 });
        return [name, r] as const;
      }),
    );
    results = new Map(done);
  }, 90_000);

  function expectRefused(name: string, exitCode: number, ...parts: Array<string | RegExp>): void {
    const r = results.get(name)!;
    expect(r.code, r.stderr).toBe(exitCode);
    const line = oneLine(r);
    for (const part of parts) {
      if (typeof part === 'string') expect(line).toContain(part);
      else expect(line).toMatch(part);
    }
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toMatch(/AWS4-HMAC-SHA256|Signature=/);
  }

  it('no credentials: exit 2, naming the variables to set', () => {
    expectRefused('no-credentials', 2, 'no AWS credentials were found', 'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  it('a wrong secret: exit 2, access denied, naming the permissions; the secret never printed', () => {
    expectRefused('wrong-secret', 2, /SignatureDoesNotMatch \(HTTP 403\)/, 'check the access key and secret', `s3:PutObject`);
  });

  it('no such bucket: exit 2, naming the bucket and the fix', () => {
    expectRefused('no-bucket', 2, 'the bucket cr-test-no-such-bucket does not exist', 'Create the bucket');
  });

  it('an endpoint that cannot be reached: exit 1 (a rerun may work), naming the endpoint variable', () => {
    expectRefused('unreachable', 1, 'cannot reach http://127.0.0.1:', 'check AWS_ENDPOINT_URL_S3');
  });

  it('s3:// without a bucket: exit 2, naming the form to use', () => {
    expectRefused('bad-url', 2, '"s3://" is not an object store location (no bucket)', 'use s3://bucket/prefix');
  });

  it('wrote nothing to the store, left no journal and made no call to the workspace', async () => {
    const objects = await readAllObjects(s3, '');
    expect([...objects.keys()].filter((k) => k.startsWith('e-'))).toEqual([]);
    for (const name of results.keys()) expect(await listFiles(stateDir(name)), name).toEqual([]);
    expect(a.sandbox.counters.requests).toBe(0);
  });
});

describe('an output the run may not write', () => {
  it("refuses another workspace's output after GET /me (exit 2, one line naming both), touching nothing", async () => {
    const before = await readAllObjects(s3, 'p2');
    const marker = JSON.parse(before.get('.cohort-reports-workspace.json')!.toString('utf8')) as { workspace: { id: string } };
    expect(marker.workspace.id).toBe(`sandbox-71-${CONTACTS}`);
    b.freshRun();
    const other = await runToStore('p2', ['--month', month], { sandbox: b });
    expect(other.code, other.stderr).toBe(2);
    const line = oneLine(other);
    expect(line).toContain(`sandbox-71-${CONTACTS}`);
    expect(line).toContain(`sandbox-72-${CONTACTS}`);
    expect(line).toContain('another folder with --out');
    expect(b.sandbox.counters.requests).toBe(1);
    expectUnchanged(await readAllObjects(s3, 'p2'), before);
    expect(await journals('p2')).toEqual([]);
  });

  it("refuses while another host's fresh lock is there (exit 1, naming the holder), touching nothing", async () => {
    const holder = { pid: 4242, host: 'other-host.example', started_at: new Date().toISOString(), command: `cohort-reports run ${month}`, token: 'theirs' };
    const client = testS3Client(s3);
    try {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `p2/${LOCK}`, Body: `${JSON.stringify(holder)}\n`, ContentType: 'application/json' }));
      const before = await readAllObjects(s3, 'p2');
      a.freshRun();
      const locked = await runToStore('p2', ['--month', month]);
      expect(locked.code, locked.stderr).toBe(1);
      const line = oneLine(locked);
      expect(line).toContain(`${url('p2')} is being written by cohort-reports run ${month} (pid 4242 on other-host.example, since ${holder.started_at})`);
      expect(line).toContain(`${url('p2')}/${LOCK}`);
      expectUnchanged(await readAllObjects(s3, 'p2'), before);
      expect(a.sandbox.counters.requests).toBe(0);
      expect(await journals('p2')).toEqual([]);
    } finally {
      await client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: `p2/${LOCK}` }));
      client.destroy();
    }
  });
});

describe('check --out s3://…', () => {
  it('says the store is reachable and writable and whether it honours conditional writes (exit 0); a missing bucket is a ✗ line (exit 1)', async () => {
    const args = (out: string): string[] => ['check', '--sandbox', '--sandbox-contacts', '50', '--out', out];
    const env = storeEnv(s3, { TMPDIR: childTmp });
    const [ok, missing] = await Promise.all([runCli(args(url('c1')), env), runCli(args('s3://cr-test-no-such-bucket/c'), env)]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const okLine = ok.stdout.split('\n').filter((l) => l.includes('output:'));
    expect(okLine).toHaveLength(1);
    expect(okLine[0]).toMatch(/^✓ output: /);
    expect(okLine[0]).toContain(`${url('c1')} is reachable and writable`);
    expect(okLine[0]).toContain(s3.conditionalWrites ? 'it honours conditional writes (If-None-Match)' : 'it ignores conditional writes (If-None-Match)');
    expect(ok.stdout).toContain('all checks passed');
    // The probe object is gone again.
    expect([...(await readAllObjects(s3, 'c1')).keys()]).toEqual([]);

    expect(missing.code, missing.stdout + missing.stderr).toBe(1);
    const missingLine = missing.stdout.split('\n').filter((l) => l.includes('output:'));
    expect(missingLine).toHaveLength(1);
    expect(missingLine[0]).toMatch(/^✗ output: /);
    expect(missingLine[0]).toContain('the bucket cr-test-no-such-bucket does not exist');
    expect(missing.stdout).toContain('1 check failed');
  });
});
