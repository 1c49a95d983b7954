import { describe, expect, it } from 'vitest';
import type { Conversation, ConversationAuthor } from '../../src/intercom/conversation-types.js';
import type { Cohort } from '../../src/intercom/types.js';
import {
  CONVERSATIONS_COLUMNS,
  CONVERSATIONS_FILE,
  CONVERSATIONS_TABLE,
  REPORT_TABLES,
  addConversationMember,
  addMonths,
  createContactConversations,
  createConversationAccumulator,
  createReportWindows,
  finishConversations,
  foldConversation,
  monthWindow,
  openedBy,
  type CohortConversationRow,
  type ContactConversations,
} from '../../src/report/index.js';
import { REF_CONVERSATIONS_HEADER, referenceConversations, type RefConversationCohort } from '../support/conversations-reference.js';
import { monthStartByIntl } from '../support/report-edge-data.js';
import { xorshift as rng } from '../support/xorshift.js';

const DAY = 86_400;

function conv(id: string, createdAtSec: number, author: ConversationAuthor | null, facts: Partial<Conversation> = {}): Conversation {
  return { id, createdAtSec, author, replied: false, replySeconds: null, rating: null, reopened: false, ...facts };
}

const user = (id: string): ConversationAuthor => ({ type: 'user', id });

function toCohort(c: RefConversationCohort): Cohort {
  return { type: c.type as Cohort['type'], id: c.id, name: c.name, memberCountReported: null, personType: null };
}

function cells(row: CohortConversationRow): string[] {
  return CONVERSATIONS_COLUMNS.map((column) => {
    const value = row[column];
    return value === null ? '' : String(value);
  });
}

/**
 * What the run will do: group conversations by the member that opened them, fold them per contact,
 * store that as JSON (as Redis would), then feed each cohort's distinct members to its accumulators.
 */
function runAccumulators(months: readonly string[], timeZone: string, conversations: readonly Conversation[], cohorts: readonly RefConversationCohort[]): Map<string, string[][]> {
  const windows = createReportWindows(months, timeZone);
  const memberIds = new Set(cohorts.flatMap((c) => c.members));
  const perContact = new Map<string, ContactConversations>();
  for (const c of conversations) {
    const u = openedBy(c);
    if (u === null || !memberIds.has(u)) continue;
    let opened = perContact.get(u);
    if (opened === undefined) {
      opened = createContactConversations();
      perContact.set(u, opened);
    }
    foldConversation(opened, c, windows);
  }
  const stored = new Map([...perContact].map(([u, v]) => [u, JSON.parse(JSON.stringify(v)) as ContactConversations]));
  const result = new Map<string, string[][]>();
  for (const month of months) {
    const rows = cohorts.map((cohort) => {
      const acc = createConversationAccumulator(month);
      for (const u of new Set(cohort.members)) addConversationMember(acc, stored.get(u) ?? null);
      return finishConversations(JSON.parse(JSON.stringify(acc)) as typeof acc, toCohort(cohort));
    });
    result.set(month, rows.sort(CONVERSATIONS_TABLE.compare).map(cells));
  }
  return result;
}

function expectAgreement(months: readonly string[], timeZone: string, conversations: readonly Conversation[], cohorts: readonly RefConversationCohort[]): Map<string, string[][]> {
  const actual = runAccumulators(months, timeZone, conversations, cohorts);
  for (const month of months) expect(actual.get(month)).toEqual(referenceConversations(month, timeZone, conversations, cohorts));
  return actual;
}

/** One row as an object, for readable assertions. */
function rowOf(rows: string[][], type: string, id: string): Record<string, string> {
  const row = rows.find((r) => r[1] === type && r[2] === id)!;
  return Object.fromEntries(REF_CONVERSATIONS_HEADER.map((h, i) => [h, row[i]!]));
}

