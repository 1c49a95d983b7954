/**
 * What the end-to-end tests of `run --out s3://…` share: the environment a CLI child needs to reach
 * the test store (credentials from the environment only, never this machine's ~/.aws), a comparison
 * of a store's objects with an output folder written from the same data (run-specific values aside),
 * whether a month reads complete, and a hold on the fault proxy that keeps requests in flight until
 * the test drops them (they are never forwarded).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { manifestWithoutTiming, type MonthManifest } from '../../src/report/index.js';
import { listFiles } from './e2e-cli.js';
import type { FaultProxy, SeenRequest, TestS3 } from './s3-server.js';

const MONTH_MANIFEST = /^\d{4}-\d{2}\/manifest\.json$/;
const REQUESTS_LOWER_BOUND = 'requests_lower_bound';

/** The test store's endpoint and key pair, and nothing of this machine's AWS configuration. */
export function storeEnv(s3: Pick<TestS3, 'env'>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...s3.env,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    ...extra,
  };
}

/** Every file of an output folder by its relative name, without .work/ (a disk run's journal lives there). */
export async function readFolder(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of await listFiles(dir)) if (!name.startsWith('.work/')) files.set(name, await readFile(join(dir, name)));
  return files;
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface CompareOptions {
  /**
   * Leave out the request counters and the requests_lower_bound warning: a run resumed after kill -9
   * counts the killed attempt's requests too, and says the count is a lower bound.
   */
  ignoreRequests?: boolean;
}

type Json = Record<string, unknown>;

function withoutRequests(manifest: Json): Json {
  const totals = { ...(manifest.totals as Json) };
  delete totals.api_calls;
  const warnings = (manifest.warnings as Array<{ name: string }>).filter((w) => w.name !== REQUESTS_LOWER_BOUND);
  return { ...manifest, totals, warnings };
}

/**
 * What of a file two runs of the same data must agree on: the bytes (as size and SHA-256, so a failure
 * does not print a page), except where a file carries the run's own values: a month manifest without
 * `timing`; run_results.json without its times and phases, the output's location as `<out>`; the
 * workspace marker without `created_at`.
 */
export function comparable(name: string, bytes: Buffer, options: CompareOptions = {}): string {
  if (MONTH_MANIFEST.test(name)) {
    const manifest = manifestWithoutTiming(JSON.parse(bytes.toString('utf8')) as MonthManifest) as unknown as Json;
    return JSON.stringify(options.ignoreRequests ? withoutRequests(manifest) : manifest, null, 1);
  }
  if (name === 'run_results.json') {
    const results = JSON.parse(bytes.toString('utf8')) as Json & { out_dir: string; months: Array<Json & { dir: string }> };
    const out = results.out_dir;
    const { started_at: _s, finished_at: _f, duration_ms: _d, phases_ms: _p, ...rest } = results;
    const months = results.months.map((m) => {
      const month = { ...m, dir: m.dir.replace(out, '<out>') };
      return options.ignoreRequests ? withoutRequests(month) : month;
    });
    const normal: Json = { ...rest, out_dir: '<out>', months };
    if (options.ignoreRequests) delete normal.requests;
    return JSON.stringify(normal, null, 1);
  }
  if (name === '.cohort-reports-workspace.json') {
    const { created_at: _c, ...marker } = JSON.parse(bytes.toString('utf8')) as Json;
    return JSON.stringify(marker);
  }
  return `${bytes.length} bytes, sha256 ${sha256(bytes)}`;
}

/** The store holds exactly the folder's files, each the same as `comparable` reads it. */
export function expectSameReports(objects: ReadonlyMap<string, Buffer>, folder: ReadonlyMap<string, Buffer>, options: CompareOptions = {}): void {
  expect([...objects.keys()]).toEqual([...folder.keys()]);
  for (const [name, bytes] of folder) expect(comparable(name, objects.get(name)!, options), name).toBe(comparable(name, bytes, options));
}

/** Byte for byte the same objects (a refused run touched nothing). */
export function expectUnchanged(after: ReadonlyMap<string, Buffer>, before: ReadonlyMap<string, Buffer>): void {
  expect([...after.keys()]).toEqual([...before.keys()]);
  for (const [name, bytes] of before) expect(after.get(name)?.equals(bytes), `${name} unchanged`).toBe(true);
}

/**
 * How `month` reads from the objects: 'complete' when its manifest.json is there (and then every file it
 * lists must have the listed size and SHA-256: a manifest over other objects would be a half-new month,
 * which fails here), 'incomplete' without one.
 */
export function monthState(objects: ReadonlyMap<string, Buffer>, month: string): 'complete' | 'incomplete' {
  const manifest = objects.get(`${month}/manifest.json`);
  if (manifest === undefined) return 'incomplete';
  const { files } = JSON.parse(manifest.toString('utf8')) as MonthManifest;
  for (const file of files) {
    const bytes = objects.get(`${month}/${file.name}`);
    expect(bytes, `${month}/${file.name} listed in the manifest`).toBeDefined();
    expect({ bytes: bytes!.length, sha256: sha256(bytes!) }, `${month}/${file.name}`).toEqual({ bytes: file.bytes, sha256: file.sha256 });
  }
  return 'complete';
}

export interface Hold {
  /** The first request held. */
  readonly first: Promise<SeenRequest>;
  /** Lets go of every held request without forwarding it (its connection is destroyed), and stops holding. */
  drop(): void;
}

/**
 * Lets `passing` requests that `matches` accepts through, then holds the next one it accepts and every
 * request after it, of whatever kind: the client is caught with them in flight (to be killed).
 */
export function holdRequests(proxy: FaultProxy, matches: (req: SeenRequest) => boolean, passing = 0): Hold {
  let drop!: (err: Error) => void;
  const gate = new Promise<void>((_, reject) => {
    drop = reject;
  });
  gate.catch(() => undefined);
  let hit!: (req: SeenRequest) => void;
  const first = new Promise<SeenRequest>((resolve) => {
    hit = resolve;
  });
  let letThrough = passing;
  let holding = false;
  proxy.onRequest((req) => {
    if (!holding) {
      if (!matches(req)) return undefined;
      if (letThrough > 0) {
        letThrough -= 1;
        return undefined;
      }
      hit(req);
      holding = true;
    }
    return gate;
  });
  return {
    first,
    drop() {
      proxy.onRequest(null);
      drop(new Error('dropped by the test'));
    },
  };
}
