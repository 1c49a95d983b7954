/**
 * The workspace's conversations, generated from its contacts with a PRNG stream of their own (seeded
 * from the workspace's seed, never drawing from the contacts' and events' stream), so adding them
 * changes nothing else the sandbox generates. Deterministic: the same workspace always gives the same
 * conversations, so a test computes its expected figures from `workspaceConversations(sb.workspace)`
 * (the generated ones, or the list a test placed in the workspace itself).
 *
 * Chosen to exercise what METRICS.md's cohort_conversations.csv reads:
 * - authors of every kind: `user`/`lead` (by the contact's role) and `contact` for customers; `admin`,
 *   `bot`, `team`; and blank (`author: {}`, as Intercom sends for Twitter) — opened by nobody;
 * - `statistics` and `conversation_rating` sometimes null, with null fields, or with values out of
 *   range (a negative time_to_admin_reply, a rating of 0, 6 or 2.5): not replied, no reply time, not
 *   rated, as the definitions say;
 * - created_at exactly on the first second of a recent month in several zones, a second before, and a
 *   day either side, so a window off by one second or one day shows;
 * - contacts that open several conversations in a month, over the last ~4 months.
 * Listing order: created_at, then id. Ids are numeric strings, as Intercom's.
 */
import { TZDate } from '@date-fns/tz';
import { createPrng, type Prng } from './create-prng.js';
import { SandboxError } from './errors.js';
import type { SandboxWorkspace, WireConversation } from './types.js';
import type { WireContact } from '../intercom/types.js';

const DAY_SEC = 86_400;
/** How far back ordinary conversations go. */
const SPAN_DAYS = 120;
/** Folded into the workspace seed so this stream differs from the generator's own. */
const STREAM_SALT = 0x636f6e76;
/** Zones whose month starts get conversations on their edges (the report's zone is configurable). */
export const EDGE_ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Pacific/Auckland'] as const;
/** Months back from the workspace's now whose starts are edges (0: the current month). */
const EDGE_MONTHS = 4;

export type { WireConversation };
type Draft = Record<string, unknown> & { created_at: number };

type AuthorKind = 'customer' | 'contact' | 'admin' | 'bot' | 'team' | 'blank';

const DELIVERED_AS: Record<AuthorKind, readonly string[]> = {
  customer: ['customer_initiated'],
  contact: ['customer_initiated'],
  admin: ['admin_initiated'],
  bot: ['operator_initiated', 'automated'],
  team: ['automated', 'campaigns_initiated'],
  blank: ['customer_initiated'],
};

/** The first second of each of the last EDGE_MONTHS months in each edge zone. */
export function monthEdgesSec(nowSec: number): number[] {
  const edges = new Set<number>();
  for (const zone of EDGE_ZONES) {
    const now = new TZDate(nowSec * 1000, zone);
    for (let back = 0; back < EDGE_MONTHS; back += 1) {
      edges.add(Math.ceil(+new TZDate(now.getFullYear(), now.getMonth() - back, 1, zone) / 1000));
    }
  }
  return [...edges].sort((a, b) => a - b);
}

function statisticsFor(rng: Prng, createdAt: number, customer: boolean): unknown {
  if (rng.chance(0.15)) return null;
  const replied = customer ? rng.chance(0.7) : rng.chance(0.3);
  const reply = rng.int(30, 36 * 3600);
  const roll = rng.next();
  // Odd values Intercom may send: a reply time without a reply, a negative time, nulls.
  const timeToReply = roll < 0.05 ? -rng.int(1, 600) : roll < 0.1 ? null : replied || roll < 0.13 ? reply : null;
  return {
    type: 'conversation_statistics',
    time_to_assignment: rng.chance(0.5) ? rng.int(0, 3600) : null,
    time_to_admin_reply: timeToReply,
    time_to_first_close: null,
    time_to_last_close: null,
    median_time_to_reply: replied ? reply : null,
    first_contact_reply_at: customer ? createdAt : null,
    first_assignment_at: null,
    first_admin_reply_at: replied ? createdAt + reply : null,
    first_close_at: null,
    last_assignment_at: null,
    last_assignment_admin_reply_at: null,
    last_contact_reply_at: customer ? createdAt : null,
    last_admin_reply_at: replied ? createdAt + reply : null,
    last_close_at: null,
    last_closed_by_id: null,
    count_reopens: rng.chance(0.1) ? null : rng.chance(0.2) ? rng.int(1, 3) : 0,
    count_assignments: rng.int(0, 2),
    count_conversation_parts: rng.int(1, 12),
  };
}

function ratingFor(rng: Prng, createdAt: number, contact: WireContact): unknown {
  if (rng.chance(0.6)) return null;
  const roll = rng.next();
  // Mostly 1–5; sometimes a value no rating can be (0, 6, 2.5) or none at all.
  const rating = roll < 0.04 ? 0 : roll < 0.08 ? 6 : roll < 0.12 ? 2.5 : roll < 0.16 ? null : rng.int(1, 5);
  return {
    rating,
    remark: rng.chance(0.3) ? 'Thanks!' : '',
    created_at: createdAt + rng.int(3600, 3 * DAY_SEC),
    contact: { type: 'contact', id: contact.id, external_id: contact.external_id },
    teammate: { type: 'admin', id: String(rng.int(1, 9)) },
  };
}