describe('CONVERSATIONS_TABLE', () => {
  it('has the columns of METRICS.md in order, ordered like cohort_summary, and is one of the report tables', () => {
    expect(CONVERSATIONS_FILE).toBe('cohort_conversations.csv');
    expect(CONVERSATIONS_TABLE.file).toBe(CONVERSATIONS_FILE);
    expect([...CONVERSATIONS_COLUMNS]).toEqual(REF_CONVERSATIONS_HEADER);
    expect((REPORT_TABLES as readonly { file: string }[]).some((t) => t.file === CONVERSATIONS_FILE)).toBe(true);
    const kinds = Object.fromEntries(CONVERSATIONS_TABLE.fields.map((f) => [f.name, [f.kind, f.kind === 'ratio' ? f.decimals : null, f.empty === true]]));
    expect(kinds).toMatchObject({
      cohort_id: ['text', null, false],
      members: ['count', null, false],
      opened_per_100_members: ['ratio', 2, true],
      reply_rate: ['ratio', 4, true],
      median_reply_seconds: ['ratio', 2, true],
      p90_reply_seconds: ['count', null, true],
      avg_rating: ['ratio', 2, true],
      reopened: ['count', null, false],
    });
    for (const f of CONVERSATIONS_TABLE.fields) expect(f.description.length).toBeGreaterThan(0);
    const a = { cohort_type: 'segment', cohort_id: '1001' } as CohortConversationRow;
    const b = { cohort_type: 'segment', cohort_id: '99' } as CohortConversationRow;
    const t = { cohort_type: 'tag', cohort_id: '1' } as CohortConversationRow;
    expect(CONVERSATIONS_TABLE.compare(a, b)).toBeLessThan(0);
    expect(CONVERSATIONS_TABLE.compare(b, t)).toBeLessThan(0);
  });
});

describe('openedBy', () => {
  it('is the author id for user, lead and contact authors, and nobody for any other author or none', () => {
    expect(openedBy(conv('1', 0, { type: 'user', id: 'u' }))).toBe('u');
    expect(openedBy(conv('2', 0, { type: 'lead', id: 'l' }))).toBe('l');
    expect(openedBy(conv('3', 0, { type: 'contact', id: 'c' }))).toBe('c');
    for (const type of ['admin', 'bot', 'team', 'campaign', 'automated', 'USER', '']) {
      expect(openedBy(conv('x', 0, { type, id: 'u' }))).toBeNull();
    }
    expect(openedBy(conv('n', 0, null))).toBeNull();
    expect(openedBy(conv('i', 0, { type: 'user', id: null }))).toBeNull();
  });
});

describe('foldConversation and the row at the edges of W(M)', () => {
  const cases: Array<[string, string]> = [
    ['Europe/Berlin', '2026-03'],
    ['Europe/Berlin', '2026-10'],
    ['America/New_York', '2026-03'],
    ['America/New_York', '2026-11'],
    ['Asia/Kathmandu', '2026-10'],
    ['Australia/Eucla', '2026-01'],
    ['UTC', '2026-02'],
  ];
  for (const [timeZone, month] of cases) {
    it(`keeps exactly [start, end) of ${month} in ${timeZone}`, () => {
      const start = monthStartByIntl(month, timeZone);
      const end = monthStartByIntl(addMonths(month, 1), timeZone);
      const w = monthWindow(month, timeZone);
      expect([w.startSec, w.endSec]).toEqual([start, end]);
      const at = { beforeDay: start - DAY, before: start - 1, start, startDay: start + DAY, endDay: end - DAY, last: end - 1, end, afterDay: end + DAY };
      const conversations = Object.entries(at).map(([name, sec]) => conv(name, sec, user(`m-${name}`), { replied: true, replySeconds: sec - start + DAY }));
      const cohort: RefConversationCohort = { type: 'segment', id: 's', name: 'All', members: Object.keys(at).map((name) => `m-${name}`) };

      const windows = createReportWindows([month], timeZone);
      const folded = conversations.map((c) => foldConversation(createContactConversations(), c, windows));
      // M-1 has a window (for the lifecycle columns) but is not reported: nothing of it is kept.
      expect(folded).toEqual([false, false, true, true, true, true, false, false]);
      const row = rowOf(expectAgreement([month], timeZone, conversations, [cohort]).get(month)!, 'segment', 's');
      expect(row).toMatchObject({ members: '8', conversations_opened: '4', members_opened: '4', opened_1: '4', replied: '4', reply_rate: '1.0000', opened_per_100_members: '50.00' });
      expect(row.p90_reply_seconds).toBe(String(end - 1 - start + DAY));

      // Reporting M and M+1: end and a day after it fall in M+1.
      const both = expectAgreement([month, addMonths(month, 1)], timeZone, conversations, [cohort]);
      expect(rowOf(both.get(addMonths(month, 1))!, 'segment', 's').conversations_opened).toBe('2');
      expect(rowOf(both.get(month)!, 'segment', 's').conversations_opened).toBe('4');
    });
  }

  it('keeps per month only compact tuples, without ids', () => {
    const timeZone = 'Europe/Berlin';
    const windows = createReportWindows(['2026-09', '2026-10'], timeZone);
    const oct = monthStartByIntl('2026-10', timeZone);
    const acc = createContactConversations();
    foldConversation(acc, conv('secret-a', oct + 5, user('u'), { replied: true, replySeconds: 42, rating: 5, reopened: true }), windows);
    foldConversation(acc, conv('secret-b', oct - 5, user('u')), windows);
    foldConversation(acc, conv('secret-c', oct + 6, user('u'), { rating: 2 }), windows);
    expect(acc).toEqual({ months: { '2026-10': [[true, 42, 5, true], [false, null, 2, false]], '2026-09': [[false, null, null, false]] } });
    expect(JSON.stringify(acc)).not.toContain('secret');
  });
});

