/**
 * Pages one cohort from the stored cursor to the end. Before each page is recorded, its members are
 * queued as fetch-contacts children of the RUN job (not of this job, so pages and events overlap and
 * this job finishes when its cohort is paged), under ids derived from the page's number: a page fetched
 * again after a crash (queued, then not recorded) adds nothing twice. When its cohort was the last one
 * to be paged, it also queues the month's list-conversations children of the run job.
 */
import { pageCohort } from '../src/pipeline/page-cohort.js';
import { childJob } from './child-job.js';
import { conversationChildren } from './conversation-children.js';
import { eventsJobId, incarnationOf, type FetchContactsData } from './job-types.js';
import { refreshRunProgress } from './refresh-run-progress.js';
import { cohortKeyOf } from '../src/pipeline/run-store.js';
import type { Processor } from './worker-context.js';

export const processPageCohort: Processor<'page-cohort'> = async (job, _token, signal, ctx) => {
  const d = job.data;
  const { store, lease: leaseApi } = ctx.runFor(d.run.runId, incarnationOf(d.claimScope));
  const cohort = { type: d.cohortType, id: d.cohortId };
  const parent = { id: d.runJobId, queue: ctx.queue.qualifiedName };
  let pagesRecorded = (await store.cohortProgress(cohortKeyOf(cohort))).pages;
  const lease = leaseApi();
  let pages = 0;
  try {
    pages = await pageCohort(lease.api, store, cohort, {
      perPage: d.perPage,
      ...(signal ? { signal } : {}),
      hooks: {
        async beforeSave(page) {
          const pageNumber = pagesRecorded + 1;
          const ids = page.members.map((m) => m.id);
          const jobs = [];
          for (let i = 0, n = 0; i < ids.length; i += d.contactsPerJob, n += 1) {
            const data: FetchContactsData = { run: d.run, runJobId: d.runJobId, contactIds: ids.slice(i, i + d.contactsPerJob), claimScope: d.claimScope };
            jobs.push(childJob('fetch-contacts', data, { jobId: eventsJobId(d.run.runId, d.cohortType, d.cohortId, pageNumber, n, d.round), parent }));
          }
          if (jobs.length > 0) await ctx.queue.addBulk(jobs);
        },
        afterSave() {
          pagesRecorded += 1;
        },
      },
    });
  } finally {
    await lease.release();
  }
  // The job that pages the last cohort starts the conversation listing at once, beside the event
  // fetches still queued, rather than after them in the run job's next round. Two jobs finishing
  // together both see every cohort paged; they add the same job ids, which BullMQ keeps once.
  if (ctx.config.report.conversations && (await store.cohortsPaged())) {
    const plan = ctx.planFor(d.run);
    const children = await conversationChildren(store, {
      run: d.run,
      months: plan.months.map((m) => m.month),
      runJobId: d.runJobId,
      parent,
      round: d.round,
      claimScope: d.claimScope,
    });
    if (children.length > 0) await ctx.queue.addBulk(children);
  }
  await refreshRunProgress(ctx.queue, d.runJobId, store);
  return { pages };
};
