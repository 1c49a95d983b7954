/**
 * The one-writer lock of an object-store output: the object `prefix/.cohort-reports.lock`, holding who
 * writes (the LockHolder JSON of the disk lock, output-lock.ts, whose semantics this follows).
 *
 * Where the store honours conditional writes (AWS S3 since 2024, MinIO, …), every step is atomic on
 * the store: created with `If-None-Match: *` (one creator wins), refreshed every LOCK_REFRESH_MS by a
 * put with `If-Match: <its ETag>` (a 412 means another writer took it over: we stop refreshing and say
 * so), and a stale lock is taken over by a put with `If-Match: <the stale ETag>` (one taker wins).
 *
 * Where it does not, the same steps are read-compare-write, and a writer re-reads the lock a second
 * after writing it and gives way if it is no longer its own: two writers are told apart unless both
 * wrote within that second. Best effort, and said so once on the log.
 *
 * Stale: not refreshed for STALE_AFTER_MS by the store's own clock (its Last-Modified against the
 * Date header of its latest answer, so a writer whose clock is off does not take a live lock); or,
 * as on disk, a holder on this host whose process is gone.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  LOCK_FILE,
  LOCK_REFRESH_MS,
  OutputLockedError,
  STALE_AFTER_MS,
  describeHolder,
  parseLockHolder,
  type LockHolder,
  type OutputLock,
} from '../report-files/output-lock.js';
import { printable } from '../shared/printable.js';
import { processRuns } from '../shared/process-runs.js';
import { sleep } from '../shared/sleep.js';
import type { ObjectRead, S3Store } from './s3-store.js';

/** How long a best-effort writer waits before it checks that the lock it wrote is still its own. */
const BEST_EFFORT_SETTLE_MS = 1_000;
/** Rounds of create / read / take over before giving up (each round ends unless the lock vanished meanwhile). */
const MAX_ROUNDS = 5;

export interface S3LockOptions {
  /** Whether the store honours If-None-Match / If-Match (see s3-output.ts: probed once). */
  conditionalWrites: boolean;
  /** The local clock (tests age a lock with it). */
  now: () => number;
  refreshMs?: number;
  log: (line: string) => void;
}

/** Tokens of the store locks this process holds now: our own pid on our host with another token is a predecessor's. */
const heldHere = new Set<string>();

interface Found {
  holder: LockHolder | null;
  etag: string;
  lastModifiedMs: number;
}

function parseHolder(read: ObjectRead): Found {
  return { holder: parseLockHolder(read.body.toString('utf8')), etag: read.etag, lastModifiedMs: read.lastModifiedMs };
}

function isStale(found: Found, storeNowMs: number): boolean {
  if (storeNowMs - found.lastModifiedMs > STALE_AFTER_MS) return true;
  const h = found.holder;
  if (h === null || h.host !== hostname()) return false;
  if (h.pid === process.pid) return !heldHere.has(h.token);
  return !processRuns(h.pid);
}

/**
 * Takes the lock of the output `store` writes, or throws OutputLockedError naming the holder.
 *
 * @example
 * const lock = await acquireS3Lock(store, 'run --month 2026-10', { conditionalWrites: true, now: Date.now, log });
 * try { … } finally { await lock.release(); }
 */
