/**
 * The growth of one process's request counters, as both stores record it: the client's figures are
 * cumulative from zero, and each record takes what they grew since the record before. A process may
 * replace its client (a worker closes an idle run's client and opens another later): the new one
 * counts from zero again, after what the old one grew and no record had taken.
 */
import type { EventsPageSize } from '../intercom/events-page-size.js';
import type { ClientCounts, RequestCounts } from './run-store.js';

const ZERO: RequestCounts = { apiCalls: 0, responses429: 0, retries: 0 };

export function isZero(c: RequestCounts): boolean {
  return c.apiCalls === 0 && c.responses429 === 0 && c.retries === 0;
}

export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  return { apiCalls: a.apiCalls + b.apiCalls, responses429: a.responses429 + b.responses429, retries: a.retries + b.retries };
}

function growth(now: RequestCounts, before: RequestCounts): RequestCounts {
  return { apiCalls: now.apiCalls - before.apiCalls, responses429: now.responses429 - before.responses429, retries: now.retries - before.retries };
}

export interface RequestCounter {
  /** Counts from `read` from now on, from zero (a client's first request may come before the store). */
  attach(read: () => ClientCounts): void;
  /** The growth not taken yet, without taking it. */
  peek(): RequestCounts;
  /** Takes the growth since the last take (null when there is none). */
  take(): RequestCounts | null;
  /** The events page size the process's clients learnt (the latest), or null. */
  pageSize(): EventsPageSize | null;
}

export function createRequestCounter(): RequestCounter {
  let read: (() => ClientCounts) | null = null;
  /** What the current reader showed at the last take. */
  let counted = ZERO;
  /** Growth of earlier readers that no take has had. */
  let carried = ZERO;
  let size: EventsPageSize | null = null;
  function current(): ClientCounts | null {
    if (read === null) return null;
    const now = read();
    if (now.eventsPageSize !== null) size = now.eventsPageSize;
    return now;
  }
  const grown = (now: ClientCounts | null): RequestCounts => (now === null ? carried : addCounts(carried, growth(now, counted)));
  return {
    attach(next) {
      carried = grown(current());
      read = next;
      counted = ZERO;
    },
    peek: () => grown(current()),
    take() {
      const now = current();
      const delta = grown(now);
      if (now !== null) counted = { apiCalls: now.apiCalls, responses429: now.responses429, retries: now.retries };
      carried = ZERO;
      return isZero(delta) ? null : delta;
    },
    pageSize() {
      current();
      return size;
    },
  };
}
