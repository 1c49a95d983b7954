/**
 * The `per_page` a client asks GET /events for. Intercom documents the parameter but neither its
 * default (its SDK's text says 15) nor its maximum (150 for every list, says its pagination guide), and
 * what it does above the maximum (clamp, or 400) is unverified. So a client asks for 150 and, on a 400
 * that names `per_page`, steps down (100, 50, then no per_page at all); the first size that works is
 * kept for the rest of the process's part of the run. A server that silently clamps
 * is followed as it pages: nothing is lost, only calls.
 */
import type { ClientLogger } from './create-transport.js';
import { BadRequestError } from './errors.js';
import { untilAborted } from './start-deadline.js';

/** A `per_page` value, or 'omit' to send none (the API's default page size). */
export type EventsPageSize = number | 'omit';

/** Client setting: 'auto' learns from EVENTS_PAGE_SIZES; a number or 'omit' is used as it is. */
export type EventsPerPageSetting = 'auto' | EventsPageSize;

/** Tried in order by 'auto', each after a 400 naming per_page for the one before. */
export const EVENTS_PAGE_SIZES: readonly EventsPageSize[] = [150, 100, 50, 'omit'];

/** The sizes a setting may try, in order. */
export function eventsPageSizesFor(setting: EventsPerPageSetting): readonly EventsPageSize[] {
  return setting === 'auto' ? EVENTS_PAGE_SIZES : [setting];
}

/** A 400 that names per_page: the size asked for is refused, a smaller one may work. */
function refusesPerPage(err: unknown): boolean {
  return err instanceof BadRequestError && err.status === 400 && (err.intercomField === 'per_page' || /per_page/i.test(err.message));
}

/** The page size one client learns from its first events call. */
export interface EventsPageSizeLearner {
  /** The size that worked, or null before a first page was served. */
  readonly size: EventsPageSize | null;
  /**
   * A first page sent by `send` at the learnt size; while none is learnt, the first caller tries the
   * sizes in order and the others wait for its try (so a refused size is asked once, not once per
   * concurrent call). A try that fails for another reason than per_page learns nothing: the next
   * caller tries again. A learnt size refused later (the API changed, or a run of the same month
   * started over) is learnt again from the next smaller size.
   */
  firstPage<T>(send: (size: EventsPageSize) => Promise<T>, signal?: AbortSignal): Promise<{ page: T; size: EventsPageSize }>;
}

export function createEventsPageSizeLearner(pageSizes: readonly EventsPageSize[], logger: ClientLogger): EventsPageSizeLearner {
  let learnt: EventsPageSize | null = null;
  /** Where a try starts in `pageSizes`: the learnt size's index, or after it once that was refused. */
  let from = 0;
  let trying: Promise<unknown> | null = null;

  async function trySizes<T>(send: (size: EventsPageSize) => Promise<T>): Promise<{ page: T; size: EventsPageSize }> {
    for (let i = from; ; i += 1) {
      const size = pageSizes[i]!;
      try {
        const page = await send(size);
        learnt = size;
        from = i;
        return { page, size };
      } catch (err) {
        const smaller = pageSizes[i + 1];
        if (smaller === undefined || !refusesPerPage(err)) throw err;
        logger.warn({ endpoint: 'events', perPage: size, next: smaller }, 'events per_page refused: asking for smaller pages');
      }
    }
  }

  return {
    get size() {
      return learnt;
    },
    async firstPage(send, signal) {
      for (;;) {
        if (learnt !== null) {
          const size = learnt;
          try {
            return { page: await send(size), size };
          } catch (err) {
            if (!refusesPerPage(err) || pageSizes[from + 1] === undefined) throw err;
            if (learnt === size) {
              logger.warn({ endpoint: 'events', perPage: size, next: pageSizes[from + 1] }, 'events per_page refused: asking for smaller pages');
              learnt = null;
              from += 1;
            }
            continue;
          }
        }
        if (trying === null) {
          const attempt = trySizes(send);
          trying = attempt;
          try {
            return await attempt;
          } finally {
            trying = null;
          }
        }
        try {
          await (signal ? untilAborted(trying, signal) : trying);
        } catch {
          // The try failed (the next caller tries again) or this caller gave up waiting.
          signal?.throwIfAborted();
        }
      }
    },
  };
}
