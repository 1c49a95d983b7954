/**
 * The `pagination` of a search body (POST /contacts/search, /conversations/search), read as Intercom
 * reads it: `per_page` an integer from 1 to the endpoint's maximum (its default when absent), and
 * `starting_after` a cursor string or nothing. A problem is named with the field it is in.
 */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type SearchPagination = { ok: true; perPage: number; startingAfter: string | null } | { ok: false; message: string; field: string };

export function readSearchPagination(body: Record<string, unknown>, limits: { perPageDefault: number; perPageMax: number }): SearchPagination {
  const pagination = body.pagination ?? null;
  if (pagination !== null && !isObject(pagination)) return { ok: false, message: 'pagination must be an object', field: 'pagination' };
  const perPageRaw = pagination?.per_page ?? null;
  let perPage = limits.perPageDefault;
  if (perPageRaw !== null) {
    if (typeof perPageRaw !== 'number' || !Number.isInteger(perPageRaw) || perPageRaw < 1 || perPageRaw > limits.perPageMax) {
      return { ok: false, message: `per_page must be an integer from 1 to ${limits.perPageMax}`, field: 'pagination.per_page' };
    }
    perPage = perPageRaw;
  }
  const startingAfter = pagination?.starting_after ?? null;
  if (startingAfter !== null && typeof startingAfter !== 'string') return { ok: false, message: 'starting_after must be a string', field: 'pagination.starting_after' };
  return { ok: true, perPage, startingAfter };
}
