import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { Redis } from 'ioredis';

/** The Redis URL chosen by the global setup (never absent: the setup fails the run instead). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A fresh key prefix per test, so Redis tests never see each other's keys. */
export function testPrefix(label = 'test'): string {
  return `${label}-${randomUUID()}`;
}

/** A client for test code; call `quit()` in afterAll/afterEach. */
export function createTestRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null });
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/**
 * One client for a test file, opened before its tests and closed after them, and a fresh prefix per
 * call of `prefix()` whose keys are deleted after each test.
 */
export function useTestRedis(): { redis: () => Redis; prefix: (label?: string) => string } {
  let client: Redis | undefined;
  const prefixes: string[] = [];
  beforeAll(() => {
    client = createTestRedis();
  });
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await deleteKeys(client!, p);
  });
  afterAll(async () => {
    await client?.quit();
  });
  return {
    redis: () => {
      if (client === undefined) throw new Error('useTestRedis: the client opens in beforeAll; use it inside a test or hook');
      return client;
    },
    prefix: (label) => {
      const p = testPrefix(label);
      prefixes.push(p);
      return p;
    },
  };
}
