/**
 * Intercom clients of one worker process, one per run in progress, shared by that run's concurrent
 * jobs. Because a client only ever serves one run, the growth of its counters between two flushes
 * belongs to that run, and each job's release adds it to the run's shared counters in Redis. Every
 * client is built with the worker's one limiter (the shared Redis token bucket).
 */
import type { IntercomApi } from '../src/intercom/types.js';
import type { RunRequestStats } from './run-request-stats.js';

export interface ApiLease {
  api: IntercomApi;
  /** Flushes the counters' growth to the run and closes the client when no job of the run uses it. */
  release(): Promise<void>;
}

export interface ApiPool {
  lease(runId: string): ApiLease;
  close(): Promise<void>;
}

interface Entry {
  api: IntercomApi;
  flushed: RunRequestStats;
  users: number;
}

function snapshot(api: IntercomApi): RunRequestStats {
  return { apiCalls: api.stats.calls, responses429: api.stats.responses429, retries: api.stats.retries };
}

export function createApiPool(options: {
  createApi: () => IntercomApi;
  flush: (runId: string, delta: RunRequestStats) => Promise<void>;
}): ApiPool {
  const entries = new Map<string, Entry>();

  return {
    lease(runId) {
      let entry = entries.get(runId);
      if (entry === undefined) {
        const api = options.createApi();
        entry = { api, flushed: snapshot(api), users: 0 };
        entries.set(runId, entry);
      }
      entry.users += 1;
      const held = entry;
      let released = false;
      return {
        api: held.api,
        async release() {
          if (released) return;
          released = true;
          held.users -= 1;
          const now = snapshot(held.api);
          const delta: RunRequestStats = {
            apiCalls: now.apiCalls - held.flushed.apiCalls,
            responses429: now.responses429 - held.flushed.responses429,
            retries: now.retries - held.flushed.retries,
          };
          held.flushed = now;
          if (held.users === 0 && entries.get(runId) === held) {
            entries.delete(runId);
            await held.api.close();
          }
          await options.flush(runId, delta);
        },
      };
    },
    async close() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.api.close()));
    },
  };
}
