import { UsageError } from './cli-errors.js';
import { strFlag, type ParsedFlags } from './flags.js';

/**
 * `enqueue --out` and `schedule --out` used to put a folder in the job's data, and the worker wrote
 * there: anyone able to add a job could choose where a worker writes. Job data names no folder now; each
 * worker writes to its own configured output. The flag is refused (exit 2) rather than ignored, so a
 * script that relied on it learns where its reports go instead of looking in the wrong folder.
 */
export function refuseOutFlag(command: 'enqueue' | 'schedule', flags: ParsedFlags): void {
  if (strFlag(flags, 'out') === undefined) return;
  throw new UsageError(
    `${command} --out is no longer accepted: the workers write the reports to their own output folder, not one a job names; ` +
      `set it where each worker starts (cohort-reports worker --out DIR, COHORT_REPORTS_OUT or report.outDir) and leave --out off here`,
  );
}
