/**
 * Fetches, folds and records the events of the job's contacts that it holds the claim for and that
 * have no result yet (see RedisStore.claimContacts), FETCH_LANES at a time: enough requests in flight that a
 * few jobs keep the shared limiter busy (one at a time left it idle while the cohorts were being paged),
 * and few enough that an interrupted job repeats at most FETCH_LANES contacts.
 */
import { fetchContact } from '../src/pipeline/fetch-contact.js';
import { incarnationOf } from './job-types.js';
import { refreshRunProgress } from './refresh-run-progress.js';
import type { Processor } from './worker-context.js';

/** Contacts one fetch-contacts job fetches at once. */
export const FETCH_LANES = 4;

export const processFetchContacts: Processor<'fetch-contacts'> = async (job, _token, signal, ctx) => {
  const d = job.data;
  const plan = ctx.planFor(d.run);
  const { store, lease: leaseApi } = ctx.runFor(d.run.runId, incarnationOf(d.claimScope));
  const mine = await store.claimContacts(d.claimScope, job.id ?? job.name, d.contactIds);
  if (mine.length > 0) {
    const lease = leaseApi();
    try {
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let i = next++; i < mine.length; i = next++) await fetchContact(lease.api, store, mine[i]!, plan, signal);
      };
      await Promise.all(Array.from({ length: Math.min(FETCH_LANES, mine.length) }, lane));
    } finally {
      await lease.release();
    }
    await refreshRunProgress(ctx.queue, d.runJobId, store);
  }
  return { fetched: mine.length, skipped: d.contactIds.length - mine.length };
};
