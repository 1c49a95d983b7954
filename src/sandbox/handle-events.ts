/**
 * GET /events?type=user&intercom_user_id=… (or user_id / email): a contact's events, newest first, only
 * those less than 90 days old at the server's clock. Pages link on with `pages.next`, a full URL that
 * repeats the query with a `before=` cursor; `pages.since` links to anything newer. `summary=true`
 * answers `event.summary` with all-time counts per name instead.
 *
 * Cursors are millisecond keys, as in Intercom's examples (`before=1389913941064`): an event's key is
 * created_at * 1000 plus its rank among same-second events, so equal timestamps never lose or repeat
 * an event across a page break. `before=K` lists keys < K; `since=K` lists keys >= K.
 */
import type { WireContact, WireEvent, WireEventList } from '../intercom/types.js';
import type { WorkspaceIndex } from './create-workspace-index.js';
import type { FaultPicker } from './create-fault-picker.js';
import { incrementKey } from './create-counters.js';
import { errorList } from './error-list.js';
import type { SandboxCounters, SandboxResponse } from './types.js';

export const LISTABLE_EVENT_AGE_SEC = 90 * 86_400;

export interface EventsContext {
  index: WorkspaceIndex;
  query: URLSearchParams;
  /** The origin `pages.next` / `pages.since` are written on (the server's own, or SandboxOptions.nextOrigin). */
  linkOrigin: string;
  nowMs: number;
  requestId: string;
  counters: SandboxCounters;
  faults: FaultPicker;
  perPageDefault: number;
  perPageMax: number;
  /** Above perPageMax: serve the maximum, or answer 400 naming per_page. */
  overMax: 'clamp' | '400';
}

/** Keys in list order (strictly decreasing for a newest-first list). */
function eventKeys(events: readonly WireEvent[]): number[] {
  const keys = new Array<number>(events.length);
  let i = 0;
  while (i < events.length) {
    let j = i;
    while (j + 1 < events.length && events[j + 1]!.created_at === events[i]!.created_at) j += 1;
    const size = j - i + 1;
    for (let k = i; k <= j; k += 1) keys[k] = events[k]!.created_at * 1000 + Math.min(999, size - 1 - (k - i));
    i = j + 1;
  }
  return keys;
}

/** Intercom's summary timestamps: `2014-01-16T23:12:21.000+00:00`. */
function isoUtc(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('Z', '+00:00');
}

function summarize(contact: WireContact, events: readonly WireEvent[]): SandboxResponse {
  const byName = new Map<string, { name: string; first: number; last: number; count: number }>();
  for (const e of events) {
    const s = byName.get(e.event_name);
    if (!s) byName.set(e.event_name, { name: e.event_name, first: e.created_at, last: e.created_at, count: 1 });
    else {
      s.count += 1;
      s.first = Math.min(s.first, e.created_at);
      s.last = Math.max(s.last, e.created_at);
    }
  }
  const summary = [...byName.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => ({ name: s.name, first: isoUtc(s.first), last: isoUtc(s.last), count: s.count }));
  const body: Record<string, unknown> = { type: 'event.summary', email: contact.email, intercom_user_id: contact.id };
  if (contact.external_id !== null) body.user_id = contact.external_id;
  body.events = summary;
  return { status: 200, body };
}

function linkWith(ctx: EventsContext, param: 'before' | 'since', value: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of ctx.query) if (k !== 'before' && k !== 'since') q.append(k, v);
  q.append(param, String(value));
  return `${ctx.linkOrigin}/events?${q.toString()}`;
}

const DIGITS = /^\d{1,16}$/;

export function handleEvents(ctx: EventsContext): SandboxResponse {
  const { query, requestId } = ctx;
  const invalid = (message: string, field: string): SandboxResponse => errorList(400, requestId, 'parameter_invalid', message, field);
  const type = query.get('type');
  if (type === null) return errorList(400, requestId, 'parameter_not_found', 'type is required', 'type');
  if (type !== 'user') return invalid("type must be 'user'", 'type');

  // One identifier is expected; given several, the most specific wins.
  const intercomUserId = query.get('intercom_user_id');
  const userId = query.get('user_id');
  const email = query.get('email');
  let contact: WireContact | undefined;
  let identifier: string;
  if (intercomUserId !== null) {
    identifier = intercomUserId;
    contact = ctx.index.contactById(intercomUserId);
  } else if (userId !== null) {
    identifier = userId;
    contact = ctx.index.contactByExternalId(userId);
  } else if (email !== null) {
    identifier = email;
    contact = ctx.index.contactByEmail(email);
  } else {
    return errorList(400, requestId, 'parameter_not_found', 'One of intercom_user_id, user_id or email is required', 'intercom_user_id');
  }

  const perPageRaw = query.get('per_page');
  let perPage = ctx.perPageDefault;
  if (perPageRaw !== null) {
    if (!DIGITS.test(perPageRaw) || Number(perPageRaw) < 1) return invalid('per_page must be a positive integer', 'per_page');
    if (Number(perPageRaw) > ctx.perPageMax && ctx.overMax === '400') return invalid(`per_page must be at most ${ctx.perPageMax}`, 'per_page');
    perPage = Math.min(Number(perPageRaw), ctx.perPageMax);
  }
  const beforeRaw = query.get('before');
  if (beforeRaw !== null && !DIGITS.test(beforeRaw)) return invalid('before must be a cursor from pages.next', 'before');
  const sinceRaw = query.get('since');
  if (sinceRaw !== null && !DIGITS.test(sinceRaw)) return invalid('since must be a cursor from pages.since', 'since');

  incrementKey(ctx.counters.eventsCallsByContact, contact?.id ?? identifier);
  if (!contact) return errorList(404, requestId, 'not_found', 'User Not Found');
  if (ctx.faults.isVanished(contact.id)) {
    ctx.counters.faultsInjected.vanish += 1;
    return errorList(404, requestId, 'not_found', 'User Not Found');
  }

  const all = ctx.index.events(contact.id);
  if (query.get('summary') === 'true') return summarize(contact, all);

  const keys = eventKeys(all);
  const beforeKey = beforeRaw === null ? Number.POSITIVE_INFINITY : Number(beforeRaw);
  const sinceKey = sinceRaw === null ? Number.NEGATIVE_INFINITY : Number(sinceRaw);
  // "Less than 90 days old": strictly younger than the cutoff, in ms so sub-second clocks are exact.
  const cutoffMs = ctx.nowMs - LISTABLE_EVENT_AGE_SEC * 1000;
  const listable = (i: number): boolean => all[i]!.created_at * 1000 > cutoffMs && keys[i]! >= sinceKey;

  let i = 0;
  while (i < all.length && keys[i]! >= beforeKey) i += 1;
  const page: WireEvent[] = [];
  const pageKeys: number[] = [];
  for (; i < all.length && page.length < perPage; i += 1) {
    if (!listable(i)) break;
    page.push(all[i]!);
    pageKeys.push(keys[i]!);
  }
  const more = i < all.length && listable(i);
  const pages: NonNullable<WireEventList['pages']> = {};
  if (more) pages.next = linkWith(ctx, 'before', pageKeys[pageKeys.length - 1]!);
  pages.since = linkWith(ctx, 'since', pageKeys.length > 0 ? pageKeys[0]! + 1 : beforeRaw !== null ? beforeKey : ctx.nowMs);
  const body: WireEventList = { type: 'event.list', events: page, pages };
  return { status: 200, body };
}
