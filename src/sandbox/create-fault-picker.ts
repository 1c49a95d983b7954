/**
 * Decides, per authenticated request and in arrival order, which fault (if any) to inject. Draws come
 * from a PRNG seeded by `faults.seed`, and every request consumes the same draws whatever is decided,
 * so a sequential client meets the same faults at the same request numbers on every run.
 */
import { createPrng } from './create-prng.js';
import { SandboxError } from './errors.js';
import type { SandboxFaults } from './types.js';

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'burst429' }
  | { kind: 'retryAfter429'; retryAfterSec: number }
  | { kind: 'serverError'; status: 500 | 502 | 503; html: boolean }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop' }
  | { kind: 'nonJson'; variant: 'html' | 'truncated' };

export interface FaultPicker {
  /** The decision for the next authenticated request. */
  next(): FaultDecision;
  isVanished(contactId: string): boolean;
}

export const DEFAULT_SLOW_MS = 5_000;

function validate(faults: SandboxFaults): void {
  const problems: string[] = [];
  const rates = ['serverErrorRate', 'slowRate', 'dropRate', 'nonJsonRate'] as const;
  let total = 0;
  for (const key of rates) {
    const rate = faults[key] ?? 0;
    if (!(rate >= 0 && rate <= 1)) problems.push(`${key} must be between 0 and 1`);
    total += rate;
  }
  if (total > 1) problems.push('the four rates must add up to at most 1');
  if (faults.slowMs !== undefined && !(Number.isFinite(faults.slowMs) && faults.slowMs >= 0)) problems.push('slowMs must be >= 0');
  const burst = faults.burst429;
  if (burst && !(Number.isInteger(burst.everyNthRequest) && burst.everyNthRequest >= 1 && Number.isInteger(burst.length) && burst.length >= 0)) {
    problems.push('burst429 needs integers everyNthRequest >= 1 and length >= 0');
  }
  const long = faults.retryAfter429;
  if (long && !(Number.isInteger(long.afterRequests) && long.afterRequests >= 0 && Number.isInteger(long.retryAfterSec) && long.retryAfterSec >= 0 && Number.isInteger(long.count ?? 1) && (long.count ?? 1) >= 0)) {
    problems.push('retryAfter429 needs integers afterRequests >= 0, retryAfterSec >= 0 and count >= 0');
  }
  if (problems.length > 0) throw new SandboxError('SANDBOX_INVALID_OPTIONS', `faults: ${problems.join('; ')}`);
}

/**
 * @example
 * const pick = createFaultPicker({ burst429: { everyNthRequest: 10, length: 2 } });
 * // requests 10, 11, 20, 21, ... get { kind: 'burst429' }
 * createFaultPicker({ retryAfter429: { afterRequests: 5, retryAfterSec: 31_536_000 } });
 * // request 6 gets { kind: 'retryAfter429', retryAfterSec: 31_536_000 }
 */
export function createFaultPicker(faults: SandboxFaults): FaultPicker {
  validate(faults);
  const rng = createPrng(faults.seed ?? 1);
  const serverError = faults.serverErrorRate ?? 0;
  const slow = serverError + (faults.slowRate ?? 0);
  const drop = slow + (faults.dropRate ?? 0);
  const nonJson = drop + (faults.nonJsonRate ?? 0);
  const slowMs = faults.slowMs ?? DEFAULT_SLOW_MS;
  const burst = faults.burst429 ?? null;
  const long = faults.retryAfter429 ?? null;
  const vanished = new Set(faults.vanishContactIds ?? []);
  let requestNumber = 0;

  return {
    next() {
      requestNumber += 1;
      const roll = rng.next();
      const detail = rng.next();
      if (long && requestNumber > long.afterRequests && requestNumber <= long.afterRequests + (long.count ?? 1)) {
        return { kind: 'retryAfter429', retryAfterSec: long.retryAfterSec };
      }
      if (burst && burst.length > 0 && requestNumber >= burst.everyNthRequest) {
        if (requestNumber % burst.everyNthRequest < burst.length) return { kind: 'burst429' };
      }
      if (roll < serverError) {
        const status = detail < 0.4 ? 500 : detail < 0.7 ? 502 : 503;
        // Gateways answer in HTML; the application answers in JSON.
        return { kind: 'serverError', status, html: status === 502 || (status === 503 && detail >= 0.85) };
      }
      if (roll < slow) return { kind: 'slow', delayMs: slowMs };
      if (roll < drop) return { kind: 'drop' };
      if (roll < nonJson) return { kind: 'nonJson', variant: detail < 0.5 ? 'html' : 'truncated' };
      return { kind: 'none' };
    },
    isVanished: (contactId) => vanished.has(contactId),
  };
}
