/**
 * The `per_page` a run asks GET /events for. Intercom documents the parameter but neither its default
 * (its SDK's text says 15) nor its maximum (150 for every list, says its pagination guide), and what it
 * does above the maximum (clamp, or 400) is unverified. So a run asks for 150 and, on a 400 that names
 * `per_page`, steps down (100, 50, then no per_page at all); the first size that works is kept for the
 * rest of the run, by every worker, in an EventsPageSizeMemory (the run's store: memory or Redis).
 * A server that silently clamps is followed as it pages: nothing is lost, only calls.
 */

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

/**
 * Where a run keeps the page size it has settled on, shared by everyone fetching its events. Until a
 * size has worked, one caller at a time holds the trial and tries sizes; the others wait for it, so a
 * size the API refuses is asked once per run, not once per concurrent request.
 */
export interface EventsPageSizeMemory {
  /** The size that worked, or null while none has. */
  settled(): Promise<EventsPageSize | null>;
  /** Takes the trial for `leaseMs` (then it lapses, in case its holder died); false while another holds it. */
  claimTrial(leaseMs: number): Promise<boolean>;
  /** Records the size that worked (the first one recorded stays) and gives the trial up. */
  settle(size: EventsPageSize): Promise<void>;
  /** Gives the trial up without a size (it failed for another reason than per_page). */
  releaseTrial(): Promise<void>;
}

/**
 * An EventsPageSizeMemory in process memory (`run`, or a client used on its own). `onSettle` is told
 * the size once it is settled (the memory store journals it); `initial` is a size settled earlier.
 */
export function createEventsPageSizeMemory(
  options: { initial?: EventsPageSize | null; onSettle?: (size: EventsPageSize) => void; now?: () => number } = {},
): EventsPageSizeMemory {
  const now = options.now ?? Date.now;
  let settled: EventsPageSize | null = options.initial ?? null;
  let trialUntilMs = 0;
  return {
    async settled() {
      return settled;
    },
    async claimTrial(leaseMs) {
      if (now() < trialUntilMs) return false;
      trialUntilMs = now() + leaseMs;
      return true;
    },
    async settle(size) {
      trialUntilMs = 0;
      if (settled !== null) return;
      settled = size;
      options.onSettle?.(size);
    },
    async releaseTrial() {
      trialUntilMs = 0;
    },
  };
}
