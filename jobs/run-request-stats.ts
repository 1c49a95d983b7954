/**
 * The request counters of a distributed run, summed over every worker in one Redis hash per run (for
 * the manifest's api_calls / responses_429 / retries and the progress shown by `status`).
 */
import type { Redis } from 'ioredis';
import { runKeyBase } from '../src/pipeline/redis-store.js';
import { RUN_TTL_SECONDS } from '../src/pipeline/run-ttl.js';

export interface RunRequestStats {
  apiCalls: number;
  responses429: number;
  retries: number;
}

const FIELDS: ReadonlyArray<keyof RunRequestStats> = ['apiCalls', 'responses429', 'retries'];

function statsKey(prefix: string, runId: string): string {
  return `${runKeyBase(prefix, runId)}:request-stats`;
}

export async function addRunRequestStats(
  redis: Redis,
  prefix: string,
  runId: string,
  delta: RunRequestStats,
  ttlSeconds = RUN_TTL_SECONDS,
): Promise<void> {
  if (FIELDS.every((f) => delta[f] === 0)) return;
  const key = statsKey(prefix, runId);
  const pipe = redis.multi();
  for (const f of FIELDS) if (delta[f] !== 0) pipe.hincrby(key, f, delta[f]);
  pipe.expire(key, ttlSeconds);
  await pipe.exec();
}

export async function readRunRequestStats(redis: Redis, prefix: string, runId: string): Promise<RunRequestStats> {
  const values = await redis.hmget(statsKey(prefix, runId), ...FIELDS);
  return { apiCalls: Number(values[0] ?? 0), responses429: Number(values[1] ?? 0), retries: Number(values[2] ?? 0) };
}
