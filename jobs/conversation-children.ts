/**
 * The list-conversations children of a run: one per month not yet listed, under the run job, with ids
 * that depend on the run, the month and the round only. So the page-cohort job that pages the last
 * cohort, the run job's next round, and a repeat of either after a crash all name the same jobs, and
 * BullMQ keeps one of each.
 */
import type { RedisStore } from '../src/pipeline/redis-store.js';
import { childJob, type AnyChildJob } from './child-job.js';
import { conversationsJobId, type ListConversationsData, type PlannedRun } from './job-types.js';

export interface ConversationChildrenInput {
  run: PlannedRun;
  months: readonly string[];
  runJobId: string;
  parent: { id: string; queue: string };
  round: number;
  claimScope: string;
}

export async function conversationChildren(store: RedisStore, input: ConversationChildrenInput): Promise<AnyChildJob[]> {
  const children: AnyChildJob[] = [];
  for (const month of input.months) {
    if ((await store.conversationProgress(month)).done) continue;
    const data: ListConversationsData = { run: input.run, runJobId: input.runJobId, month, claimScope: input.claimScope };
    children.push(childJob('list-conversations', data, { jobId: conversationsJobId(input.run.runId, month, input.round), parent: input.parent }));
  }
  return children;
}
