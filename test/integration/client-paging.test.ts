/**
 * The client against the real sandbox, no faults: every member of every cohort and every listable
 * event arrives exactly once, compared with the sandbox's ground truth (the workspace it generated).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntercomClient } from '../../src/intercom/create-intercom-client.js';
import type { Cohort, ContactEvent, IntercomApi } from '../../src/intercom/types.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { RateLimiter } from '../../src/rate-limit/rate-limiter.js';
import { cohortKey, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const NOW_SEC = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAY_SEC = 86_400;
/** The sandbox serves at most this many events per page (clamping the client's per_page 150). */
const EVENTS_PER_PAGE_MAX = 50;

let sb: Sandbox;
let limiter: RateLimiter;
const clients: IntercomApi[] = [];

function client(options: { perPage?: number; eventsPerPage?: number | 'omit'; baseUrl?: string } = {}): IntercomApi {
  const created = createIntercomClient({ baseUrl: sb.url, token: sb.token, limiter, ...options });
  clients.push(created);
  return created;
}

/** Listable events of a contact by the 90-day rule, straight from the ground truth (already newest first). */
function listableEvents(contactId: string) {
  const cutoffSec = NOW_SEC - 90 * DAY_SEC;
  return (sb.workspace.eventsByContact.get(contactId) ?? []).filter((e) => e.created_at > cutoffSec);
}

function contactWithMostListableEvents(): string {
  let best = '';
  let bestCount = -1;
  for (const contactId of sb.workspace.eventsByContact.keys()) {
    const count = listableEvents(contactId).length;
    if (count > bestCount) [best, bestCount] = [contactId, count];
  }
  return best;
}

async function collectEvents(pages: AsyncGenerator<ContactEvent[]>): Promise<{ events: ContactEvent[]; pages: number }> {
  const events: ContactEvent[] = [];
  let count = 0;
  for await (const page of pages) {
    events.push(...page);
    count += 1;
  }
  return { events, pages: count };
}

beforeAll(async () => {
  sb = await startSandbox({ contacts: 400, seed: 7, nowSec: NOW_SEC, clock: () => NOW_SEC * 1000, rateLimit: null, eventsPerPageMax: EVENTS_PER_PAGE_MAX });
  limiter = createMemoryLimiter({ allowancePerWindow: 1_000_000, windowSeconds: 10, share: 1 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await limiter.close();
  await sb.close();
});

describe('cohorts', () => {
  it('lists every segment with its reported count and person type, and every tag with a string id', async () => {
    const api = client();
    const segments = await api.listSegments();
    expect(segments).toEqual(
      sb.workspace.segments.map((s) => ({ type: 'segment', id: s.id, name: s.name, memberCountReported: s.count ?? null, personType: s.person_type })),
    );
    const tags = await api.listTags();
    expect(tags).toEqual(sb.workspace.tags.map((t) => ({ type: 'tag', id: String(t.id), name: t.name, memberCountReported: null, personType: null })));
    expect(api.stats.callsByEndpoint).toEqual({ segments: 1, tags: 1 });
  });
});

describe('listMemberPages', () => {
  it.each([1, 7, 150])('yields every member of every cohort exactly once with %i per page', async (perPage) => {
    sb.resetCounters();
    const api = client({ perPage });
    const cohorts: Cohort[] = [...(await api.listSegments()), ...(await api.listTags())];
    expect(cohorts.length).toBeGreaterThan(4);
    let expectedSearches = 0;
    for (const cohort of cohorts) {
      const expected = sb.workspace.membersByCohort.get(cohortKey(cohort.type, cohort.id)) ?? [];
      const seen: string[] = [];
      const totals = new Set<number | null>();
      for await (const page of api.listMemberPages(cohort)) {
        expect(page.members.length).toBeLessThanOrEqual(perPage);
        seen.push(...page.members.map((m) => m.id));
        totals.add(page.totalCount);
      }
      expect(seen, `${cohort.type} ${cohort.name}`).toEqual(expected);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...totals]).toEqual([expected.length]);
      expectedSearches += Math.max(1, Math.ceil(expected.length / perPage));
    }
    expect(sb.counters.byEndpoint['contacts.search']).toBe(expectedSearches);
    expect(api.stats.callsByEndpoint['contacts.search']).toBe(expectedSearches);
  });

  it('normalises members: role, created_at, signed_up_at null when the API gives null or 0, unsubscribed_from_emails', async () => {
    const api = client();
    const byId = new Map(sb.workspace.contacts.map((c) => [c.id, c]));
    let zeroOrNull = 0;
    let unsubscribed = 0;
    for (const segment of await api.listSegments()) {
      for await (const page of api.listMemberPages(segment)) {
        for (const member of page.members) {
          const contact = byId.get(member.id)!;
          if (!contact.signed_up_at) zeroOrNull += 1;
          if (member.unsubscribedFromEmails) unsubscribed += 1;
          expect(member).toEqual({
            id: contact.id,
            role: contact.role,
            createdAtSec: contact.created_at,
            signedUpAtSec: contact.signed_up_at === 0 || contact.signed_up_at === null ? null : contact.signed_up_at,
            unsubscribedFromEmails: contact.unsubscribed_from_emails,
          });
        }
      }
    }
    expect(zeroOrNull).toBeGreaterThan(0);
    expect(unsubscribed).toBeGreaterThan(0);
  });

  it('resumes from a cursor it yielded and ends with a null cursor', async () => {
    const api = client({ perPage: 7 });
    const segment = (await api.listSegments()).find((s) => (s.memberCountReported ?? 0) > 14)!;
    const first = await api.listMemberPages(segment).next();
    const cursor = first.done ? null : first.value.nextCursor;
    expect(cursor).not.toBeNull();
    const rest: string[] = [];
    let lastCursor: string | null = 'unset';
    for await (const page of api.listMemberPages(segment, { startingAfter: cursor })) {
      rest.push(...page.members.map((m) => m.id));
      lastCursor = page.nextCursor;
    }
    expect(rest).toEqual(sb.workspace.membersByCohort.get(cohortKey('segment', segment.id))!.slice(7));
    expect(lastCursor).toBeNull();
  });
});

