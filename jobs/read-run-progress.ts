import type { Redis } from 'ioredis';
import type { RunStore } from '../src/pipeline/run-store.js';
import type { RunJobProgress } from './job-types.js';
import { readRunRequestStats } from './run-request-stats.js';

/** The run's progress as the store and the summed request counters say now. */
export async function readRunProgress(store: RunStore<unknown>, redis: Redis, prefix: string, runId: string): Promise<RunJobProgress> {
  const [p, stats] = await Promise.all([store.progress(), readRunRequestStats(redis, prefix, runId)]);
  return {
    cohorts: p.cohorts,
    cohortsDone: p.cohortsDone,
    contacts: p.contacts,
    contactsDone: p.contactsDone,
    apiCalls: stats.apiCalls,
    responses429: stats.responses429,
  };
}
