/**
 * Fetches, folds and records the events of the job's contacts that it holds the claim for and that
 * have no result yet (see claim-contacts.ts), one after another: an interrupted job repeats at most
 * the one contact it was fetching.
 */
import { fetchContact } from '../src/pipeline/fetch-contact.js';
import { claimContacts } from './claim-contacts.js';
import { readRunProgress, refreshRunProgress } from './refresh-run-progress.js';
import type { Processor } from './worker-context.js';

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
      for (const contactId of mine) await fetchContact(lease.api, store, contactId, plan, signal);
    } finally {
      await lease.release();
    }
    await refreshRunProgress(ctx.queue, d.runJobId, await readRunProgress(store, ctx.redis, ctx.config.redis.prefix, d.run.runId));
  }
  return { fetched: mine.length, skipped: d.contactIds.length - mine.length };
};
