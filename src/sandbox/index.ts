/**
 * The sandbox: a stand-in Intercom workspace (API 2.14) on loopback, serving seeded data with Intercom's
 * paging, errors and rate limit, plus injectable faults. Every test, demo and benchmark of the project
 * runs its client against it, so it follows /work/shared/INTERCOM.md and the OpenAPI description
 * field by field; the choices below were made where Intercom's behaviour is not verified.
 *
 * Endpoints (anything else, any other method included: 404 `not_found` "Resource Not Found")
 * - GET /segments → segment.list; `count` only with include_count=true. With segmentsPerPage, in pages
 *   of that many (`page=` 1-based; `pages: {type, page, per_page, total_pages, next}`, next a full URL,
 *   absent on the last page), as the 2.14 schema allows; by default one answer, as Intercom documents.
 * - GET /tags → {type:"list", data:[{type:"tag", id, name}]}.
 * - POST /contacts/search, single filter {field: segment_id|tag_id, operator: "="|"!=", value}.
 *   `!=` lists every contact not in the cohort. Nested AND/OR, other fields or operators: 400
 *   `parameter_invalid` with `field` naming the offending key (the sandbox does not implement them).
 *   Unknown cohort ids list nothing (a filter, not a look-up). per_page: default 50; outside 1..150 →
 *   400 `parameter_invalid` (unverified: Intercom may clamp; refusing makes a client bug visible).
 *   `starting_after` is read from the JSON body only; in the query string it is ignored (page 1).
 *   Cursors are opaque base64 (`WzE3…`, like Intercom's); one this search did not issue → 400.
 *   Order: the cohort's order in workspace.membersByCohort (the generator: created_at, then id).
 *   `pages.next` is absent on the last page; `page` = floor(position / per_page) + 1.
 *   A body sent without `Content-Type: application/json` is not read (400 "query is required");
 *   malformed JSON → 400 `bad_request`. Contacts carry the stored fields plus Intercom's always-present
 *   ones (null devices, location, tags/notes/companies lists); no `segments` field, as in 2.x.
 * - GET /events?type=user&(intercom_user_id|user_id|email)=… → event.list, newest first (ties by id),
 *   only events with created_at strictly later than clock() − 90 days. per_page: default 50, larger
 *   values clamped to 150 (all unverified; see eventsPerPageDefault/Max, and eventsOverMax '400' to
 *   refuse a larger one with 400 `parameter_invalid` field per_page). `pages.next` is a full URL (this
 *   server's, or nextOrigin's) repeating the query with `before=<ms key>`; absent when nothing older is listable.
 *   `pages.since` is always present: `since=<newest key on the page + 1>` (or now). Keys are
 *   created_at·1000 + rank among same-second events, so ties never lose or repeat an event.
 *   Missing type → 400 `parameter_not_found`; type ≠ user → 400 `parameter_invalid`; no identifier →
 *   400 `parameter_not_found`; several identifiers → intercom_user_id, then user_id, then email wins.
 *   Email look-up is case-insensitive. Unknown contact → 404 `not_found` "User Not Found".
 *   summary=true → event.summary over all events ever (not only 90 days), sorted by name, with
 *   `first`/`last` as `2026-01-01T00:00:00.000+00:00`.
 *
 * Auth, content negotiation, errors
 * - `Authorization: Bearer <token>` (scheme case-insensitive); anything else → 401 `unauthorized`
 *   "Access Token Invalid", without rate-limit headers and not counted in any rate window.
 * - Accept: JSON is admitted by application/json, application/* or * / * with q > 0; an absent or empty
 *   Accept admits JSON (Intercom appears to default to it). Otherwise 406 `not_acceptable` (JSON body).
 *   The 406 is decided after the rate limit, so it counts and carries the headers.
 * - Error bodies: {type:"error.list", request_id:<uuid v4>, errors:[{code, message, field?}]}; every
 *   response has `Content-Type: application/json; charset=utf-8` (except injected HTML) and an
 *   X-Request-Id header equal to the body's request_id (unverified for Intercom; harmless).
 * - `Intercom-Version` is not checked: the sandbox always answers as 2.14.
 *
 * Rate limit (`rateLimit`, changeable with setRateLimit)
 * - An allowance per window of windowSeconds (10): 'fixed' windows aligned to multiples of
 *   windowSeconds of Unix time (default), or 'sliding' over the last windowSeconds. Every authenticated
 *   request counts, refused ones included (Intercom counts failed requests), so in sliding mode a client
 *   that keeps knocking stays locked out.
 * - Every authenticated answer carries X-RateLimit-Limit / -Remaining / -Reset (Unix s when the window
 *   resets; sliding: when its oldest request leaves it). Exceptions: dropped sockets and injected
 *   gateway HTML 5xx pages, which a real proxy would send without them.
 * - Past the allowance: 429 `rate_limit_exceeded` "Exceeded rate limit of N in 10_seconds". No
 *   Retry-After header (unverified in Intercom; clients must wait for X-RateLimit-Reset).
 * - rateLimit null/absent: nothing is refused, and the headers still appear against a nominal
 *   allowance of 1,000,000 per 10-second fixed window (UNLIMITED_ALLOWANCE_PER_WINDOW).
 *
 * Faults (`faults`, replaced with setFaults, which also restarts their seeded sequence)
 * - Applied to authenticated requests only, after the request is counted in its window. One draw
 *   per request in arrival order decides among serverError (500 JSON `server_error`, 502 HTML,
 *   503 JSON `service_unavailable` or HTML), slow (the real answer after slowMs, default 5000), drop
 *   (socket destroyed, no answer) and nonJson (200 with an HTML page or truncated JSON). burst429 answers
 *   429 to requests everyNth·k … everyNth·k + length − 1 (1-based, counted since setFaults) whatever the
 *   allowance, with X-RateLimit-Remaining 0 as if other apps had used the workspace's allowance.
 *   vanishContactIds: listed by search, but their events calls (summary too) answer 404 `not_found`.
 * - Each injected fault is counted in counters.faultsInjected by kind.
 *
 * Counters: `requests`, `byEndpoint` and `requestsByHost` (Host header) count every request received (even unauthenticated);
 * `requestsByWindow` counts authenticated requests by aligned window start (windowSeconds of the current
 * limit, 10 when none); `eventsCallsByContact` / `searchCallsByCursor` count calls that reached the
 * handler (after auth, limit and faults; slow ones included; invalid parameters excluded).
 */
