/**
 * Drives src/report the way the month pipeline does: each contact's events folded page by page
 * (pages overlap, so ids repeat), its stats passed through JSON (as through Redis), then each
 * cohort summarized from its member list (repeats included).
 */
import type { Cohort, ContactEvent, Member } from '../../src/intercom/types.js';
import {
  createContactAccumulator,
  createReportWindows,
  finishContact,
  foldEvent,
  sortCohorts,
  type CohortAmountRow,
  type CohortEventRow,
  type CohortRetentionRow,
  type CohortSummaryRow,
  type ContactStats,
  type ReportWindows,
} from '../../src/report/index.js';
import type { RawContact, RawData, RawEvent } from './report-reference.js';
import { summarizeCohort } from './summarize-cohort.js';

export interface MonthRows {
  summary: CohortSummaryRow[];
  events: CohortEventRow[];
  amounts: CohortAmountRow[];
  retention: CohortRetentionRow[];
}

export function toMember(c: RawContact): Member {
  return { id: c.id, role: c.role, createdAtSec: c.created_at, signedUpAtSec: c.signed_up_at, unsubscribedFromEmails: c.unsubscribed_from_emails };
}

export function toEvent(e: RawEvent): ContactEvent {
  return { id: e.id, name: e.event_name, createdAtSec: e.created_at, metadata: e.metadata ?? {} };
}

export function toCohort(c: RawData['cohorts'][number]): Cohort {
  return { type: c.type, id: c.id, name: c.name, memberCountReported: c.reported, personType: null };
}

/** Folds one contact's events in overlapping pages of `pageSize`. */
export function foldContact(events: RawEvent[], windows: ReportWindows, pageSize = 7): ContactStats {
  const acc = createContactAccumulator();
  for (let start = 0; start < events.length; start += pageSize) {
    // Each page starts with the last event of the page before: an overlap the dedupe must absorb.
    const page = events.slice(Math.max(0, start - 1), start + pageSize);
    for (const e of page) foldEvent(acc, toEvent(e), windows);
  }
  // The stats travel through JSON too (Redis between stages in the distributed run).
  return JSON.parse(JSON.stringify(finishContact(acc))) as ContactStats;
}

export async function computeMonths(
  data: RawData,
  months: string[],
  timeZone: string,
  options: { pageSize?: number; previousBeyondRetention?: (month: string) => boolean } = {},
): Promise<Map<string, MonthRows>> {
  const windows = createReportWindows(months, timeZone);
  const stats = new Map<string, ContactStats>();
  for (const [id, events] of data.events) stats.set(id, foldContact(events, windows, options.pageSize));
  const out = new Map<string, MonthRows>(windows.reportMonths.map((month) => [month, { summary: [], events: [], amounts: [], retention: [] }]));
  const cohortMonths = windows.reportMonths.map((month) => ({ month, previousMonthBeyondRetention: options.previousBeyondRetention?.(month) ?? false }));
  for (const cohort of sortCohorts(data.cohorts.map(toCohort))) {
    const raw = data.cohorts.find((c) => c.type === cohort.type && c.id === cohort.id)!;
    const members = raw.memberIds.map((id) => ({ member: toMember(data.contacts.get(id)!), stats: stats.get(id) ?? null }));
    const perMonth = await summarizeCohort(cohort, [members], { windows, months: cohortMonths });
    perMonth.forEach((r, i) => {
      const rows = out.get(windows.reportMonths[i]!)!;
      rows.summary.push(r.summary);
      rows.events.push(...r.events);
      rows.amounts.push(...r.amounts);
      rows.retention.push(...r.retention);
    });
  }
  return out;
}

/** Our rows as a table of cells (header first): null → '', numbers as written. */
export function toCells<Row extends object>(rows: readonly Row[], columns: readonly (keyof Row & string)[]): string[][] {
  return [
    [...columns],
    ...rows.map((row) => columns.map((c) => {
      const v = row[c] as unknown;
      return v === null ? '' : String(v);
    })),
  ];
}
