/**
 * Worker processes for the distributed-run tests: real OS processes running the CLI's `worker`
 * command against a sandbox and a test prefix, with their output kept for failure messages. Every
 * process started here is killed by `killAllWorkers()` (call it in afterEach/afterAll).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Queue } from 'bullmq';
import { cliNodeArgs } from './e2e-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
}

const started = new Set<WorkerProcess>();

export interface WorkerEnv {
  baseUrl: string;
  token: string;
  redisUrl: string;
  prefix: string;
  outDir: string;
  /** RATE_LIMIT_ALLOWANCE per 10 s for the shared bucket. */
  allowance: number;
}

export function workerEnvironment(env: WorkerEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    INTERCOM_TOKEN: env.token,
    INTERCOM_BASE_URL: env.baseUrl,
    REDIS_URL: env.redisUrl,
    COHORT_REPORTS_PREFIX: env.prefix,
    COHORT_REPORTS_OUT: env.outDir,
    RATE_LIMIT_ALLOWANCE: String(env.allowance),
    LOG_LEVEL: 'info',
  };
}

/**
 * Starts `cohort-reports worker ARGS` (in `cwd`, default the project folder), adds it to `track` until
 * it exits, and resolves once it logs that it is ready; one that exits first, or is not ready in time,
 * fails with its output.
 */
export async function startWorkerProcess(
  env: NodeJS.ProcessEnv,
  options: { args: string[]; track: Set<WorkerProcess>; cwd?: string; readyTimeoutMs?: number },
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...cliNodeArgs(), 'worker', ...options.args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const wp: WorkerProcess = { child, output: () => out };
  options.track.add(wp);
  child.once('exit', () => options.track.delete(wp));
  const readyTimeoutMs = options.readyTimeoutMs ?? 45_000;
  const deadline = Date.now() + readyTimeoutMs;
  while (!out.includes('"worker started"')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}`);
    if (Date.now() > deadline) throw new Error(`worker not ready within ${readyTimeoutMs} ms:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return wp;
}

/** Starts `cohort-reports worker` and resolves once it logs that it is ready. */
export async function spawnWorker(env: NodeJS.ProcessEnv, concurrency: number, readyTimeoutMs = 45_000): Promise<WorkerProcess> {
  return startWorkerProcess(env, { args: ['--concurrency', String(concurrency)], track: started, readyTimeoutMs });
}

/** SIGKILL, and wait for the process to be gone. */
export async function killWorker(wp: WorkerProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (wp.child.exitCode !== null || wp.child.signalCode !== null) return wp.child.exitCode;
  const exited = once(wp.child, 'exit');
  wp.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

export async function killAllWorkers(): Promise<void> {
  await Promise.all([...started].map((wp) => killWorker(wp)));
}

/** Polls a job until it reaches one of `states`; throws (with `context()`) past the bound. */
export async function waitForJobState(
  queue: Queue,
  jobId: string,
  states: readonly string[],
  timeoutMs: number,
  context: () => string = () => '',
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await queue.getJobState(jobId);
    if (states.includes(state)) return state;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${state} after ${timeoutMs} ms\n${context()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
