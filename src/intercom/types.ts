/**
 * Intercom wire types (API 2.14, only the fields cohort-reports reads) and the normalised shapes the
 * client yields. Wire types follow the OpenAPI description; normalised types are what the rest of the
 * project sees, with ids always strings and timestamps always Unix seconds.
 */

import type { ConversationPage, ConversationWindow } from './conversation-types.js';
import type { EventsPageSize } from './events-page-size.js';

// ---- wire (what the API sends) ----

export interface WireSegment {
  type: 'segment';
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  person_type: 'user' | 'contact';
  count?: number | null;
}

export interface WireSegmentList {
  type: 'segment.list';
  segments: WireSegment[];
  pages?: Record<string, unknown>;
}

export interface WireTag {
  type: 'tag';
  /** A string in 2.x; old payloads show integers, which the client normalises. */
  id: string;
  name: string;
}

export interface WireTagList {
  type: 'list';
  data: WireTag[];
}

export interface WireContact {
  type: 'contact';
  id: string;
  workspace_id: string;
  external_id: string | null;
  role: 'user' | 'lead';
  email: string | null;
  name: string | null;
  created_at: number;
  updated_at: number;
  signed_up_at: number | null;
  last_seen_at: number | null;
  [field: string]: unknown;
}

export interface WireCursorPages {
  type: 'pages';
  page: number;
  per_page: number;
  total_pages: number;
  next?: { page?: number; starting_after: string | null } | null;
}

export interface WireContactList {
  type: 'list';
  data: WireContact[];
  total_count: number;
  pages: WireCursorPages | null;
}

/** Metadata values as Intercom stores them: no nesting beyond these shapes. */
export type WireMetadataValue =
  | string
  | number
  | boolean
  | null
  | { url: string; value: string }
  | { amount: number; currency: string }
  | Record<string, unknown>;

export interface WireEvent {
  type: 'event';
  id: string;
  event_name: string;
  created_at: number;
  user_id?: string | null;
  email?: string | null;
  intercom_user_id: string;
  metadata?: Record<string, WireMetadataValue>;
}

export interface WireEventList {
  type: 'event.list';
  events: WireEvent[];
  pages?: { next?: string | null; since?: string | null } | null;
}

export interface WireErrorList {
  type: 'error.list';
  request_id: string | null;
  errors: Array<{ code: string; message?: string | null; field?: string | null }>;
}

// ---- normalised (what the client yields) ----

export type CohortType = 'segment' | 'tag';

export interface Cohort {
  type: CohortType;
  id: string;
  name: string;
  /** `count` from GET /segments?include_count=true; null for tags (the search's total_count comes per page). */
  memberCountReported: number | null;
  /** Segments only: 'user' or 'contact' (leads). */
  personType: 'user' | 'contact' | null;
}

export interface Member {
  id: string;
  role: 'user' | 'lead';
  createdAtSec: number;
  /** null when the API gave null or 0. */
  signedUpAtSec: number | null;
  /** `unsubscribed_from_emails` as the member search listed it (false when absent). */
  unsubscribedFromEmails: boolean;
}

export interface MemberPage {
  members: Member[];
  /** total_count of the search, as the API reported it on this page. */
  totalCount: number | null;
  /** Cursor for the following page; null on the last page. */
  nextCursor: string | null;
}

export interface ContactEvent {
  id: string;
  name: string;
  createdAtSec: number;
  metadata: Record<string, unknown>;
}

/** The workspace a token reads, from `GET /me`'s `app`. */
export interface WorkspaceIdentity {
  /** `app.id_code`: stable, the same for every token of the workspace. */
  id: string;
  /** `app.name` as the workspace's admins set it (hostile text: sanitise before a terminal or a page). */
  name: string;
  region: string | null;
  timezone: string | null;
}

/** Counters kept per client (per run): what the month report's manifest records. */
export interface RequestStats {
  calls: number;
  responses429: number;
  retries: number;
  /** calls per endpoint label ('me' | 'segments' | 'tags' | 'contacts.search' | 'events'). */
  callsByEndpoint: Record<string, number>;
}

/** What the pipeline needs from Intercom. The real client implements it; tests hand the same client a sandbox URL. */
export interface IntercomApi {
  /** `GET /me`: which workspace the token reads (its `app.id_code` and name). */
  identifyWorkspace(signal?: AbortSignal): Promise<WorkspaceIdentity>;
  listSegments(signal?: AbortSignal): Promise<Cohort[]>;
  listTags(signal?: AbortSignal): Promise<Cohort[]>;
  /** Pages of a cohort's members, from `startingAfter` (null: the first page) to the last page. */
  listMemberPages(
    cohort: Pick<Cohort, 'type' | 'id'>,
    options?: { startingAfter?: string | null; perPage?: number; signal?: AbortSignal },
  ): AsyncGenerator<MemberPage>;
  /**
   * Pages of a contact's events, newest first, following `pages.next` on the configured base. With
   * `notBeforeSec`, stops once a whole page is older than it and every page so far was in
   * newest-first order. The first page asks for the client's events page size (see `eventsPageSize`).
   */
  listEventPages(contactId: string, options?: { notBeforeSec?: number; signal?: AbortSignal }): AsyncGenerator<ContactEvent[]>;
  /** Pages of the conversations created in `window` (W(M), half-open), each once by id (see list-conversation-pages.ts). */
  listConversationPages(
    window: ConversationWindow,
    options?: { startingAfter?: string | null; perPage?: number; signal?: AbortSignal },
  ): AsyncGenerator<ConversationPage>;
  /**
   * Resolves when the token may search conversations (the app's Read conversations permission), with
   * one POST /conversations/search of one conversation, counted under 'conversations.search'; a
   * refusal is an AuthenticationError whose one-line message names the permission and both fixes
   * (see check-conversations-access.ts). A run asks it first, before any other call is spent.
   */
  checkConversationsAccess(signal?: AbortSignal): Promise<void>;
  /**
   * The GET /events `per_page` this client learnt on its first successful events call (150, stepping
   * down on a 400 naming per_page; or the configured size), and null before that call.
   */
  readonly eventsPageSize: EventsPageSize | null;
  readonly stats: RequestStats;
  close(): Promise<void>;
}
