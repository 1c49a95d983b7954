/**
 * POST /conversations/search with a filter on `created_at` only: one `>` or `<` filter, or an `AND`
 * of such filters — the search cohort-reports makes. Other fields, operators (`=`, `IN`, …), `OR` and
 * nesting answer 400 saying the sandbox does not implement them; `>=` and `<=` on a date answer 400
 * as Intercom's search does.
 *
 * What `>` and `<` mean on a date is unverified (INTERCOM.md), so the variant chooses:
 * - 'strict' (default): `>` v is created_at > v, `<` v is created_at < v;
 * - 'inclusive': "greater (or equal)", "lower (or equal)", as the conversation-search text says;
 * - 'calendar-day': by calendar day in the workspace's zone, as the contact-search text says: `>` v
 *   from the first second of the day after v's day, `<` v before the first second of v's day.
 * `readConversations: false` is a token without the Read conversations permission: every search
 * answers 403 `unauthorized` (whether Intercom says 401 or 403 is unverified).
 *
 * Paging as the contacts search: per_page default 20 (Intercom's for conversations), outside 1..150
 * → 400; the cursor is read from the JSON body only; opaque cursors (search-cursor.ts) naming the
 * last listed conversation; `pages.next` absent on the last page. Order: created_at, then id. The
 * conversations are the workspace's placed list or, without one, generated when the sandbox starts
 * (workspaceConversations in generate-conversations.ts): at 100k contacts that takes most of a
 * second, which a run's first search (its permission check) would otherwise wait for.
 */
import { TZDate } from '@date-fns/tz';
import { errorList } from './error-list.js';
import { SandboxError } from './errors.js';
import { workspaceConversations } from './generate-conversations.js';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor.js';
import type { SandboxResponse, SandboxWorkspace, WireConversation } from './types.js';
import { isObject, readSearchPagination } from './read-search-pagination.js';

export const CONVERSATIONS_PER_PAGE_DEFAULT = 20;
export const CONVERSATIONS_PER_PAGE_MAX = 150;

export type ConversationDateRule = 'strict' | 'inclusive' | 'calendar-day';

/** The conversation-search behaviours a sandbox can switch on. */
export interface ConversationVariant {
  /** How `>` and `<` match created_at (default 'strict'). */
  dateRule?: ConversationDateRule;
  /** false: the token lacks the Read conversations permission (default true). */
  readConversations?: boolean;
}

export interface ConversationSearch {
  handle(body: unknown, requestId: string): SandboxResponse;
}

const DATE_RULES: readonly ConversationDateRule[] = ['strict', 'inclusive', 'calendar-day'];


/** The first second of the calendar day, in `timeZone`, `dayOffset` days after the one holding `sec`. */
function dayStartSec(sec: number, timeZone: string, dayOffset: number): number {
  const local = new TZDate(sec * 1000, timeZone);
  return Math.ceil(+new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + dayOffset, timeZone) / 1000);
}

/** Where the first conversation created at or after `sec` sits in `sorted`. */
function lowerBound(sorted: readonly WireConversation[], sec: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.created_at < sec) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * @param timeZone the workspace's zone, as GET /me reports it (the 'calendar-day' rule's days)
 * @example
 * const search = createConversationSearch(workspace, { dateRule: 'calendar-day' }, 'UTC');
 * search.handle({ query: { field: 'created_at', operator: '>', value: 1759276800 } }, requestId);
 */
