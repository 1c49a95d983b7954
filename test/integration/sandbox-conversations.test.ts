/**
 * POST /conversations/search on a real sandbox (loopback), read by the real client: paging, refused
 * operators, the date-rule variants (each must give the client exactly W(M)), a token without the
 * Read conversations permission, and the answers' shape against the OpenAPI description (2.14:
 * conversation_list, conversation_list_item, conversation_source, conversation_part_author,
 * conversation_statistics, conversation_rating, conversation_contacts, contact_reference,
 * conversation_teammates, tags, conversation_first_contact_reply, cursor_pages, starting_after_paging),
 * transcribed by sandbox-openapi.test.ts's rules.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ConversationWindow } from '../../src/intercom/conversation-types.js';
import { createIntercomClient } from '../../src/intercom/create-intercom-client.js';
import { AuthenticationError } from '../../src/intercom/errors.js';
import type { IntercomApi } from '../../src/intercom/types.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import { monthWindow } from '../../src/report/month-window.js';
import { generateConversations, type WireConversation } from '../../src/sandbox/generate-conversations.js';
import type { ConversationVariant } from '../../src/sandbox/handle-conversations-search.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';

const NOW_SEC = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAY = 86_400;

const sandboxes: Sandbox[] = [];
const clients: IntercomApi[] = [];
let sb: Sandbox;
let all: WireConversation[];

async function sandbox(conversations: ConversationVariant = {}): Promise<Sandbox> {
  const started = await startSandbox({ contacts: 300, seed: 5, nowSec: NOW_SEC, clock: () => NOW_SEC * 1000, conversations });
  sandboxes.push(started);
  return started;
}

function client(on: Sandbox, perPage?: number): IntercomApi {
  const limiter = createMemoryLimiter({ allowancePerWindow: 1_000_000, windowSeconds: 10, share: 1 });
  const created = createIntercomClient({ baseUrl: on.url, token: on.token, limiter, ...(perPage ? { perPage } : {}) });
  clients.push(created);
  return created;
}

async function search(on: Sandbox, body: unknown): Promise<{ status: number; json: any }> {
  const res = await request(`${on.url}/conversations/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${on.token}`, accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: await res.body.json() };
}

const range = (lo: number, hi: number) => ({ query: { operator: 'AND', value: [{ field: 'created_at', operator: '>', value: lo }, { field: 'created_at', operator: '<', value: hi }] } });

async function listed(on: Sandbox, window: ConversationWindow, perPage?: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of client(on, perPage).listConversationPages(window)) ids.push(...page.conversations.map((c) => c.id));
  return ids;
}

const expected = (w: ConversationWindow): string[] => all.filter((c) => c.created_at >= w.startSec && c.created_at < w.endSec).map((c) => c.id);

beforeAll(async () => {
  sb = await sandbox();
  all = generateConversations(sb.workspace);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  for (const s of sandboxes) await s.close();
});

describe('POST /conversations/search on the sandbox', () => {
  it('serves the generated conversations, 20 per page by default and at most 150', async () => {
    const everything = range(0, NOW_SEC + DAY);
    expect(all.length).toBeGreaterThan(150);
    const first = await search(sb, everything);
    expect(first.status).toBe(200);
    expect(first.json.conversations).toHaveLength(20);
    expect(first.json).toMatchObject({ type: 'conversation.list', total_count: all.length, pages: { page: 1, per_page: 20 } });
    const big = await search(sb, { ...everything, pagination: { per_page: 150 } });
    expect(big.json.conversations).toHaveLength(150);
    const next = await search(sb, { ...everything, pagination: { per_page: 150, starting_after: big.json.pages.next.starting_after } });
    expect(next.json.conversations.map((c: WireConversation) => c.id)).toEqual(all.slice(150, 300).map((c) => c.id));
    expect(next.json.pages.next).toBeUndefined();
    const over = await search(sb, { ...everything, pagination: { per_page: 151 } });
    expect(over.status).toBe(400);
    expect(over.json.errors[0]).toMatchObject({ code: 'parameter_invalid', field: 'pagination.per_page' });
  });

  it('refuses >= and <= on dates, and what it does not implement, with 400 naming the field', async () => {
    for (const operator of ['>=', '<=']) {
      const r = await search(sb, { query: { operator: 'AND', value: [{ field: 'created_at', operator, value: NOW_SEC }] } });
      expect(r.status).toBe(400);
      expect(r.json.errors[0]).toMatchObject({ code: 'parameter_invalid', field: 'query.value[0].operator' });
    }
    expect((await search(sb, { query: { field: 'updated_at', operator: '>', value: 1 } })).json.errors[0].field).toBe('query.field');
    expect((await search(sb, { query: { field: 'created_at', operator: '>', value: '1' } })).json.errors[0].field).toBe('query.value');
    expect((await search(sb, {})).status).toBe(400);
  });

  it('the date rules differ on the edges, as Intercom\'s two descriptions do', async () => {
    const { startSec, endSec } = monthWindow('2025-12', 'UTC');
    const inclusive = await sandbox({ dateRule: 'inclusive' });
    const calendar = await sandbox({ dateRule: 'calendar-day' });
    const total = async (on: Sandbox) => (await search(on, range(startSec, endSec))).json.total_count as number;
    const at = all.filter((c) => c.created_at === startSec || c.created_at === endSec).length;
    const firstDay = all.filter((c) => c.created_at > startSec && c.created_at < startSec + DAY).length;
    expect(at).toBeGreaterThan(0);
    expect(await total(inclusive)).toBe((await total(sb)) + at);
    expect(await total(calendar)).toBe((await total(sb)) - firstDay);
  });

  it.each<[string, ConversationVariant]>([
    ['strict', {}],
    ['inclusive', { dateRule: 'inclusive' }],
    ['calendar-day', { dateRule: 'calendar-day' }],
  ])('the client reads exactly W(M) under the %s rule, in several zones', async (_name, variant) => {
    const on = await sandbox(variant);
    for (const [month, zone] of [['2025-12', 'UTC'], ['2025-11', 'Europe/Berlin'], ['2025-10', 'America/New_York'], ['2025-12', 'Pacific/Auckland']] as const) {
      const window = monthWindow(month, zone);
      const want = expected(window);
      // The edges are served: a conversation at the first second of the month and one a second before.
      expect(all.some((c) => c.created_at === window.startSec)).toBe(true);
      expect(all.some((c) => c.created_at === window.startSec - 1)).toBe(true);
      const got = await listed(on, window, 7);
      expect(got).toEqual(want);
    }
  });

  it('a token without the Read conversations permission gets 403, which the client raises as AuthenticationError', async () => {
    const denied = await sandbox({ readConversations: false });
    const raw = await search(denied, range(0, NOW_SEC));
    expect(raw.status).toBe(403);
    expect(raw.json).toMatchObject({ type: 'error.list', errors: [{ code: 'unauthorized' }] });
    const error = await listed(denied, monthWindow('2025-12', 'UTC')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 403, endpoint: 'conversations.search', intercomCode: 'unauthorized' });
  });
});

// ---- the OpenAPI description's shapes (see sandbox-openapi.test.ts for the transcription rules) ----
const int = z.number().int();
const contactReference = z.strictObject({ type: z.literal('contact'), id: z.string(), external_id: z.string().nullable() });
const reference = z.strictObject({ type: z.string(), id: z.string().nullable() });
const statistics = z
  .strictObject({
    type: z.string(),
    time_to_assignment: int.nullable(),
    time_to_admin_reply: int.nullable(),
    time_to_first_close: int.nullable(),
    time_to_last_close: int.nullable(),
    median_time_to_reply: int.nullable(),
    first_contact_reply_at: int.nullable(),
    first_assignment_at: int.nullable(),
    first_admin_reply_at: int.nullable(),
    first_close_at: int.nullable(),
    last_assignment_at: int.nullable(),
    last_assignment_admin_reply_at: int.nullable(),
    last_contact_reply_at: int.nullable(),
    last_admin_reply_at: int.nullable(),
    last_close_at: int.nullable(),
    last_closed_by_id: z.string().nullable(),
    count_reopens: int.nullable(),
    count_assignments: int.nullable(),
    count_conversation_parts: int.nullable(),
  })
  .nullable();
// One deliberate deviation: `rating` is an integer 1–5 there; the sandbox serves 0, 6, 2.5 and null on purpose.
const rating = z
  .strictObject({ rating: z.number().nullable(), remark: z.string(), created_at: int, contact: contactReference, teammate: reference })
  .nullable();
const author = z.union([
  z.strictObject({ type: z.string(), id: z.string(), name: z.string().nullable(), email: z.string() }),
  // Blank, as for Twitter (INTERCOM.md).
  z.strictObject({}),
]);
const source = z.strictObject({
  type: z.enum(['conversation', 'email', 'facebook', 'instagram', 'phone_call', 'phone_switch', 'push', 'sms', 'twitter', 'whatsapp']),
  id: z.string(),
  delivered_as: z.enum(['customer_initiated', 'admin_initiated', 'automated', 'campaigns_initiated', 'operator_initiated']),
  subject: z.string(),
  body: z.string(),
  author,
  attachments: z.array(z.unknown()),
  url: z.string().nullable(),
  redacted: z.boolean(),
});
const conversationListItem = z.strictObject({
  type: z.literal('conversation'),
  id: z.string(),
  title: z.string().nullable(),
  created_at: int,
  updated_at: int,
  waiting_since: int.nullable(),
  snoozed_until: int.nullable(),
  open: z.boolean(),
  state: z.enum(['open', 'closed', 'snoozed']),
  read: z.boolean(),
  priority: z.enum(['priority', 'not_priority']),
  admin_assignee_id: int.nullable(),
  team_assignee_id: int.nullable(),
  tags: z.strictObject({ type: z.literal('tag.list'), tags: z.array(z.unknown()) }),
  conversation_rating: rating,
  source,
  contacts: z.strictObject({ type: z.literal('contact.list'), contacts: z.array(contactReference) }),
  teammates: z.strictObject({ type: z.string(), teammates: z.array(reference) }).nullable(),
  custom_attributes: z.record(z.string(), z.unknown()),
  first_contact_reply: z.strictObject({ created_at: int, type: z.string(), url: z.string().nullable() }).nullable(),
  statistics,
  ai_agent_participated: z.boolean(),
});
const startingAfterPaging = z.strictObject({ page: int.optional(), per_page: int.optional(), starting_after: z.string().nullable() }).nullable();
const conversationList = z.strictObject({
  type: z.literal('conversation.list'),
  conversations: z.array(conversationListItem),
  total_count: int,
  pages: z.strictObject({ type: z.literal('pages'), page: int, next: startingAfterPaging.optional(), per_page: int, total_pages: int }).nullable(),
});

describe('answers match the OpenAPI description', () => {
  it('every conversation, on every page, and an empty page', async () => {
    const everything = range(0, NOW_SEC + DAY);
    let r = await search(sb, { ...everything, pagination: { per_page: 150 } });
    for (;;) {
      const result = conversationList.safeParse(r.json);
      expect(result.success ? [] : result.error.issues.slice(0, 5)).toEqual([]);
      const next = r.json.pages.next?.starting_after;
      if (!next) break;
      r = await search(sb, { ...everything, pagination: { per_page: 150, starting_after: next } });
    }
    const empty = await search(sb, range(NOW_SEC + DAY, NOW_SEC + 2 * DAY));
    expect(empty.json.conversations).toEqual([]);
    expect(conversationList.safeParse(empty.json).success).toBe(true);
  });

  it('serves authors of every kind and statistics and ratings that are null or unusable', () => {
    const authorTypes = new Set(all.map((c) => ((c.source as { author: { type?: string } }).author.type ?? 'blank')));
    expect([...authorTypes].sort()).toEqual(['admin', 'blank', 'bot', 'contact', 'lead', 'team', 'user']);
    const ratings = new Set(all.map((c) => (c.conversation_rating === null ? 'none' : (c.conversation_rating as { rating: unknown }).rating)));
    for (const odd of [0, 6, 2.5, null, 'none', 1, 5]) expect(ratings.has(odd)).toBe(true);
    expect(all.some((c) => c.statistics === null)).toBe(true);
    expect(all.some((c) => ((c.statistics as { time_to_admin_reply?: number } | null)?.time_to_admin_reply ?? 0) < 0)).toBe(true);
    const delivered = new Set(all.map((c) => (c.source as { delivered_as: string }).delivered_as));
    expect(delivered.size).toBe(5);
    // Some contacts open several conversations in one month.
    const perContactMonth = new Map<string, number>();
    for (const c of all) {
      const a = (c.source as { author: { type?: string; id?: string } }).author;
      if (a.type === 'user' || a.type === 'lead' || a.type === 'contact') {
        const key = `${a.id}:${new Date(c.created_at * 1000).toISOString().slice(0, 7)}`;
        perContactMonth.set(key, (perContactMonth.get(key) ?? 0) + 1);
      }
    }
    expect(Math.max(...perContactMonth.values())).toBeGreaterThanOrEqual(3);
  });
});
