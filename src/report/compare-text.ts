/**
 * JavaScript's default string order (UTF-16 code units, what `[...].sort()` gives), which METRICS.md
 * prescribes for every text ordering and tie-break: "1001" < "99". Never `localeCompare`.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Cohorts by type ('segment' < 'tag'), then id as a string. */
export function compareCohorts(a: { type: string; id: string }, b: { type: string; id: string }): number {
  return compareText(a.type, b.type) || compareText(a.id, b.id);
}

/** A sorted copy, in the order the CSV rows must come. */
export function sortCohorts<T extends { type: string; id: string }>(cohorts: readonly T[]): T[] {
  return [...cohorts].sort(compareCohorts);
}
