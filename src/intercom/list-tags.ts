import type { Transport } from './create-transport.js';
import type { Cohort } from './types.js';
import { parseTagList } from './wire-schemas.js';

/** Every tag (`GET /tags`: no pagination, no counts). */
export async function listTags(transport: Transport, baseUrl: string, signal?: AbortSignal): Promise<Cohort[]> {
  const tags = await transport.send({ endpoint: 'tags', method: 'GET', url: `${baseUrl}/tags`, parse: parseTagList, signal });
  return tags.map((tag) => ({ type: 'tag', id: tag.id, name: tag.name, memberCountReported: null, personType: null }));
}
