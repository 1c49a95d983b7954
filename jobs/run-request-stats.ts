/**
 * The request counters of a distributed run, for the manifest's api_calls / responses_429 / retries
 * and the progress shown by `status`: in one Redis hash per run, each worker process writing its own
 * cumulative totals (not increments), so a write that failed while Redis was down, or that Redis lost
 * in a crash before it reached disk, is made good by the process's next write. Reading sums every
 * process and says when the sum may be short of the truth (`lowerBound`): a process's last write went
 * to an earlier incarnation of the server (a restart since, which may have lost a later write). Not
 * seen: a process whose every write Redis lost and which wrote no more (it joined in the last second
 * before a crash and died with it). See
 * src/pipeline/lua/save-request-stats.lua and read-request-stats.lua.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createScriptRunner, type ScriptRunner } from '../src/rate-limit/create-script-runner.js';
import { runKeyBase } from '../src/pipeline/redis-store.js';
import { RUN_TTL_SECONDS } from '../src/pipeline/run-ttl.js';
import { storeScript } from '../src/pipeline/store-scripts.js';

export interface RunRequestStats {
  apiCalls: number;
  responses429: number;
  retries: number;
}

export interface RunRequestTotals extends RunRequestStats {
  /** Some requests may be missing from the figures (see the module comment): they are the least made. */
  lowerBound: boolean;
}

function statsKey(prefix: string, runId: string): string {
  return `${runKeyBase(prefix, runId)}:request-stats`;
}

/** One id per writer (a worker process's API pool): host, pid, and a random part for pid reuse. */
export function newRequestStatsWriter(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

const runners = new WeakMap<Redis, { save: ScriptRunner; read: ScriptRunner }>();
function scripts(redis: Redis): { save: ScriptRunner; read: ScriptRunner } {
  let s = runners.get(redis);
  if (s === undefined) {
    s = { save: createScriptRunner(redis, storeScript('save-request-stats.lua')), read: createScriptRunner(redis, storeScript('read-request-stats.lua')) };
    runners.set(redis, s);
  }
  return s;
}

/** Records `writer`'s totals for the run (every request its clients made for the run so far). */
export async function saveRunRequestStats(
  redis: Redis,
  prefix: string,
  runId: string,
  writer: string,
  totals: RunRequestStats,
  ttlSeconds = RUN_TTL_SECONDS,
): Promise<void> {
  await scripts(redis).save([statsKey(prefix, runId)], [writer, String(totals.apiCalls), String(totals.responses429), String(totals.retries), String(ttlSeconds)]);
}

export async function readRunRequestStats(redis: Redis, prefix: string, runId: string): Promise<RunRequestTotals> {
  const [apiCalls, responses429, retries, lowerBound] = (await scripts(redis).read([statsKey(prefix, runId)], [])) as number[];
  return { apiCalls: Number(apiCalls ?? 0), responses429: Number(responses429 ?? 0), retries: Number(retries ?? 0), lowerBound: lowerBound === 1 };
}
