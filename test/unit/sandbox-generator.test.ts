import { describe, expect, it } from 'vitest';
import { cohortKey, generateWorkspace, LISTABLE_EVENT_AGE_SEC, SandboxError } from '../../src/sandbox/index.js';

const NOW_SEC = 1_767_225_600; // 2026-01-01T00:00:00Z
const ws = generateWorkspace({ contacts: 3_000, seed: 42, nowSec: NOW_SEC });
const allEvents = [...ws.eventsByContact.values()].flat();

describe('generateWorkspace', () => {
  it('gives a deep-equal workspace for the same contacts, seed and nowSec', () => {
    const again = generateWorkspace({ contacts: 3_000, seed: 42, nowSec: NOW_SEC });
    expect(again).toEqual(ws);
  });

  it('gives different data for another seed', () => {
    const other = generateWorkspace({ contacts: 3_000, seed: 43, nowSec: NOW_SEC });
    expect(other.contacts.map((c) => c.id)).not.toEqual(ws.contacts.map((c) => c.id));
  });

  it('creates exactly the requested number of contacts with unique 24-hex ids', () => {
    expect(ws.contacts).toHaveLength(3_000);
    expect(new Set(ws.contacts.map((c) => c.id)).size).toBe(3_000);
    for (const c of ws.contacts) expect(c.id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ws.contacts.map((c) => c.email)).size).toBe(3_000);
  });

  it('mixes users and about 20% leads, leads without external_id or signed_up_at', () => {
    const leads = ws.contacts.filter((c) => c.role === 'lead');
    expect(leads.length / ws.contacts.length).toBeGreaterThan(0.15);
    expect(leads.length / ws.contacts.length).toBeLessThan(0.25);
    for (const l of leads) {
      expect(l.external_id).toBeNull();
      expect(l.signed_up_at).toBeNull();
    }
  });

  it('has users with signed_up_at null and users with signed_up_at 0', () => {
    const users = ws.contacts.filter((c) => c.role === 'user');
    expect(users.some((c) => c.signed_up_at === null)).toBe(true);
    expect(users.some((c) => c.signed_up_at === 0)).toBe(true);
  });

  it('marks about 10% of contacts, users and leads alike, unsubscribed from e-mails (a boolean on every contact)', () => {
    for (const c of ws.contacts) expect(typeof c.unsubscribed_from_emails).toBe('boolean');
    const unsubscribed = ws.contacts.filter((c) => c.unsubscribed_from_emails === true);
    expect(unsubscribed.length / ws.contacts.length).toBeGreaterThan(0.05);
    expect(unsubscribed.length / ws.contacts.length).toBeLessThan(0.15);
    expect(new Set(unsubscribed.map((c) => c.role))).toEqual(new Set(['user', 'lead']));
  });

  it('spreads created_at over about two years, some within the last 100 days, none in the future', () => {
    const ages = ws.contacts.map((c) => NOW_SEC - c.created_at);
    expect(Math.min(...ages)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ages)).toBeGreaterThan(600 * 86_400);
    expect(ages.filter((a) => a < 100 * 86_400).length).toBeGreaterThan(100);
  });

  it('has user segments, a lead-only segment (person_type contact) and an empty segment, counts matching members', () => {
    const byId = new Map(ws.contacts.map((c) => [c.id, c]));
    const leadSegments = ws.segments.filter((s) => s.person_type === 'contact');
    expect(leadSegments.length).toBeGreaterThan(0);
    for (const s of ws.segments) {
      const members = ws.membersByCohort.get(cohortKey('segment', s.id)) ?? [];
      expect(s.count).toBe(members.length);
      const wantRole = s.person_type === 'contact' ? 'lead' : 'user';
      for (const m of members) expect(byId.get(m)?.role).toBe(wantRole);
    }
    expect(ws.segments.some((s) => s.count === 0)).toBe(true);
  });

  it('has digit-string tag ids whose string order differs from numeric order, and an empty tag', () => {
    const ids = ws.tags.map((t) => t.id);
    for (const id of ids) expect(id).toMatch(/^\d+$/);
    const byString = [...ids].sort();
    const byNumber = [...ids].sort((a, b) => Number(a) - Number(b));
    expect(byString).not.toEqual(byNumber);
    expect(ws.tags.some((t) => (ws.membersByCohort.get(cohortKey('tag', t.id)) ?? []).length === 0)).toBe(true);
  });

  it('puts some contacts in several cohorts at once', () => {
    const cohortsPerContact = new Map<string, number>();
    for (const members of ws.membersByCohort.values()) for (const m of members) cohortsPerContact.set(m, (cohortsPerContact.get(m) ?? 0) + 1);
    expect([...cohortsPerContact.values()].filter((n) => n >= 3).length).toBeGreaterThan(10);
  });

  it('lists cohort members without duplicates, each an existing contact', () => {
    const ids = new Set(ws.contacts.map((c) => c.id));
    for (const members of ws.membersByCohort.values()) {
      expect(new Set(members).size).toBe(members.length);
      for (const m of members) expect(ids.has(m)).toBe(true);
    }
  });

  it('stores every contact’s events newest first (ties by id) with unique ids, owned by that contact', () => {
    const eventIds = new Set<string>();
    for (const [contactId, events] of ws.eventsByContact) {
      for (let i = 0; i < events.length; i += 1) {
        const e = events[i]!;
        expect(e.intercom_user_id).toBe(contactId);
        eventIds.add(e.id);
        const prev = events[i - 1];
        if (prev) expect(prev.created_at > e.created_at || (prev.created_at === e.created_at && prev.id < e.id)).toBe(true);
      }
    }
    expect(eventIds.size).toBe(allEvents.length);
  });

  it('skews event volume: most contacts have 0–5 events, a few have hundreds listable within 90 days', () => {
    const counts = [...ws.eventsByContact.values()].map((e) => e.length);
    expect(counts.filter((n) => n <= 5).length / counts.length).toBeGreaterThan(0.8);
    const cutoff = NOW_SEC - LISTABLE_EVENT_AGE_SEC;
    const listableCounts = [...ws.eventsByContact.values()].map((e) => e.filter((x) => x.created_at > cutoff).length);
    expect(listableCounts.filter((n) => n >= 150).length).toBeGreaterThan(2);
  });

  it('gives even a tiny workspace one contact with several pages of events', () => {
    const tiny = generateWorkspace({ contacts: 5, seed: 3, nowSec: NOW_SEC });
    const most = Math.max(...[...tiny.eventsByContact.values()].map((e) => e.length));
    expect(most).toBeGreaterThanOrEqual(150);
  });

  it('places events over the last ~100 days: some older than 90 days, none in the future or before the contact existed', () => {
    const byId = new Map(ws.contacts.map((c) => [c.id, c]));
    for (const e of allEvents) {
      expect(e.created_at).toBeLessThan(NOW_SEC);
      expect(e.created_at).toBeGreaterThanOrEqual(byId.get(e.intercom_user_id)!.created_at);
      expect(e.created_at).toBeGreaterThanOrEqual(NOW_SEC - 100 * 86_400);
    }
    expect(allEvents.some((e) => e.created_at <= NOW_SEC - LISTABLE_EVENT_AGE_SEC)).toBe(true);
  });

  it('puts some events exactly on a UTC month start and on the second before one', () => {
    const isMonthStart = (sec: number): boolean => {
      const d = new Date(sec * 1000);
      return d.getUTCDate() === 1 && d.getUTCHours() === 0 && d.getUTCMinutes() === 0 && d.getUTCSeconds() === 0;
    };
    expect(allEvents.some((e) => isMonthStart(e.created_at))).toBe(true);
    expect(allEvents.some((e) => isMonthStart(e.created_at + 1))).toBe(true);
  });

  it('uses event names with unicode, emoji, commas, quotes and formula lookalikes', () => {
    const names = new Set(allEvents.map((e) => e.event_name));
    expect(names.has('café-visité')).toBe(true);
    expect([...names].some((n) => /\p{Extended_Pictographic}/u.test(n))).toBe(true);
    expect([...names].some((n) => n.includes(',') && n.includes('"'))).toBe(true);
    for (const lead of ['=', '+', '@', '-']) expect([...names].some((n) => n.startsWith(lead))).toBe(true);
  });

  it('carries money metadata in minor units, plus malformed amounts and currencies', () => {
    const money = allEvents.flatMap((e) =>
      Object.entries(e.metadata ?? {}).filter(([, v]) => typeof v === 'object' && v !== null && 'amount' in v),
    ) as Array<[string, Record<string, unknown>]>;
    const keys = new Set(money.map(([k]) => k));
    expect(keys.has('price') && keys.has('refund')).toBe(true);
    expect(money.some(([, v]) => Number.isInteger(v.amount) && typeof v.currency === 'string')).toBe(true);
    expect(money.some(([, v]) => typeof v.amount === 'string')).toBe(true);
    expect(money.some(([, v]) => typeof v.amount === 'number' && !Number.isInteger(v.amount))).toBe(true);
    expect(money.some(([, v]) => !('currency' in v))).toBe(true);
    expect(money.some(([, v]) => 'currency' in v && typeof v.currency !== 'string')).toBe(true);
    const currencies = new Set(money.map(([, v]) => v.currency).filter((c) => typeof c === 'string'));
    expect([...currencies].some((c) => c === (c as string).toUpperCase())).toBe(true);
    expect([...currencies].some((c) => c === (c as string).toLowerCase())).toBe(true);
  });

  it('carries string, number, *_date and rich-link metadata', () => {
    const values = allEvents.flatMap((e) => Object.entries(e.metadata ?? {}));
    expect(values.some(([, v]) => typeof v === 'string')).toBe(true);
    expect(values.some(([, v]) => typeof v === 'number')).toBe(true);
    expect(values.some(([k, v]) => k.endsWith('_date') && Number.isInteger(v))).toBe(true);
    expect(values.some(([, v]) => typeof v === 'object' && v !== null && 'url' in v && 'value' in v)).toBe(true);
  });

  it('refuses a negative contact count with a typed error', () => {
    expect(() => generateWorkspace({ contacts: -1, seed: 1, nowSec: NOW_SEC })).toThrow(SandboxError);
  });
});