function authorFor(rng: Prng, kind: AuthorKind, contact: WireContact): Record<string, unknown> {
  switch (kind) {
    case 'customer':
    case 'contact':
      return { type: kind === 'contact' ? 'contact' : contact.role, id: contact.id, name: contact.name, email: contact.email ?? '' };
    case 'admin':
      return { type: 'admin', id: String(rng.int(1, 9)), name: 'Support', email: 'support@sandbox.invalid' };
    case 'bot':
      return { type: 'bot', id: String(rng.int(100, 109)), name: 'Fin', email: 'operator@sandbox.invalid' };
    case 'team':
      return { type: 'team', id: String(rng.int(200, 204)), name: 'Success team', email: 'team@sandbox.invalid' };
    case 'blank':
      return {};
  }
}

function pickKind(rng: Prng): AuthorKind {
  const roll = rng.next();
  if (roll < 0.6) return 'customer';
  if (roll < 0.7) return 'contact';
  if (roll < 0.8) return 'admin';
  if (roll < 0.88) return 'bot';
  if (roll < 0.95) return 'team';
  return 'blank';
}

function conversation(rng: Prng, createdAt: number, contact: WireContact, kind: AuthorKind): Draft {
  const customer = kind === 'customer' || kind === 'contact';
  const open = rng.chance(0.3);
  return {
    type: 'conversation',
    title: null,
    created_at: createdAt,
    updated_at: createdAt + rng.int(0, 5 * DAY_SEC),
    waiting_since: open && customer ? createdAt : null,
    snoozed_until: null,
    open,
    state: open ? 'open' : 'closed',
    read: rng.chance(0.8),
    priority: rng.chance(0.1) ? 'priority' : 'not_priority',
    admin_assignee_id: rng.chance(0.5) ? rng.int(1, 9) : null,
    team_assignee_id: null,
    tags: { type: 'tag.list', tags: [] },
    conversation_rating: customer ? ratingFor(rng, createdAt, contact) : null,
    source: {
      type: kind === 'blank' ? 'twitter' : 'conversation',
      id: String(rng.int(1, 1e9)),
      delivered_as: rng.pick(DELIVERED_AS[kind]),
      subject: '',
      body: kind === 'blank' ? 'This message was sent on Twitter' : '<p>Hello</p>',
      author: authorFor(rng, kind, contact),
      attachments: [],
      url: null,
      redacted: false,
    },
    contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: contact.id, external_id: contact.external_id }] },
    teammates: { type: 'admin.list', teammates: [] },
    custom_attributes: {},
    first_contact_reply: customer ? { created_at: createdAt, type: 'conversation', url: null } : null,
    statistics: statisticsFor(rng, createdAt, customer),
    ai_agent_participated: kind === 'bot',
  };
}

/**
 * @example
 * const all = generateConversations(sb.workspace); // the same list the sandbox serves, in its order
 */
export function generateConversations(workspace: SandboxWorkspace): WireConversation[] {
  const { contacts, nowSec } = workspace;
  if (contacts.length === 0) return [];
  const rng = createPrng(workspace.seed + STREAM_SALT);
  const made: Draft[] = [];
  for (const contact of contacts) {
    if (!rng.chance(0.35)) continue;
    // Some contacts open several in a month: a burst around one day, or a few spread out.
    const count = rng.chance(0.25) ? rng.int(2, 6) : 1;
    const around = nowSec - rng.int(0, SPAN_DAYS * DAY_SEC);
    for (let i = 0; i < count; i += 1) {
      const createdAt = Math.min(nowSec, around + rng.int(-10 * DAY_SEC, 10 * DAY_SEC));
      made.push(conversation(rng, createdAt, contact, pickKind(rng)));
    }
  }
  for (const edge of monthEdgesSec(nowSec)) {
    for (const offset of [-DAY_SEC, -1, 0, DAY_SEC]) {
      const createdAt = edge + offset;
      if (createdAt > nowSec) continue;
      // Mostly customers, so an edge miscounted shows in a cohort's figures.
      const kind: AuthorKind = rng.chance(0.8) ? 'customer' : pickKind(rng);
      made.push(conversation(rng, createdAt, rng.pick(contacts), kind));
    }
  }
  // Ids follow listing order, fixed width so string order agrees.
  made.sort((a, b) => a.created_at - b.created_at);
  return made.map((c, i): WireConversation => ({ type: c.type, id: String(100_000_000 + i), ...c }));
}

/** Listing order: created_at, then id in JavaScript's default string order. */
function byListingOrder(a: WireConversation, b: WireConversation): number {
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The conversations the sandbox serves for `workspace`, in listing order: the list a test placed in
 * `workspace.conversations` (so it can put a conversation on the exact second a month starts), else
 * the generated ones. A placed list is checked once: ids unique (the cursor names one), created_at
 * whole seconds.
 * @example
 * const all = workspaceConversations(sb.workspace); // what POST /conversations/search can list
 */
export function workspaceConversations(workspace: SandboxWorkspace): WireConversation[] {
  const placed = workspace.conversations;
  if (placed === undefined) return generateConversations(workspace);
  const ids = new Set<string>();
  for (const c of placed) {
    if (typeof c.id !== 'string' || c.id === '' || ids.has(c.id)) {
      throw new SandboxError('SANDBOX_INVALID_OPTIONS', `workspace.conversations: every conversation needs an id of its own (got ${JSON.stringify(c.id)} twice or empty)`);
    }
    if (!Number.isSafeInteger(c.created_at)) {
      throw new SandboxError('SANDBOX_INVALID_OPTIONS', `workspace.conversations: conversation ${c.id} has created_at ${JSON.stringify(c.created_at)}, not whole Unix seconds`);
    }
    ids.add(c.id);
  }
  return [...placed].sort(byListingOrder);
}
