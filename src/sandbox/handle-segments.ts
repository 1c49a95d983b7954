/** GET /segments: the segment list; `count` only with `include_count=true`, as in Intercom. */
import type { WireSegment, WireSegmentList } from '../intercom/types.js';
import type { SandboxResponse, SandboxWorkspace } from './types.js';

export function handleSegments(workspace: SandboxWorkspace, query: URLSearchParams): SandboxResponse {
  const includeCount = query.get('include_count') === 'true';
  const segments: WireSegment[] = workspace.segments.map((s) => {
    const { count, ...rest } = s;
    return includeCount ? { ...rest, count: count ?? null } : rest;
  });
  const body: WireSegmentList = { type: 'segment.list', segments };
  return { status: 200, body };
}
