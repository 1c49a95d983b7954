/**
 * The teardown every process-spawning or Redis test needs, once: each step tolerates what beforeAll
 * never got to create, so a failed setup reports its own error rather than one from the teardown.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { createTestRedis, deleteKeys } from './redis.js';

/** SIGKILL for a child still running, and its exit awaited (a no-op for one that has ended). */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** The test's queue obliterated and closed, and every key under its prefix deleted. */
export async function removeQueue(queue: Queue | undefined, redis: Redis, prefix: string): Promise<void> {
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  await deleteKeys(redis, prefix);
}

/**
 * The deployment `prefix`'s queue on a connection of its own, for a test to add and watch jobs; its
 * removal (queue obliterated, keys deleted with `redis`, connection closed) is pushed onto `cleanups`.
 */
export function openTestQueue(prefix: string, redis: Redis, cleanups: Array<() => Promise<void>>): Queue {
  const connection = createTestRedis();
  const queue = new Queue(QUEUE_NAME, { connection, prefix: bullPrefix(prefix) });
  cleanups.push(async () => {
    await removeQueue(queue, redis, prefix);
    connection.disconnect();
  });
  return queue;
}

export interface TestResources {
  prefix: string;
  queue?: Queue | undefined;
  redis?: Redis | undefined;
  sandbox?: { close(): Promise<void> } | undefined;
  tmp?: string | undefined;
}

/** Queue, keys, Redis client, sandbox and temporary folder, in that order. */
export async function tearDown(r: TestResources): Promise<void> {
  if (r.redis) {
    await removeQueue(r.queue, r.redis, r.prefix);
    await r.redis.quit();
  } else {
    await r.queue?.close();
  }
  await r.sandbox?.close();
  if (r.tmp) await rm(r.tmp, { recursive: true, force: true });
}
