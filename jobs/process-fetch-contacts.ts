/**
 * Fetches, folds and records the events of the job's contacts that it holds the claim for and that
 * have no result yet (see claim-contacts.ts), FETCH_LANES at a time: enough requests in flight that a
 * few jobs keep the shared limiter busy (one at a time left it idle while the cohorts were being paged),
 * and few enough that an interrupted job repeats at most FETCH_LANES contacts.
 */
import { fetchContact } from '../src/pipeline/fetch-contact.js';
import { claimContacts } from './claim-contacts.js';
import { readRunProgress } from './read-run-progress.js';
import { refreshRunProgress } from './refresh-run-progress.js';
import type { Processor } from './worker-context.js';

/** Contacts one fetch-contacts job fetches at once. */
export const FETCH_LANES = 4;

export const processFetchContacts: Processor<'fetch-contacts'> = async (job, _token, signal, ctx) => {
  const d = job.data;
  const plan = ctx.planFor(d.run);
  const store = ctx.storeFor(d.run.runId);
  const mine = await claimContacts(ctx.redis, {
    prefix: ctx.config.redis.prefix,
    runId: d.run.runId,
    scope: d.claimScope,
    ownerJobId: job.id ?? job.name,
    contactIds: d.contactIds,
  });
  if (mine.length > 0) {
    const lease = ctx.apis.lease(d.run.runId);
    try {
      let next = 0;
      const lane = async (): Promise<void> => {
        for (let i = next++; i < mine.length; i = next++) await fetchContact(lease.api, store, mine[i]!, plan, signal);
      };
      await Promise.all(Array.from({ length: Math.min(FETCH_LANES, mine.length) }, lane));
    } finally {
      await lease.release();
    }
    await refreshRunProgress(ctx.queue, d.runJobId, await readRunProgress(store, ctx.redis, ctx.config.redis.prefix, d.run.runId));
  }
  return { fetched: mine.length, skipped: d.contactIds.length - mine.length };
};
