/**
 * The object-store output against a real S3 API (s3rver in-process here, MinIO or S3_TEST_ENDPOINT
 * where there is one): months written files first and manifest last, replaced without ever reading
 * half-new, root files and folders replaced whole, the one-writer lock with and without conditional
 * writes, and one actionable line for every way the store can fail.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, OutputLockedError, STALE_AFTER_MS, type OutputLock } from '../../src/report-files/output-lock.js';
import { ObjectStoreError } from '../../src/report-output/s3-errors.js';
import { createS3Output, parseS3Url, type S3OutputOptions, type S3ReportOutput } from '../../src/report-output/s3-output.js';
import { readAllObjects, startFaultProxy, startTestS3, testS3Client, type FaultProxy, type TestS3 } from '../support/s3-server.js';

let s3: TestS3;
let s3Plain: TestS3; // conditional writes off: the store ignores If-None-Match / If-Match
const savedEnv = { ...process.env };
const opened: S3ReportOutput[] = [];
const proxies: FaultProxy[] = [];
let run = 0;

beforeAll(async () => {
  [s3, s3Plain] = await Promise.all([startTestS3(), startTestS3({ conditionalWrites: false })]);
  // As the CLI would run: credentials, region and endpoint from the environment, and nothing from
  // this machine's ~/.aws or an instance metadata service.
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, s3.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  });
});
afterEach(async () => {
  for (const output of opened.splice(0)) await output.close();
  for (const proxy of proxies.splice(0)) await proxy.stop();
});
afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([s3?.stop(), s3Plain?.stop()]);
});

function freshPrefix(label: string): string {
  return `${label}-${process.pid}-${(run += 1)}`;
}

async function open(server: TestS3, prefix: string, options: S3OutputOptions = {}): Promise<S3ReportOutput> {
  const output = await createS3Output(`s3://${server.bucket}/${prefix}`, { endpoint: server.endpoint, ...options });
  opened.push(output);
  return output;
}

async function proxyTo(server: TestS3): Promise<FaultProxy> {
  const proxy = await startFaultProxy(server.endpoint);
  proxies.push(proxy);
  return proxy;
}

async function writeTree(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [name, body] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), body);
  }
}

async function publishMonth(output: S3ReportOutput, month: string, files: Record<string, string | Buffer>): Promise<string> {
  const staged = await output.stageMonth(month);
  await writeTree(staged.dir, files);
  await staged.publish();
  return staged.dir;
}

function asText(objects: Map<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...objects].map(([k, v]) => [k, v.toString('utf8')]));
}

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The error `promise` rejects with, which must be a one-line ObjectStoreError. */
async function storeError(promise: Promise<unknown>): Promise<ObjectStoreError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ObjectStoreError);
  const message = (err as Error).message;
  expect(message).not.toMatch(/[\r\n]/);
  expect(message).not.toMatch(/X-Amz-Signature|AWS4-HMAC-SHA256 Credential/);
  expect(message).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY);
  return err as ObjectStoreError;
}

const MONTH_V1 = {
  'cohort_summary.csv': 'cohort,members\nVIP,10\n',
  'events.parquet': Buffer.from([0x50, 0x41, 0x52, 0x31, 0, 1, 2, 0x50, 0x41, 0x52, 0x31]),
  'report.html': '<html>v1</html>\n',
  'charts/members.vl.json': '{"v":1}\n',
  'manifest.json': '{"version":1}\n',
};

