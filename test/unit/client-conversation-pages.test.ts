/**
 * listConversationPages over a scripted transport (answers given as JSON bodies, run through the real
 * parser): the padded query it sends, the window it keeps, de-duplication, how authors, statistics
 * and ratings are read (METRICS.md's cohort_conversations.csv), and the paging guards.
 */
import { describe, expect, it } from 'vitest';
import type { Transport } from '../../src/intercom/create-transport.js';
import { scriptedTransport } from '../support/scripted-transport.js';
import { AuthenticationError, IntercomOptionsError, PaginationLoopError, PaginationStalledError, UnexpectedBodyError } from '../../src/intercom/errors.js';
import { parseConversationList } from '../../src/intercom/conversation-schemas.js';
import { CONVERSATION_WINDOW_PADDING_SEC, listConversationPages } from '../../src/intercom/list-conversation-pages.js';

const BASE = 'https://api.intercom.io';
const START = 1_759_276_800; // 2025-10-01T00:00:00Z
const END = 1_761_955_200; // 2025-11-01T00:00:00Z
const DAY = 86_400;


function conv(id: string, createdAt: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'conversation', id, created_at: createdAt, source: { author: { type: 'user', id: `u${id}` } }, statistics: null, conversation_rating: null, ...extra };
}

function page(conversations: unknown[], next: string | null) {
  return {
    type: 'conversation.list',
    conversations,
    total_count: 99,
    pages: { type: 'pages', page: next === null ? 9 : 1, per_page: 150, total_pages: 9, next: next === null ? null : { page: 2, starting_after: next } },
  };
}

async function drain(transport: Transport, perPage = 150) {
  const pages = [];
  for await (const p of listConversationPages(transport, BASE, { startSec: START, endSec: END }, { perPage })) pages.push(p);
  return pages;
}