describe('cohort_conversations figures', () => {
  const timeZone = 'America/New_York';
  const month = '2026-11';
  const start = monthStartByIntl(month, timeZone);
  const t = (i: number): number => start + 3_600 * (i + 1);

  it('counts only user, lead and contact authors, a member in every cohort it is in, and non-members nowhere', () => {
    const conversations = [
      conv('1', t(1), { type: 'user', id: 'a' }, { replied: true, replySeconds: 60, rating: 4 }),
      conv('2', t(2), { type: 'lead', id: 'a' }, { replied: true, replySeconds: 120, reopened: true }),
      conv('3', t(3), { type: 'contact', id: 'b' }, { rating: 5 }),
      conv('4', t(4), { type: 'admin', id: 'a' }, { replied: true, replySeconds: 1, rating: 1, reopened: true }),
      conv('5', t(5), { type: 'bot', id: 'b' }, { replied: true, replySeconds: 1, rating: 1 }),
      conv('6', t(6), { type: 'team', id: 'a' }, { replied: true, replySeconds: 1, rating: 1 }),
      conv('7', t(7), null, { replied: true, replySeconds: 1, rating: 1 }),
      conv('8', t(8), { type: 'user', id: 'outsider' }, { replied: true, replySeconds: 1, rating: 1, reopened: true }),
      conv('9', t(9), { type: 'user', id: 'c' }),
      conv('10', t(10), { type: 'user', id: 'c' }),
      conv('11', t(11), { type: 'user', id: 'c' }),
      conv('12', t(12), { type: 'user', id: 'c' }),
    ];
    const cohorts: RefConversationCohort[] = [
      { type: 'tag', id: '99', name: 'a and b', members: ['a', 'b', 'a'] },
      { type: 'segment', id: '1001', name: 'a, c and idle d', members: ['a', 'c', 'd'] },
      { type: 'tag', id: '100', name: 'b only', members: ['b'] },
    ];
    const rows = expectAgreement([month], timeZone, conversations, cohorts).get(month)!;
    expect(rows.map((r) => `${r[1]}:${r[2]}`)).toEqual(['segment:1001', 'tag:100', 'tag:99']);
    expect(rowOf(rows, 'tag', '99')).toEqual({
      month, cohort_type: 'tag', cohort_id: '99', cohort_name: 'a and b',
      members: '2', conversations_opened: '3', members_opened: '2', opened_1: '1', opened_2_3: '1', opened_4_plus: '0',
      opened_per_100_members: '150.00', replied: '2', reply_rate: '0.6667', median_reply_seconds: '90.00', p90_reply_seconds: '120',
      rated: '2', avg_rating: '4.50', reopened: '1',
    });
    expect(rowOf(rows, 'segment', '1001')).toMatchObject({
      members: '3', conversations_opened: '6', members_opened: '2', opened_1: '0', opened_2_3: '1', opened_4_plus: '1',
      opened_per_100_members: '200.00', replied: '2', reply_rate: '0.3333', median_reply_seconds: '90.00', rated: '1', avg_rating: '4.00', reopened: '1',
    });
    expect(rowOf(rows, 'tag', '100')).toMatchObject({ conversations_opened: '1', replied: '0', reply_rate: '0.0000', median_reply_seconds: '', p90_reply_seconds: '', rated: '1', avg_rating: '5.00' });
  });

  it('leaves ratio, median, p90 and rating cells empty for no members and for members without conversations', () => {
    const cohorts: RefConversationCohort[] = [
      { type: 'segment', id: 'empty', name: 'Nobody', members: [] },
      { type: 'segment', id: 'quiet', name: 'Quiet', members: ['q1', 'q2'] },
    ];
    const conversations = [conv('x', t(1), user('someone-else'), { replied: true, replySeconds: 5, rating: 3 })];
    const rows = expectAgreement([month], timeZone, conversations, cohorts).get(month)!;
    const zeros = { conversations_opened: '0', members_opened: '0', opened_1: '0', opened_2_3: '0', opened_4_plus: '0', replied: '0', rated: '0', reopened: '0' };
    const empties = { reply_rate: '', median_reply_seconds: '', p90_reply_seconds: '', avg_rating: '' };
    expect(rowOf(rows, 'segment', 'empty')).toMatchObject({ members: '0', ...zeros, ...empties, opened_per_100_members: '' });
    expect(rowOf(rows, 'segment', 'quiet')).toMatchObject({ members: '2', ...zeros, ...empties, opened_per_100_members: '0.00' });
  });

  it('treats null statistics and ratings as not replied, no reply time, not rated, not reopened, each fact on its own', () => {
    const conversations = [
      conv('none', t(1), user('a')),
      conv('replied-no-time', t(2), user('a'), { replied: true }),
      // METRICS defines the reply time on its own (not only for replied ones); Intercom sends both or neither.
      conv('time-not-replied', t(3), user('a'), { replySeconds: 30 }),
      conv('rated-only', t(4), user('a'), { rating: 1 }),
      conv('reopened-only', t(5), user('a'), { reopened: true }),
    ];
    const rows = expectAgreement([month], timeZone, conversations, [{ type: 'tag', id: 't', name: 'T', members: ['a'] }]).get(month)!;
    expect(rowOf(rows, 'tag', 't')).toMatchObject({
      conversations_opened: '5', opened_4_plus: '1', replied: '1', reply_rate: '0.2000', median_reply_seconds: '30.00', p90_reply_seconds: '30',
      rated: '1', avg_rating: '1.00', reopened: '1', opened_per_100_members: '500.00',
    });
  });

  it('takes the median of odd and even counts, and p90 by nearest rank', () => {
    const expectTimes = (times: number[], median: string, p90: string): void => {
      const conversations = times.map((s, i) => conv(`c${i}`, t(i), user(`m${i % 3}`), { replied: true, replySeconds: s }));
      const rows = expectAgreement([month], timeZone, conversations, [{ type: 'segment', id: 's', name: 'S', members: ['m0', 'm1', 'm2'] }]).get(month)!;
      expect(rowOf(rows, 'segment', 's')).toMatchObject({ median_reply_seconds: median, p90_reply_seconds: p90 });
    };
    expectTimes([7], '7.00', '7');
    expectTimes([5, 1, 3], '3.00', '5');
    expectTimes([4, 1, 2], '2.00', '4');
    expectTimes([1, 2], '1.50', '2');
    expectTimes([4, 3, 2, 1], '2.50', '4');
    expectTimes([0, 0, 0, 1], '0.00', '1');
    // n = 6: rank ceil(5.4) = 6, where rounding 5.4 would give 5.
    expectTimes([6, 5, 4, 3, 2, 1], '3.50', '6');
    // n = 10: rank ceil(9) = 9; n = 11: rank ceil(9.9) = 10; n = 20: rank 18.
    expectTimes([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], '5.50', '9');
    expectTimes([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], '6.00', '10');
    expectTimes(Array.from({ length: 20 }, (_, i) => 20 - i), '10.50', '18');
    // Two reply times whose sum passes 2^53: the median stays exact.
    expectTimes([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 2], '9007199254740990.00', String(Number.MAX_SAFE_INTEGER));
  });

  it('rounds half up', () => {
    // 1 of 8 replied: 0.125 → 0.1250; 1 conversation over 8 members: 12.5 → 12.50; 3 of 32: 0.09375 → 0.0938.
    const eight = Array.from({ length: 8 }, (_, i) => `m${i}`);
    const oneOfEight = eight.map((m, i) => conv(`c${i}`, t(i), user(m), { replied: i === 0 }));
    const row = rowOf(expectAgreement([month], timeZone, oneOfEight, [{ type: 'tag', id: 't', name: 'T', members: eight }]).get(month)!, 'tag', 't');
    expect(row).toMatchObject({ reply_rate: '0.1250', opened_per_100_members: '100.00' });
    const one = [conv('x', t(1), user('m0'))];
    expect(rowOf(runAccumulators([month], timeZone, one, [{ type: 'tag', id: 't', name: 'T', members: eight }]).get(month)!, 'tag', 't').opened_per_100_members).toBe('12.50');
    const thirtyTwo = Array.from({ length: 32 }, (_, i) => conv(`c${i}`, t(i), user('m0'), { replied: i < 3 }));
    expect(rowOf(expectAgreement([month], timeZone, thirtyTwo, [{ type: 'tag', id: 't', name: 'T', members: ['m0'] }]).get(month)!, 'tag', 't').reply_rate).toBe('0.0938');
  });

  it('keeps no member ids in the cohort accumulator', () => {
    const acc = createConversationAccumulator(month);
    const opened: ContactConversations = { months: { [month]: [[true, 10, 3, false]] } };
    for (let i = 0; i < 100; i += 1) addConversationMember(acc, i % 2 === 0 ? opened : null);
    expect(acc).toEqual({
      month, members: 100, conversationsOpened: 50, membersOpened: 50, openedBuckets: [50, 0, 0],
      replied: 50, replySeconds: Array(50).fill(10), rated: 50, ratingSum: 150, reopened: 0,
    });
  });
});

