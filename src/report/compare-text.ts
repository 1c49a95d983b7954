/**
 * JavaScript's default string order (UTF-16 code units, what `[...].sort()` gives), which METRICS.md
 * prescribes for every text ordering and tie-break: "1001" < "99". Never `localeCompare`.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
