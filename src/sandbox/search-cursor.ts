/**
 * Opaque `starting_after` cursors for POST /contacts/search. Like Intercom's ("WzE3..."), they are
 * base64 of a small JSON array: the last listed contact's created_at in ms and its id. Only the id is
 * used to find the position; a cursor naming a contact the search does not list is refused.
 */
export function encodeSearchCursor(lastCreatedAtSec: number, lastContactId: string): string {
  return Buffer.from(JSON.stringify([lastCreatedAtSec * 1000, lastContactId]), 'utf8').toString('base64');
}

/** The contact id a cursor points after, or null when it is not one of ours. */
export function decodeSearchCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(cursor)) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') {
      return parsed[1];
    }
  } catch {
    // Falls through: not JSON, so not a cursor this sandbox issued.
  }
  return null;
}
