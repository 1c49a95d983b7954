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
  /**
   * The client of run `key` (its id and incarnation), opened with `open` when no job of the run holds
   * one; its requests are counted by the run's `store`.
   */
  lease(key: string, open: () => IntercomApi, store: RunStore): ApiLease;
  close(): Promise<void>;
}

export function createApiPool(): ApiPool {
  const entries = new Map<string, { api: IntercomApi; users: number }>();
  return {
    lease(key, open, store) {
      let entry = entries.get(key);
      if (entry === undefined) {
        entry = { api: open(), users: 0 };
        countRequests(entry.api, store);
        entries.set(key, entry);
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
          if (held.users === 0 && entries.get(key) === held) {
            entries.delete(key);
            await held.api.close();
          }
          await store.flushRequests();
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
