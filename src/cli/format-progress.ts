import type { RunJobProgress } from '../../jobs/job-types.js';

/**
 * One line of run progress for people.
 *
 * @example
 * formatProgress('waiting-children', { cohorts: 9, cohortsDone: 4, contacts: 310, contactsDone: 122, apiCalls: 180, responses429: 0 })
 * // 'waiting-children · cohorts 4/9 paged · contacts 122/310 fetched · 180 API calls · 0 × 429'
 */
export function formatProgress(state: string, p: RunJobProgress | null): string {
  if (p === null) return state;
  return (
    `${state} · cohorts ${p.cohortsDone}/${p.cohorts} paged · contacts ${p.contactsDone}/${p.contacts} fetched · ` +
    `${p.apiCalls} API calls · ${p.responses429} × 429`
  );
}

/** A job's stored progress, if it has the run shape. */
export function asRunProgress(value: unknown): RunJobProgress | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const keys: Array<keyof RunJobProgress> = ['cohorts', 'cohortsDone', 'contacts', 'contactsDone', 'apiCalls', 'responses429'];
  return keys.every((k) => typeof v[k] === 'number') ? (v as unknown as RunJobProgress) : null;
}
