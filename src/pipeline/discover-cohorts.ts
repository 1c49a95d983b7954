import type { Cohort, IntercomApi } from '../intercom/types.js';
import { sortCohorts } from '../report/sort-cohorts.js';

export interface CohortFilter {
  segments: boolean;
  tags: boolean;
  /** Name patterns (`*` any run, `?` one character, case-insensitive); empty = every cohort. */
  include: readonly string[];
  exclude: readonly string[];
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

/** Whether a cohort name passes the include/exclude patterns (exclude wins). */
export function matchesCohortFilter(name: string, filter: Pick<CohortFilter, 'include' | 'exclude'>): boolean {
  const included = filter.include.length === 0 || filter.include.some((p) => globToRegExp(p).test(name));
  return included && !filter.exclude.some((p) => globToRegExp(p).test(name));
}

/**
 * Lists the workspace's segments (with counts) and tags and keeps those the filter admits, ordered by
 * type then id in JavaScript's default string order, so every run sees the same cohort order.
 */
export async function discoverCohorts(api: IntercomApi, filter: CohortFilter, signal?: AbortSignal): Promise<Cohort[]> {
  const found: Cohort[] = [];
  if (filter.segments) found.push(...(await api.listSegments(signal)));
  if (filter.tags) found.push(...(await api.listTags(signal)));
  const kept = found.filter((c) => matchesCohortFilter(c.name, filter));
  const seen = new Set<string>();
  const unique = kept.filter((c) => {
    const key = `${c.type}:${c.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return sortCohorts(unique);
}
