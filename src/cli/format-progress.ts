import type { RunJobProgress } from '../../jobs/job-types.js';
import { countOf, formatCount } from './progress-line.js';

/**
 * One line of run progress for people.
 *
 * @example
 * formatProgress('waiting-children', { cohorts: 9, cohortsDone: 4, contacts: 3100, contactsDone: 1220, apiCalls: 1, responses429: 0 })
 * // 'waiting-children · cohorts 4/9 paged · contacts 1,220/3,100 fetched · 1 API call · 0 × 429'
 */
export function formatProgress(state: string, p: RunJobProgress | null): string {
  if (p === null) return state;
  return (
    `${state} · cohorts ${formatCount(p.cohortsDone)}/${formatCount(p.cohorts)} paged · ` +
    `contacts ${formatCount(p.contactsDone)}/${formatCount(p.contacts)} fetched · ` +
    `${countOf(p.apiCalls, 'API call')} · ${formatCount(p.responses429)} × 429`
  );
}

/** A job's stored progress, if it has the run shape. */
export function asRunProgress(value: unknown): RunJobProgress | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const keys: Array<keyof RunJobProgress> = ['cohorts', 'cohortsDone', 'contacts', 'contactsDone', 'apiCalls', 'responses429'];
  return keys.every((k) => typeof v[k] === 'number') ? (v as unknown as RunJobProgress) : null;
}
