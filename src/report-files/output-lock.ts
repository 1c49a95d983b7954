/**
 * One writer per output folder. Two runs writing one folder would share a journal, delete each other's
 * temporary folders and leave a mix of both; so a writer first creates OUT/.cohort-reports.lock with
 * O_EXCL, holding who it is (pid, host, start time, command), and keeps its modification time fresh
 * while it works. A second writer gets one line naming the holder and touches nothing.
 *
 * A lock whose holder is gone is taken over (and the taker says so): on the same host, a holder whose
 * pid no longer runs; on any host, a lock not refreshed for STALE_AFTER_MS (the holder's machine died,
 * or a pid was reused after a container restart). A file lock, not flock(2): it works the same on
 * local disks and on the shared volumes (NFS, EFS) worker deployments write to, where flock may not.
 *
 * The lock is made whole and then linked into place, so a reader never sees it half-written; a stale
 * one is removed by one taker at a time (removeStaleLock), so two writers never both hold the folder.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printable } from '../shared/printable.js';
import { sleep } from '../shared/sleep.js';
import { processRuns } from '../shared/process-runs.js';
import { createFileIfAbsent } from './create-file-if-absent.js';
import { isCode } from './sync-path.js';

export const LOCK_FILE = '.cohort-reports.lock';
/** How often a holder touches its lock. */
export const LOCK_REFRESH_MS = 10_000;
/** A lock untouched this long has no live holder (12 missed refreshes: no pause of a live process is that long). */
export const STALE_AFTER_MS = 120_000;
/** A takeover in progress (see removeStaleLock) is waited for this long; one whose taker died, after TAKEOVER_STALE_MS. */
const TAKEOVER_WAIT_MS = 5_000;
const TAKEOVER_POLL_MS = 50;
const TAKEOVER_STALE_MS = 30_000;

export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
  command: string;
  /** Tells this holder's lock from a later one with the same pid and host. */
  token: string;
}

export interface OutputLock {
  /** The lock taken over from a holder that was gone, if any (for the caller to say so). */
  tookOverFrom: LockHolder | null;
  /** Removes the lock if it is still this writer's. Idempotent. */
  release(): Promise<void>;
}

/** Another writer holds the output (exit 1: wait for it, or write elsewhere). */
export class OutputLockedError extends Error {
  readonly code = 'OUTPUT_LOCKED';
  readonly exitCode = 1;
  readonly holder: LockHolder | null;
  /** `lockPath`: where the lock is, when not OUT/LOCK_FILE on disk (an object's s3:// URL). */
  constructor(outDir: string, holder: LockHolder | null, lockPath: string = join(outDir, LOCK_FILE)) {
    const who = holder ? describeHolder(holder) : 'another writer';
    super(
      `${outDir} is being written by ${who}: wait for it to finish, or write elsewhere with --out. ` +
        `If that process is gone, the lock ${lockPath} is taken over once it is ${STALE_AFTER_MS / 1000} s old (or delete it)`,
    );
    this.name = 'OutputLockedError';
    this.holder = holder;
  }
}

/** Tokens of the locks this process holds now (a worker may write several runs' reports at once). */
const heldHere = new Set<string>();

/**
 * Removes the stale lock `token` names, one taker at a time: a second file, created exclusively,
 * says who is taking it over (itself stale after TAKEOVER_STALE_MS, should that taker die midway).
 * 'removed': gone, the caller may create its own; 'busy': another taker is at it; 'replaced': the
 * lock is no longer the stale one (its holder came back, or a new writer holds it).
 */
