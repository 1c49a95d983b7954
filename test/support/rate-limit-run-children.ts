/**
 * Starts `processes` OS processes of rate-limit-child.ts, waits until every one is ready (so start-up
 * time does not skew the run), starts them together at `startAtMs(now)`, and collects their results.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildInput, ChildResult } from './rate-limit-child.js';

const childFile = fileURLToPath(new URL('./rate-limit-child.ts', import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export interface ChildRun {
  startAtMs: number;
  results: ChildResult[];
}

/** The next multiple of `windowMs` at least `leadMs` from now: runs start on a server window edge. */
export function nextWindowStartMs(nowMs: number, windowMs: number, leadMs = 300): number {
  return Math.ceil((nowMs + leadMs) / windowMs) * windowMs;
}

export async function runRateLimitChildren(
  input: ChildInput,
  options: {
    processes: number;
    token: string;
    startAtMs: (nowMs: number) => number;
    /** Called once the start time is sent, e.g. to schedule a fault. */
    onStart?: (startAtMs: number) => void;
  },
): Promise<ChildRun> {
  const children = Array.from({ length: options.processes }, () =>
    spawn(process.execPath, ['--import', 'tsx', childFile, JSON.stringify(input)], {
      env: { ...process.env, RATE_LIMIT_CHILD_TOKEN: options.token },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  const outputs = children.map((child) => {
    let stdout = '';
    let stderr = '';
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.startsWith('ready\n')) onReady();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<ChildResult>((resolve, reject) => {
      child.on('exit', (code) => {
        const last = stdout.trim().split('\n').at(-1) ?? '';
        if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as ChildResult);
        else reject(new Error(`child ${child.pid} exited ${code}: ${stderr.slice(-2000)}`));
      });
    });
    exited.catch(() => onReady());
    return { ready, exited };
  });
  const readyTimer = setTimeout(() => children.forEach((c) => c.kill()), READY_TIMEOUT_MS);
  await Promise.all(outputs.map((o) => o.ready));
  clearTimeout(readyTimer);
  const startAtMs = options.startAtMs(Date.now());
  for (const child of children) {
    child.stdin.on('error', () => {}); // a child that already died is reported by `exited`
    child.stdin.end(`${startAtMs}\n`);
  }
  options.onStart?.(startAtMs);
  const results = await Promise.all(outputs.map((o) => o.exited));
  return { startAtMs, results };
}
