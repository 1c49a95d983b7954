import { compareText } from './compare-text.js';

/** Cohorts by type ('segment' < 'tag'), then id as a string. */
export function compareCohorts(a: { type: string; id: string }, b: { type: string; id: string }): number {
  return compareText(a.type, b.type) || compareText(a.id, b.id);
}

/** A sorted copy, in the order the CSV rows must come. */
export function sortCohorts<T extends { type: string; id: string }>(cohorts: readonly T[]): T[] {
  return [...cohorts].sort(compareCohorts);
}
