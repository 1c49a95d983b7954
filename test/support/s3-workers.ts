/**
 * Worker processes writing to an object store, for jobs-s3-output: the CLI's `worker` as
 * jobs-workers.ts starts it, but each in a working directory of its own (two machines share Redis and
 * the store, never a folder), with the store's endpoint and credentials in its environment. Every
 * process started here is tracked; `stopS3Workers()` in afterEach/afterAll leaves none behind.
 *
 * Beside them: what "a month is complete" means read through the S3 API (its manifest and every file
 * it lists, size and SHA-256), and a watcher that reads one month over and over while workers write
 * it, to catch it ever reading half-new.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { MonthManifest } from '../../src/report/manifest.js';
import { killWorker, startWorkerProcess, workerEnvironment, type WorkerEnv, type WorkerProcess } from './jobs-workers.js';
import { testS3Client, type TestS3 } from './s3-server.js';

const started = new Set<WorkerProcess>();

/**
 * A worker's environment for `s3://bucket/prefix`, reaching the store at `endpoint` (a fault proxy in
 * front of it, or the store itself), with nothing from this machine's ~/.aws.
 */
export function s3WorkerEnvironment(env: Omit<WorkerEnv, 'outDir'>, s3: TestS3, prefix: string, endpoint = s3.endpoint): NodeJS.ProcessEnv {
  return {
    ...workerEnvironment({ ...env, outDir: `s3://${s3.bucket}/${prefix}` }),
    ...s3.env,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  };
}

/** Starts `cohort-reports worker` with `cwd` as its working directory; resolves once it logs that it is ready. */
export async function spawnWorkerIn(cwd: string, env: NodeJS.ProcessEnv, concurrency: number, readyTimeoutMs = 45_000): Promise<WorkerProcess> {
  return startWorkerProcess(env, { args: ['--concurrency', String(concurrency)], cwd, track: started, readyTimeoutMs });
}

/** SIGKILLs every worker this module started that is still running, and waits until they are gone. */
export async function stopS3Workers(): Promise<void> {
  await Promise.all([...started].map((wp) => killWorker(wp)));
}

/** Whether this worker logged that it wrote run `runId`'s reports (after the first `since` characters of its output). */
export function wroteRun(wp: WorkerProcess, runId: string, since = 0): boolean {
  return wp
    .output()
    .slice(since)
    .split('\n')
    .some((line) => line.includes('"msg":"run written"') && line.includes(runId));
}

/** Every file under `dir`, relative to it, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * What keeps `month` of `objects` (keys relative to the output's prefix) from being complete: no
 * manifest, a manifest of another month, a listed file missing or not of its listed size and SHA-256.
 * Empty when complete.
 */
export function monthProblems(objects: ReadonlyMap<string, Buffer>, month: string): string[] {
  const bytes = objects.get(`${month}/manifest.json`);
  if (bytes === undefined) return [`${month}/manifest.json is missing`];
  const manifest = JSON.parse(bytes.toString('utf8')) as MonthManifest;
  const problems: string[] = [];
  if (manifest.month !== month) problems.push(`${month}/manifest.json describes ${manifest.month}`);
  if (manifest.files.length === 0) problems.push(`${month}/manifest.json lists no file`);
  for (const file of manifest.files) {
    const body = objects.get(`${month}/${file.name}`);
    if (body === undefined) problems.push(`${month}/${file.name} is listed but missing`);
    else if (body.length !== file.bytes || sha256(body) !== file.sha256) problems.push(`${month}/${file.name} differs from its manifest`);
  }
  return problems;
}

export interface MonthWatch {
  /** Reads in which the manifest was the same before and after every listed file was read: each is complete or it is a violation. */
  complete: number;
  /** Reads with no manifest (the month incomplete: allowed, while it is written). */
  incomplete: number;
  /** Reads during which the manifest changed (nothing can be concluded of them). */
  inconclusive: number;
  /** Reads of a month that had one manifest throughout and files that did not match it: half-new. */
  halfNew: string[];
}

/**
 * Reads `month` under `prefix` through the S3 API until stopped: the manifest, every object of the
 * month, the manifest again. When the manifest is there and the same both times, every file it lists
 * must match it (s3-output.ts deletes the old manifest before it moves any file, and puts the new one
 * after the last): a mismatch is a month read half-new.
 */
export function watchMonth(s3: TestS3, prefix: string, month: string): { stop(): Promise<MonthWatch> } {
  const client = testS3Client(s3);
  const result: MonthWatch = { complete: 0, incomplete: 0, inconclusive: 0, halfNew: [] };
  const base = `${prefix}/${month}/`;
  const get = async (key: string): Promise<Buffer | null> => {
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      return Buffer.from(await got.Body!.transformToByteArray());
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw err;
    }
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const before = await get(`${base}manifest.json`);
      if (before === null) {
        result.incomplete += 1;
      } else {
        const objects = new Map<string, Buffer>([[`${month}/manifest.json`, before]]);
        const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: base }));
        for (const item of page.Contents ?? []) {
          const name = item.Key!.slice(prefix.length + 1);
          if (name === `${month}/manifest.json`) continue;
          const body = await get(item.Key!);
          if (body !== null) objects.set(name, body);
        }
        const after = await get(`${base}manifest.json`);
        if (after === null || !after.equals(before)) {
          result.inconclusive += 1;
        } else {
          const problems = monthProblems(objects, month);
          if (problems.length === 0) result.complete += 1;
          else result.halfNew.push(problems.join('; '));
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      stopped = true;
      try {
        await loop;
      } finally {
        client.destroy();
      }
      return result;
    },
  };
}
