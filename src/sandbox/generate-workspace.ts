/**
 * Builds a whole Intercom workspace from (contacts, seed, nowSec), deterministically: the same three
 * numbers always give a deep-equal workspace. The data is shaped to catch the mistakes a cohort report
 * can make: leads among users, signed_up_at null or 0, cohorts that overlap or are empty, tag ids that
 * sort differently as strings and numbers, a few contacts with hundreds of events (several pages),
 * events older than 90 days (stored but not listable), events exactly on UTC month boundaries, event
 * names with unicode, commas, quotes and spreadsheet-formula lookalikes, and monetary metadata both
 * well-formed and malformed.
 *
 * One file (~340 lines) on purpose: everything is drawn from one seeded stream, and the order of the
 * draws is what makes (contacts, seed, nowSec) give the same workspace; split over files, that order
 * would be easy to change by accident and every recorded figure with it.
 */
import type { WireContact, WireEvent, WireMetadataValue, WireSegment, WireTag } from '../intercom/types.js';
import { createPrng, type Prng } from './create-prng.js';
import { SandboxError } from './errors.js';
import { cohortKey, type SandboxWorkspace } from './types.js';

export interface GenerateWorkspaceOptions {
  contacts: number;
  seed: number;
  /** The "now" the data is generated around, Unix seconds. */
  nowSec: number;
  /** Share of contacts that are leads (default 0.2); B2C workspaces of website visitors run far higher. */
  leadShare?: number;
}

const DAY_SEC = 86_400;
/** Events are spread over this many days before nowSec, so some are past the 90-day listing cutoff. */
const EVENT_SPAN_DAYS = 100;
const CONTACT_SPAN_DAYS = 730;

const FIRST_NAMES = ['Ana', 'Zoë', 'Łukasz', 'José', 'Aoife', 'Mia', 'Noah', 'Sven', 'Priya', 'Chen', 'Olu', 'Inès', 'Jamal', 'Hana', 'Mateo', 'Élodie'];
const LAST_NAMES = ["O'Brien", 'Nguyễn', 'Schmidt', 'García', 'Kowalski', 'Smith', 'Tanaka', 'Dubois', 'Okafor', 'Rossi', 'Müller', 'Silva', 'Patel', 'Kim'];
const ASCII_FIRST = ['ana', 'zoe', 'lukasz', 'jose', 'aoife', 'mia', 'noah', 'sven', 'priya', 'chen', 'olu', 'ines', 'jamal', 'hana', 'mateo', 'elodie'];
const DOMAINS = ['example.com', 'example.org', 'mail.example.net', 'acme.test', 'beispiel.de'];
const PLANS = ['free', 'free', 'starter', 'pro', 'business'];

/** Weighted event names; the odd ones exist to test CSV escaping and unicode handling downstream. */
const EVENT_NAMES: ReadonlyArray<readonly [name: string, weight: number]> = [
  ['signed-in', 30],
  ['viewed-pricing', 14],
  ['placed-order', 12],
  ['invited-friend', 6],
  ['upgraded-plan', 4],
  ['refund-issued', 3],
  ['café-visité', 4],
  ['🚀 launched-app', 4],
  ['report, "quarterly"', 3],
  ['=HYPERLINK("x")', 2],
  ['+1 upgrade', 2],
  ['@sum', 2],
  ['-credit', 3],
];
const EVENT_WEIGHT_TOTAL = EVENT_NAMES.reduce((sum, [, w]) => sum + w, 0);
const CURRENCIES = ['eur', 'eur', 'USD', 'usd', 'gbp', 'GBP', 'jpy'];

interface SegmentSpec {
  name: string;
  personType: 'user' | 'contact';
  member: (c: WireContact, heavy: boolean, rng: Prng, nowSec: number) => boolean;
}

const SEGMENT_SPECS: SegmentSpec[] = [
  { name: 'Active users (30 days)', personType: 'user', member: (c, _h, _r, now) => c.role === 'user' && c.last_seen_at !== null && c.last_seen_at >= now - 30 * DAY_SEC },
  { name: 'Paying customers', personType: 'user', member: (c) => c.role === 'user' && ['pro', 'business'].includes(String((c.custom_attributes as Record<string, unknown>).plan)) },
  { name: 'New sign-ups (last 100 days)', personType: 'user', member: (c, _h, _r, now) => c.role === 'user' && c.created_at >= now - 100 * DAY_SEC },
  { name: 'Leads from the pricing page', personType: 'contact', member: (c, _h, rng) => c.role === 'lead' && rng.chance(0.45) },
  { name: 'All leads', personType: 'contact', member: (c) => c.role === 'lead' },
  { name: 'Café, Paris 🇫🇷', personType: 'user', member: (c, _h, rng) => c.role === 'user' && rng.chance(0.1) },
  { name: 'Power users', personType: 'user', member: (c, heavy, rng) => c.role === 'user' && (heavy || rng.chance(0.02)) },
  { name: 'Dormant (no members)', personType: 'user', member: () => false },
];

