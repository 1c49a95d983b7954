/**
 * Worker processes for the fault suites: the CLI's `worker` command like test/support/jobs-workers.ts
 * starts it, plus a `--config` file (short client timeouts, more attempts, small fetch jobs). Every
 * process started here is tracked, so `stopFaultWorkers()` in afterEach/afterAll leaves none behind.
 */
import { killWorker, startWorkerProcess, type WorkerProcess } from './jobs-workers.js';

const started = new Set<WorkerProcess>();

export interface FaultWorkerOptions {
  concurrency: number;
  configPath: string;
  readyTimeoutMs?: number;
}

/** Starts `cohort-reports worker --config FILE` and resolves once it logs that it is ready. */
export async function spawnFaultWorker(env: NodeJS.ProcessEnv, options: FaultWorkerOptions): Promise<WorkerProcess> {
  const args = ['--concurrency', String(options.concurrency), '--config', options.configPath];
  return startWorkerProcess(env, { args, track: started, ...(options.readyTimeoutMs !== undefined ? { readyTimeoutMs: options.readyTimeoutMs } : {}) });
}

export function isAlive(wp: WorkerProcess): boolean {
  return wp.child.exitCode === null && wp.child.signalCode === null;
}

/** SIGKILLs every worker this module started that is still running, and waits until they are gone. */
export async function stopFaultWorkers(): Promise<void> {
  await Promise.all([...started].map((wp) => killWorker(wp)));
}

/** The last `lines` lines of every worker's output, for failure messages. */
export function workerOutputs(workers: readonly WorkerProcess[], lines = 40): string {
  return workers.map((w, i) => `--- worker ${i} ---\n${w.output().split('\n').slice(-lines).join('\n')}`).join('\n');
}
