/**
 * The `run` journal's lines (./memory-store.ts), checked by shape before anything is replayed: a file
 * on disk is state anyone can edit, and a record of the wrong shape used to crash every rerun with a
 * TypeError that never named the journal. Each kind has its schema; the contents of a result part are
 * checked by ./contact-record.ts (`checkResultPart`). Whether a well-shaped record fits what came
 * before it (a result for a listed contact, a page from the recorded cursor) is the store's check.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { EventsPageSize } from '../intercom/events-page-size.js';
import type { Cohort } from '../intercom/types.js';
import type { RequestCounts } from './run-store.js';

/**
 * One journal line. Pages list their members as [id, member part, …] and results are result parts
 * (./contact-record.ts); `conversations` is one page of a month's conversations, `kept` the ones a
 * listed contact opened as [contact id, entry key, facts, …] (./conversation-record.ts). `q` on a
 * page, result or conversations: the requests made since the last counted record
 * ([api calls, 429s, retries]). `requests`: the same, with the events page size the client had
 * learnt by then (`size`), and `end` when the writing process ended with every request it made
 * counted; `resume`: a process took the journal over (one not preceded by an `end` means the attempt
 * before died with requests in flight, so the counters are a lower bound).
 */
export type JournalRecord =
  | { t: 'cohorts'; cohorts: Cohort[] }
  | { t: 'page'; key: string; from: string | null; next: string | null; total: number | null; members: string[]; q?: RequestTuple }
  | { t: 'result'; id: string; r: string; q?: RequestTuple }
  | { t: 'conversations'; month: string; from: string | null; next: string | null; kept: string[]; q?: RequestTuple }
  | { t: 'requests'; delta: RequestCounts; size?: EventsPageSize; end?: true }
  | { t: 'resume' };

export type RequestTuple = [apiCalls: number, responses429: number, retries: number];

/** A journal line that is not what the run wrote. Exit 1: the command was right, the state on disk is not. */
export class JournalInvalidError extends Error {
  readonly code = 'JOURNAL_INVALID';
  readonly exitCode = 1;
  constructor(
    readonly path: string,
    readonly line: number,
    problem: string,
  ) {
    super(`the run's journal ${resolve(path)}, line ${line}: ${problem}; this run cannot resume from it: delete that file (or the whole folder ${resolve(path, '..')}/) and run again to start over`);
    this.name = 'JournalInvalidError';
  }
}

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const text = z.string();
const id = z.string().min(1);
const cursor = z.string().nullable();
const requestTuple = z.tuple([count, count, count]);

const cohortSchema = z.object({
  type: z.enum(['segment', 'tag']),
  id,
  name: text,
  memberCountReported: count.nullable(),
  personType: z.enum(['user', 'contact']).nullable(),
});

/** A member part (./contact-record.ts encodeMember): role (upper-case when unsubscribed), created_at, `,`, empty or the signup. */
const MEMBER_PART = /^[ulUL]-?\d+(?:\.\d+)?(?:e[+-]?\d+)?,(?:~?-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)?$/;

const RECORD_SCHEMA = z.union([
  z.strictObject({ t: z.literal('cohorts'), cohorts: z.array(cohortSchema) }),
  z.strictObject({
    t: z.literal('page'),
    key: id,
    from: cursor,
    next: cursor,
    total: count.nullable(),
    members: z
      .array(text)
      .refine((m) => m.length % 2 === 0, 'members must be pairs of id and member part')
      .refine((m) => m.every((v, i) => (i % 2 === 0 ? v.length > 0 : MEMBER_PART.test(v))), 'a member id is empty or a member part is malformed'),
    q: requestTuple.optional(),
  }),
  z.strictObject({ t: z.literal('result'), id, r: z.string().min(1), q: requestTuple.optional() }),
  z.strictObject({
    t: z.literal('conversations'),
    month: z.string().regex(/^\d{4}-(?:0[1-9]|1[0-2])$/),
    from: cursor,
    next: cursor,
    kept: z
      .array(text)
      .refine((k) => k.length % 3 === 0, 'kept must be triples of contact id, entry key and facts')
      .refine((k) => k.every((v) => v.length > 0), 'a kept value is empty'),
    q: requestTuple.optional(),
  }),
  z.strictObject({
    t: z.literal('requests'),
    delta: z.strictObject({ apiCalls: count, responses429: count, retries: count }),
    size: z.union([z.number().int().positive(), z.literal('omit')]).optional(),
    end: z.literal(true).optional(),
  }),
  z.strictObject({ t: z.literal('resume') }),
]);

/**
 * The record on one complete journal line, or the reason it is not one. The value returned is the
 * parsed line itself, not zod's copy: a copy through a zod record would drop own `__proto__` keys
 * (event names are workspace text).
 */
export function parseJournalLine(line: string): { ok: true; record: JournalRecord } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'not a JSON line' };
  }
  const checked = RECORD_SCHEMA.safeParse(value);
  if (!checked.success) {
    const kind = typeof value === 'object' && value !== null && typeof (value as { t?: unknown }).t === 'string' ? (value as { t: string }).t : null;
    const issue = checked.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
    return { ok: false, problem: kind === null ? 'not a journal record' : `a ${JSON.stringify(kind.slice(0, 40))} record of the wrong shape${where}` };
  }
  return { ok: true, record: value as JournalRecord };
}
