/**
 * Cohort name patterns: `*` any run of characters, `?` one character, case-insensitive, anchored at
 * both ends; every other character, `[ ] { } ! ( ) + @ \ /` included, stands for itself (README,
 * "cohorts.include"). So `VIP [EU]*` matches "vip [eu] accounts", and `a*` matches "a/b".
 *
 * Why not picomatch (weighed for issue 12): it matches paths, not names — `*` and `?` stop at `/`
 * (with `bash: true` `*` crosses it, `?` still does not, and `.`/`..` segments are refused), and
 * `[`, `{`, `!`, `(`, `+(`, `@(` are syntax that would have to be escaped one by one. Cohort names do
 * hold slashes ("EU / paying"); the two-line translation below has none of those traps.
 */
export interface CohortNamePatterns {
  /** Empty: every cohort. */
  include: readonly string[];
  /** Wins over include. */
  exclude: readonly string[];
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

/**
 * @example matchesCohortFilter('VIP users', { include: ['vip*'], exclude: [] }) // true
 */
export function matchesCohortFilter(name: string, filter: CohortNamePatterns): boolean {
  const included = filter.include.length === 0 || filter.include.some((p) => globToRegExp(p).test(name));
  return included && !filter.exclude.some((p) => globToRegExp(p).test(name));
}
