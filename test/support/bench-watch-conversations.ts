/**
 * When a run's conversation calls happened, against its other calls, from the sandbox's counters
 * (sampled every 10 ms): whether listing conversations made the run longer shows as a tail, the
 * listing ending after every other call. A run lists a month's conversations only once every cohort
 * is paged, one page after another, beside the events fetches still at work.
 */
import type { Sandbox } from '../../src/sandbox/types.js';

const SAMPLE_MS = 10;

export interface ConversationTiming {
  /** Seconds from the first request of any kind to the listing's first page (after the access probe). */
  conversation_listing_start_s: number | null;
  /** Seconds from the first request to the listing's last page. */
  conversation_listing_end_s: number | null;
  /** Seconds from the first request to the last request that was not a conversation search. */
  last_other_call_s: number | null;
  /** How much longer the listing kept the run calling the API than its other calls did (≥ 0). */
  conversation_tail_s: number | null;
}

const round = (value: number): number => Number(value.toFixed(2));

/**
 * Starts sampling `sandbox`'s counters (counted from their values now: call it before the run
 * starts, after any resetCounters). `stop()` returns the figures; null where there was no such call.
 *
 * @example
 * const watch = watchConversationCalls(sandbox);
 * await runTheRun();
 * const timing = watch.stop();
 */
export function watchConversationCalls(sandbox: Sandbox): { stop(): ConversationTiming } {
  const conversationsOf = (): number => sandbox.counters.byEndpoint['conversations.search'];
  let seenAll = sandbox.counters.requests;
  let seenConversations = conversationsOf();
  const startConversations = seenConversations;
  let firstMs: number | null = null;
  let lastOtherMs: number | null = null;
  let listingStartMs: number | null = null;
  let listingEndMs: number | null = null;
  const timer = setInterval(() => {
    const all = sandbox.counters.requests;
    const conversations = conversationsOf();
    if (all === seenAll) return;
    const t = Date.now();
    firstMs ??= t;
    if (all - seenAll > conversations - seenConversations) lastOtherMs = t;
    if (conversations !== seenConversations) {
      // The first conversation search is the access probe; the listing starts with the second.
      if (listingStartMs === null && conversations - startConversations >= 2) listingStartMs = t;
      listingEndMs = t;
    }
    seenAll = all;
    seenConversations = conversations;
  }, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      const since = (ms: number | null): number | null => (ms === null || firstMs === null ? null : round((ms - firstMs) / 1000));
      return {
        conversation_listing_start_s: since(listingStartMs),
        conversation_listing_end_s: since(listingEndMs),
        last_other_call_s: since(lastOtherMs),
        conversation_tail_s: listingEndMs === null || lastOtherMs === null ? null : round(Math.max(0, listingEndMs - lastOtherMs) / 1000),
      };
    },
  };
}
