/**
 * Intercom clients of one worker process, one per run in progress, shared by that run's concurrent
 * jobs. Because a client only ever serves one run, the growth of its counters belongs to that run: the
 * pool adds it to the process's totals for the run, and each job's release writes those totals (not
 * the growth) to the run's counters in Redis (run-request-stats.ts). A write that fails (Redis down)
 * or that Redis loses is thus made good by the next one, and a failed write loses nothing here. Every
 * client is built with the worker's one limiter (the shared Redis token bucket).
 */
import type { IntercomApi } from '../src/intercom/types.js';
import { newRequestStatsWriter, type RunRequestStats } from './run-request-stats.js';

export interface ApiLease {
  api: IntercomApi;
  /** Writes the run's totals and closes the client when no job of the run uses it. */
  release(): Promise<void>;
}

export interface ApiPool {
  lease(runId: string): ApiLease;
  close(): Promise<void>;
}

interface Entry {
  api: IntercomApi;
  /** The client's counters already added to the run's totals. */
  taken: RunRequestStats;
  users: number;
}

/** Runs whose totals a process keeps (a run is monthly: far more than a worker ever serves at once). */
const RUNS_KEPT = 256;
/** How soon a write that failed is tried again (Redis down: the job fails, the totals stay here). */
const RETRY_MS = 1_000;

function snapshot(api: IntercomApi): RunRequestStats {
  return { apiCalls: api.stats.calls, responses429: api.stats.responses429, retries: api.stats.retries };
}

export function createApiPool(options: {
  createApi: () => IntercomApi;
  /** Writes this process's `totals` for the run (every request of its clients for the run so far). */
  flush: (runId: string, writer: string, totals: RunRequestStats) => Promise<void>;
}): ApiPool {
  const writer = newRequestStatsWriter();
  const entries = new Map<string, Entry>();
  /** Per run: this process's totals. */
  const totals = new Map<string, { now: RunRequestStats }>();
  /** Runs whose last write failed: written again soon, so no job has to come by for them to be. */
  const unwritten = new Set<string>();
  let retryTimer: NodeJS.Timeout | null = null;

  async function write(runId: string): Promise<void> {
    const run = totals.get(runId);
    if (run === undefined) return;
    const sent = { ...run.now };
    try {
      await options.flush(runId, writer, sent);
    } catch (err) {
      unwritten.add(runId);
      retryTimer ??= setTimeout(retryUnwritten, RETRY_MS);
      retryTimer.unref();
      throw err;
    }
    if (sent.apiCalls === run.now.apiCalls && sent.responses429 === run.now.responses429 && sent.retries === run.now.retries) unwritten.delete(runId);
  }
  function retryUnwritten(): void {
    retryTimer = null;
    for (const runId of [...unwritten]) {
      unwritten.delete(runId);
      write(runId).catch(() => {
        // Still down: write() has scheduled the next try.
      });
    }
  }

  function take(runId: string, entry: Entry): void {
    const current = snapshot(entry.api);
    let run = totals.get(runId);
    if (run === undefined) {
      run = { now: { apiCalls: 0, responses429: 0, retries: 0 } };
      totals.set(runId, run);
      if (totals.size > RUNS_KEPT) totals.delete(totals.keys().next().value!);
    }
    run.now = {
      apiCalls: run.now.apiCalls + current.apiCalls - entry.taken.apiCalls,
      responses429: run.now.responses429 + current.responses429 - entry.taken.responses429,
      retries: run.now.retries + current.retries - entry.taken.retries,
    };
    entry.taken = current;
  }

  return {
    lease(runId) {
      let entry = entries.get(runId);
      if (entry === undefined) {
        const api = options.createApi();
        entry = { api, taken: snapshot(api), users: 0 };
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
          take(runId, held);
          if (held.users === 0 && entries.get(runId) === held) {
            entries.delete(runId);
            await held.api.close();
          }
          await write(runId);
        },
      };
    },
    async close() {
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      // A last try for totals a failed write left here (a worker stopping after Redis came back).
      await Promise.allSettled([...unwritten].map((runId) => write(runId)));
      if (retryTimer !== null) clearTimeout(retryTimer);
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.api.close()));
    },
  };
}