export { generateWorkspace, type GenerateWorkspaceOptions } from './generate-workspace.js';
export { startSandbox, UNLIMITED_ALLOWANCE_PER_WINDOW, EVENTS_PER_PAGE_DEFAULT, EVENTS_PER_PAGE_MAX } from './start-sandbox.js';
export { describeSandboxVariant, runSandboxServer, type SandboxVariant } from './run-sandbox-server.js';
export { routeRequest, type RouteContext, type ParsedBody } from './route-request.js';
export { handleSegments } from './handle-segments.js';
export { handleTags } from './handle-tags.js';
export { handleContactsSearch, SEARCH_PER_PAGE_DEFAULT, SEARCH_PER_PAGE_MAX } from './handle-contacts-search.js';
export { handleEvents, LISTABLE_EVENT_AGE_SEC, type EventsContext } from './handle-events.js';
export { createRateWindow, DEFAULT_WINDOW_SECONDS, type RateWindow, type RateDecision } from './create-rate-window.js';
export { createFaultPicker, DEFAULT_SLOW_MS, type FaultPicker, type FaultDecision } from './create-fault-picker.js';
export { createCounters, resetCounters, endpointOf } from './create-counters.js';
export { createWorkspaceIndex, type WorkspaceIndex } from './create-workspace-index.js';
export { encodeSearchCursor, decodeSearchCursor } from './search-cursor.js';
export { acceptsJson } from './accepts-json.js';
export { toWireContact } from './to-wire-contact.js';
export { createPrng, type Prng } from './create-prng.js';
export { SandboxError, type SandboxErrorCode } from './errors.js';
export {
  cohortKey,
  type SandboxWorkspace,
  type SandboxRateLimit,
  type SandboxFaults,
  type SandboxFaultKind,
  type SandboxOptions,
  type SandboxCounters,
  type SandboxEndpoint,
  type Sandbox,
  type SandboxResponse,
  type SandboxResponseTransform,
} from './types.js';
