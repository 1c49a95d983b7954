/**
 * The state of one run, stage by stage, behind one interface: in memory for `run`, in Redis for the
 * distributed workers. It owns everything a run accumulates — cohorts, pages, results, the request
 * counters — and every write that advances progress is atomic with the data it records, so a crashed
 * run resumes where it stopped and repeats only the work that was in flight.
 */
import type { EventsPageSize } from '../intercom/events-page-size.js';
import type { ConversationPage } from '../intercom/conversation-types.js';
import type { Cohort, Member, MemberPage } from '../intercom/types.js';
import type { ContactConversations } from '../report/contact-conversations.js';
import type { ContactStats } from '../report/contact-stats.js';

export interface CohortProgress {
  /** Cursor of the next page to fetch; null before the first page. */
  cursor: string | null;
  /** Pages recorded so far. */
  pages: number;
  done: boolean;
  /** total_count the search reported (last page seen). */
  totalCount: number | null;
}

/**
 * What fetching a contact's events produced: its folded figures, or that the contact had vanished
 * (404). `eventsFetched` counts what the API returned (before de-duplication), for the manifest's totals.
 */
export type ContactResult = { kind: 'ok'; stats: ContactStats; eventsFetched: number } | { kind: 'missing' };

/** A listed contact with its result (null until fetched) and the cohorts whose pages listed it (their cohort keys). */
export interface ListedContact {
  member: Member;
  result: ContactResult | null;
  cohortKeys: string[];
  /** The conversations it opened in the reported months (null: none recorded). */
  conversations: ContactConversations | null;
}

/** Where the listing of one month's conversations stands. */
export interface ConversationProgress {
  /** Cursor of the next page to fetch; null before the first page. */
  cursor: string | null;
  pages: number;
  done: boolean;
}

/** What recording one page of conversations did. */
export interface SavedConversations {
  /** Conversations opened by a listed contact and recorded for the first time. */
  kept: number;
  /** Conversations opened by nobody, or by a contact no cohort listed: counted nowhere (METRICS.md). */
  dropped: number;
}

/** Requests made, summed over every attempt and process: whole numbers, never negative. */
export interface RequestCounts {
  apiCalls: number;
  responses429: number;
  retries: number;
}

/** What one process's API client has counted so far (cumulative), as the store reads it. */
export interface ClientCounts extends RequestCounts {
  /** The GET /events `per_page` the client learnt (null before its first events page). */
  eventsPageSize: EventsPageSize | null;
}

export interface RunRequests extends RequestCounts {
  /**
   * Some requests went uncounted (a process died before recording its last ones, or Redis lost a
   * write): the figures are then the least the run made.
   */
  lowerBound: boolean;
  /** The GET /events `per_page` the run's clients used (null when none fetched events, or sent none). */
  eventsPerPage: number | null;
}

export interface RunProgress {
  cohorts: number;
  cohortsDone: number;
  contacts: number;
  contactsDone: number;
  contactsMissing: number;
  requests: RunRequests;
}

export interface RunStore {
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
  /** Every registered contact still without a result, in the order they were listed (for resuming). */
  pendingContacts(): AsyncIterable<string[]>;
  saveContactResult(contactId: string, result: ContactResult): Promise<void>;
  /** Whether the cohort list is recorded and every cohort is paged to its end: who is a member is known. */
  cohortsPaged(): Promise<boolean>;
  conversationProgress(month: string): Promise<ConversationProgress>;
  /**
   * Records one page of `month`'s conversations atomically, as savePage does members: each
   * conversation opened by a listed contact (openedBy) joins that contact's conversations once by id,
   * every other one is dropped, and the month's cursor advances to `page.nextCursor` (done when null).
   * Only once every cohort is paged to its end, since who is a member is known only then: earlier, it
   * throws. A page whose `fromCursor` is not the stored cursor was already recorded and is ignored
   * (null).
   */
  saveConversationPage(month: string, fromCursor: string | null, page: ConversationPage): Promise<SavedConversations | null>;
  /**
   * Every listed contact exactly once, with its cohorts (each once), in batches, for the summary's one
   * pass over the run. Order is unspecified: the maths does not depend on it.
   */
  listedContacts(): AsyncIterable<ListedContact[]>;
  /**
   * Where this process's API client counts its requests (cumulative from zero; see countRequests). The
   * store records their growth with the run; a second reader (a new client) takes over from the first.
   */
  countRequests(read: () => ClientCounts): void;
  /** Records the counters' growth since the last record now (the stores also record it on their own). */
  flushRequests(): Promise<void>;
  /** Where the run stands, its request counters included. */
  progress(): Promise<RunProgress>;
  /** Removes everything the run stored. */
  clear(): Promise<void>;
}

export function cohortKeyOf(cohort: Pick<Cohort, 'type' | 'id'>): string {
  return `${cohort.type}:${cohort.id}`;
}
