import type { Cohort, IntercomApi } from '../intercom/types.js';
import { sortCohorts } from '../report/sort-cohorts.js';
import { printable } from '../shared/printable.js';
import { NoCohortSelectedError } from './errors.js';
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

/** The selection in words, for the line that says it matched nothing. */
export function describeCohortFilter(filter: CohortFilter): string {
  const kinds = [filter.segments ? 'segments' : null, filter.tags ? 'tags' : null].filter((k) => k !== null);
  const parts = [kinds.length > 0 ? kinds.join(' and ') : 'neither segments nor tags'];
  if (filter.include.length > 0) parts.push(`include ${filter.include.map((p) => `'${printable(p)}'`).join(', ')}`);
  if (filter.exclude.length > 0) parts.push(`exclude ${filter.exclude.map((p) => `'${printable(p)}'`).join(', ')}`);
  return parts.join('; ');
}

/** A run of zero cohorts would write empty months over real ones: refused as bad usage. */
export function requireCohorts(cohorts: readonly Cohort[], filter: CohortFilter): void {
  if (cohorts.length === 0) throw new NoCohortSelectedError(describeCohortFilter(filter));
}
