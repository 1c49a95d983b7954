/**
 * Worker processes for the fault suites: the CLI's `worker` command like test/support/jobs-workers.ts
 * starts it, plus a `--config` file (short client timeouts, more attempts, small fetch jobs). Every
 * process started here is tracked, so `stopFaultWorkers()` in afterEach/afterAll leaves none behind.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killWorker, type WorkerProcess } from './jobs-workers.js';
import { cliNodeArgs } from './e2e-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const started = new Set<WorkerProcess>();

export interface FaultWorkerOptions {
  concurrency: number;
  configPath: string;
  readyTimeoutMs?: number;
}

/** Starts `cohort-reports worker --config FILE` and resolves once it logs that it is ready. */
export async function spawnFaultWorker(env: NodeJS.ProcessEnv, options: FaultWorkerOptions): Promise<WorkerProcess> {
  const args = [...cliNodeArgs(), 'worker', '--concurrency', String(options.concurrency), '--config', options.configPath];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const wp: WorkerProcess = { child, output: () => out };
  started.add(wp);
  child.once('exit', () => started.delete(wp));
  const readyTimeoutMs = options.readyTimeoutMs ?? 45_000;
  const deadline = Date.now() + readyTimeoutMs;
  while (!out.includes('"worker started"')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}`);
    if (Date.now() > deadline) throw new Error(`worker not ready within ${readyTimeoutMs} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return wp;
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
