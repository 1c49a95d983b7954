/**
 * The settings every fault suite shares: the injected fault mix, the client configuration that keeps a
 * faulty run fast (short timeouts, a one-second rate window) and safe from giving up by chance (enough
 * attempts), a sandbox whose frozen clock lies in the past, and a seeded random for kill schedules.
 */
import { writeFile } from 'node:fs/promises';
import { createFaultPicker, type SandboxFaultKind, type SandboxFaults } from '../../src/sandbox/index.js';

/**
 * Client timeouts (connect, headers, body). undici checks its headers and body timers on a ~0.5 s tick,
 * so a 2,000 ms timeout fires between 2.0 and ~2.5 s: an answer held back SLOW_MS is always given up on
 * (the client's own per-attempt deadline, the three timeouts summed, is 6 s). Not shorter: on a loaded
 * two-core CI machine a healthy answer can take a second, and every spurious timeout is a retry.
 */
export const CLIENT_TIMEOUT_MS = 2_000;
export const SLOW_MS = 5_000;

/**
 * Attempts per call. In FAULT_MIX a single attempt fails (5xx, slow, dropped, not JSON) with
 * probability p = 0.05 + 0.02 + 0.01 + 0.01 = 0.09, independently per request (429 bursts do not use
 * up attempts: the client waits them out separately, up to 10 per call). A call exhausts 10 attempts
 * with probability p^10 ≈ 3.5e-11; a run of these suites makes under 3,000 calls, so a faulty run fails
 * by chance with probability under 1e-7. (With the default 6: 5.3e-7 per call, ~1.6e-3 per run — too
 * often for CI.) The workers would survive an exhausted call anyway (the job is retried), `run` would not.
 */
export const MAX_ATTEMPTS = 10;

/** 5% 5xx, 2% answers slower than the client waits, 1% dropped connections, 1% non-JSON 200s, 429 bursts. */
export const FAULT_MIX: SandboxFaults = {
  seed: 3,
  serverErrorRate: 0.05,
  slowRate: 0.02,
  slowMs: SLOW_MS,
  dropRate: 0.01,
  nonJsonRate: 0.01,
  burst429: { everyNthRequest: 150, length: 4 },
};

export const FAULT_KINDS_OF_MIX: readonly SandboxFaultKind[] = ['serverError', 'slow', 'drop', 'nonJson', 'burst429'];

/**
 * How many of each kind the sandbox's seeded draws inject among the first `requests` authenticated
 * requests after setFaults (the draws depend only on the arrival number, not on which request it is).
 * A run never makes fewer requests than the fault-free run, so when every kind appears within that
 * many draws, every kind is injected into the faulty run: the test checks this precondition rather than
 * hoping for it.
 */
export function faultsWithinFirst(faults: SandboxFaults, requests: number): Record<SandboxFaultKind, number> {
  const picker = createFaultPicker(faults);
  const counts: Record<SandboxFaultKind, number> = { serverError: 0, slow: 0, drop: 0, nonJson: 0, burst429: 0, retryAfter429: 0, vanish: 0 };
  for (let i = 0; i < requests; i += 1) {
    const kind = picker.next().kind;
    if (kind !== 'none') counts[kind] += 1;
  }
  return counts;
}

export interface FaultConfigOptions {
  searchPerPage: number;
  /** worker.contactsPerJob (the run job reads it when it splits pages into fetch jobs). */
  contactsPerJob?: number;
  drainTimeoutMs?: number;
}

/**
 * The client configuration of the fault suites, as a --config file. `rateLimit.windowSeconds: 1`: a 429
 * whose X-RateLimit-Reset has passed (the sandbox's frozen clock lies in the past) pauses every request
 * for one window, so a burst costs one second, not ten. The allowance comes from RATE_LIMIT_ALLOWANCE.
 */
export function faultConfig(options: FaultConfigOptions): Record<string, unknown> {
  return {
    intercom: {
      perPage: options.searchPerPage,
      connectTimeoutMs: CLIENT_TIMEOUT_MS,
      headersTimeoutMs: CLIENT_TIMEOUT_MS,
      bodyTimeoutMs: CLIENT_TIMEOUT_MS,
      maxAttempts: MAX_ATTEMPTS,
    },
    rateLimit: { windowSeconds: 1 },
    worker: {
      ...(options.contactsPerJob !== undefined ? { contactsPerJob: options.contactsPerJob } : {}),
      ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
    },
    log: { level: 'warn' },
  };
}

export async function writeFaultConfig(path: string, options: FaultConfigOptions): Promise<string> {
  await writeFile(path, JSON.stringify(faultConfig(options)));
  return path;
}

/**
 * The sandbox's frozen clock: a whole second, a minute before the suite starts. Every X-RateLimit-Reset
 * the sandbox sends then lies in the past, so no 429 makes a client wait for a window that has not
 * come yet in real time.
 */
export function pastClockMs(): number {
  return Math.floor(Date.now() / 1000) * 1000 - 60_000;
}

