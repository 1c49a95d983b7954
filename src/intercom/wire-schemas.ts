/**
 * Shape checks for every response body the client reads, and only the fields it reads (unknown fields
 * are dropped). A failed check names the fields that were wrong, never their values (bodies carry
 * e-mail addresses). Ids are accepted as strings or integers and come out as strings.
 */
import { z } from 'zod';

export type BodyParse<T> = { ok: true; value: T } | { ok: false; problem: string };
export type BodyParser<T> = (json: unknown) => BodyParse<T>;

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = issue.path
      .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
      .join('');
    return `${path || '(body)'}: ${issue.message}`;
  });
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return shown.join('; ') + more;
}

function parserOf<T>(schema: z.ZodType<T>): BodyParser<T> {
  return (json) => {
    const result = schema.safeParse(json);
    return result.success ? { ok: true, value: result.data } : { ok: false, problem: describeIssues(result.error.issues) };
  };
}

const id = z.union([z.string().min(1), z.number().int()]).transform(String);
const unixSeconds = z.number();

const segment = z.object({
  id,
  name: z.string(),
  person_type: z.enum(['user', 'contact']).nullish(),
  count: z.number().int().nonnegative().nullish(),
});

export const parseSegmentList = parserOf(
  z.object({ type: z.literal('segment.list'), segments: z.array(segment) }),
);

const tag = z.object({ id, name: z.string() });
const tagList2x = z.object({ type: z.literal('list'), data: z.array(tag) });
const tagList1x = z.object({ type: z.literal('tag.list'), tags: z.array(tag) });

/** GET /tags answers `{type:"list", data}` in 2.x and `{type:"tag.list", tags}` in 1.x: both give the tag array. */
export const parseTagList: BodyParser<Array<z.infer<typeof tag>>> = (json) => {
  const legacy = typeof json === 'object' && json !== null && (json as { type?: unknown }).type === 'tag.list';
  const parsed = legacy ? parserOf(tagList1x)(json) : parserOf(tagList2x)(json);
  if (!parsed.ok) return parsed;
  return { ok: true, value: 'tags' in parsed.value ? parsed.value.tags : parsed.value.data };
};

const contact = z.object({
  id,
  role: z.enum(['user', 'lead']),
  created_at: unixSeconds,
  signed_up_at: unixSeconds.nullish(),
});

export const parseContactList = parserOf(
  z.object({
    type: z.literal('list'),
    data: z.array(contact),
    total_count: z.number().int().nonnegative().nullish(),
    pages: z
      .object({
        next: z.object({ starting_after: z.string().nullish() }).nullish(),
      })
      .nullish(),
  }),
);

const event = z.object({
  id,
  event_name: z.string(),
  created_at: unixSeconds,
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

// `type` is not checked: the description's own example mislabels the list; the items' shape decides.
export const parseEventList = parserOf(
  z.object({
    events: z.array(event),
    pages: z.object({ next: z.string().nullish() }).nullish(),
  }),
);

/** Intercom's error body; parsed leniently, since it only enriches an error that is raised anyway. */
export const parseErrorList = parserOf(
  z.object({
    request_id: z.string().nullish(),
    errors: z.array(z.object({ code: z.string(), message: z.string().nullish() })).min(1),
  }),
);
