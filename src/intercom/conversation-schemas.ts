/**
 * Shape check of POST /conversations/search answers (`{type:"conversation.list", conversations,
 * total_count, pages}`), reading each conversation straight into the normalised Conversation.
 *
 * Refused, like every other answer (the field named, never its value): a list that is not one, a
 * conversation without a readable `id` or `created_at` (same rules as contacts and events, see
 * wire-schemas.ts), a `source` or `source.author` that is not an object, an author `type` that is not
 * text, and a customer author (`user`, `lead`, `contact`) without a readable id — the conversation
 * would count for nobody, silently.
 *
 * Kept as "unusable" instead, per METRICS.md ("a missing or null statistics or conversation_rating
 * means: not replied, no reply time, not rated, not reopened"): `statistics` and
 * `conversation_rating` that are missing, null or not objects, and any of their fields that is missing,
 * null or out of its range (a negative time_to_admin_reply, a rating of 0, 6 or 2.5). These are
 * reporting extras Intercom fills in late or not at all; a page is not worth refusing over them.
 * A missing or blank author (Twitter's) is no author: opened by nobody.
 */
import { z } from 'zod';
import type { Conversation, ConversationAuthor } from './conversation-types.js';
import { describeType, id, parserOf, readId, searchPages, unixSeconds } from './wire-values.js';

/** Author types of a conversation a contact opened (METRICS.md); every other type opened it for nobody. */
export const CUSTOMER_AUTHOR_TYPES: ReadonlySet<string> = new Set(['user', 'lead', 'contact']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNumber = (value: unknown): boolean => (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint';

const author = z
  .object({ type: z.string().nullish(), id: z.unknown().optional() })
  .nullish()
  .transform((value, ctx): ConversationAuthor | null => {
    const type = value?.type ?? '';
    if (value === null || value === undefined || type === '') return null;
    const authorId = readId(value.id);
    if (authorId === null && CUSTOMER_AUTHOR_TYPES.has(type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['id'],
        message: `expected the id of the ${type} who opened the conversation, received ${describeType(value.id)}`,
      });
      return z.NEVER;
    }
    return { type, id: authorId };
  });

interface Statistics {
  replied: boolean;
  replySeconds: number | null;
  reopened: boolean;
}

function readStatistics(value: unknown): Statistics {
  if (!isPlainObject(value)) return { replied: false, replySeconds: null, reopened: false };
  const reply = value.time_to_admin_reply;
  const reopens = value.count_reopens;
  return {
    replied: isNumber(value.first_admin_reply_at),
    replySeconds: typeof reply === 'number' && Number.isSafeInteger(reply) && reply >= 0 ? reply : null,
    reopened: isNumber(reopens) && (reopens as number | bigint) >= 1,
  };
}

function readRating(value: unknown): number | null {
  const rating = isPlainObject(value) ? value.rating : undefined;
  return typeof rating === 'number' && Number.isInteger(rating) && rating >= 1 && rating <= 5 ? rating : null;
}

const conversation = z
  .object({
    id,
    created_at: unixSeconds,
    source: z.object({ author: author.optional() }).nullish(),
    statistics: z.unknown().optional(),
    conversation_rating: z.unknown().optional(),
  })
  .transform(
    (c): Conversation => ({
      id: c.id,
      createdAtSec: c.created_at,
      author: c.source?.author ?? null,
      ...readStatistics(c.statistics),
      rating: readRating(c.conversation_rating),
    }),
  );

export const parseConversationList = parserOf(
  z.object({
    type: z.literal('conversation.list'),
    conversations: z.array(conversation),
    total_count: z.number().int().nonnegative().nullish(),
    pages: searchPages,
  }),
);
