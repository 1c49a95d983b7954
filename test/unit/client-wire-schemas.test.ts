import { describe, expect, it } from 'vitest';
import { parseContactList, parseEventList, parseMe, parseSegmentList, parseTagList } from '../../src/intercom/wire-schemas.js';

describe('wire schemas', () => {
  it('reads 2.x and 1.x tag lists and turns integer ids into strings', () => {
    const v2 = parseTagList({ type: 'list', data: [{ type: 'tag', id: '17', name: 'Beta' }] });
    const v1 = parseTagList({ type: 'tag.list', tags: [{ type: 'tag', id: 17, name: 'Beta' }] });
    expect(v2).toEqual({ ok: true, value: { items: [{ id: '17', name: 'Beta' }], pages: undefined } });
    expect(v1).toEqual(v2);
  });

  it('names the field that is wrong, without quoting its value', () => {
    const parsed = parseSegmentList({ type: 'segment.list', segments: [{ id: 'a', name: 'someone@example.com', count: 'many' }] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problem).toContain('segments[0].count');
    expect(parsed.problem).not.toContain('many');
  });

  it('rejects a body of another endpoint', () => {
    expect(parseContactList({ type: 'event.list', events: [] }).ok).toBe(false);
    expect(parseEventList({ type: 'event.summary', events: [{ name: 'x', first: '2024-01-01T00:00:00Z', count: 1 }] }).ok).toBe(false);
    expect(parseTagList([]).ok).toBe(false);
  });

  it('reads a contact\'s unsubscribed_from_emails: a boolean as sent, absent as false, anything else refused by name', () => {
    const list = (extra: Record<string, unknown>) => parseContactList({ type: 'list', data: [{ id: 'c1', role: 'user', created_at: 5, ...extra }] });
    const flag = (extra: Record<string, unknown>) => {
      const parsed = list(extra);
      return parsed.ok ? parsed.value.data[0]!.unsubscribed_from_emails : parsed.problem;
    };
    expect(flag({ unsubscribed_from_emails: true })).toBe(true);
    expect(flag({ unsubscribed_from_emails: false })).toBe(false);
    expect(flag({})).toBe(false);
    expect(flag({ unsubscribed_from_emails: null })).toBe('data[0].unsubscribed_from_emails: expected true or false, received null');
    expect(flag({ unsubscribed_from_emails: 'true' })).toBe('data[0].unsubscribed_from_emails: expected true or false, received a string');
    expect(flag({ unsubscribed_from_emails: 1 })).toBe('data[0].unsubscribed_from_emails: expected true or false, received a number');
  });

  it('accepts events without metadata and a null pages object', () => {
    const parsed = parseEventList({ type: 'event.list', events: [{ id: 'e1', event_name: 'x', created_at: 5 }], pages: null });
    expect(parsed).toEqual({ ok: true, value: { events: [{ id: 'e1', event_name: 'x', created_at: 5 }], pages: null } });
  });

  it('reads the workspace from GET /me, and refuses an answer without app.id_code (an output cannot be bound to nothing)', () => {
    const me = { type: 'admin', id: '9', email: 'a@example.com', app: { type: 'app', id_code: 'abc123', name: 'Acme', region: 'EU', timezone: 'Europe/Berlin' } };
    expect(parseMe(me)).toEqual({ ok: true, value: { app: { id_code: 'abc123', name: 'Acme', region: 'EU', timezone: 'Europe/Berlin' } } });
    const noApp = parseMe({ ...me, app: null });
    expect(noApp.ok).toBe(false);
    if (!noApp.ok) expect(noApp.problem).toContain('app');
    const emptyId = parseMe({ ...me, app: { ...me.app, id_code: '' } });
    expect(emptyId.ok).toBe(false);
    if (!emptyId.ok) expect(emptyId.problem).toContain('app.id_code');
  });
});
