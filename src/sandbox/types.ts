/**
 * The sandbox's ground truth: the whole workspace as generated, so tests can compute expected figures
 * independently of the client. The server serves exactly this data (events older than 90 days exist
 * here but are not listable through the API, as in Intercom).
 */
import type { ConversationVariant } from './handle-conversations-search.js';
import type { WireContact, WireEvent, WireSegment, WireTag } from '../intercom/types.js';

export interface SandboxWorkspace {
  /** The "now" the data was generated around, Unix seconds. */
  nowSec: number;
  seed: number;
  /** Segments as GET /segments?include_count=true answers them (`count` = real member count). */
  segments: WireSegment[];
  tags: WireTag[];
  /** Every contact, users and leads. */
  contacts: WireContact[];
  /** Member contact ids per cohort, keyed `segment:<id>` or `tag:<id>`, in the order the search lists them. */
  membersByCohort: Map<string, string[]>;
  /** Every event per contact id, newest first (ties by id). Includes events older than 90 days. */
  eventsByContact: Map<string, WireEvent[]>;
  /**
   * The conversations POST /conversations/search serves, when a test places them itself (exact
   * created_at and authors on a month's edges); absent: generated from the contacts
   * (generate-conversations.ts). Read through `workspaceConversations()`, which orders them.
   */
  conversations?: WireConversation[];
}

/** A conversation as POST /conversations/search lists it: any fields, a string id and a created_at in Unix seconds. */
export type WireConversation = Record<string, unknown> & { id: string; created_at: number };

export function cohortKey(type: 'segment' | 'tag', id: string): string {
  return `${type}:${id}`;
}

// ---- server options and observation (the sandbox's public contract; see index.ts for behaviour) ----

export interface SandboxRateLimit {
  allowancePerWindow: number;
  /** Default 10, as Intercom. */
  windowSeconds?: number;
  /** 'fixed' (default): windows aligned to multiples of windowSeconds of Unix time; 'sliding': the last windowSeconds. */
  mode?: 'fixed' | 'sliding';
}

export interface SandboxFaults {
  /** Seeds the fault draws (default 1), so a sequential run sees the same faults every time. */
  seed?: number;
  /** Share of authenticated requests answered 500/502/503 (the 502s and some 503s have HTML bodies). */
  serverErrorRate?: number;
  /** Share answered only after slowMs (the real answer, late). */
  slowRate?: number;
  slowMs?: number;
  /** Share whose socket is destroyed without an answer. */
  dropRate?: number;
  /** Share answered 200 with a non-JSON body. */
  nonJsonRate?: number;
  /** Bursts of 429s regardless of the allowance: from every nth authenticated request, `length` in a row. */
  burst429?: { everyNthRequest: number; length: number } | null;
  /**
   * 429s asking for a long wait, as a misbehaving server or proxy may: after `afterRequests`
   * authenticated requests, the next `count` (default 1) are answered 429 with `Retry-After:
   * retryAfterSec` and an `X-RateLimit-Reset` as far away (e.g. 31536000: a year).
   */
  retryAfter429?: { afterRequests: number; retryAfterSec: number; count?: number } | null;
  /** Listed by search, but their events call answers 404 not_found. */
  vanishContactIds?: string[];
}

export type SandboxFaultKind = 'serverError' | 'slow' | 'drop' | 'nonJson' | 'burst429' | 'retryAfter429' | 'vanish';