interface TagSpec {
  id: string;
  name: string;
  member: (c: WireContact, heavy: boolean, rng: Prng) => boolean;
}

// Digit-string ids on purpose: "1001" < "123456" < "20000" < "555" < "7" < "99" as strings.
const TAG_SPECS: TagSpec[] = [
  { id: '99', name: 'VIP', member: (c, heavy, rng) => heavy || rng.chance(0.05) },
  { id: '1001', name: 'beta-tester', member: (_c, _h, rng) => rng.chance(0.15) },
  { id: '123456', name: 'churn-risk', member: (c, _h, rng) => c.role === 'user' && rng.chance(0.1) },
  { id: '7', name: '+1 referral', member: (_c, _h, rng) => rng.chance(0.08) },
  { id: '20000', name: 'Newsletter, weekly "digest"', member: (_c, _h, rng) => rng.chance(0.3) },
  { id: '555', name: 'Empty tag', member: () => false },
];

function validate(opts: GenerateWorkspaceOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(opts.contacts) || opts.contacts < 0) problems.push('contacts must be an integer >= 0');
  if (opts.contacts > 1_000_000) problems.push('contacts must be at most 1,000,000');
  if (!Number.isFinite(opts.seed)) problems.push('seed must be a finite number');
  if (opts.leadShare !== undefined && !(opts.leadShare >= 0 && opts.leadShare <= 1)) problems.push('leadShare must be between 0 and 1');
  if (!Number.isInteger(opts.nowSec) || opts.nowSec < CONTACT_SPAN_DAYS * DAY_SEC * 2) problems.push('nowSec must be Unix seconds (an integer)');
  if (problems.length > 0) throw new SandboxError('SANDBOX_INVALID_OPTIONS', `generateWorkspace: ${problems.join('; ')}`);
}

function pickEventName(rng: Prng): string {
  let roll = rng.next() * EVENT_WEIGHT_TOTAL;
  for (const [name, weight] of EVENT_NAMES) {
    roll -= weight;
    if (roll < 0) return name;
  }
  return EVENT_NAMES[0]![0];
}

/** Mostly well-formed amounts in minor units; about 1 in 12 malformed in one of the ways seen in the wild. */
function money(rng: Prng, minMinor: number, maxMinor: number): WireMetadataValue {
  const amount = rng.int(minMinor, maxMinor);
  const currency = rng.pick(CURRENCIES);
  if (!rng.chance(1 / 12)) return { amount: currency === 'jpy' ? Math.round(amount / 100) : amount, currency };
  switch (rng.int(0, 3)) {
    case 0:
      return { amount: (amount / 100).toFixed(2), currency };
    case 1:
      return { amount: amount / 100, currency };
    case 2:
      return { amount } as Record<string, unknown>;
    default:
      return { amount, currency: 978 } as Record<string, unknown>;
  }
}

function metadataFor(name: string, createdAtSec: number, rng: Prng, counter: number): Record<string, WireMetadataValue> {
  switch (name) {
    case 'placed-order': {
      const meta: Record<string, WireMetadataValue> = {
        price: money(rng, 199, 49_999),
        order_id: `ord_${counter.toString(36)}`,
        items: rng.int(1, 6),
      };
      if (rng.chance(0.5)) meta.shipped_date = createdAtSec + rng.int(3_600, 5 * DAY_SEC);
      if (rng.chance(0.4)) meta.invoice = { url: `https://billing.example.com/invoices/${counter}`, value: `Invoice #${counter}` };
      if (rng.chance(0.3)) meta.stripe_invoice = `in_${rng.hex(14)}`;
      return meta;
    }
    case 'refund-issued':
      return { refund: money(rng, 199, 19_999), reason: rng.pick(['damaged', 'late, very late', 'changed "mind"']) };
    case '-credit':
      return { credit: money(rng, 100, 5_000) };
    case 'upgraded-plan':
    case '+1 upgrade': {
      const meta: Record<string, WireMetadataValue> = { plan: rng.pick(['pro', 'business']), seats: rng.int(1, 50), price: money(rng, 900, 99_900) };
      if (rng.chance(0.5)) meta.renewal_date = createdAtSec + 365 * DAY_SEC;
      return meta;
    }
    case 'viewed-pricing':
      return { page: `https://www.example.com/pricing?ref=${rng.pick(['ad', 'blog', 'mail'])}`, load: Math.round(rng.next() * 500) / 100 };
    case 'café-visité':
      return { ville: rng.pick(['Paris', 'Lyon', 'Montréal']), note: 'He said "bonjour", then left' };
    case '🚀 launched-app':
      return { version: `2.${rng.int(0, 9)}.${rng.int(0, 20)}` };
    case 'invited-friend':
      return { invite_code: 'ADDAFRIEND' };
    case '=HYPERLINK("x")':
      return { formula: '=1+2', cell: '@A1' };
    case 'report, "quarterly"':
      return { quarter: `Q${rng.int(1, 4)}, ${new Date(createdAtSec * 1000).getUTCFullYear()}` };
    default:
      return rng.chance(0.3) ? { device: rng.pick(['ios', 'android', 'web']) } : {};
  }
}