describe('parseS3Url', () => {
  it('splits a bucket and a prefix without leading or trailing slashes', () => {
    expect(parseS3Url('s3://reports/team-a/monthly/')).toEqual({ bucket: 'reports', prefix: 'team-a/monthly' });
    expect(parseS3Url('s3://reports')).toEqual({ bucket: 'reports', prefix: '' });
    expect(parseS3Url('s3://reports/')).toEqual({ bucket: 'reports', prefix: '' });
    expect(parseS3Url('s3://my.bucket-1//deep/x')).toEqual({ bucket: 'my.bucket-1', prefix: 'deep/x' });
  });

  it('refuses a malformed URL with one line naming --out and the right form', () => {
    for (const bad of ['s3:/reports', 'https://reports/x', 's3://', 's3://Reports/x', 's3://ab', 's3://r/a//b', 's3://r/a/../b', 's3://r/a\x1b[2Jb']) {
      let caught: unknown;
      try {
        parseS3Url(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, bad).toBeInstanceOf(ObjectStoreError);
      const err = caught as ObjectStoreError;
      expect(err.code).toBe('OBJECT_STORE_BAD_URL');
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain('--out');
      expect(err.message).toContain('s3://bucket/prefix');
      expect(err.message).not.toMatch(/[\r\n\x1b]/);
    }
    // A URL that may carry a secret is not echoed.
    expect(() => parseS3Url('s3://AKIA:s3cret@bucket/x')).toThrow(/^(?!.*s3cret)/);
  });
});

describe('createS3Output', () => {
  it('names objects by s3:// URL and lists only YYYY-MM prefixes, ascending', async () => {
    const prefix = freshPrefix('list');
    const output = await open(s3, prefix);
    expect(output.kind).toBe('s3');
    expect(output.location).toBe(`s3://${s3.bucket}/${prefix}`);
    expect(output.describe('2026-11')).toBe(`s3://${s3.bucket}/${prefix}/2026-11`);
    expect(output.absolute('trends.csv')).toBe(`s3://${s3.bucket}/${prefix}/trends.csv`);
    expect(output.absolute()).toBe(`s3://${s3.bucket}/${prefix}`);
    expect(await output.listMonthNames()).toEqual([]);

    const client = testS3Client(s3);
    try {
      for (const key of ['2026-01/manifest.json', '2025-12/a.csv', '2026-13/a.csv', 'not-a-month/a.csv', '.staging/u/2026-02/a.csv', 'trends.csv', 'charts/x.vl.json']) {
        await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${key}`, Body: 'x' }));
      }
    } finally {
      client.destroy();
    }
    expect(await output.listMonthNames()).toEqual(['2025-12', '2026-01']);
  });

  it('publishes a new month files first and manifest.json last, byte for byte, with sha256 and Content-Type', async () => {
    const prefix = freshPrefix('new');
    const proxy = await proxyTo(s3);
    const output = await open(s3, prefix, { endpoint: proxy.endpoint });
    const dir = await publishMonth(output, '2026-11', MONTH_V1);

    expect(asText(await readAllObjects(s3, prefix))).toEqual(
      asText(new Map(Object.entries(MONTH_V1).map(([k, v]) => [`2026-11/${k}`, Buffer.from(v)]))),
    );
    const puts = proxy.seen.filter((r) => r.method === 'PUT' && r.copySource === undefined && r.url.includes('/2026-11/'));
    expect(puts).toHaveLength(5);
    expect(puts.at(-1)!.url).toMatch(/\/2026-11\/manifest\.json\?/);
    expect(await exists(dir)).toBe(false);

    const client = testS3Client(s3);
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/2026-11/cohort_summary.csv` }));
      expect(head.Metadata?.sha256).toBe(sha256(MONTH_V1['cohort_summary.csv']));
      expect(head.ContentType).toBe('text/csv; charset=utf-8');
      const types = await Promise.all(
        ['events.parquet', 'report.html', 'charts/members.vl.json'].map(
          async (f) => (await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/2026-11/${f}` }))).ContentType,
        ),
      );
      expect(types).toEqual(['application/vnd.apache.parquet', 'text/html; charset=utf-8', 'application/json']);
    } finally {
      client.destroy();
    }
  });

  it('leaves a new month without its manifest when an upload fails, and removes the local folder', async () => {
    const prefix = freshPrefix('newfail');
    const proxy = await proxyTo(s3);
    proxy.fail({ method: 'PUT', path: /report\.html/, status: 500, code: 'InternalError' });
    const output = await open(s3, prefix, { endpoint: proxy.endpoint, maxAttempts: 2 });
    const staged = await output.stageMonth('2026-11');
    await writeTree(staged.dir, MONTH_V1);
    const err = await storeError(staged.publish());
    expect(err.code).toBe('OBJECT_STORE_THROTTLED');
    expect(err.message).toContain(`s3://${s3.bucket}/${prefix}/2026-11/report.html`);
    expect(err.message).toContain('after 2 attempts');
    expect([...(await readAllObjects(s3, prefix)).keys()]).not.toContain('2026-11/manifest.json');
    expect(await exists(staged.dir)).toBe(false);
  });

  it('removes the local staging folder a dead writer left, and leaves a live process\'s alone', async () => {
    const output = await open(s3, freshPrefix('localstage'));
    // A pid no process has (above Linux's pid_max), and this test's parent, which runs.
    const dead = join(tmpdir(), 'cohort-reports-stage-4194305-left');
    const live = join(tmpdir(), `cohort-reports-stage-${process.ppid}-busy`);
    await mkdir(dead, { recursive: true });
    await mkdir(live, { recursive: true });
    try {
      const staged = await output.stageMonth('2026-11');
      expect(staged.dir).toContain(`cohort-reports-stage-${process.pid}-`);
      expect(await exists(dead)).toBe(false);
      expect(await exists(live)).toBe(true);
      await staged.discard();
      expect(await exists(staged.dir)).toBe(false);
    } finally {
      await rm(live, { recursive: true, force: true });
      await rm(dead, { recursive: true, force: true });
    }
  });

  it('reads and verifies files: ok, differs (size, content, or written by another tool), missing', async () => {
    const prefix = freshPrefix('verify');
    const output = await open(s3, prefix);
    await publishMonth(output, '2026-11', MONTH_V1);
    const csv = MONTH_V1['cohort_summary.csv'];
    expect((await output.read('2026-11/cohort_summary.csv'))?.toString()).toBe(csv);
    expect(await output.read('2026-11/absent.csv')).toBeNull();
    const name = '2026-11/cohort_summary.csv';
    expect(await output.verify(name, { bytes: csv.length, sha256: sha256(csv) })).toBe('ok');
    expect(await output.verify(name, { bytes: csv.length + 1, sha256: sha256(csv) })).toBe('differs');
    expect(await output.verify(name, { bytes: csv.length, sha256: sha256('other') })).toBe('differs');
    expect(await output.verify('2026-11/absent.csv', { bytes: 1, sha256: sha256('x') })).toBe('missing');

    // Same bytes, put by another tool: no sha256 of ours to vouch for it.
    const client = testS3Client(s3);
    try {
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${name}`, Body: csv }));
    } finally {
      client.destroy();
    }
    expect(await output.verify(name, { bytes: csv.length, sha256: sha256(csv) })).toBe('differs');
  });

  it('replaces a month: the old manifest is gone before any file moves, old objects not listed are removed, staging is emptied', async () => {
    const prefix = freshPrefix('replace');
    const output0 = await open(s3, prefix);
    await publishMonth(output0, '2026-11', MONTH_V1);

    const proxy = await proxyTo(s3);
    const client = testS3Client(s3);
    const manifestDuringCopies: Array<number | 'present'> = [];
    proxy.onRequest(async (req) => {
      if (req.copySource === undefined) return;
      const status = await client
        .send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/2026-11/manifest.json` }))
        .then(() => 'present' as const)
        .catch((err: { $metadata?: { httpStatusCode?: number } }) => err.$metadata?.httpStatusCode ?? 0);
      manifestDuringCopies.push(status);
    });
    const output = await open(s3, prefix, { endpoint: proxy.endpoint });
    const v2 = { 'cohort_summary.csv': 'cohort,members\nVIP,11\n', 'retention.csv': 'r\n', 'manifest.json': '{"version":2}\n' };
    await publishMonth(output, '2026-11', v2);
    client.destroy();

    expect(manifestDuringCopies).toEqual([404, 404]);
    const requests = proxy.seen.map((r) => `${r.method} ${r.copySource === undefined ? '' : 'copy '}${r.url.split('?')[0]}`);
    const lastCopy = requests.findLastIndex((r) => r.includes(' copy '));
    const manifestPut = requests.findIndex((r) => r === `PUT /${s3.bucket}/${prefix}/2026-11/manifest.json`);
    expect(manifestPut).toBeGreaterThan(lastCopy);
    expect(asText(await readAllObjects(s3, prefix))).toEqual(Object.fromEntries(Object.entries(v2).map(([k, v]) => [`2026-11/${k}`, v])));
    expect([...(await readAllObjects(s3, `${prefix}/.staging`)).keys()]).toEqual([]);
    // Copies keep the metadata recorded at upload.
    expect(await output.verify('2026-11/retention.csv', { bytes: 2, sha256: sha256('r\n') })).toBe('ok');
  });

  it('follows list pages to the end when it removes what a replaced month no longer has', async () => {
    const prefix = freshPrefix('pages');
    const output = await open(s3, prefix, { listPageSize: 2 });
    await publishMonth(output, '2026-10', { 'a.csv': 'a', 'b.csv': 'b', 'c.csv': 'c', 'd.csv': 'd', 'e.csv': 'e', 'manifest.json': '{}' });
    await publishMonth(output, '2026-10', { 'z.csv': 'z', 'manifest.json': '{"v":2}' });
    expect(asText(await readAllObjects(s3, prefix))).toEqual({ '2026-10/manifest.json': '{"v":2}', '2026-10/z.csv': 'z' });
    expect(output.requests().list).toBeGreaterThanOrEqual(4);
  });

  it('leaves the old month byte-identical when an upload fails mid-replace', async () => {
    const prefix = freshPrefix('replacefail');
    const output0 = await open(s3, prefix);
    await publishMonth(output0, '2026-11', MONTH_V1);
    const before = await readAllObjects(s3, prefix);

    const proxy = await proxyTo(s3);
    proxy.fail({ method: 'PUT', path: /\/\.staging\/[^/]+\/2026-11\/retention\.csv/, status: 503, code: 'SlowDown' });
    const output = await open(s3, prefix, { endpoint: proxy.endpoint, maxAttempts: 2 });
    const staged = await output.stageMonth('2026-11');
    await writeTree(staged.dir, { 'cohort_summary.csv': 'new\n', 'retention.csv': 'r\n', 'manifest.json': '{"version":2}\n' });
    const err = await storeError(staged.publish());
    expect(err.code).toBe('OBJECT_STORE_THROTTLED');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain('Rerun later');

    expect(await readAllObjects(s3, prefix)).toEqual(before);
    expect(await exists(staged.dir)).toBe(false);
  });

  it('replaces root files and folders whole, in the order given, removing keys the new folder lacks', async () => {
    const prefix = freshPrefix('root');
    const proxy = await proxyTo(s3);
    const output = await open(s3, prefix, { endpoint: proxy.endpoint });
    const first = await output.stageRoot();
    await writeTree(first.dir, { 'trends.csv': 't1\n', 'charts/a.vl.json': 'a1', 'charts/b.vl.json': 'b1', 'index.html': 'i1' });
    await first.publish(['trends.csv', 'charts', 'index.html']);
    const puts = proxy.seen.filter((r) => r.method === 'PUT').map((r) => r.url.split('?')[0]!.split(`${prefix}/`)[1]);
    expect(puts[0]).toBe('trends.csv');
    expect(puts.at(-1)).toBe('index.html');

    const second = await output.stageRoot();
    await writeTree(second.dir, { 'trends.csv': 't2\n', 'charts/a.vl.json': 'a2' });
    await second.publish(['trends.csv', 'charts']);
    expect(asText(await readAllObjects(s3, prefix))).toEqual({ 'charts/a.vl.json': 'a2', 'index.html': 'i1', 'trends.csv': 't2\n' });
    expect(await exists(second.dir)).toBe(false);

    const discarded = await output.stageRoot();
    await discarded.discard();
    await discarded.discard();
    expect(await exists(discarded.dir)).toBe(false);
  });

  it('uploads a file above 16 MiB in parts, with its sha256 recorded', async () => {
    const prefix = freshPrefix('big');
    const output = await open(s3, prefix);
    const big = Buffer.alloc(17 * 1024 * 1024 + 5, 7);
    big.write('start', 0);
    const staged = await output.stageRoot();
    await writeTree(staged.dir, { 'big.parquet': big });
    await staged.publish(['big.parquet']);
    expect(output.requests().part).toBe(3);
    expect((await output.read('big.parquet'))!.equals(big)).toBe(true);
    expect(await output.verify('big.parquet', { bytes: big.length, sha256: sha256(big) })).toBe('ok');
  });

  it('creates a file only if absent, and removes files (absent ones are no error)', async () => {
    for (const server of [s3, s3Plain]) {
      const prefix = freshPrefix('marker');
      const output = await open(server, prefix);
      expect(await output.createIfAbsent('.cohort-reports-workspace.json', Buffer.from('{"id":1}'))).toBe(true);
      expect(await output.createIfAbsent('.cohort-reports-workspace.json', Buffer.from('{"id":2}'))).toBe(false);
      expect((await output.read('.cohort-reports-workspace.json'))?.toString()).toBe('{"id":1}');
      await output.remove(['.cohort-reports-workspace.json', 'never-there.csv']);
      expect(await output.read('.cohort-reports-workspace.json')).toBeNull();
    }
  });

  it('fails loudly when DeleteObjects answers 200 with keys it did not delete', async () => {
    const proxy = await proxyTo(s3);
    proxy.fail({
      method: 'POST',
      path: /\?delete/,
      status: 200,
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult><Error><Key>p/x.csv</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>',
    });
    const output = await open(s3, freshPrefix('delerr'), { endpoint: proxy.endpoint });
    const err = await storeError(output.remove(['x.csv', 'y.csv']));
    expect(err.code).toBe('OBJECT_STORE_ACCESS_DENIED');
    expect(err.message).toContain('1 of 2 keys not deleted');
  });

  it('probes: reachable, writable, and whether conditional writes hold', async () => {
    expect(await (await open(s3, freshPrefix('probe'))).probe()).toEqual({ conditionalWrites: s3.conditionalWrites });
    expect(await (await open(s3Plain, freshPrefix('probe'))).probe()).toEqual({ conditionalWrites: false });
    expect([...(await readAllObjects(s3Plain, '')).keys()].filter((k) => k.includes('.cohort-reports-probe-'))).toEqual([]);
  });
});

