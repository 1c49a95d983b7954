/**
 * The reports as objects under `s3://bucket/prefix`: the same names and bytes as on disk (see
 * report-output.ts for the guarantees). Loaded only through a dynamic import, for s3:// outputs, so
 * runs that write to disk never load the AWS SDK.
 *
 * A month is written files first, manifest.json last. Replacing a month that has a manifest goes:
 * upload the new files under a hidden `prefix/.staging/<uuid>/` (a failed upload leaves the old month
 * exactly as it was), delete the old manifest (from here the month reads incomplete, never half-new),
 * copy each staged object to its place on the store, put the new manifest, then delete the staging
 * objects and every old key the new month does not have.
 */
import './s3-quiet.js';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMonth } from '../report/months.js';
import { printable } from '../shared/printable.js';
import { processRuns } from '../shared/process-runs.js';
import type { FileCheck, ReportOutput } from './report-output.js';
import { stagingFolder } from './staging-folder.js';
import { ObjectStoreError } from './s3-errors.js';
import { acquireS3Lock } from './s3-lock.js';
import { createS3Store, runBounded, type S3Store, type S3StoreOptions } from './s3-store.js';

const MANIFEST = 'manifest.json';
/** Hidden under the prefix (never a month: listMonthNames keeps YYYY-MM only). */
const STAGING = '.staging';
const DEFAULT_CONCURRENCY = 8;

export interface S3OutputOptions extends S3StoreOptions {
  /** Where the lock's warnings go (taken over, best effort). Default: stderr. */
  log?: (line: string) => void;
  /** The lock's clock (tests age a lock with it). Default Date.now. */
  now?: () => number;
  /** How often the lock is refreshed; default LOCK_REFRESH_MS (tests shorten it). */
  lockRefreshMs?: number;
  /** Uploads and copies at once. Default 8. */
  concurrency?: number;
}

/** What `check` learns of a store it can reach and write. */
export interface ProbeResult {
  /** Whether the store honours If-None-Match / If-Match, which make the lock atomic. */
  conditionalWrites: boolean;
}

export interface S3ReportOutput extends ReportOutput {
  /** Reaches the bucket, writes and deletes a probe object, and tells whether conditional writes hold; or throws one ObjectStoreError line. */
  probe(): Promise<ProbeResult>;
  /** HTTP attempts so far per operation (put, get, head, list, copy, delete, part, multipart), retries included. */
  requests(): Record<string, number>;
}

function badUrl(url: string, why: string): ObjectStoreError {
  // A URL with userinfo may hold a secret: not echoed.
  const shown = url.includes('@') ? 'the value given' : JSON.stringify(printable(url));
  return new ObjectStoreError(
    'OBJECT_STORE_BAD_URL',
    `--out / report.outDir: ${shown} is not an object store location (${why}): use s3://bucket/prefix, ` +
      'where the bucket is 3-63 lowercase letters, digits, dots and hyphens',
  );
}

/**
 * @example
 * parseS3Url('s3://reports/team-a/monthly/'); // { bucket: 'reports', prefix: 'team-a/monthly' }
 * parseS3Url('s3://reports');                 // { bucket: 'reports', prefix: '' }
 */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/is.exec(url);
  if (match === null) throw badUrl(url, 'it does not start with s3://');
  const bucket = match[1] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw badUrl(url, bucket === '' ? 'no bucket' : 'not a valid bucket name');
  }
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(prefix)) throw badUrl(url, 'the prefix holds control characters');
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw badUrl(url, "the prefix has an empty, '.' or '..' part");
  }
  return { bucket, prefix };
}

function assertName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`not an output name: ${JSON.stringify(printable(name))}`);
  }
}

/** Every file under `dir`, as '/'-separated names relative to it, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1).split(/[\\/]/).join('/'))
    .sort();
}

const LOCAL_STAGING = 'cohort-reports-stage-';

/**
 * A fresh local folder to stage files in, named for this process (`cohort-reports-stage-<pid>-…`), so
 * what a writer killed mid-publish left in the temporary folder is known for a dead process's and
 * removed by the next one (a live process's, another worker's, is left alone).
 */
