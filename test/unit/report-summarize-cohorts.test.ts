import { describe, expect, it } from 'vitest';
import {
  AMOUNTS_COLUMNS,
  EVENTS_COLUMNS,
  RETENTION_COLUMNS,
  SUMMARY_COLUMNS,
  createReportWindows,
  sortCohorts,
  summarizeCohorts,
  type ListedMember,
} from '../../src/report/index.js';
import { foldContact, toCells, toCohort, toMember } from '../support/report-drive.js';
import { edgeRawData } from '../support/report-edge-data.js';
import { referenceMonth } from '../support/report-reference.js';

describe('summarizeCohorts: every cohort in one pass over the contacts', () => {
  const month = '2026-10';
  const timeZone = 'Europe/Berlin';
  const data = edgeRawData(month, timeZone);
  const windows = createReportWindows([month], timeZone);
  const cohorts = sortCohorts(data.cohorts.map(toCohort));
  const rawOf = (i: number) => data.cohorts.find((c) => c.type === cohorts[i]!.type && c.id === cohorts[i]!.id)!;

  /** Each contact once, with the index of every cohort that lists it (each once), in contact order. */
  function listed(): ListedMember[] {
    const byContact = new Map<string, number[]>();
    cohorts.forEach((_, i) => {
      for (const id of new Set(rawOf(i).memberIds)) byContact.set(id, [...(byContact.get(id) ?? []), i]);
    });
    return [...byContact].map(([id, indexes]) => ({
      member: toMember(data.contacts.get(id)!),
      stats: data.events.has(id) ? foldContact(data.events.get(id)!, windows) : null,
      cohorts: indexes,
    }));
  }

  it('gives every cohort the brute-force reference\'s rows, cell for cell, from contacts that belong to several cohorts', async () => {
    const contacts = listed();
    expect(contacts.some((c) => c.cohorts.length > 1)).toBe(true);
    const rows = await summarizeCohorts(cohorts, [contacts.slice(0, 3), contacts.slice(3)], { windows, months: [{ month }] });
    const ref = referenceMonth(data, { month, timeZone });
    expect(toCells(rows.map(([r]) => r!.summary), SUMMARY_COLUMNS)).toEqual(ref.summary);
    expect(toCells(rows.flatMap(([r]) => r!.events), EVENTS_COLUMNS)).toEqual(ref.events);
    expect(toCells(rows.flatMap(([r]) => r!.amounts), AMOUNTS_COLUMNS)).toEqual(ref.amounts);
    expect(toCells(rows.flatMap(([r]) => r!.retention), RETENTION_COLUMNS)).toEqual(ref.retention);
  });

  it('does not depend on the order the contacts come in', async () => {
    const contacts = listed();
    const forward = await summarizeCohorts(cohorts, [contacts], { windows, months: [{ month }] });
    const backward = await summarizeCohorts(cohorts, (async function* () {
      for (const c of [...contacts].reverse()) yield [c];
    })(), { windows, months: [{ month }] });
    expect(backward).toEqual(forward);
  });

  it('refuses a contact listed in a cohort it was not given', async () => {
    const [first] = listed();
    await expect(summarizeCohorts(cohorts, [[{ ...first!, cohorts: [cohorts.length] }]], { windows, months: [{ month }] })).rejects.toThrow(RangeError);
  });
});