/** Unix seconds of every UTC month start in [fromSec, toSec]. */
function monthStartsBetween(fromSec: number, toSec: number): number[] {
  const out: number[] = [];
  const d = new Date(fromSec * 1000);
  let year = d.getUTCFullYear();
  let month = d.getUTCMonth();
  for (;;) {
    month += 1;
    if (month === 12) {
      month = 0;
      year += 1;
    }
    const startSec = Date.UTC(year, month, 1) / 1000;
    if (startSec > toSec) return out;
    out.push(startSec);
  }
}

function uuidLike(rng: Prng, counter: number): string {
  const variant = '89ab'[rng.int(0, 3)]!;
  return `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-${variant}${rng.hex(3)}-${counter.toString(16).padStart(12, '0')}`;
}

function generateContact(rng: Prng, index: number, workspaceId: string, nowSec: number, leadShare: number): WireContact {
  const lead = rng.chance(leadShare);
  const createdAtSec = rng.chance(0.15)
    ? nowSec - rng.int(0, EVENT_SPAN_DAYS * DAY_SEC)
    : nowSec - rng.int(EVENT_SPAN_DAYS * DAY_SEC, CONTACT_SPAN_DAYS * DAY_SEC);
  // ObjectId-like: creation time, randomness, then a counter that keeps ids unique.
  const id = `${createdAtSec.toString(16).padStart(8, '0')}${rng.hex(10)}${index.toString(16).padStart(6, '0')}`;
  const nameIndex = rng.int(0, FIRST_NAMES.length - 1);
  const last = rng.pick(LAST_NAMES);
  const asciiLast = last.normalize('NFD').replace(/[^a-z]/gi, '').toLowerCase();
  const plus = rng.chance(0.05) ? `+${rng.pick(['news', 'test'])}` : '';
  const email = `${ASCII_FIRST[nameIndex]}.${asciiLast}${index}${plus}@${rng.pick(DOMAINS)}`;
  const name = lead && rng.chance(0.3) ? null : `${FIRST_NAMES[nameIndex]} ${last}`;

  let signedUpAtSec: number | null = null;
  let externalId: string | null = null;
  if (!lead) {
    const roll = rng.next();
    signedUpAtSec = roll < 0.08 ? null : roll < 0.13 ? 0 : Math.min(nowSec, createdAtSec + rng.int(0, 3_600));
    externalId = rng.chance(0.6) ? String(100_000 + index) : uuidLike(rng, index);
  }
  const lastSeenAtSec = rng.chance(0.1) ? null : rng.int(createdAtSec, nowSec);
  const updatedAtSec = Math.max(lastSeenAtSec ?? createdAtSec, rng.int(createdAtSec, nowSec));
  return {
    type: 'contact',
    id,
    workspace_id: workspaceId,
    external_id: externalId,
    role: lead ? 'lead' : 'user',
    email,
    phone: rng.chance(0.2) ? `+44 20 7946 ${String(rng.int(0, 9999)).padStart(4, '0')}` : null,
    name,
    owner_id: rng.chance(0.3) ? rng.int(1, 12) : null,
    has_hard_bounced: rng.chance(0.02),
    marked_email_as_spam: rng.chance(0.01),
    unsubscribed_from_emails: rng.chance(0.1),
    created_at: createdAtSec,
    updated_at: updatedAtSec,
    signed_up_at: signedUpAtSec,
    last_seen_at: lastSeenAtSec,
    custom_attributes: lead ? {} : { plan: rng.pick(PLANS) },
  };
}

function eventCountFor(rng: Prng, contact: WireContact, forceHeavy: boolean): { count: number; heavy: boolean } {
  const roll = rng.next();
  const leadScale = contact.role === 'lead' ? 0.5 : 1;
  if (forceHeavy || roll < 0.005) return { count: rng.int(150, 600), heavy: true };
  if (roll < 0.125) return { count: Math.round(rng.int(8, 40) * leadScale), heavy: false };
  if (roll < 0.55) return { count: 0, heavy: false };
  return { count: rng.int(1, 5), heavy: false };
}