async function newStagingDir(): Promise<string> {
  const root = tmpdir();
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = /^cohort-reports-stage-(\d+)-/.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !processRuns(Number(pid))) {
      await rm(join(root, name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return mkdtemp(join(root, `${LOCAL_STAGING}${process.pid}-`));
}

/** Deletes what a failed publish left under its staging prefix; a failure here must not hide the first one. */
async function removeQuietly(store: S3Store, keyPrefix: string): Promise<void> {
  try {
    await store.deleteKeys(await store.listKeys(keyPrefix, 'list'), 'remove');
  } catch {
    // Left for the next publish of this output to overwrite; never read as a month.
  }
}

async function publishMonth(store: S3Store, month: string, dir: string, concurrency: number): Promise<void> {
  const monthPrefix = `${store.keyOf(month)}/`;
  const files = await listFiles(dir);
  const others = files.filter((f) => f !== MANIFEST);
  const newKeys = new Set(files.map((f) => monthPrefix + f));
  const oldKeys = await store.listKeys(monthPrefix, 'list');
  const upload = (from: string, base: string) => (f: string) => store.uploadFile(join(from, f), base + f, 'upload');

  if (!oldKeys.includes(monthPrefix + MANIFEST)) {
    // Nothing reads as this month until its manifest is there.
    await runBounded(others, concurrency, upload(dir, monthPrefix));
    if (files.includes(MANIFEST)) await store.uploadFile(join(dir, MANIFEST), monthPrefix + MANIFEST, 'upload');
    // What an earlier, failed publish of this month left (no manifest lists it).
    await store.deleteKeys(oldKeys.filter((k) => !newKeys.has(k)), 'remove');
    return;
  }

  const stagingPrefix = `${store.keyOf(`${STAGING}/${randomUUID()}/${month}`)}/`;
  try {
    // Until every new file is on the store, the old month stays exactly as it was.
    await runBounded(others, concurrency, upload(dir, stagingPrefix));
    // From here the month reads incomplete (no manifest) until the new one is complete: never half-new.
    await store.deleteKeys([monthPrefix + MANIFEST], 'remove');
    await runBounded(others, concurrency, (f) => store.copy(stagingPrefix + f, monthPrefix + f, 'copy'));
    if (files.includes(MANIFEST)) await store.uploadFile(join(dir, MANIFEST), monthPrefix + MANIFEST, 'upload');
    const stale = oldKeys.filter((k) => !newKeys.has(k));
    await store.deleteKeys([...others.map((f) => stagingPrefix + f), ...stale], 'remove');
  } catch (err) {
    await removeQuietly(store, stagingPrefix);
    throw err;
  }
}

async function publishRoot(store: S3Store, dir: string, entries: readonly string[], concurrency: number): Promise<void> {
  for (const entry of entries) {
    assertName(entry);
    const local = join(dir, ...entry.split('/'));
    if (!(await stat(local)).isDirectory()) {
      await store.uploadFile(local, store.keyOf(entry), 'upload');
      continue;
    }
    // A folder (charts/) replaced whole: the new files, then whatever the old one had besides.
    const base = `${store.keyOf(entry)}/`;
    const files = await listFiles(local);
    await runBounded(files, concurrency, (f) => store.uploadFile(join(local, f), base + f, 'upload'));
    const keep = new Set(files.map((f) => base + f));
    await store.deleteKeys((await store.listKeys(base, 'list')).filter((k) => !keep.has(k)), 'remove');
  }
}

/**
 * @example
 * const output = await createS3Output('s3://reports/monthly', { log: (line) => console.error(line) });
 * const staged = await output.stageMonth('2026-11'); // write into staged.dir, then:
 * await staged.publish();
 * await output.close();
 */
export async function createS3Output(url: string, options: S3OutputOptions = {}): Promise<S3ReportOutput> {
  const { bucket, prefix } = parseS3Url(url);
  const store = await createS3Store(bucket, prefix, options);
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const describe = (name = ''): string => (name === '' ? store.location : `${store.location}/${name}`);

  let conditional: Promise<boolean> | null = null;
  /** Whether the store honours If-None-Match: *, asked once: a second put of a probe key with it must get 412. */
  const conditionalWrites = (): Promise<boolean> =>
    (conditional ??= (async () => {
      const key = store.keyOf(`.cohort-reports-probe-${randomUUID()}`);
      const body = Buffer.from('cohort-reports probe: safe to delete\n');
      await store.put(key, body, 'write a probe object to');
      try {
        const second = await store.put(key, body, 'write a probe object to', { ifNoneMatch: true });
        return !second.written;
      } catch (err) {
        // A store that refuses the header outright does not honour it either.
        if (err instanceof ObjectStoreError && (err.statusCode === 501 || err.statusCode === 400)) return false;
        throw err;
      } finally {
        await store.deleteOne(key, 'delete a probe object from');
      }
    })().catch((err: unknown) => {
      conditional = null;
      throw err;
    }));
  let warnedBestEffort = false;
  let swept = false;
  /**
   * What a writer killed mid-replace left under .staging/ (a failed one removes its own): removed once
   * per output, before its first month is published. Only the lock's holder publishes, so nothing
   * there is another live writer's.
   */
  const sweepStaging = async (): Promise<void> => {
    if (swept) return;
    await store.deleteKeys(await store.listKeys(`${store.keyOf(STAGING)}/`, 'list'), 'remove');
    swept = true;
  };

  return {
    kind: 's3',
    location: store.location,
    describe,
    absolute: describe,

    async listMonthNames() {
      const folders = await store.listFolders(prefix === '' ? '' : `${prefix}/`, 'list');
      return folders.filter(isMonth).sort();
    },

    async read(name) {
      assertName(name);
      return (await store.get(store.keyOf(name), 'read'))?.body ?? null;
    },

    async verify(name, expected): Promise<FileCheck> {
      assertName(name);
      const head = await store.head(store.keyOf(name), 'check');
      if (head === null) return 'missing';
      // An object replaced by another tool lost our sha256 metadata: it cannot be vouched for.
      return head.bytes === expected.bytes && head.sha256 === expected.sha256 ? 'ok' : 'differs';
    },

    async stageMonth(month) {
      if (!isMonth(month)) throw new Error(`not a month: ${JSON.stringify(printable(month))}`);
      const dir = await newStagingDir();
      return stagingFolder(dir, async () => {
        await sweepStaging();
        await publishMonth(store, month, dir, concurrency);
      });
    },

    async stageRoot() {
      const dir = await newStagingDir();
      return stagingFolder(dir, (entries) => publishRoot(store, dir, entries, concurrency));
    },

    async createIfAbsent(name, bytes) {
      assertName(name);
      const key = store.keyOf(name);
      // HEAD first: on a store that ignores If-None-Match the PUT below would overwrite, so this is
      // the whole guard there: check-then-write, racy between two first writers of one output within
      // the same moment. Acceptable for the workspace marker: those two would hold one lock in turn,
      // and the later marker still names a workspace that writes here. Where the store honours the
      // header, the PUT is atomic and the HEAD only saves a write.
      if ((await store.head(key, 'check')) !== null) return false;
      return (await store.put(key, bytes, 'create', { ifNoneMatch: true })).written;
    },

    async remove(names) {
      names.forEach(assertName);
      await store.deleteKeys(names.map((n) => store.keyOf(n)), 'remove');
    },

    async lock(command) {
      const atomic = await conditionalWrites();
      if (!atomic && !warnedBestEffort) {
        warnedBestEffort = true;
        log(
          `the store at ${printable(store.endpoint)}/${bucket} ignores If-None-Match: the output lock is best effort ` +
            '(two writers starting within a second of each other are not kept apart); run one writer per output',
        );
      }
      return acquireS3Lock(store, command, { conditionalWrites: atomic, now, log, refreshMs: options.lockRefreshMs });
    },

    async probe() {
      await store.headBucket('reach');
      return { conditionalWrites: await conditionalWrites() };
    },

    requests: () => store.requests(),

    async close() {
      store.destroy();
    },
  };
}
