/**
 * The state of one run, stage by stage, behind one interface: in memory for `run`, in Redis for the
 * distributed workers. Every write that advances progress is atomic with the data it records, so a
 * crashed run resumes where it stopped and repeats only the work that was in flight.
 */
import type { EventsPageSizeMemory } from '../intercom/events-page-size.js';
import type { Cohort, Member, MemberPage } from '../intercom/types.js';

export interface CohortProgress {
  /** Cursor of the next page to fetch; null before the first page. */
  cursor: string | null;
  /** Pages recorded so far. */
  pages: number;
  done: boolean;
  /** total_count the search reported (last page seen). */
  totalCount: number | null;
}

/** What fetching a contact's events produced: its folded figures, or that the contact had vanished (404). */
/** `eventsFetched` counts what the API returned (before de-duplication), for the manifest's totals. */
export type ContactResult<S> = { kind: 'ok'; stats: S; eventsFetched: number } | { kind: 'missing' };

export interface MemberWithResult<S> {
  member: Member;
  result: ContactResult<S> | null;
}

/** A listed contact with the cohorts whose pages listed it (their cohort keys). */
export interface ListedContact<S> extends MemberWithResult<S> {
  cohortKeys: string[];
}

export interface RunProgress {
  cohorts: number;
  cohortsDone: number;
  contacts: number;
  contactsDone: number;
  contactsMissing: number;
}

export interface RunStore<S> {
  saveCohorts(cohorts: Cohort[]): Promise<void>;
  /** null until discovery has been recorded. */
  loadCohorts(): Promise<Cohort[] | null>;
  cohortProgress(cohortKey: string): Promise<CohortProgress>;
  /**
   * Records one page atomically: its members join the cohort, their details are kept, the cursor
   * advances to `page.nextCursor` (done when null). A page whose `fromCursor` is not the stored cursor
   * was already recorded (a repeat after a crash) and is ignored. Returns the ids of contacts this run
   * had not registered before.
   */
  savePage(cohortKey: string, fromCursor: string | null, page: MemberPage): Promise<string[]>;
  /** Of `contactIds`, those registered but without a result yet. */
  contactsWithoutResult(contactIds: string[]): Promise<string[]>;
  /** Every registered contact still without a result (for resuming). */
  pendingContacts(): AsyncIterable<string[]>;
  saveContactResult(contactId: string, result: ContactResult<S>): Promise<void>;
  /**
   * Every listed contact exactly once, with its cohorts (each once), in batches, for the summary's one
   * pass over the run. Order is unspecified: the maths does not depend on it.
   */
  listedContacts(): AsyncIterable<Array<ListedContact<S>>>;
  progress(): Promise<RunProgress>;
  /** The GET /events page size the run settled on, shared by everyone fetching its events. */
  readonly eventsPageSize: EventsPageSizeMemory;
  /** Removes everything the run stored. */
  clear(): Promise<void>;
}

export function cohortKeyOf(cohort: Pick<Cohort, 'type' | 'id'>): string {
  return `${cohort.type}:${cohort.id}`;
}
