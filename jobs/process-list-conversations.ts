/**
 * Lists one month's conversations from the stored cursor to the end (listMonthConversations), each
 * page recorded atomically with its cursor, so a job killed mid-month is retried from its last page.
 * The run job adds these only once every cohort is paged: who is a member is known then.
 */
import { listMonthConversations } from '../src/pipeline/list-month-conversations.js';
import { findWindow } from '../src/report/create-report-windows.js';
import { incarnationOf } from './job-types.js';
import { refreshRunProgress } from './refresh-run-progress.js';
import type { Processor } from './worker-context.js';

export const processListConversations: Processor<'list-conversations'> = async (job, _token, signal, ctx) => {
  const d = job.data;
  const plan = ctx.planFor(d.run);
  const { store, lease: leaseApi } = ctx.runFor(d.run.runId, incarnationOf(d.claimScope));
  const w = findWindow(plan.windows, d.month);
  const lease = leaseApi();
  let pages = 0;
  try {
    pages = await listMonthConversations(lease.api, store, d.month, { startSec: w.startSec, endSec: w.endSec }, signal ? { signal } : {});
  } finally {
    await lease.release();
  }
  await refreshRunProgress(ctx.queue, d.runJobId, store);
  return { pages };
};
