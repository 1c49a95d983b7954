/**
 * GET /segments: the segment list; `count` only with `include_count=true`, as in Intercom. With a page
 * size (SandboxOptions.segmentsPerPage) it answers in pages, as the 2.14 `segment_list` schema allows
 * "if the response is paginated": `pages: {type, page, per_page, total_pages, next}`, where `next` is a
 * full URL repeating the query with `page=<n + 1>`, absent on the last page. `page` is 1-based.
 */
import type { WireSegment, WireSegmentList } from '../intercom/types.js';
import { errorList } from './error-list.js';
import type { SandboxResponse, SandboxWorkspace } from './types.js';

export function handleSegments(
  workspace: SandboxWorkspace,
  query: URLSearchParams,
  paging: { perPage: number | null; linkOrigin: string; requestId: string },
): SandboxResponse {
  const includeCount = query.get('include_count') === 'true';
  const segments: WireSegment[] = workspace.segments.map((s) => {
    const { count, ...rest } = s;
    return includeCount ? { ...rest, count: count ?? null } : rest;
  });
  if (paging.perPage === null) {
    const body: WireSegmentList = { type: 'segment.list', segments };
    return { status: 200, body };
  }
  const pageRaw = query.get('page') ?? '1';
  if (!/^\d{1,9}$/.test(pageRaw) || Number(pageRaw) < 1) {
    return errorList(400, paging.requestId, 'parameter_invalid', 'page must be a positive integer', 'page');
  }
  const page = Number(pageRaw);
  const perPage = paging.perPage;
  const totalPages = Math.max(1, Math.ceil(segments.length / perPage));
  const pages: Record<string, unknown> = { type: 'pages', page, per_page: perPage, total_pages: totalPages };
  if (page < totalPages) {
    const q = new URLSearchParams(query);
    q.set('page', String(page + 1));
    pages.next = `${paging.linkOrigin}/segments?${q.toString()}`;
  }
  const body: WireSegmentList = { type: 'segment.list', segments: segments.slice((page - 1) * perPage, page * perPage), pages };
  return { status: 200, body };
}
