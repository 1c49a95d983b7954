import { describe, expect, it } from 'vitest';
import type { Cohort } from '../../src/intercom/types.js';
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

  it('counts unsubscribed_members per cohort: each listed member once, unsubscribed or not, active or not, in every month', async () => {
    const months = ['2026-09', '2026-10'];
    const twoMonths = createReportWindows(months, timeZone);
    const three = sortCohorts<Cohort>([
      { type: 'segment', id: 'a', name: 'A', memberCountReported: null, personType: null },
      { type: 'segment', id: 'b', name: 'B', memberCountReported: null, personType: null },
      { type: 'tag', id: 'c', name: 'C (empty)', memberCountReported: null, personType: null },
    ]);
    const member = (id: string, unsubscribedFromEmails: boolean, cohortIndexes: number[], active: boolean): ListedMember => ({
      member: { id, role: id.startsWith('l') ? 'lead' : 'user', createdAtSec: 1_600_000_000, signedUpAtSec: null, unsubscribedFromEmails },
      stats: active ? foldContact([{ id: `${id}-e`, event_name: 'x', created_at: twoMonths.windows.at(-1)!.startSec + 60 }], twoMonths) : null,
      cohorts: cohortIndexes,
    });
    const rows = await summarizeCohorts(
      three,
      [[member('u1', true, [0, 1], true), member('u2', false, [0, 1], true), member('l3', true, [0], false)], [member('u4', true, [1], false), member('u5', false, [0], false)]],
      { windows: twoMonths, months: months.map((m) => ({ month: m })) },
    );
    // a: u1, u2, l3, u5 (u1 and l3 unsubscribed); b: u1, u2, u4 (u1 and u4); c: none. The state at the run, so the same in each month.
    expect(rows.map((perMonth) => perMonth.map((r) => [r.summary.members, r.summary.unsubscribed_members]))).toEqual([
      [[4, 2], [4, 2]],
      [[3, 2], [3, 2]],
      [[0, 0], [0, 0]],
    ]);
  });

  it('refuses a contact listed in a cohort it was not given', async () => {
    const [first] = listed();
    await expect(summarizeCohorts(cohorts, [[{ ...first!, cohorts: [cohorts.length] }]], { windows, months: [{ month }] })).rejects.toThrow(RangeError);
  });
});
