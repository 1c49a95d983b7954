/**
 * One JSON line per fault case on stdout, so a CI log shows what each case did: how many runs it took,
 * which faults were injected, whether the reports came out identical to the fault-free run, and how many
 * more API calls the faults caused than the fault-free run made. Filter with `grep '"faultCase"'`.
 */
import type { SandboxCounters } from '../../src/sandbox/index.js';

export interface FaultCaseRecord {
  faultCase: string;
  mode: 'run' | 'workers';
  /** `run` invocations or run-job enqueues the case needed to finish (a resumed run counts twice). */
  runs: number;
  /** Sandbox faults by kind (only kinds injected at least once), plus process-level ones (kill9, sigterm, redisRestart, tokenRevoked). */
  faultsInjected: Record<string, number>;
  reportsIdentical: boolean;
  /** Requests the sandbox received over all of the case's runs, minus those of the fault-free run. */
  extraApiCalls: number;
  /** Anything else worth a line (a seed, a kill schedule). */
  notes?: Record<string, unknown>;
}

/** The sandbox's fault counters, without the kinds that stayed at zero. */
export function injectedFaults(counters: SandboxCounters): Record<string, number> {
  return Object.fromEntries(Object.entries(counters.faultsInjected).filter(([, n]) => n > 0));
}

export function recordFaultCase(record: FaultCaseRecord): void {
  console.log(JSON.stringify(record));
}