export async function acquireS3Lock(store: S3Store, command: string, options: S3LockOptions): Promise<OutputLock> {
  const { conditionalWrites, now, log } = options;
  const key = store.keyOf(LOCK_FILE);
  const url = store.urlOf(key);
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date(now()).toISOString(), command, token: randomUUID() };
  const body = Buffer.from(`${JSON.stringify(me)}\n`);

  const locked = (holder: LockHolder | null): OutputLockedError => {
    return new OutputLockedError(store.location, holder, printable(url));
  };
  const read = async (): Promise<Found | null> => {
    const got = await store.get(key, 'read the lock');
    return got === null ? null : parseHolder(got);
  };
  /** Best effort: a moment after writing, is the lock still ours? If not, the other writer keeps it. */
  const settle = async (): Promise<string> => {
    await sleep(BEST_EFFORT_SETTLE_MS);
    const after = await read();
    if (after?.holder?.token !== me.token) throw locked(after?.holder ?? null);
    return after.etag;
  };

  let tookOverFrom: LockHolder | null = null;
  /** Creates the lock, or takes a stale one over; its ETag. */
  const take = async (): Promise<string> => {
    for (let round = 0; ; round++) {
      if (round === MAX_ROUNDS) throw locked((await read())?.holder ?? null);
      if (conditionalWrites) {
        const created = await store.put(key, body, 'take the lock', { ifNoneMatch: true });
        if (created.written) return created.etag;
      }
      const found = await read();
      if (found === null) {
        if (conditionalWrites) continue; // released meanwhile
        // Check-then-write: see the header.
        const put = await store.put(key, body, 'take the lock');
        if (put.written) return settle();
        continue;
      }
      // A conditional create whose answer was lost and retried reads 412 on our own lock.
      if (found.holder?.token === me.token) return found.etag;
      if (!isStale(found, store.storeTime(now()))) throw locked(found.holder);
      tookOverFrom = found.holder ?? { pid: 0, host: '?', started_at: '?', command: 'a writer whose lock was unreadable', token: '' };
      if (conditionalWrites) {
        const taken = await store.put(key, body, 'take over the lock', { ifMatch: found.etag });
        if (taken.written) return taken.etag;
        if (taken.why === 'changed') throw locked((await read())?.holder ?? found.holder); // another taker won
        continue; // 'missing': released meanwhile, create it
      }
      const again = await read();
      if (again !== null && again.etag !== found.etag) throw locked(again.holder);
      const put = await store.put(key, body, 'take over the lock');
      if (put.written) return settle();
    }
  };
  // Counted as held from before it is written: another writer in this process that reads it meanwhile
  // must not take it for a predecessor's (same pid, token unknown) and take it over.
  heldHere.add(me.token);
  let current: string;
  try {
    current = await take();
  } catch (err) {
    heldHere.delete(me.token);
    throw err;
  }
  let lost = false;
  let refreshing: Promise<void> = Promise.resolve();
  const giveUp = (holder: LockHolder | null): void => {
    lost = true;
    clearInterval(timer);
    const who = holder === null ? 'another writer (or it was removed)' : describeHolder(holder);
    log(`the lock ${printable(url)} was taken over by ${who}: this writer no longer keeps it fresh; run one writer per output`);
  };
  const refresh = async (): Promise<void> => {
    if (conditionalWrites) {
      const put = await store.put(key, body, 'refresh the lock', { ifMatch: current });
      if (put.written) current = put.etag;
      else giveUp(put.why === 'missing' ? null : ((await read())?.holder ?? null));
      return;
    }
    const found = await read();
    if (found?.holder?.token !== me.token) return giveUp(found?.holder ?? null);
    const put = await store.put(key, body, 'refresh the lock');
    if (put.written) current = put.etag;
  };
  let inFlight = false;
  const timer = setInterval(() => {
    // One refresh at a time (a slow one skips ticks); a failed one (the network) is tried again at
    // the next tick, well before the lock would read stale.
    if (inFlight || lost) return;
    inFlight = true;
    refreshing = refresh()
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
      });
  }, options.refreshMs ?? LOCK_REFRESH_MS);
  timer.unref();

  let released = false;
  return {
    tookOverFrom,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      heldHere.delete(me.token);
      await refreshing;
      if (lost) return;
      try {
        const found = await read();
        if (found?.holder?.token !== me.token) return;
        if (!conditionalWrites || (await store.deleteOne(key, 'release the lock', found.etag).catch(() => null)) === null) {
          // No If-Match on DeleteObject here (or the store refused it): read-compare-delete.
          await store.deleteOne(key, 'release the lock');
        }
      } catch (err) {
        log(`${(err as Error).message}; the lock is taken over once it is ${STALE_AFTER_MS / 1000} s old (or delete ${printable(url)})`);
      }
    },
  };
}
