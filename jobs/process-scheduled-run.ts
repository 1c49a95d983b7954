/**
 * A job of the monthly scheduler: works out, when it runs, the latest complete month in the report
 * time zone and queues its run like `enqueue` would — except that a month already reported is left
 * alone, and a live run of it is not disturbed.
 */
import { enqueueRun } from './enqueue-run.js';
import { lastCompleteMonth } from '../src/report/last-complete-month.js';
import type { Processor } from './worker-context.js';

export const processScheduledRun: Processor<'scheduled-run'> = async (job, _token, _signal, ctx) => {
  const nowMs = Date.now();
  const month = lastCompleteMonth(nowMs, job.data.timeZone);
  const outcome = await enqueueRun(
    ctx.queue,
    {
      from: month,
      timeZone: job.data.timeZone,
      nowSec: Math.floor(nowMs / 1000),
      allowPartial: false,
      replaceCompleted: false,
      // This worker's workspace is the deployment's (checked at its start): the run is for it.
      workspaceId: ctx.workspace.id,
    },
    (runId) => ctx.clearRun(runId),
  );
  ctx.log.info({ month, outcome: outcome.kind, jobId: outcome.jobId }, 'scheduled run');
  return outcome;
};
