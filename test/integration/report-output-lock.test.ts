/**
 * The output lock on a real file system: one holder at a time, even when many writers race for a free
 * or a stale lock; a stale lock is taken over only once; release removes only the holder's own lock.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireOutputLock, LOCK_FILE, OutputLockedError, STALE_AFTER_MS, type OutputLock } from '../../src/report-files/output-lock.js';

let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'output-lock-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const dir = join(tmp, `out-${(n += 1)}`);
  await mkdir(dir);
  return dir;
}

/** Settled outcomes of `count` writers racing for the lock of `dir` at once. */
async function race(dir: string, count: number): Promise<{ held: OutputLock[]; refused: OutputLockedError[] }> {
  const outcomes = await Promise.allSettled(Array.from({ length: count }, (_, i) => acquireOutputLock(dir, `writer ${i}`)));
  const held = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as OutputLockedError] : []));
  for (const err of refused) expect(err).toBeInstanceOf(OutputLockedError);
  return { held, refused };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('acquireOutputLock', () => {
  it('gives a free lock to exactly one of many racing writers, and names the holder to the others', async () => {
    const dir = await folder();
    const { held, refused } = await race(dir, 8);
    expect(held).toHaveLength(1);
    expect(refused).toHaveLength(7);
    const holder = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { pid: number; host: string; command: string };
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    for (const err of refused) expect(err.holder?.command).toBe(holder.command);
    expect(held[0]!.tookOverFrom).toBeNull();
    await held[0]!.release();
    const again = await acquireOutputLock(dir, 'after release');
    await again.release();
  });

  it('takes a stale lock over exactly once when many writers find it stale at once', async () => {
    for (const stale of ['dead pid on this host', 'unrefreshed lock of another host']) {
      const dir = await folder();
      const pid = stale === 'dead pid on this host' ? await deadPid() : 1;
      const host = stale === 'dead pid on this host' ? hostname() : 'elsewhere.invalid';
      await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid, host, started_at: 'then', command: 'old run', token: 'old' }));
      if (host !== hostname()) {
        const then = new Date(Date.now() - STALE_AFTER_MS - 5_000);
        await utimes(join(dir, LOCK_FILE), then, then);
      }
      const { held, refused } = await race(dir, 6);
      expect(held, stale).toHaveLength(1);
      expect(refused, stale).toHaveLength(5);
      expect(held[0]!.tookOverFrom).toMatchObject({ pid, host, command: 'old run' });
      await held[0]!.release();
    }
  });

  it('leaves a live holder alone: its own process on this host, or a fresh lock of another host', async () => {
    const dir = await folder();
    const mine = await acquireOutputLock(dir, 'first');
    await expect(acquireOutputLock(dir, 'second')).rejects.toThrow(/is being written by first \(pid \d+ on /);
    await mine.release();

    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.invalid', started_at: 'now', command: 'worker', token: 't' }));
    await expect(acquireOutputLock(dir, 'third')).rejects.toBeInstanceOf(OutputLockedError);
  });

  it('release removes only its own lock (not one a later writer took over)', async () => {
    const dir = await folder();
    const first = await acquireOutputLock(dir, 'first');
    // Someone judged it stale and replaced it: the first writer's release must not delete theirs.
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere.invalid', started_at: 'now', command: 'later', token: 'later' }));
    await first.release();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ token: 'later' });
  });

  it('a lock torn by a crash mid-write names no holder, and is taken over once it is old', async () => {
    const dir = await folder();
    await writeFile(join(dir, LOCK_FILE), '{"pid": 12');
    await expect(acquireOutputLock(dir, 'x')).rejects.toThrow(/is being written by another writer/);
    const then = new Date(Date.now() - STALE_AFTER_MS - 5_000);
    await utimes(join(dir, LOCK_FILE), then, then);
    const lock = await acquireOutputLock(dir, 'y');
    expect(lock.tookOverFrom).not.toBeNull();
    await lock.release();
  });
});
