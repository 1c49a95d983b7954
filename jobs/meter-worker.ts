/**
 * The queue's side of the worker metrics: jobs by state (read from Redis at each scrape, so every
 * worker reports the whole queue; use max() rather than sum() across workers) and the duration of each
 * run this worker completes.
 */
import { Gauge } from 'prom-client';
import type { Job, Queue, Worker } from 'bullmq';
import { METRIC_PREFIX, type CohortMetrics } from '../src/metrics/index.js';
import type { JobName } from './job-types.js';
import { withTimeout } from '../src/shared/with-timeout.js';

export const JOB_STATES = ['waiting', 'waiting-children', 'prioritized', 'delayed', 'active', 'completed', 'failed'] as const;

/** A scrape must not hang on a Redis that does not answer (BullMQ's connection never times out). */
const COUNTS_TIMEOUT_MS = 3_000;

export function meterWorker(options: { worker: Worker; queue: Queue; metrics: CohortMetrics }): void {
  const { worker, queue, metrics } = options;
  new Gauge({
    name: `${METRIC_PREFIX}jobs`,
    help: 'Jobs of the queue by state (the whole queue, as every worker sees it)',
    labelNames: ['state'],
    registers: [metrics.registry],
    async collect() {
      try {
        const counts = await withTimeout(queue.getJobCounts(...JOB_STATES), COUNTS_TIMEOUT_MS, () => {
          throw new Error(`no answer within ${COUNTS_TIMEOUT_MS} ms`);
        });
        for (const state of JOB_STATES) this.set({ state }, counts[state] ?? 0);
      } catch {
        // Redis unreachable or the queue closing: no figure rather than a stale one, and the scrape still answers.
        this.reset();
      }
    },
  });
  worker.on('completed', (job: Job) => {
    if ((job.name as JobName) !== 'month-run' || typeof job.finishedOn !== 'number') return;
    metrics.runDuration.observe(Math.max(0, job.finishedOn - job.timestamp) / 1000);
  });
}
