/**
 * Finds a Redis for the whole test run, in this order: REDIS_URL, then 127.0.0.1:6379, then a
 * testcontainers Redis. If none can be had the run fails here, naming the three ways: Redis tests
 * are never skipped silently.
 */
import type { TestProject } from 'vitest/node';
import { Redis } from 'ioredis';

async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

let stopContainer: (() => Promise<unknown>) | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tried: string[] = [];
  let url: string | undefined;

  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    if (await answersPing(fromEnv)) url = fromEnv;
    else tried.push(`REDIS_URL is set but does not answer PING`);
  } else {
    tried.push('REDIS_URL is not set');
  }
  if (!url) {
    const local = 'redis://127.0.0.1:6379';
    if (await answersPing(local)) url = local;
    else tried.push('nothing answers on 127.0.0.1:6379');
  }
  if (!url) {
    try {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = await new RedisContainer('redis:7.4-alpine').start();
      url = container.getConnectionUrl();
      stopContainer = () => container.stop();
    } catch (err) {
      tried.push(`testcontainers could not start Redis (${(err as Error).message.split('\n')[0]})`);
    }
  }
  if (!url) {
    throw new Error(
      `No Redis for the tests: ${tried.join('; ')}. Provide one of: REDIS_URL=redis://host:port, ` +
        `a Redis on 127.0.0.1:6379 (redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no), ` +
        `or a container runtime for testcontainers.`,
    );
  }
  process.env.REDIS_URL = url;
  project.provide('redisUrl', url);
  return async () => {
    await stopContainer?.();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
