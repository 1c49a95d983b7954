/**
 * POST /contacts/search with a single filter on `segment_id` or `tag_id` (operators `=` and `!=`), the
 * only searches cohort-reports makes. Everything else Intercom would accept (nested AND/OR, other
 * fields and operators) is answered 400 with an error that says what the sandbox does not implement,
 * so a client that drifts from the plan fails loudly instead of getting plausible data.
 */
import type { WireContactList, WireCursorPages } from '../intercom/types.js';
import type { WorkspaceIndex } from './create-workspace-index.js';
import { incrementKey } from './create-counters.js';
import { errorList } from './error-list.js';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor.js';
import { toWireContact } from './to-wire-contact.js';
import type { SandboxCounters, SandboxResponse } from './types.js';
import { isObject, readSearchPagination } from './read-search-pagination.js';

export const SEARCH_PER_PAGE_DEFAULT = 50;
export const SEARCH_PER_PAGE_MAX = 150;


export function handleContactsSearch(
  index: WorkspaceIndex,
  body: unknown,
  requestId: string,
  counters: SandboxCounters,
): SandboxResponse {
  const invalid = (message: string, field: string): SandboxResponse => errorList(400, requestId, 'parameter_invalid', message, field);
  if (!isObject(body)) return invalid('The request body must be a JSON object', 'body');
  const query = body.query;
  if (query === undefined || query === null) return errorList(400, requestId, 'parameter_not_found', 'query is required', 'query');
  if (!isObject(query)) return invalid('query must be an object', 'query');
  if (query.operator === 'AND' || query.operator === 'OR' || Array.isArray(query.value)) {
    return invalid('The sandbox implements only a single filter on segment_id or tag_id, not AND/OR or array values', 'query');
  }
  const field = query.field;
  if (field !== 'segment_id' && field !== 'tag_id') {
    return invalid(`The sandbox implements only the fields segment_id and tag_id (got ${JSON.stringify(field ?? null)})`, 'query.field');
  }
  const operator = query.operator;
  if (operator !== '=' && operator !== '!=') {
    const why = field === 'tag_id' ? 'tag_id accepts only the operators = and !=' : 'The sandbox implements only = and != on segment_id';
    return invalid(`${why} (got ${JSON.stringify(operator ?? null)})`, 'query.operator');
  }
  const rawValue = query.value;
  // Old payloads carry tag ids as integers; Intercom matches them as strings.
  if (typeof rawValue !== 'string' && !(typeof rawValue === 'number' && Number.isInteger(rawValue))) {
    return invalid('query.value must be a string id', 'query.value');
  }
  const value = String(rawValue);

  const paging = readSearchPagination(body, { perPageDefault: SEARCH_PER_PAGE_DEFAULT, perPageMax: SEARCH_PER_PAGE_MAX });
  if (!paging.ok) return invalid(paging.message, paging.field);
  const { perPage, startingAfter } = paging;

  incrementKey(counters.searchCallsByCursor, `${field}:${value}:${startingAfter ?? ''}`);

  const type = field === 'segment_id' ? 'segment' : 'tag';
  const results = index.searchResults(type, value, operator);
  let start = 0;
  if (startingAfter !== null && startingAfter !== '') {
    const afterId = decodeSearchCursor(startingAfter);
    const position = afterId === null ? -1 : index.positionIn(type, value, operator, afterId);
    if (position < 0) return invalid('starting_after is not a cursor of this search', 'pagination.starting_after');
    start = position + 1;
  }
  const page = results.slice(start, start + perPage);
  const pages: WireCursorPages = {
    type: 'pages',
    page: Math.floor(start / perPage) + 1,
    per_page: perPage,
    total_pages: Math.ceil(results.length / perPage),
  };
  const last = page[page.length - 1];
  if (last && start + perPage < results.length) {
    pages.next = { page: pages.page + 1, starting_after: encodeSearchCursor(last.created_at, last.id) };
  }
  const response: WireContactList = {
    type: 'list',
    data: page.map((c) => toWireContact(c, index.tagIdsOf(c.id)) as WireContactList['data'][number]),
    total_count: results.length,
    pages,
  };
  return { status: 200, body: response };
}
