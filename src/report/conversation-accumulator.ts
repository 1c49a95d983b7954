/**
 * The per-cohort reduction of cohort_conversations.csv for one month, one member at a time, and its
 * row (METRICS.md). Memory is a few counters plus the reply times of the conversations the cohort's
 * members opened — the median and p90 need every one of them — never a list of members.
 *
 * Plain JSON, like CohortAccumulator (cohort-accumulator.ts).
 */
import type { Cohort } from '../intercom/types.js';
import type { CohortConversationRow } from './columns.js';
import type { ContactConversations } from './contact-conversations.js';
import { formatRatio } from './format-ratio.js';

export interface ConversationAccumulator {
  month: string;
  members: number;
  conversationsOpened: number;
  membersOpened: number;
  /** Members with opened_M(u) = 1, 2–3, 4+. */
  openedBuckets: [number, number, number];
  replied: number;
  /** Reply times of the conversations members opened, in the order they came. */
  replySeconds: number[];
  rated: number;
  ratingSum: number;
  reopened: number;
}

/** @example const acc = createConversationAccumulator('2026-10'); */
export function createConversationAccumulator(month: string): ConversationAccumulator {
  return {
    month,
    members: 0,
    conversationsOpened: 0,
    membersOpened: 0,
    openedBuckets: [0, 0, 0],
    replied: 0,
    replySeconds: [],
    rated: 0,
    ratingSum: 0,
    reopened: 0,
  };
}

function openedBucket(opened: number): number {
  if (opened === 1) return 0;
  if (opened <= 3) return 1;
  return 2;
}

/**
 * Adds one member (mutating `acc`). The caller guarantees each member is added once; `opened` null
 * means the contact opened no conversation in any reported month.
 */
export function addConversationMember(acc: ConversationAccumulator, opened: ContactConversations | null): void {
  acc.members += 1;
  const list = opened === null ? undefined : opened.months[acc.month];
  if (list === undefined || list.length === 0) return;

  acc.conversationsOpened += list.length;
  acc.membersOpened += 1;
  const bucket = openedBucket(list.length);
  acc.openedBuckets[bucket] = acc.openedBuckets[bucket]! + 1;
  for (const [replied, replySeconds, rating, reopened] of list) {
    if (replied) acc.replied += 1;
    if (replySeconds !== null) acc.replySeconds.push(replySeconds);
    if (rating !== null) {
      acc.rated += 1;
      acc.ratingSum += rating;
    }
    if (reopened) acc.reopened += 1;
  }
}

/** The cohort's row of cohort_conversations.csv for the accumulator's month. */
export function finishConversations(acc: ConversationAccumulator, cohort: Cohort): CohortConversationRow {
  const times = [...acc.replySeconds].sort((x, y) => x - y);
  const n = times.length;
  let median: string | null = null;
  let p90: number | null = null;
  if (n > 0) {
    // Twice the median, as an exact integer (two reply times may sum past 2^53).
    const middle = n % 2 === 1 ? 2n * BigInt(times[(n - 1) / 2]!) : BigInt(times[n / 2 - 1]!) + BigInt(times[n / 2]!);
    median = formatRatio(middle, 2, 2);
    // Nearest rank: v[ceil(0.9 n)] of v[1..n], in integers.
    p90 = times[Math.floor((9 * n + 9) / 10) - 1]!;
  }
  return {
    month: acc.month,
    cohort_type: cohort.type,
    cohort_id: cohort.id,
    cohort_name: cohort.name,
    members: acc.members,
    conversations_opened: acc.conversationsOpened,
    members_opened: acc.membersOpened,
    opened_1: acc.openedBuckets[0],
    opened_2_3: acc.openedBuckets[1],
    opened_4_plus: acc.openedBuckets[2],
    opened_per_100_members: formatRatio(BigInt(acc.conversationsOpened) * 100n, acc.members, 2),
    replied: acc.replied,
    reply_rate: formatRatio(acc.replied, acc.conversationsOpened, 4),
    median_reply_seconds: median,
    p90_reply_seconds: p90,
    rated: acc.rated,
    avg_rating: formatRatio(acc.ratingSum, acc.rated, 2),
    reopened: acc.reopened,
  };
}
