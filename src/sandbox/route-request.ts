/**
 * Dispatches an authenticated, admitted request to its handler. Only the six read endpoints exist;
 * any other method or path is 404 `not_found`, as an unknown route is in Intercom.
 */
import type { FaultPicker } from './create-fault-picker.js';
import type { WorkspaceIndex } from './create-workspace-index.js';
import { errorList } from './error-list.js';
import { handleContactsSearch } from './handle-contacts-search.js';
import type { ConversationSearch } from './handle-conversations-search.js';
import { handleEvents } from './handle-events.js';
import { handleMe } from './handle-me.js';
import { handleSegments } from './handle-segments.js';
import { handleTags } from './handle-tags.js';
import type { SandboxCounters, SandboxEndpoint, SandboxResponse } from './types.js';

export type ParsedBody = { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'malformed' };

export interface RouteContext {
  endpoint: SandboxEndpoint;
  url: URL;
  body: ParsedBody;
  index: WorkspaceIndex;
  /** The origin (and nothing else) `pages.next` links are written on. */
  linkOrigin: string;
  nowMs: number;
  requestId: string;
  counters: SandboxCounters;
  faults: FaultPicker;
  eventsPerPageDefault: number;
  eventsPerPageMax: number;
  eventsOverMax: 'clamp' | '400';
  segmentsPerPage: number | null;
  app: { idCode: string; name: string };
  conversations: ConversationSearch;
}

export function routeRequest(ctx: RouteContext): SandboxResponse {
  switch (ctx.endpoint) {
    case 'me':
      return handleMe(ctx.app, ctx.index.workspace);
    case 'segments':
      return handleSegments(ctx.index.workspace, ctx.url.searchParams, {
        perPage: ctx.segmentsPerPage,
        linkOrigin: ctx.linkOrigin,
        requestId: ctx.requestId,
      });
    case 'tags':
      return handleTags(ctx.index.workspace);
    case 'contacts.search':
      if (ctx.body.kind === 'malformed') return errorList(400, ctx.requestId, 'bad_request', 'The request body is not valid JSON');
      // A body sent without a JSON content type is not read, as a Rails app would not parse it.
      return handleContactsSearch(ctx.index, ctx.body.kind === 'json' ? ctx.body.value : {}, ctx.requestId, ctx.counters);
    case 'events':
      return handleEvents({
        index: ctx.index,
        query: ctx.url.searchParams,
        linkOrigin: ctx.linkOrigin,
        nowMs: ctx.nowMs,
        requestId: ctx.requestId,
        counters: ctx.counters,
        faults: ctx.faults,
        perPageDefault: ctx.eventsPerPageDefault,
        perPageMax: ctx.eventsPerPageMax,
        overMax: ctx.eventsOverMax,
      });
    case 'conversations.search':
      if (ctx.body.kind === 'malformed') return errorList(400, ctx.requestId, 'bad_request', 'The request body is not valid JSON');
      return ctx.conversations.handle(ctx.body.kind === 'json' ? ctx.body.value : {}, ctx.requestId);
    default:
      return errorList(404, ctx.requestId, 'not_found', 'Resource Not Found');
  }
}
