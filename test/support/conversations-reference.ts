/**
 * cohort_conversations.csv by brute force, straight from METRICS.md and the raw conversations: a
 * conversation is in M when Intl puts its created_at in the local calendar month M (no window from
 * src/report), each id counts once, every figure is recomputed per cohort from the whole list, and
 * ratios are rounded by refRound. Cells as the CSV writes them: '' for an empty one.
 */
import type { Conversation } from '../../src/intercom/conversation-types.js';
import { localMonth, refRound } from './report-reference.js';

export interface RefConversationCohort {
  type: string;
  id: string;
  name: string;
  /** Contact ids as the member listing gave them, repeats allowed (a member counts once). */
  members: string[];
}

export const REF_CONVERSATIONS_HEADER = [
  'month', 'cohort_type', 'cohort_id', 'cohort_name', 'members', 'conversations_opened', 'members_opened',
  'opened_1', 'opened_2_3', 'opened_4_plus', 'opened_per_100_members', 'replied', 'reply_rate',
  'median_reply_seconds', 'p90_reply_seconds', 'rated', 'avg_rating', 'reopened',
];

/** The contact that opened it: author type user, lead or contact with an id; else nobody. */
function opener(c: Conversation): string | null {
  if (c.author === null) return null;
  if (c.author.type !== 'user' && c.author.type !== 'lead' && c.author.type !== 'contact') return null;
  return c.author.id;
}

/** Smallest k with 10k >= 9n, i.e. ceil(0.9 n) without floating point. */
function nearestRank90(n: number): number {
  let k = 0;
  while (10 * k < 9 * n) k += 1;
  return k;
}

/** Rows in file order (cohort_type, cohort_id in JavaScript's default string order), as string cells. */
export function referenceConversations(month: string, timeZone: string, conversations: readonly Conversation[], cohorts: readonly RefConversationCohort[]): string[][] {
  const seen = new Set<string>();
  const ofMonth: Conversation[] = [];
  for (const c of conversations) {
    if (seen.has(c.id)) continue;
    seen.add(c.id);
    if (localMonth(c.createdAtSec, timeZone) === month) ofMonth.push(c);
  }
  const ordered = [...cohorts].sort((a, b) => (a.type === b.type ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.type < b.type ? -1 : 1));
  return ordered.map((cohort) => {
    const members = new Set(cohort.members);
    const opened = ofMonth.filter((c) => {
      const u = opener(c);
      return u !== null && members.has(u);
    });
    const perMember = [...members].map((u) => opened.filter((c) => opener(c) === u).length);
    const replied = opened.filter((c) => c.replied).length;
    const times = opened.map((c) => c.replySeconds).filter((t): t is number => t !== null).sort((a, b) => a - b);
    const n = times.length;
    let median = '';
    let p90 = '';
    if (n > 0) {
      const twice = n % 2 === 1 ? 2n * BigInt(times[(n - 1) / 2]!) : BigInt(times[n / 2 - 1]!) + BigInt(times[n / 2]!);
      median = refRound(twice, 2, 2);
      p90 = String(times[nearestRank90(n) - 1]);
    }
    const ratings = opened.map((c) => c.rating).filter((r): r is number => r !== null);
    const ratingSum = ratings.reduce((s, r) => s + r, 0);
    return [
      month,
      cohort.type,
      cohort.id,
      cohort.name,
      String(members.size),
      String(opened.length),
      String(perMember.filter((k) => k >= 1).length),
      String(perMember.filter((k) => k === 1).length),
      String(perMember.filter((k) => k === 2 || k === 3).length),
      String(perMember.filter((k) => k >= 4).length),
      refRound(opened.length * 100, members.size, 2),
      String(replied),
      refRound(replied, opened.length, 4),
      median,
      p90,
      String(ratings.length),
      refRound(ratingSum, ratings.length, 2),
      String(opened.filter((c) => c.reopened).length),
    ];
  });
}

/**
 * A conversation as the API sends it, read straight from METRICS.md's words (not with src/'s schema):
 * opened by `source.author` (type and id), replied when `statistics.first_admin_reply_at` is a number,
 * reply time when `statistics.time_to_admin_reply` is a non-negative integer, rated when
 * `conversation_rating.rating` is an integer 1–5, reopened when `statistics.count_reopens` >= 1.
 */
export function conversationFromWire(wire: Record<string, unknown>): Conversation {
  const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
  const source = obj(wire.source);
  const author = obj(source?.author);
  const type = typeof author?.type === 'string' ? author.type : '';
  const authorId = typeof author?.id === 'string' || typeof author?.id === 'number' ? String(author.id) : null;
  const stats = obj(wire.statistics);
  const reply = stats?.time_to_admin_reply;
  const reopens = stats?.count_reopens;
  const rating = obj(wire.conversation_rating)?.rating;
  return {
    id: String(wire.id),
    createdAtSec: Number(wire.created_at),
    author: type === '' ? null : { type, id: authorId },
    replied: typeof stats?.first_admin_reply_at === 'number',
    replySeconds: typeof reply === 'number' && Number.isInteger(reply) && reply >= 0 ? reply : null,
    rating: typeof rating === 'number' && Number.isInteger(rating) && rating >= 1 && rating <= 5 ? rating : null,
    reopened: typeof reopens === 'number' && reopens >= 1,
  };
}
