import type { Transport } from './create-transport.js';
import { listLinkedPages } from './list-linked-pages.js';
import type { Cohort } from './types.js';
import { parseTagList } from './wire-schemas.js';

/** Every tag (`GET /tags`: no counts; documented without pagination, followed if an answer carries `pages`). */
export async function listTags(transport: Transport, baseUrl: string, signal?: AbortSignal): Promise<Cohort[]> {
  const tags = await listLinkedPages(transport, baseUrl, { endpoint: 'tags', path: '/tags', parse: parseTagList, ...(signal ? { signal } : {}) });
  return tags.map((tag) => ({ type: 'tag', id: tag.id, name: tag.name, memberCountReported: null, personType: null }));
}
