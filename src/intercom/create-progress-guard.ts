/**
 * Every pager's guard against a list that never ends although no cursor repeats: a page that points
 * further but brings nothing new (no item id not seen before in this list: an empty page, or the same
 * items again behind a fresh cursor) is allowed a few times in a row — an API may well serve an odd
 * empty page — and then the list fails with PaginationStalledError instead of being followed forever
 * (empty event pages, each with a new cursor, once made 44,484 requests in 25 s for 2 contacts).
 *
 * The state lives as long as one list and no longer. A member list can hold a million contacts, so
 * it remembers a 30-bit fingerprint per id rather than the id ('fingerprints'); lists whose items are
 * held anyway, or small (one contact's events, segments, tags), remember the ids themselves ('ids').
 */
import { PaginationStalledError } from './errors.js';

/** Pages in a row that point further with nothing new before the list fails (the next one fails it). */
export const MAX_PAGES_WITHOUT_NEW_ITEMS = 3;

export interface ProgressGuard {
  /**
   * Told of every page that points to another one, with its items' ids, before that one is asked
   * for. Throws PaginationStalledError when this is page MAX_PAGES_WITHOUT_NEW_ITEMS + 1 in a row
   * that brought nothing new.
   */
  beforeNextPage(ids: Iterable<string>): void;
}

export interface ProgressGuardOptions {
  /** Label of the endpoint, as in errors: 'events', 'contacts.search', 'segments'. */
  endpoint: string;
  /** What the list is about, as in errors: 'contact 6762…', 'segment 123'; absent for a whole-workspace list. */
  subject?: string;
  /** What an item is, for the message: 'event', 'contact', 'segment'. */
  item: string;
  remember: 'ids' | 'fingerprints';
}

/**
 * FNV-1a over the UTF-16 code units, cut to 30 bits: a small integer, which V8 keeps unboxed in a Set
 * (a few bytes per id instead of a string's tens). Two ids share one with probability 2^-30, so among
 * a million remembered ids a new one looks seen about once in a thousand; a page counts as stale only
 * when EVERY id on it looks seen, which for a page of new ids effectively never happens, and the list
 * fails only after several such pages in a row.
 */
function fingerprint(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 2;
}

/** A set that answers whether an id is new to it, adding it. */
function createSeen(remember: ProgressGuardOptions['remember']): (id: string) => boolean {
  const seen = new Set<string | number>();
  const key = remember === 'ids' ? (id: string): string | number => id : fingerprint;
  return (id) => {
    const k = key(id);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
}

/**
 * @example
 * const guard = createProgressGuard({ endpoint: 'events', subject: `contact ${id}`, item: 'event', remember: 'ids' });
 * // after each page that has a pages.next, before following it:
 * guard.beforeNextPage(page.events.map((e) => e.id));
 */
export function createProgressGuard(options: ProgressGuardOptions): ProgressGuard {
  const isNew = createSeen(options.remember);
  let pages = 0;
  let stale = 0;
  return {
    beforeNextPage(ids) {
      pages += 1;
      let fresh = false;
      for (const id of ids) if (isNew(id)) fresh = true;
      stale = fresh ? 0 : stale + 1;
      if (stale <= MAX_PAGES_WITHOUT_NEW_ITEMS) return;
      const about = options.subject === undefined ? options.endpoint : `${options.endpoint} (${options.subject})`;
      throw new PaginationStalledError(
        `Intercom ${about} answered ${stale} pages in a row that brought no ${options.item} not seen before in this list, each pointing to another page (after ${pages} pages): the API is not making progress, so the list was stopped instead of followed forever; run again later, and report it to Intercom if it persists`,
        { endpoint: options.endpoint, status: 200, subject: options.subject ?? null },
      );
    },
  };
}
