/**
 * Typed errors of the month run. Each has a stable `code`. RunPlanError is bad usage (exit code 2);
 * RunNotCollectedError is a programming or storage mistake — summarizing a run whose collection is not
 * complete — which a rerun (resuming the collection first) mends.
 */

/** A month range the run cannot be planned for (bad month, range reversed or too long). */
export class RunPlanError extends Error {
  readonly code = 'RUN_PLAN_INVALID';
  /** Bad usage: the CLI exits with 2. */
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'RunPlanError';
  }
}

/**
 * The store does not hold the whole run: no cohort list, a cohort not paged to its end, or a member
 * without its events. Summarizing anyway would silently drop someone, so it refuses.
 */
export class RunNotCollectedError extends Error {
  readonly code = 'RUN_NOT_COLLECTED';
  constructor(message: string) {
    super(`${message}; collect it first`);
    this.name = 'RunNotCollectedError';
  }
}

/**
 * The cohort selection (config include/exclude, --select/--exclude) matches no cohort of the workspace:
 * a month of zero cohorts would replace a real one with nothing, so it is bad usage (exit 2).
 */
export class NoCohortSelectedError extends Error {
  readonly code = 'NO_COHORT_SELECTED';
  readonly exitCode = 2;
  constructor(detail: string) {
    super(`no cohort matches the selection (${detail}); check the names with 'cohort-reports cohorts', then change --select/--exclude or cohorts.include/cohorts.exclude`);
    this.name = 'NoCohortSelectedError';
  }
}
