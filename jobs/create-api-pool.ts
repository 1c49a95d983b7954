/**
 * Intercom clients of one worker process, one per run in progress, shared by that run's concurrent
 * jobs. Because a client only ever serves one run, its counters are that run's: the run's store counts
 * them from the client's creation (countRequests), and each job's release writes the process's totals
 * to the run's counters in Redis (RedisStore.flushRequests). Every client is built with the worker's
 * one limiter (the shared Redis token bucket).
 */
import type { IntercomApi } from '../src/intercom/types.js';
import { countRequests } from '../src/pipeline/count-requests.js';
import type { RunStore } from '../src/pipeline/run-store.js';

export interface ApiLease {
  api: IntercomApi;
  /** Writes the run's request totals and closes the client when no job of the run uses it. */
  release(): Promise<void>;
}

export interface ApiPool {
  /** `run`: the run's key in the process (its id and incarnation). */
  lease(run: string): ApiLease;
  close(): Promise<void>;
}

export function createApiPool(options: { createApi: (run: string) => IntercomApi; storeFor: (run: string) => RunStore }): ApiPool {
  const entries = new Map<string, { api: IntercomApi; users: number }>();
  return {
    lease(run) {
      let entry = entries.get(run);
      if (entry === undefined) {
        entry = { api: options.createApi(run), users: 0 };
        countRequests(entry.api, options.storeFor(run));
        entries.set(run, entry);
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
          if (held.users === 0 && entries.get(run) === held) {
            entries.delete(run);
            await held.api.close();
          }
          await options.storeFor(run).flushRequests();
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
