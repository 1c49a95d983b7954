import type { Cohort, IntercomApi } from '../intercom/types.js';
import { sortCohorts } from '../report/sort-cohorts.js';
import { matchesCohortFilter, type CohortNamePatterns } from './matches-cohort-filter.js';

/** Which cohorts a run reports: segments, tags, or both, whose names pass the patterns. */
export interface CohortFilter extends CohortNamePatterns {
  segments: boolean;
  tags: boolean;
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