describe('listConversationPages', () => {
  it('asks for W(M) padded by more than a day on each side, with the cursor and per_page in the body', async () => {
    const { transport, requests } = scriptedTransport([page([conv('1', START)], 'c1'), page([conv('2', START + 5)], null)]);
    await drain(transport);
    const query = {
      operator: 'AND',
      value: [
        { field: 'created_at', operator: '>', value: START - CONVERSATION_WINDOW_PADDING_SEC },
        { field: 'created_at', operator: '<', value: END + CONVERSATION_WINDOW_PADDING_SEC },
      ],
    };
    expect(CONVERSATION_WINDOW_PADDING_SEC).toBeGreaterThan(DAY + 3600);
    expect(requests).toEqual([
      { url: `${BASE}/conversations/search`, endpoint: 'conversations.search', body: { query, pagination: { per_page: 150 } } },
      { url: `${BASE}/conversations/search`, endpoint: 'conversations.search', body: { query, pagination: { per_page: 150, starting_after: 'c1' } } },
    ]);
  });

  it('keeps exactly the conversations created in [start, end)', async () => {
    const times = { a: START - DAY, b: START - 1, c: START, d: START + DAY, e: END - DAY, f: END - 1, g: END, h: END + DAY };
    const { transport } = scriptedTransport([page(Object.entries(times).map(([id, t]) => conv(id, t)), null)]);
    const [only] = await drain(transport);
    expect(only!.conversations.map((c) => c.id)).toEqual(['c', 'd', 'e', 'f']);
  });

  it('counts a conversation repeated on a later page once, and pages out of the window as nothing', async () => {
    const { transport } = scriptedTransport([
      page([conv('1', START + 10), conv('2', START + 20)], 'c1'),
      page([conv('2', START + 20), conv('3', START - 5)], 'c2'),
      page([conv('1', START + 10), conv('4', END - 1)], null),
    ]);
    const pages = await drain(transport);
    expect(pages.map((p) => p.conversations.map((c) => c.id))).toEqual([['1', '2'], [], ['4']]);
    expect(pages.map((p) => p.nextCursor)).toEqual(['c1', 'c2', null]);
  });

  it('reads authors of every kind; a blank or missing author is none', async () => {
    const authors: Array<[string, unknown]> = [
      ['user', { type: 'user', id: '11', name: 'A', email: 'a@x' }],
      ['lead', { type: 'lead', id: 12 }],
      ['contact', { type: 'contact', id: '13' }],
      ['admin', { type: 'admin', id: '5' }],
      ['bot', { type: 'bot', id: null }],
      ['team', { type: 'team', id: '7' }],
      ['blank', {}],
      ['empty', { type: '', id: '' }],
      ['null', null],
    ];
    const list = authors.map(([id, author], i) => conv(id, START + i, { source: { type: 'conversation', author } }));
    list.push({ ...conv('nosource', START + 50), source: undefined }, { ...conv('nullsource', START + 51), source: null });
    const { transport } = scriptedTransport([page(list, null)]);
    const [only] = await drain(transport);
    expect(Object.fromEntries(only!.conversations.map((c) => [c.id, c.author]))).toEqual({
      user: { type: 'user', id: '11' },
      lead: { type: 'lead', id: '12' },
      contact: { type: 'contact', id: '13' },
      admin: { type: 'admin', id: '5' },
      bot: { type: 'bot', id: null },
      team: { type: 'team', id: '7' },
      blank: null,
      empty: null,
      null: null,
      nosource: null,
      nullsource: null,
    });
  });

  it('derives replied, reply time, rating and reopened as METRICS defines them; unusable values count as none', async () => {
    const cases: Array<[string, unknown, unknown]> = [
      ['full', { first_admin_reply_at: START + 60, time_to_admin_reply: 60, count_reopens: 2 }, { rating: 5 }],
      ['nulls', null, null],
      ['missing', undefined, undefined],
      ['nullfields', { first_admin_reply_at: null, time_to_admin_reply: null, count_reopens: null }, { rating: null }],
      ['negative', { first_admin_reply_at: START + 1, time_to_admin_reply: -30, count_reopens: 0 }, { rating: 0 }],
      ['fraction', { time_to_admin_reply: 12.5, count_reopens: 1 }, { rating: 2.5 }],
      ['six', { time_to_admin_reply: 0 }, { rating: 6 }],
      ['strings', { first_admin_reply_at: '1759276900', time_to_admin_reply: '60', count_reopens: '3' }, { rating: '4' }],
      ['notobjects', 'statistics', [5]],
    ];
    const list = cases.map(([id, statistics, rating], i) => {
      const c: Record<string, unknown> = conv(id, START + i);
      if (statistics === undefined) delete c.statistics;
      else c.statistics = statistics;
      if (rating === undefined) delete c.conversation_rating;
      else c.conversation_rating = rating;
      return c;
    });
    const { transport } = scriptedTransport([page(list, null)]);
    const [only] = await drain(transport);
    const read = Object.fromEntries(only!.conversations.map(({ id, replied, replySeconds, rating, reopened }) => [id, { replied, replySeconds, rating, reopened }]));
    const none = { replied: false, replySeconds: null, rating: null, reopened: false };
    expect(read).toEqual({
      full: { replied: true, replySeconds: 60, rating: 5, reopened: true },
      nulls: none,
      missing: none,
      nullfields: none,
      negative: { ...none, replied: true },
      fraction: { ...none, reopened: true },
      six: { ...none, replySeconds: 0 },
      strings: none,
      notobjects: none,
    });
  });

  it('refuses a page whose conversation has no readable id or created_at, or a customer author without an id, naming the field', () => {
    const refused = (c: unknown) => {
      const parsed = parseConversationList(page([c], null));
      return parsed.ok ? 'accepted' : parsed.problem;
    };
    expect(refused({ ...conv('1', START), id: undefined })).toMatch(/^conversations\[0\]\.id: expected a non-empty string/);
    expect(refused({ ...conv('1', START), id: 1.5 })).toMatch(/^conversations\[0\]\.id:/);
    expect(refused({ ...conv('1', START), created_at: null })).toMatch(/^conversations\[0\]\.created_at: expected Unix seconds, received null/);
    expect(refused({ ...conv('1', START), created_at: '1759276800' })).toMatch(/^conversations\[0\]\.created_at:/);
    expect(refused(conv('1', START, { source: { author: { type: 'lead' } } }))).toMatch(/^conversations\[0\]\.source\.author\.id: expected the id of the lead/);
    expect(refused(conv('1', START, { source: { author: { type: 5, id: '1' } } }))).toMatch(/^conversations\[0\]\.source\.author\.type:/);
    expect(refused(conv('1', START, { source: 'email' }))).toMatch(/^conversations\[0\]\.source:/);
    expect(parseConversationList({ type: 'list', data: [] }).ok).toBe(false);
    // Milliseconds are read as seconds, as for contacts and events.
    const ms = parseConversationList(page([conv('1', START * 1000 + 999)], null));
    expect(ms.ok && ms.value.conversations[0]!.createdAtSec).toBe(START);
  });

  it('fails with PaginationLoopError when a cursor comes back', async () => {
    const { transport, requests } = scriptedTransport([page([conv('1', START)], 'c1'), page([conv('2', START)], 'c2'), page([conv('3', START)], 'c1')]);
    await expect(drain(transport)).rejects.toBeInstanceOf(PaginationLoopError);
    expect(requests).toHaveLength(3);
  });

  it('fails with PaginationStalledError when fresh cursors keep bringing nothing new', async () => {
    const same = [conv('1', START)];
    const { transport, requests } = scriptedTransport([page(same, 'c1'), page(same, 'c2'), page(same, 'c3'), page(same, 'c4'), page(same, 'c5'), page(same, 'c6')]);
    await expect(drain(transport)).rejects.toBeInstanceOf(PaginationStalledError);
    expect(requests).toHaveLength(5);
  });

  it('refuses a full page that has no cursor to the next one', async () => {
    const full = { type: 'conversation.list', conversations: [conv('1', START), conv('2', START)] };
    const { transport } = scriptedTransport([full]);
    await expect(drain(transport, 2)).rejects.toBeInstanceOf(UnexpectedBodyError);
  });

  it('names the Read conversations permission when the token is refused, keeping AuthenticationError', async () => {
    const refused = new AuthenticationError('Intercom conversations.search answered HTTP 403 (unauthorized) after 1 attempt: check the access token, its workspace region and its scopes', {
      endpoint: 'conversations.search',
      status: 403,
      intercomCode: 'unauthorized',
      requestId: 'r1',
    });
    const { transport } = scriptedTransport([refused]);
    const error = await drain(transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 403, intercomCode: 'unauthorized', requestId: 'r1', code: 'INTERCOM_AUTHENTICATION' });
    expect((error as Error).message).toMatch(/Read conversations permission$/);
  });

  it('refuses a window that is not whole seconds with start before end', async () => {
    const { transport, requests } = scriptedTransport([]);
    const gen = listConversationPages(transport, BASE, { startSec: END, endSec: START }, { perPage: 150 });
    await expect(gen.next()).rejects.toBeInstanceOf(IntercomOptionsError);
    expect(requests).toHaveLength(0);
  });
});