describe('the output lock on a store that honours conditional writes', () => {
  it('refuses a second writer, naming the holder and the lock URL, and is taken again after release', async () => {
    const prefix = freshPrefix('lock');
    const first = await (await open(s3, prefix)).lock('run --month 2026-11');
    expect(first.tookOverFrom).toBeNull();
    const refused = await (await open(s3, prefix)).lock('run --month 2026-12').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OutputLockedError);
    const err = refused as OutputLockedError;
    expect(err.holder).toMatchObject({ command: 'run --month 2026-11', pid: process.pid, host: hostname() });
    expect(err.message).toContain(`s3://${s3.bucket}/${prefix}/${LOCK_FILE}`);
    expect(err.message).toContain(`s3://${s3.bucket}/${prefix} is being written by run --month 2026-11`);
    await first.release();
    await first.release();
    expect((await readAllObjects(s3, prefix)).has(LOCK_FILE)).toBe(false);
    const again = await (await open(s3, prefix)).lock('run --month 2026-12');
    await again.release();
  });

  it('gives a free lock to exactly one of many racing writers', async () => {
    const prefix = freshPrefix('race');
    const outputs = await Promise.all(Array.from({ length: 6 }, () => open(s3, prefix)));
    const outcomes = await Promise.allSettled(outputs.map((o, i) => o.lock(`writer ${i}`)));
    const held = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(held).toHaveLength(1);
    for (const err of refused) expect(err).toBeInstanceOf(OutputLockedError);
    await held[0]!.release();
  });

  it('lets exactly one of many racing writers take over a stale lock (its holder gone from this host)', async () => {
    const prefix = freshPrefix('stale');
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.once('exit', resolve));
    const client = testS3Client(s3);
    try {
      const dead = { pid: child.pid, host: hostname(), started_at: 'x', command: 'dead writer', token: 'dead' };
      await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${LOCK_FILE}`, Body: JSON.stringify(dead) }));
    } finally {
      client.destroy();
    }
    const racers = await Promise.all(Array.from({ length: 6 }, () => open(s3, prefix)));
    const outcomes = await Promise.allSettled(racers.map((o, i) => o.lock(`taker ${i}`)));
    const held = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(held).toHaveLength(1);
    expect(held[0]!.tookOverFrom?.command).toBe('dead writer');
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason, String(o.reason)).toBeInstanceOf(OutputLockedError);
    await held[0]!.release();
  });

  it('takes over a lock unrefreshed for STALE_AFTER_MS, and its old holder stops refreshing and says so', async () => {
    const prefix = freshPrefix('aged');
    const oldLog: string[] = [];
    const old = await (await open(s3, prefix, { log: (l) => oldLog.push(l), lockRefreshMs: 150 })).lock('old writer');
    // A writer whose clock runs STALE_AFTER_MS ahead sees the lock unrefreshed that long.
    const taker = await (await open(s3, prefix, { now: () => Date.now() + STALE_AFTER_MS + 10_000 })).lock('taker');
    expect(taker.tookOverFrom?.command).toBe('old writer');

    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(oldLog).toHaveLength(1);
    expect(oldLog[0]).toMatch(/^the lock s3:\/\/\S+\/\.cohort-reports\.lock was taken over by taker \(pid \d+ on .+\): this writer no longer keeps it fresh/);
    await old.release(); // not its lock any more: left alone
    const holder = JSON.parse((await readAllObjects(s3, prefix)).get(LOCK_FILE)!.toString()) as { command: string };
    expect(holder.command).toBe('taker');
    await taker.release();
    expect((await readAllObjects(s3, prefix)).has(LOCK_FILE)).toBe(false);
  });

  it('treats a lock of this pid on this host that this process does not hold as a predecessor’s, and one of another host by age', async () => {
    const prefix = freshPrefix('pred');
    const client = testS3Client(s3);
    const put = (holder: object) =>
      client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${LOCK_FILE}`, Body: JSON.stringify(holder) }));
    try {
      await put({ pid: process.pid, host: hostname(), started_at: 'x', command: 'predecessor', token: 'old-token' });
      const lock = await (await open(s3, prefix)).lock('successor');
      expect(lock.tookOverFrom?.command).toBe('predecessor');
      await lock.release();
      await put({ pid: 1, host: 'another-host', started_at: 'x', command: 'elsewhere', token: 't' });
      await expect((await open(s3, prefix)).lock('me')).rejects.toBeInstanceOf(OutputLockedError);
    } finally {
      client.destroy();
    }
  });

  it('keeps its lock fresh while held', async () => {
    const prefix = freshPrefix('fresh');
    const lock = await (await open(s3, prefix, { lockRefreshMs: 200 })).lock('long run');
    const client = testS3Client(s3);
    const lastModified = async () =>
      (await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/${LOCK_FILE}` }))).LastModified!.getTime();
    try {
      const t0 = await lastModified();
      await new Promise((resolve) => setTimeout(resolve, 2_300));
      expect(await lastModified()).toBeGreaterThanOrEqual(t0 + 1_000);
      // A writer whose clock is just short of STALE_AFTER_MS ahead still sees it fresh.
      const soon = () => Date.now() + STALE_AFTER_MS - 5_000;
      await expect((await open(s3, prefix, { now: soon })).lock('other')).rejects.toBeInstanceOf(OutputLockedError);
    } finally {
      client.destroy();
      await lock.release();
    }
  });
});

describe('the output lock on a store that ignores conditional writes', () => {
  it('works best effort, and says so once', async () => {
    const prefix = freshPrefix('plain');
    const log: string[] = [];
    const output = await open(s3Plain, prefix, { log: (l) => log.push(l) });
    const first = await output.lock('first');
    await expect((await open(s3Plain, prefix, { log: () => {} })).lock('second')).rejects.toBeInstanceOf(OutputLockedError);
    await first.release();
    const again = await output.lock('again');
    expect(log).toHaveLength(1);
    expect(log[0]).toContain('ignores If-None-Match: the output lock is best effort');
    expect(log[0]).toContain(s3Plain.bucket);

    const taker = await (await open(s3Plain, prefix, { now: () => Date.now() + STALE_AFTER_MS + 10_000, log: () => {} })).lock('taker');
    expect(taker.tookOverFrom?.command).toBe('again');
    await again.release(); // not its lock any more
    expect(JSON.parse((await readAllObjects(s3Plain, prefix)).get(LOCK_FILE)!.toString())).toMatchObject({ command: 'taker' });
    await taker.release();
    expect((await readAllObjects(s3Plain, prefix)).has(LOCK_FILE)).toBe(false);
  });

  it('lets a writer that raced another within the settle time give way', async () => {
    const prefix = freshPrefix('plainrace');
    const outputs = await Promise.all(Array.from({ length: 2 }, () => open(s3Plain, prefix, { log: () => {} })));
    // Both see no lock and write theirs; the later write wins, and the other sees it a second later.
    const outcomes = await Promise.allSettled(outputs.map((o, i) => o.lock(`writer ${i}`)));
    const held: OutputLock[] = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(held).toHaveLength(1);
    expect(held.length + outcomes.filter((o) => o.status === 'rejected').length).toBe(2);
    for (const lock of held) await lock.release();
  });
});

describe('store failures are one line with the fix', () => {
  it('no credentials', async () => {
    const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = process.env;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const err = await storeError((await open(s3, freshPrefix('nocreds'))).listMonthNames());
      expect(err.code).toBe('OBJECT_STORE_CREDENTIALS');
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role');
    } finally {
      Object.assign(process.env, { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY });
    }
  });

  it('a wrong secret or an unknown access key', async () => {
    const secret = 'wrong-secret-Zq9xK3';
    const cases = [
      { accessKeyId: s3.env.AWS_ACCESS_KEY_ID!, secretAccessKey: secret },
      { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: secret },
    ];
    for (const credentials of cases) {
      const err = await storeError((await open(s3, freshPrefix('denied'), { credentials })).listMonthNames());
      expect(err.code).toBe('OBJECT_STORE_ACCESS_DENIED');
      expect(err.exitCode).toBe(2);
      expect(err.message).toMatch(/SignatureDoesNotMatch|InvalidAccessKeyId/);
      expect(err.message).toContain('s3:ListBucket');
      expect(err.message).toContain('s3:PutObject');
      expect(err.message).toContain('check the access key and secret');
      expect(err.message).not.toContain(secret);
    }
  });

  it('no such bucket', async () => {
    const output = await createS3Output('s3://cr-test-no-such-bucket/x', { endpoint: s3.endpoint });
    opened.push(output);
    for (const attempt of [() => output.listMonthNames(), () => output.probe()]) {
      const err = await storeError(attempt());
      expect(err.code).toBe('OBJECT_STORE_NO_BUCKET');
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain('the bucket cr-test-no-such-bucket does not exist at');
      expect(err.message).toContain('Create the bucket, or fix --out');
    }
  });

  it('an unreachable endpoint', async () => {
    const port = await closedPort();
    const err = await storeError((await open(s3, freshPrefix('down'), { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 })).read('trends.csv'));
    expect(err.code).toBe('OBJECT_STORE_UNREACHABLE');
    expect(err.exitCode).toBe(1);
    expect(err.message).toContain(`ECONNREFUSED after 2 attempts: cannot reach http://127.0.0.1:${port}`);
    expect(err.message).toContain('AWS_ENDPOINT_URL_S3');
  });

  it('throttling: retried with backoff until it passes, every attempt counted', async () => {
    const proxy = await proxyTo(s3);
    proxy.fail({ method: 'PUT', status: 503, code: 'SlowDown', times: 2 });
    const output = await open(s3, freshPrefix('slow'), { endpoint: proxy.endpoint });
    expect(await output.createIfAbsent('trends.csv', Buffer.from('t\n'))).toBe(true);
    expect(output.requests()).toMatchObject({ head: 1, put: 3 });
  });

  it('throttling that never ends: one line after maxAttempts', async () => {
    const proxy = await proxyTo(s3);
    proxy.fail({ method: 'PUT', status: 503, code: 'SlowDown' });
    const output = await open(s3, freshPrefix('slower'), { endpoint: proxy.endpoint, maxAttempts: 3 });
    const staged = await output.stageRoot();
    await writeTree(staged.dir, { 'trends.csv': 't\n' });
    const err = await storeError(staged.publish(['trends.csv']));
    expect(err.code).toBe('OBJECT_STORE_THROTTLED');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/^cannot upload s3:\/\/\S+\/trends\.csv: SlowDown \(HTTP 503\): the store kept refusing after 3 attempts\. Rerun later/);
    expect(output.requests().put).toBe(3);
  });
});
