/**
 * Shape checks for every response body the client reads, and only the fields it reads (unknown fields
 * are dropped). A failed check names the fields that were wrong, never their values (bodies carry
 * e-mail addresses). Bodies come from `parseJsonExact`, so integers beyond 2^53 arrive as bigints.
 *
 * Normalised where the meaning is unambiguous, refused where it is not:
 * - Ids: a non-empty string, or a non-negative integer (old payloads), which becomes its decimal
 *   string — so 123 and "123" are the same id, and 2^53 + 1 stays itself (exact parsing). Fractions,
 *   negative numbers, booleans, empty strings are refused.
 * - Timestamps (Unix seconds): a value from 10^11 up is milliseconds — as seconds it would be after
 *   the year 5000, while every millisecond time since 1973 is above it — and becomes
 *   floor(ms / 1000); from 10^14 up (microseconds? nanoseconds?) the unit cannot be told, and it is
 *   refused. A fraction of a second is floored: a second lies in a month exactly when its floor does.
 *   Negative, strings, null (where a time is required) are refused.
 * - A contact's `unsubscribed_from_emails`: true or false as sent; absent is false, since the
 *   cohort_summary column counts contacts listed with `unsubscribed_from_emails: true` and the 2.14
 *   contact schema requires no field (Intercom itself always sends the boolean). Any other value
 *   (null, "true", 1) is refused: whether it means true cannot be told.
 * - Event metadata is not checked here: any value passes, and the pager keeps it only when it is a
 *   plain object (anything else holds no metadata value, so no amount). Copying it through a zod
 *   record would also drop an own `__proto__` key.
 */
import { z } from 'zod';

import { describeType, id, optionalUnixSeconds, parserOf, searchPages, unixSeconds, type BodyParser } from './wire-values.js';

export { MILLISECONDS_FROM, UNREADABLE_TIME_FROM, type BodyParse, type BodyParser } from './wire-values.js';

const segment = z.object({
  id,
  name: z.string(),
  person_type: z.enum(['user', 'contact']).nullish(),
  count: z.number().int().nonnegative().nullish(),
});

/**
 * The `pages` object a list without a documented pagination may still carry (2.14's segment_list
 * allows one "if the response is paginated", with no fields given): a `next` URL, or page numbers.
 * `next` is kept as it came, so the pager can tell a link from a claim it cannot follow.
 */
const listPages = z
  .object({
    page: z.number().int().nullish(),
    per_page: z.number().int().nullish(),
    total_pages: z.number().int().nullish(),
    next: z.unknown().optional(),
  })
  .nullish();

export type ListPages = z.infer<typeof listPages>;

/** One page of a list: its items and its `pages` object (absent: the whole list in one answer). */
export interface ListPage<T> {
  items: T[];
  pages: ListPages;
}

const segmentList = z.object({ type: z.literal('segment.list'), segments: z.array(segment), pages: listPages });

export const parseSegmentList: BodyParser<ListPage<z.infer<typeof segment>>> = (json) => {
  const parsed = parserOf(segmentList)(json);
  return parsed.ok ? { ok: true, value: { items: parsed.value.segments, pages: parsed.value.pages } } : parsed;
};

const tag = z.object({ id, name: z.string() });
const tagList2x = z.object({ type: z.literal('list'), data: z.array(tag), pages: listPages });
const tagList1x = z.object({ type: z.literal('tag.list'), tags: z.array(tag), pages: listPages });

/** GET /tags answers `{type:"list", data}` in 2.x and `{type:"tag.list", tags}` in 1.x: both give the tag array. */
export const parseTagList: BodyParser<ListPage<z.infer<typeof tag>>> = (json) => {
  const legacy = typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'tag.list';
  const parsed = legacy ? parserOf(tagList1x)(json) : parserOf(tagList2x)(json);
  if (!parsed.ok) return parsed;
  return { ok: true, value: { items: 'tags' in parsed.value ? parsed.value.tags : parsed.value.data, pages: parsed.value.pages } };
};

const unsubscribed = z.unknown().transform((value, ctx): boolean => {
  if (typeof value === 'boolean') return value;
  ctx.addIssue({ code: 'custom', message: `expected true or false, received ${describeType(value)}` });
  return z.NEVER;
});

const contact = z.object({
  id,
  role: z.enum(['user', 'lead']),
  created_at: unixSeconds,
  signed_up_at: optionalUnixSeconds.optional(),
  unsubscribed_from_emails: unsubscribed.default(false),
});

export const parseContactList = parserOf(
  z.object({
    type: z.literal('list'),
    data: z.array(contact),
    total_count: z.number().int().nonnegative().nullish(),
    pages: searchPages,
  }),
);

const event = z.object({
  id,
  // An event without a name cannot be counted under any name: refused rather than invented.
  event_name: z.string().min(1, { message: 'expected the name of the event, received an empty string' }),
  created_at: unixSeconds,
  metadata: z.unknown().optional(),
});

// `type` is not checked: the description's own example mislabels the list; the items' shape decides.
export const parseEventList = parserOf(
  z.object({
    events: z.array(event),
    pages: z.object({ next: z.string().nullish() }).nullish(),
  }),
);

/**
 * GET /me: the admin with the workspace embedded. Only `app.id_code` is required (it is what an output
 * and a deployment are bound to); the name, region and zone are shown when present.
 */
export const parseMe = parserOf(
  z.object({
    app: z.object({
      id_code: z.string().min(1, { message: 'expected the workspace id_code, received an empty string' }),
      name: z.string().nullish(),
      region: z.string().nullish(),
      timezone: z.string().nullish(),
    }),
  }),
);

/** Intercom's error body; parsed leniently, since it only enriches an error that is raised anyway. */
export const parseErrorList = parserOf(
  z.object({
    request_id: z.string().nullish(),
    errors: z.array(z.object({ code: z.string(), message: z.string().nullish(), field: z.string().nullish() })).min(1),
  }),
);