export interface SandboxOptions {
  /** How POST /conversations/search answers (its date rule, a token without the permission). */
  conversations?: ConversationVariant;
  /** Served as given; else generated from contacts/seed/nowSec. */
  workspace?: SandboxWorkspace;
  /** Defaults 500, 1 and the clock's current second. */
  contacts?: number;
  seed?: number;
  nowSec?: number;
  /**
   * What GET /me names as the workspace (`app.id_code`, `app.name`). Default: an id of the generated
   * data, `sandbox-<seed>-<contacts>`, so two sandboxes of other sizes or seeds are two workspaces.
   */
  app?: { idCode: string; name: string };
  /** Default 127.0.0.1; any host that is not loopback is refused. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Default: a random token. */
  token?: string;
  /** null/absent: nothing is refused; headers still sent against a nominal allowance (see index.ts). */
  rateLimit?: SandboxRateLimit | null;
  faults?: SandboxFaults;
  /** Milliseconds since the epoch; default Date.now. Drives rate-limit windows and the 90-day event cutoff. */
  clock?: () => number;
  /** GET /events page size when `per_page` is absent (default 50). */
  eventsPerPageDefault?: number;
  /** The largest GET /events `per_page` served (default 150). */
  eventsPerPageMax?: number;
  /** A `per_page` above eventsPerPageMax: 'clamp' (default) serves the maximum, '400' refuses it naming per_page. */
  eventsOverMax?: 'clamp' | '400';
  /** GET /segments in pages of this many, linked by `pages.next` (default: none, one answer as Intercom documents). */
  segmentsPerPage?: number | null;
  /**
   * The origin `pages.next` links name (default: this server's), as the clients of a proxy see them,
   * e.g. 'https://api.intercom.io' while the client talks to the server through another base URL.
   */
  nextOrigin?: string;
}

export type SandboxEndpoint = 'me' | 'segments' | 'tags' | 'contacts.search' | 'events' | 'conversations.search' | 'other';

export interface SandboxCounters {
  /** Every request received, authenticated or not. */
  requests: number;
  byEndpoint: Record<SandboxEndpoint, number>;
  /** Every 429 sent, by the allowance or by an injected burst. */
  responses429: number;
  /** By fault kind; every SandboxFaultKind is present (0 when none was injected). */
  faultsInjected: Record<SandboxFaultKind, number> & Record<string, number>;
  /** Events calls that reached the events handler, by contact id (or the raw identifier when unknown). */
  eventsCallsByContact: Map<string, number>;
  /** Searches that reached the search handler, keyed `${field}:${value}:${starting_after ?? ''}`. */
  searchCallsByCursor: Map<string, number>;
  /** Aligned window start (Unix s) -> authenticated requests received in it, refused ones included. */
  requestsByWindow: Map<number, number>;
  /** Every request received, by its Host header as sent: which origin the client addressed. */
  requestsByHost: Map<string, number>;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  token: string;
  workspace: SandboxWorkspace;
  counters: SandboxCounters;
  setFaults(faults: SandboxFaults): void;
  setRateLimit(limit: SandboxRateLimit | null): void;
  /**
   * Replaces the accepted token, as when an admin revokes or rotates it: from now on the old one gets
   * 401 `unauthorized`. `token` reads the current one.
   */
  setToken(token: string): void;
  /**
   * Rewrites successful answers before they are sent (null: none), so tests can serve the odd shapes a
   * real API or proxy may produce: missing fields, ids as numbers, millisecond timestamps, huge pages.
   * The function receives the endpoint and the body as the sandbox would send it, and returns the body
   * to send (any JSON value) or a `{ raw: string }` object whose text is sent as it is.
   */
  setResponseTransform(transform: SandboxResponseTransform | null): void;
  /** Zeroes the counters in place (references to `counters` stay valid). */
  resetCounters(): void;
  /** Closes the server and every open socket. */
  close(): Promise<void>;
}

/**
 * Rewrites a successful answer (see Sandbox.setResponseTransform). `request.body` is the request's
 * JSON body as the server parsed it (the search's query and cursor), undefined when there was none.
 */
export type SandboxResponseTransform = (
  endpoint: SandboxEndpoint,
  body: unknown,
  url: URL,
  request: { body: unknown },
) => unknown | { raw: string };

/** What a handler answers; the server turns it into bytes. */
export interface SandboxResponse {
  status: number;
  body: unknown;
}