export function createConversationSearch(workspace: SandboxWorkspace, variant: ConversationVariant, timeZone: string): ConversationSearch {
  const rule = variant.dateRule ?? 'strict';
  if (!DATE_RULES.includes(rule)) {
    throw new SandboxError('SANDBOX_INVALID_OPTIONS', `conversations.dateRule must be one of ${DATE_RULES.join(', ')} (got ${JSON.stringify(rule)})`);
  }
  const readConversations = variant.readConversations ?? true;
  // Read (and a placed list checked) now, so a bad one fails the sandbox's start, not a search.
  const sorted: WireConversation[] = workspaceConversations(workspace);
  const positionById = new Map(sorted.map((c, i) => [c.id, i]));

  /** The first second a `>` (lower) or `<` (upper, exclusive) bound on v lets through. */
  const bound = (operator: '>' | '<', v: number): number => {
    if (rule === 'calendar-day') return dayStartSec(v, timeZone, operator === '>' ? 1 : 0);
    if (rule === 'inclusive') return operator === '>' ? v : v + 1;
    return operator === '>' ? v + 1 : v;
  };

  return {
    handle(body, requestId) {
      if (!readConversations) {
        return errorList(403, requestId, 'unauthorized', 'You do not have permission to access this resource: the app needs the Read conversations permission');
      }
      const invalid = (message: string, field: string): SandboxResponse => errorList(400, requestId, 'parameter_invalid', message, field);
      if (!isObject(body)) return invalid('The request body must be a JSON object', 'body');
      const query = body.query;
      if (query === undefined || query === null) return errorList(400, requestId, 'parameter_not_found', 'query is required', 'query');
      if (!isObject(query)) return invalid('query must be an object', 'query');
      let filters: Array<{ filter: unknown; path: string }>;
      if (query.operator === 'AND') {
        if (!Array.isArray(query.value) || query.value.length === 0) return invalid('An AND query needs an array of filters as its value', 'query.value');
        filters = query.value.map((filter, i) => ({ filter, path: `query.value[${i}]` }));
      } else if (query.operator === 'OR') {
        return invalid('The sandbox implements only filters on created_at joined by AND, not OR', 'query.operator');
      } else {
        filters = [{ filter: query, path: 'query' }];
      }
      let lo = 0;
      let hi = Number.POSITIVE_INFINITY;
      for (const { filter, path } of filters) {
        if (!isObject(filter)) return invalid(`${path} must be a filter object`, path);
        if (filter.operator === 'AND' || filter.operator === 'OR') return invalid('The sandbox implements no nested AND/OR', `${path}.operator`);
        if (filter.field !== 'created_at') {
          return invalid(`The sandbox implements only the field created_at (got ${JSON.stringify(filter.field ?? null)})`, `${path}.field`);
        }
        const operator = filter.operator;
        if (operator === '>=' || operator === '<=') {
          return invalid(`The operator ${operator} is not supported for date fields: use > or <`, `${path}.operator`);
        }
        if (operator !== '>' && operator !== '<') {
          return invalid(`The sandbox implements only > and < on created_at (got ${JSON.stringify(operator ?? null)})`, `${path}.operator`);
        }
        const value = filter.value;
        if (typeof value !== 'number' || !Number.isSafeInteger(value)) return invalid('created_at takes a date (UNIX timestamp) as its value', `${path}.value`);
        if (operator === '>') lo = Math.max(lo, bound('>', value));
        else hi = Math.min(hi, bound('<', value));
      }

      const paging = readSearchPagination(body, { perPageDefault: CONVERSATIONS_PER_PAGE_DEFAULT, perPageMax: CONVERSATIONS_PER_PAGE_MAX });
      if (!paging.ok) return invalid(paging.message, paging.field);
      const { perPage, startingAfter } = paging;

      // The matches are one run of the created_at order: [first, end).
      const first = lowerBound(sorted, lo);
      const end = Math.max(first, hi === Number.POSITIVE_INFINITY ? sorted.length : lowerBound(sorted, hi));
      let start = first;
      if (startingAfter !== null && startingAfter !== '') {
        const afterId = decodeSearchCursor(startingAfter);
        const position = afterId === null ? undefined : positionById.get(afterId);
        if (position === undefined || position < first || position >= end) return invalid('starting_after is not a cursor of this search', 'pagination.starting_after');
        start = position + 1;
      }
      const page = sorted.slice(start, Math.min(end, start + perPage));
      const total = end - first;
      const pages: Record<string, unknown> = {
        type: 'pages',
        page: Math.floor((start - first) / perPage) + 1,
        per_page: perPage,
        total_pages: Math.ceil(total / perPage),
      };
      const last = page[page.length - 1];
      if (last && start + perPage < end) pages.next = { page: (pages.page as number) + 1, starting_after: encodeSearchCursor(last.created_at, last.id) };
      return { status: 200, body: { type: 'conversation.list', conversations: page, total_count: total, pages } };
    },
  };
}