describe('listEventPages', () => {
  it('yields all events of the last 90 days of a contact with several pages, newest first', async () => {
    sb.resetCounters();
    const contactId = contactWithMostListableEvents();
    const expected = listableEvents(contactId);
    expect(expected.length).toBeGreaterThan(2 * EVENTS_PER_PAGE_MAX);
    const { events, pages } = await collectEvents(client().listEventPages(contactId));
    expect(events).toEqual(
      expected.map((e) => ({ id: e.id, name: e.event_name, createdAtSec: e.created_at, metadata: e.metadata ?? {} })),
    );
    expect(pages).toBe(Math.ceil(expected.length / EVENTS_PER_PAGE_MAX));
    expect(sb.counters.eventsCallsByContact.get(contactId)).toBe(pages);
  });

  it('asks for per_page 150 by default and follows the clamped pages to the end', async () => {
    const asked: Array<string | null> = [];
    sb.setResponseTransform((endpoint, body, url) => {
      if (endpoint === 'events') asked.push(url.searchParams.get('per_page'));
      return body;
    });
    try {
      const contactId = contactWithMostListableEvents();
      const api = client();
      expect(api.eventsPageSize).toBeNull();
      const { events } = await collectEvents(api.listEventPages(contactId));
      expect(events.map((e) => e.id)).toEqual(listableEvents(contactId).map((e) => e.id));
      expect(asked.length).toBeGreaterThan(2);
      expect(new Set(asked)).toEqual(new Set(['150']));
      expect(api.eventsPageSize).toBe(150);
    } finally {
      sb.setResponseTransform(null);
    }
  });

  it('sends the per_page it is given, or none', async () => {
    const contactId = contactWithMostListableEvents();
    const expected = listableEvents(contactId);
    const fixedApi = client({ eventsPerPage: 30 });
    const fixed = await collectEvents(fixedApi.listEventPages(contactId));
    expect(fixed.events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(fixed.pages).toBe(Math.ceil(expected.length / 30));
    expect(fixedApi.eventsPageSize).toBe(30);
    // Without per_page the sandbox's default (50 here, its maximum) applies.
    const omittedApi = client({ eventsPerPage: 'omit' });
    const omitted = await collectEvents(omittedApi.listEventPages(contactId));
    expect(omitted.pages).toBe(Math.ceil(expected.length / EVENTS_PER_PAGE_MAX));
    expect(omittedApi.eventsPageSize).toBe('omit');
  });

  it('stops early with notBeforeSec, with fewer calls than a full walk and no event at or after notBeforeSec lost', async () => {
    sb.resetCounters();
    const contactId = contactWithMostListableEvents();
    const listable = listableEvents(contactId);
    const notBeforeSec = NOW_SEC - 30 * DAY_SEC;
    const recent = listable.filter((e) => e.created_at >= notBeforeSec);
    const fullWalkCalls = Math.ceil(listable.length / EVENTS_PER_PAGE_MAX);
    // Newest first, the page holding the first event older than notBeforeSec (index recent.length) is
    // the last one needed: everything after it is older still.
    const expectedCalls = Math.min(fullWalkCalls, Math.floor(recent.length / EVENTS_PER_PAGE_MAX) + 1);
    expect(expectedCalls).toBeLessThan(fullWalkCalls);

    const { events } = await collectEvents(client().listEventPages(contactId, { notBeforeSec }));
    const kept = events.filter((e) => e.createdAtSec >= notBeforeSec).map((e) => e.id);
    expect(kept).toEqual(recent.map((e) => e.id));
    expect(sb.counters.eventsCallsByContact.get(contactId)).toBe(expectedCalls);
  });

  it('yields one empty page for a contact without listable events', async () => {
    const contactId = sb.workspace.contacts.find((c) => listableEvents(c.id).length === 0)!.id;
    const { events, pages } = await collectEvents(client().listEventPages(contactId));
    expect(events).toEqual([]);
    expect(pages).toBe(1);
  });

  it('refuses a pages.next on another origin and does not follow it', async () => {
    sb.resetCounters();
    // The sandbox writes next links on 127.0.0.1; a client configured for localhost sees another origin.
    const api = client({ baseUrl: sb.url.replace('127.0.0.1', 'localhost') });
    const contactId = contactWithMostListableEvents();
    const pages = api.listEventPages(contactId);
    const first = await pages.next();
    expect(first.done).toBe(false);
    await expect(pages.next()).rejects.toMatchObject({ code: 'INTERCOM_FOREIGN_NEXT_URL', endpoint: 'events' });
    expect(sb.counters.eventsCallsByContact.get(contactId)).toBe(1);
    expect(api.stats.callsByEndpoint.events).toBe(1);
  });
});

describe('next links that name another origin', () => {
  it("follows links on Intercom's host as their query on the configured base, and sends nothing anywhere else", async () => {
    const other = await startSandbox({
      contacts: 60,
      seed: 3,
      nowSec: NOW_SEC,
      clock: () => NOW_SEC * 1000,
      rateLimit: null,
      eventsPerPageMax: 5,
      segmentsPerPage: 2,
      nextOrigin: 'https://api.intercom.io',
    });
    try {
      const api = createIntercomClient({ baseUrl: other.url, token: other.token, limiter });
      clients.push(api);
      const segments = await api.listSegments();
      expect(segments.map((s) => s.id)).toEqual(other.workspace.segments.map((s) => s.id));
      expect(other.counters.byEndpoint.segments).toBe(Math.ceil(other.workspace.segments.length / 2));
      let best = '';
      for (const [id, list] of other.workspace.eventsByContact) if (list.length > (other.workspace.eventsByContact.get(best)?.length ?? -1)) best = id;
      const cutoffSec = NOW_SEC - 90 * DAY_SEC;
      const expected = other.workspace.eventsByContact.get(best)!.filter((e) => e.created_at > cutoffSec);
      expect(expected.length).toBeGreaterThan(10);
      const { events, pages } = await collectEvents(api.listEventPages(best));
      expect(events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      expect(pages).toBe(Math.ceil(expected.length / 5));
      expect([...other.counters.requestsByHost.keys()]).toEqual([new URL(other.url).host]);
    } finally {
      await other.close();
    }
  });
});

describe('a server that refuses per_page above its maximum with a 400', () => {
  it('learns the size once per client: concurrent first calls ask each refused size once, then every call uses 50', async () => {
    const strict = await startSandbox({ contacts: 60, seed: 3, nowSec: NOW_SEC, clock: () => NOW_SEC * 1000, rateLimit: null, eventsPerPageMax: 50, eventsOverMax: '400' });
    const served: Array<string | null> = [];
    strict.setResponseTransform((endpoint, body, url) => {
      if (endpoint === 'events') served.push(url.searchParams.get('per_page'));
      return body;
    });
    const refused: unknown[] = [];
    const logger = { debug() {}, warn: (obj: object, msg: string) => (msg.includes('per_page refused') ? refused.push((obj as { perPage: unknown }).perPage) : 0) };
    try {
      const api = createIntercomClient({ baseUrl: strict.url, token: strict.token, limiter, logger });
      clients.push(api);
      const contactIds = strict.workspace.contacts.slice(0, 8).map((c) => c.id);
      const all = await Promise.all(contactIds.map((id) => collectEvents(api.listEventPages(id))));
      const cutoffSec = NOW_SEC - 90 * DAY_SEC;
      for (const [i, id] of contactIds.entries()) {
        const expected = (strict.workspace.eventsByContact.get(id) ?? []).filter((e) => e.created_at > cutoffSec);
        expect(all[i]!.events.map((e) => e.id)).toEqual(expected.map((e) => e.id));
      }
      expect(refused).toEqual([150, 100]);
      // Every page served was asked for at 50 (the server's next links carry the size on).
      expect(served.length).toBeGreaterThanOrEqual(contactIds.length);
      expect(new Set(served)).toEqual(new Set(['50']));
      expect(api.eventsPageSize).toBe(50);
      // Each contact's first page asked for 50; the two refused asks came on top.
      expect(strict.counters.byEndpoint.events).toBe(2 + all.reduce((sum, r) => sum + r.pages, 0));
    } finally {
      await strict.close();
    }
  });
});