async function removeStaleLock(path: string, token: string | null, now: () => number): Promise<'removed' | 'busy' | 'replaced'> {
  const mutex = `${path}.takeover`;
  try {
    await writeFile(mutex, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if (!isCode(err, 'EEXIST')) throw err;
    const info = await stat(mutex).catch(() => null);
    if (info !== null && now() - info.mtimeMs > TAKEOVER_STALE_MS) await rm(mutex, { force: true });
    return 'busy';
  }
  try {
    const found = await readHolder(path);
    if (found === null) return 'removed';
    if ((found.holder?.token ?? null) !== token || !isStale(found, now())) return 'replaced';
    // Only takers remove another's lock, and only under the mutex: the lock read is the one removed.
    await rm(path, { force: true });
    return 'removed';
  } finally {
    await rm(mutex, { force: true });
  }
}

/** The holder a lock's text names, or null when it names none (torn by a crash, or not ours). */
export function parseLockHolder(text: string): LockHolder | null {
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') {
      return {
        pid: parsed.pid,
        host: parsed.host,
        token: parsed.token,
        started_at: String(parsed.started_at ?? '?'),
        command: String(parsed.command ?? 'cohort-reports'),
      };
    }
  } catch {
    // Torn by a crash mid-write: no holder can be named, and its age decides.
  }
  return null;
}

async function readHolder(path: string): Promise<{ holder: LockHolder | null; mtimeMs: number } | null> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const holder = parseLockHolder(text);
    return { holder, mtimeMs: info.mtimeMs };
  } catch (err) {
    if (isCode(err, 'ENOENT')) return null;
    throw err;
  }
}

function isStale(found: { holder: LockHolder | null; mtimeMs: number }, nowMs: number): boolean {
  if (nowMs - found.mtimeMs > STALE_AFTER_MS) return true;
  const h = found.holder;
  if (h === null || h.host !== hostname()) return false;
  // Our own pid on our own host but none of our locks: a predecessor with the same pid (a restarted
  // container). One of our own (another job of this worker) is held.
  if (h.pid === process.pid) return !heldHere.has(h.token);
  return !processRuns(h.pid);
}

/**
 * Takes the output's lock, or throws OutputLockedError naming its holder. The folder must exist.
 *
 * @example
 * const lock = await acquireOutputLock('reports', 'run --month 2026-10');
 * try { … } finally { await lock.release(); }
 */
export async function acquireOutputLock(outDir: string, command: string, now: () => number = Date.now): Promise<OutputLock> {
  const path = join(outDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date(now()).toISOString(), command, token: randomUUID() };
  let tookOverFrom: LockHolder | null = null;
  const deadline = now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (await createFileIfAbsent(path, `${JSON.stringify(me)}\n`, false)) break;
    const found = await readHolder(path);
    if (found === null) continue; // released meanwhile
    if (!isStale(found, now())) throw new OutputLockedError(outDir, found.holder);
    // Whoever removes it, a writer that gets the lock after seeing it stale took it over.
    tookOverFrom = found.holder ?? { pid: 0, host: '?', started_at: '?', command: 'a writer whose lock was torn', token: '' };
    const outcome = await removeStaleLock(path, found.holder?.token ?? null, now);
    if (outcome === 'replaced') throw new OutputLockedError(outDir, (await readHolder(path))?.holder ?? null);
    if (outcome === 'busy') {
      // Another writer is taking it over: its lock appears in a moment, and the next round names it.
      if (now() > deadline) throw new OutputLockedError(outDir, found.holder);
      await sleep(TAKEOVER_POLL_MS);
    }
  }

  heldHere.add(me.token);
  const refresh = setInterval(() => {
    const t = new Date(now());
    utimes(path, t, t).catch(() => undefined);
  }, LOCK_REFRESH_MS);
  refresh.unref();
  let released = false;
  return {
    tookOverFrom,
    async release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      heldHere.delete(me.token);
      const found = await readHolder(path).catch(() => null);
      if (found?.holder?.token === me.token) await rm(path, { force: true });
    },
  };
}

/** `command (pid N on host, since …)`, for the line that says a stale lock was taken over. */
export function describeHolder(holder: LockHolder): string {
  return `${printable(holder.command)} (pid ${holder.pid} on ${printable(holder.host)}, since ${printable(holder.started_at)})`;
}
