/**
 * OS processes for the `month` benchmark: `node --import tsx` with the usage preload
 * (bench-month-usage.ts), output kept, exit awaited with a bound. Peak RSS and CPU come from the
 * preload's exit line; for a process that had to be killed, from /proc/<pid>/status (VmHWM) and
 * /proc/<pid>/stat sampled just before the kill.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readUsageLine, type ProcessUsage } from './bench-month-usage.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USAGE_PRELOAD = fileURLToPath(new URL('./bench-month-usage.ts', import.meta.url));

export interface BenchProcess {
  child: ChildProcess;
  label: string;
  startedAtMs: number;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited (never rejects). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>;
  /** The usage read from /proc before a kill, if it came to that. */
  sampled: ProcessUsage | null;
}

/** Starts `node --import tsx --import <usage preload> <script> ...args` in the project root. */
export function spawnBenchProcess(label: string, script: string, args: string[], env: NodeJS.ProcessEnv): BenchProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', USAGE_PRELOAD, script, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...env, BENCH_MONTH_USAGE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; atMs: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, atMs: Date.now() }));
    child.once('error', () => resolve({ code: null, signal: null, atMs: Date.now() }));
  });
  return { child, label, startedAtMs: Date.now(), stdout: () => out, stderr: () => err, exited, sampled: null };
}

/** Peak RSS and CPU of a live process from /proc (Linux), or null. */
export function sampleProcUsage(pid: number): ProcessUsage | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime, stime in clock ticks.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticksToUs = 1e6 / 100;
    return {
      pid,
      maxRssKb: hwm ? Number(hwm[1]) : 0,
      cpuUserUs: Number(rest[11] ?? 0) * ticksToUs,
      cpuSystemUs: Number(rest[12] ?? 0) * ticksToUs,
    };
  } catch {
    return null;
  }
}

/** Waits for the exit up to `timeoutMs`; returns false if the process is still running. */
export async function waitForExit(p: BenchProcess, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([p.exited.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `signal`, waits up to `graceMs`, then samples /proc and SIGKILLs. Resolves once it is gone. */
export async function stopBenchProcess(p: BenchProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  if (await waitForExit(p, graceMs)) return;
  if (p.child.pid !== undefined) p.sampled = sampleProcUsage(p.child.pid);
  p.child.kill('SIGKILL');
  await waitForExit(p, 10_000);
}

/** The process's usage: its own exit line, else the /proc sample taken before a kill. */
export function usageOf(p: BenchProcess): ProcessUsage | null {
  return readUsageLine(p.stderr()) ?? p.sampled;
}

/** Resolves once `text` appears in the process's stderr or stdout; throws if it exits or `timeoutMs` passes. */
export async function waitForOutput(p: BenchProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.stderr().includes(text) && !p.stdout().includes(text)) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) {
      throw new Error(`${p.label} exited (${p.child.exitCode ?? p.child.signalCode}) before "${text}":\n${tail(p)}`);
    }
    if (Date.now() > deadline) throw new Error(`${p.label}: no "${text}" within ${timeoutMs} ms:\n${tail(p)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The last lines of a process's output, for error messages. */
export function tail(p: BenchProcess, chars = 3000): string {
  return `--- stdout\n${p.stdout().slice(-chars)}\n--- stderr\n${p.stderr().slice(-chars)}`;
}