function generateEvents(
  rng: Prng,
  contact: WireContact,
  count: number,
  nowSec: number,
  monthStarts: number[],
  counter: { next: number },
): WireEvent[] {
  const fromSec = Math.max(contact.created_at, nowSec - EVENT_SPAN_DAYS * DAY_SEC);
  const toSec = nowSec - 1;
  if (count === 0 || fromSec > toSec) return [];
  const boundaries = monthStarts.flatMap((s) => [s - 1, s]).filter((s) => s >= fromSec && s <= toSec);
  const events: WireEvent[] = [];
  let previousSec = fromSec;
  for (let i = 0; i < count; i += 1) {
    const roll = rng.next();
    const createdAtSec =
      i > 0 && roll < 0.02 ? previousSec : roll < 0.05 && boundaries.length > 0 ? rng.pick(boundaries) : rng.int(fromSec, toSec);
    previousSec = createdAtSec;
    const eventName = pickEventName(rng);
    const n = counter.next++;
    const id = uuidLike(rng, n);
    const metadata = metadataFor(eventName, createdAtSec, rng, n);
    // Leads have no user_id: the key is left out rather than sent as null.
    events.push(
      contact.external_id !== null
        ? { type: 'event', id, event_name: eventName, created_at: createdAtSec, user_id: contact.external_id, email: contact.email, intercom_user_id: contact.id, metadata }
        : { type: 'event', id, event_name: eventName, created_at: createdAtSec, email: contact.email, intercom_user_id: contact.id, metadata },
    );
  }
  return events.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * @example
 * const ws = generateWorkspace({ contacts: 500, seed: 1, nowSec: 1_767_225_600 });
 * ws.membersByCohort.get(cohortKey('tag', '99')); // ids in the order the search lists them
 */
export function generateWorkspace(opts: GenerateWorkspaceOptions): SandboxWorkspace {
  validate(opts);
  const { nowSec, seed } = opts;
  const rng = createPrng(seed);
  const workspaceId = Array.from({ length: 8 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[rng.int(0, 35)]).join('');

  const contacts: WireContact[] = [];
  for (let i = 0; i < opts.contacts; i += 1) contacts.push(generateContact(rng, i, workspaceId, nowSec, opts.leadShare ?? 0.2));
  // Search order, and therefore every cohort's member order: created_at, then id.
  contacts.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));

  const monthStarts = monthStartsBetween(nowSec - EVENT_SPAN_DAYS * DAY_SEC, nowSec);
  const eventCounter = { next: 1 };
  const eventsByContact = new Map<string, WireEvent[]>();
  const heavy = new Set<string>();
  // At least one user needs several pages of events, however small the workspace.
  const firstOldUser = contacts.find((c) => c.role === 'user' && c.created_at < nowSec - EVENT_SPAN_DAYS * DAY_SEC);
  for (const contact of contacts) {
    const volume = eventCountFor(rng, contact, contact === firstOldUser);
    if (volume.heavy) heavy.add(contact.id);
    eventsByContact.set(contact.id, generateEvents(rng, contact, volume.count, nowSec, monthStarts, eventCounter));
  }

  const segments: WireSegment[] = SEGMENT_SPECS.map((spec) => {
    const createdAtSec = nowSec - rng.int(200 * DAY_SEC, 700 * DAY_SEC);
    return {
      type: 'segment',
      id: `${createdAtSec.toString(16).padStart(8, '0')}${rng.hex(16)}`,
      name: spec.name,
      created_at: createdAtSec,
      updated_at: Math.min(nowSec, createdAtSec + rng.int(0, 150 * DAY_SEC)),
      person_type: spec.personType,
      count: 0,
    };
  });
  const tags: WireTag[] = TAG_SPECS.map((spec) => ({ type: 'tag', id: spec.id, name: spec.name }));

  const membersByCohort = new Map<string, string[]>();
  const segmentMembers = segments.map((s) => {
    const list: string[] = [];
    membersByCohort.set(cohortKey('segment', s.id), list);
    return list;
  });
  const tagMembers = TAG_SPECS.map((spec) => {
    const list: string[] = [];
    membersByCohort.set(cohortKey('tag', spec.id), list);
    return list;
  });
  for (const contact of contacts) {
    const isHeavy = heavy.has(contact.id);
    SEGMENT_SPECS.forEach((spec, i) => {
      if (spec.member(contact, isHeavy, rng, nowSec)) segmentMembers[i]!.push(contact.id);
    });
    TAG_SPECS.forEach((spec, i) => {
      if (spec.member(contact, isHeavy, rng)) tagMembers[i]!.push(contact.id);
    });
  }
  segments.forEach((s, i) => {
    s.count = segmentMembers[i]!.length;
  });

  return { nowSec, seed, segments, tags, contacts, membersByCohort, eventsByContact };
}
