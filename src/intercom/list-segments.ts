import type { Transport } from './create-transport.js';
import { listLinkedPages } from './list-linked-pages.js';
import type { Cohort } from './types.js';
import { parseSegmentList } from './wire-schemas.js';

/** Every segment with the member count Intercom reports (`GET /segments?include_count=true`), over every page. */
export async function listSegments(transport: Transport, baseUrl: string, signal?: AbortSignal): Promise<Cohort[]> {
  const segments = await listLinkedPages(transport, baseUrl, {
    endpoint: 'segments',
    path: '/segments',
    query: 'include_count=true',
    parse: parseSegmentList,
    ...(signal ? { signal } : {}),
  });
  return segments.map((segment) => ({
    type: 'segment',
    id: segment.id,
    name: segment.name,
    memberCountReported: segment.count ?? null,
    personType: segment.person_type ?? null,
  }));
}
