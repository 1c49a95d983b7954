import type { Transport } from './create-transport.js';
import type { Cohort } from './types.js';
import { parseSegmentList } from './wire-schemas.js';

/** Every segment with the member count Intercom reports (`GET /segments?include_count=true`). */
export async function listSegments(transport: Transport, baseUrl: string, signal?: AbortSignal): Promise<Cohort[]> {
  const segments = await transport.send({
    endpoint: 'segments',
    method: 'GET',
    url: `${baseUrl}/segments?include_count=true`,
    parse: parseSegmentList,
    signal,
  });
  return segments.segments.map((segment) => ({
    type: 'segment',
    id: segment.id,
    name: segment.name,
    memberCountReported: segment.count ?? null,
    personType: segment.person_type ?? null,
  }));
}