describe('cohort_conversations against brute force on random workspaces', () => {
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Eucla', 'America/Santiago'];
  const authorTypes = ['user', 'lead', 'contact', 'admin', 'bot', 'team', 'campaign', null] as const;
  const contactIds = ['a', 'b', 'c', 'd', 'e', '1001', '99', '__proto__', 'constructor'];

  it('agrees on 400 seeded random cases', () => {
    const next = rng(20_261_031);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
    for (let k = 0; k < 400; k += 1) {
      const timeZone = pick(zones);
      const month = addMonths('2025-01', int(0, 35));
      const months = next() < 0.5 ? [month] : [month, addMonths(month, 1)];
      const start = monthStartByIntl(month, timeZone);
      const end = monthStartByIntl(addMonths(month, months.length), timeZone);
      const edges = [start - DAY, start - 1, start, start + 1, end - 1, end, end + DAY];
      const conversations: Conversation[] = [];
      const count = int(0, 40);
      for (let i = 0; i < count; i += 1) {
        const type = pick(authorTypes);
        const sec = next() < 0.3 ? pick(edges) : int(start - 3 * DAY, end + 3 * DAY);
        const replySeconds = next() < 0.3 ? null : next() < 0.2 ? int(0, 3) : int(0, 200_000);
        conversations.push(
          conv(`k${k}-${i}`, sec, type === null ? null : { type, id: pick(contactIds) }, {
            replied: next() < 0.7,
            replySeconds,
            rating: next() < 0.5 ? null : int(1, 5),
            reopened: next() < 0.2,
          }),
        );
      }
      const cohorts: RefConversationCohort[] = [];
      const keys = new Set<string>();
      const cohortCount = int(0, 5);
      for (let c = 0; c < cohortCount; c += 1) {
        const type = pick(['segment', 'tag']);
        const id = pick(['1', '1001', '99', 'x', '7']);
        if (keys.has(`${type}:${id}`)) continue;
        keys.add(`${type}:${id}`);
        const members = contactIds.filter(() => next() < 0.4);
        if (next() < 0.3 && members.length > 0) members.push(members[0]!);
        cohorts.push({ type, id, name: `${type} ${id}`, members });
      }
      expectAgreement(months, timeZone, conversations, cohorts);
    }
  });
});
