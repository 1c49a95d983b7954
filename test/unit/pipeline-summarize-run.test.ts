import { describe, expect, it } from 'vitest';
import type { Cohort, Member } from '../../src/intercom/types.js';
import { RunNotCollectedError } from '../../src/pipeline/errors.js';
import { createMemoryStore } from '../../src/pipeline/memory-store.js';
import { planRun } from '../../src/pipeline/plan-run.js';
import { cohortKeyOf } from '../../src/pipeline/run-store.js';
import { summarizeRun } from '../../src/pipeline/summarize-run.js';
import type { ContactStats } from '../../src/report/contact-stats.js';

const plan = planRun({ from: '2026-09', to: '2026-10', timeZone: 'UTC', nowSec: Date.parse('2026-11-02T00:00:00Z') / 1000, allowPartial: false });
const segment: Cohort = { type: 'segment', id: 's1', name: 'All', memberCountReported: 3, personType: null };
const tag: Cohort = { type: 'tag', id: 't1', name: 'VIP', memberCountReported: null, personType: null };
const member = (id: string): Member => ({ id, role: 'user', createdAtSec: Date.parse('2026-01-01T00:00:00Z') / 1000, signedUpAtSec: null, unsubscribedFromEmails: false });
const activeIn = (month: string, events: number): ContactStats => ({
  months: { [month]: { events, activeDays: 1, names: { 'signed-in': [events, Date.parse(`${month}-05T00:00:00Z`) / 1000, Date.parse(`${month}-05T00:00:00Z`) / 1000] }, amounts: {} } },
});

describe('summarizeRun', () => {
  it('counts members per cohort, each contact once for the run, its events once, and the vanished', async () => {
    const store = createMemoryStore();
    await store.saveCohorts([tag, segment]);
    // The segment lists c1 twice (across pages): it is one member.
    await store.savePage(cohortKeyOf(segment), null, { members: [member('c1'), member('c2')], totalCount: 3, nextCursor: 'p2' });
    await store.savePage(cohortKeyOf(segment), 'p2', { members: [member('c1'), member('c3')], totalCount: 3, nextCursor: null });
    await store.savePage(cohortKeyOf(tag), null, { members: [member('c1')], totalCount: 7, nextCursor: null });
    await store.saveContactResult('c1', { kind: 'ok', stats: activeIn('2026-10', 4), eventsFetched: 5 });
    await store.saveContactResult('c2', { kind: 'ok', stats: activeIn('2026-09', 2), eventsFetched: 2 });
    await store.saveContactResult('c3', { kind: 'missing' });

    const run = await summarizeRun(store, plan, { conversations: false });
    expect(run).toMatchObject({ cohorts: 2, members: 4, uniqueContacts: 3, eventsFetched: 7, membersMissing: 1 });
    const [september, october] = run.months;
    // Rows in cohort order (segment before tag); a tag's members_reported is the search's total_count.
    expect(october!.summary.map((r) => [r.cohort_type, r.members, r.members_reported, r.active_members, r.events])).toEqual([
      ['segment', 3, 3, 1, 4],
      ['tag', 1, 7, 1, 4],
    ]);
    expect(september!.summary.map((r) => [r.cohort_type, r.active_members, r.events])).toEqual([
      ['segment', 1, 2],
      ['tag', 0, 0],
    ]);
  });

  it('refuses a run whose collection is not complete, naming what is missing', async () => {
    const store = createMemoryStore();
    await expect(summarizeRun(store, plan, { conversations: false })).rejects.toThrow(new RunNotCollectedError('summarizeRun: the run has no cohorts recorded'));
    await store.saveCohorts([segment]);
    await expect(summarizeRun(store, plan, { conversations: false })).rejects.toThrow('cohort segment:s1 has not been paged to the end; collect it first');
    await store.savePage(cohortKeyOf(segment), null, { members: [member('c1')], totalCount: 1, nextCursor: null });
    const err = await summarizeRun(store, plan, { conversations: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunNotCollectedError);
    expect(err).toMatchObject({ code: 'RUN_NOT_COLLECTED', message: 'summarizeRun: contact c1 has no events recorded; collect it first' });
  });

  it("adds each month's conversations of members: once by id, never before every cohort is paged, never a non-member's", async () => {
    const store = createMemoryStore();
    await store.saveCohorts([tag, segment]);
    await store.savePage(cohortKeyOf(segment), null, { members: [member('c1'), member('c2')], totalCount: 2, nextCursor: null });
    const october = { startSec: Date.parse('2026-10-01T00:00:00Z') / 1000 };
    const conversation = (id: string, authorType: string, authorId: string, replySeconds: number | null) => ({
      id,
      createdAtSec: october.startSec + 3600,
      author: { type: authorType, id: authorId },
      replied: replySeconds !== null,
      replySeconds,
      rating: null,
      reopened: false,
    });
    // The tag is not paged yet: who is a member is not known.
    await expect(store.saveConversationPage('2026-10', null, { conversations: [], nextCursor: null })).rejects.toBeInstanceOf(RunNotCollectedError);
    await store.savePage(cohortKeyOf(tag), null, { members: [member('c1')], totalCount: 1, nextCursor: null });
    for (const id of ['c1', 'c2']) await store.saveContactResult(id, { kind: 'ok', stats: activeIn('2026-10', 1), eventsFetched: 1 });
    await expect(summarizeRun(store, plan, { conversations: true })).rejects.toThrow('summarizeRun: the conversations of 2026-09 have not been listed to the end');

    const first = { conversations: [conversation('k1', 'user', 'c1', 60), conversation('k2', 'admin', 'a1', null), conversation('k3', 'lead', 'stranger', 5)], nextCursor: 'n1' };
    expect(await store.saveConversationPage('2026-10', null, first)).toEqual({ kept: 1, dropped: 2 });
    // The same page again (a repeat after a crash) is ignored; a later page repeating k1 keeps it once.
    expect(await store.saveConversationPage('2026-10', null, first)).toBeNull();
    const second = { conversations: [conversation('k1', 'user', 'c1', 60), conversation('k4', 'contact', 'c2', 30), conversation('k5', 'user', 'c1', null)], nextCursor: null };
    expect(await store.saveConversationPage('2026-10', 'n1', second)).toEqual({ kept: 2, dropped: 0 });
    await store.saveConversationPage('2026-09', null, { conversations: [], nextCursor: null });

    const run = await summarizeRun(store, plan, { conversations: true });
    const [september, octoberRows] = run.months;
    expect(september!.conversations!.map((r) => [r.cohort_type, r.members, r.conversations_opened])).toEqual([
      ['segment', 2, 0],
      ['tag', 1, 0],
    ]);
    // segment: c1 opened k1 and k5 (reply 60 s, none), c2 opened k4 (30 s); tag: c1 only.
    expect(octoberRows!.conversations!.map((r) => [r.cohort_type, r.members, r.conversations_opened, r.members_opened, r.opened_1, r.opened_2_3, r.replied, r.median_reply_seconds, r.p90_reply_seconds])).toEqual([
      ['segment', 2, 3, 2, 1, 1, 2, '45.00', 60],
      ['tag', 1, 2, 1, 0, 1, 1, '60.00', 60],
    ]);
    expect((await summarizeRun(store, plan, { conversations: false })).months[1]!.conversations).toBeNull();
  });
});
