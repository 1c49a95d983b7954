/**
 * The fewest API calls a month run can make against a sandbox workspace, computed from the sandbox's
 * ground truth (never from what a client did), for the `month` benchmark.
 *
 * - 1 GET /me (which workspace the run reads: its output and deployment are bound to it), 1 GET
 *   /segments + 1 GET /tags;
 * - per cohort, ceil(max(members, 1) / searchPerPage) search pages (an empty cohort still costs one);
 * - per unique member contact, the events pages a client must read to hold every listable event at or
 *   after `fetchFromSec`, following `pages.next` newest first. With n such events and m listable ones
 *   (created_at·1000 > cutoffMs, the server's 90-day cutoff):
 *     m = n: the list ends with them: ceil(max(m, 1) / eventsPerPage) pages (an empty list costs one);
 *     m > n: the client must see the first older event (index n) to know it has them all:
 *            floor(n / eventsPerPage) + 1 pages.
 *   Reading fewer would need knowledge the API does not give.
 */
import type { SandboxWorkspace } from '../../src/sandbox/types.js';

export interface MinimumCallsInput {
  /** First second of the earliest window the run needs (the start of M-1). */
  fetchFromSec: number;
  /** The server's listing cutoff: events with created_at·1000 <= cutoffMs are not listable. */
  cutoffMs: number;
  eventsPerPage: number;
  searchPerPage: number;
}

export interface MinimumCalls {
  total: number;
  searchPages: number;
  eventsPages: number;
  uniqueContacts: number;
  /** Cohort memberships (a contact in two cohorts counts twice). */
  memberships: number;
  /** The events pages each unique member contact needs (their sum is eventsPages). */
  eventsPagesByContact: Map<string, number>;
  /** Events pages a client that follows every `pages.next` to the end needs, per membership (no sharing). */
  eventsPagesAllPerMembership: number;
}

/** Pages needed to read the whole listable list of `listable` events. */
function pagesForAll(listable: number, perPage: number): number {
  return Math.ceil(Math.max(listable, 1) / perPage);
}

/**
 * @example minimumCalls(sandbox.workspace, { fetchFromSec, cutoffMs: Date.now() - 90 * 86_400_000, eventsPerPage: 50, searchPerPage: 150 }).total
 */
export function minimumCalls(workspace: SandboxWorkspace, input: MinimumCallsInput): MinimumCalls {
  const { fetchFromSec, cutoffMs, eventsPerPage, searchPerPage } = input;
  const listableCount = new Map<string, { listable: number; needed: number }>();
  const countsOf = (contactId: string): { listable: number; needed: number } => {
    let counts = listableCount.get(contactId);
    if (counts === undefined) {
      counts = { listable: 0, needed: 0 };
      for (const event of workspace.eventsByContact.get(contactId) ?? []) {
        if (event.created_at * 1000 <= cutoffMs) continue;
        counts.listable += 1;
        if (event.created_at >= fetchFromSec) counts.needed += 1;
      }
      listableCount.set(contactId, counts);
    }
    return counts;
  };

  let searchPages = 0;
  let memberships = 0;
  let eventsPagesAllPerMembership = 0;
  const unique = new Set<string>();
  for (const members of workspace.membersByCohort.values()) {
    searchPages += Math.ceil(Math.max(members.length, 1) / searchPerPage);
    memberships += members.length;
    for (const id of members) {
      unique.add(id);
      eventsPagesAllPerMembership += pagesForAll(countsOf(id).listable, eventsPerPage);
    }
  }
  let eventsPages = 0;
  const eventsPagesByContact = new Map<string, number>();
  for (const id of unique) {
    const { listable, needed } = countsOf(id);
    const pages = listable > needed ? Math.floor(needed / eventsPerPage) + 1 : pagesForAll(listable, eventsPerPage);
    eventsPagesByContact.set(id, pages);
    eventsPages += pages;
  }
  return {
    total: 3 + searchPages + eventsPages,
    searchPages,
    eventsPages,
    uniqueContacts: unique.size,
    memberships,
    eventsPagesByContact,
    eventsPagesAllPerMembership,
  };
}
