/**
 * Hand-made sandbox workspaces for the bad-input tests: the test writes down contacts, cohorts and
 * events exactly as it wants them (odd ids, odd names, odd metadata), and this fills in the fields
 * the sandbox serves and the ordering it relies on (events newest first, ties by id). Also the JSON
 * serializer the tests' response transforms use to send literals `JSON.stringify` cannot write.
 */
import type { WireContact, WireEvent, WireSegment, WireTag } from '../../src/intercom/types.js';
import { cohortKey, type SandboxWorkspace } from '../../src/sandbox/index.js';

export interface HandContact {
  id: string;
  role?: 'user' | 'lead';
  createdAtSec: number;
  signedUpAtSec?: number | null;
  /** Stored as `unsubscribed_from_emails` when given; without it the sandbox serves false. */
  unsubscribed?: boolean;
}

export interface HandEvent {
  id: string;
  name: string;
  createdAtSec: number;
  /** Served as given (through `toJsonText`, so `Literal` values are written as raw JSON). */
  metadata?: Record<string, unknown>;
}

export interface HandCohort {
  type: 'segment' | 'tag';
  id: string;
  name: string;
  /** In listing order; repeats are the API's business, not the workspace's: keep them distinct. */
  memberIds: string[];
}

export function buildWorkspace(input: {
  nowSec: number;
  contacts: HandContact[];
  cohorts: HandCohort[];
  events: Map<string, HandEvent[]>;
}): SandboxWorkspace {
  const contacts: WireContact[] = input.contacts.map((c) => ({
    type: 'contact',
    id: c.id,
    workspace_id: 'hand0made',
    external_id: null,
    role: c.role ?? 'user',
    email: null,
    name: null,
    created_at: c.createdAtSec,
    updated_at: c.createdAtSec,
    signed_up_at: c.signedUpAtSec ?? null,
    last_seen_at: null,
    ...(c.unsubscribed === undefined ? {} : { unsubscribed_from_emails: c.unsubscribed }),
  }));
  const segments: WireSegment[] = [];
  const tags: WireTag[] = [];
  const membersByCohort = new Map<string, string[]>();
  for (const cohort of input.cohorts) {
    membersByCohort.set(cohortKey(cohort.type, cohort.id), [...cohort.memberIds]);
    if (cohort.type === 'segment') {
      segments.push({
        type: 'segment',
        id: cohort.id,
        name: cohort.name,
        created_at: input.nowSec - 86_400,
        updated_at: input.nowSec - 86_400,
        person_type: 'user',
        count: new Set(cohort.memberIds).size,
      });
    } else {
      tags.push({ type: 'tag', id: cohort.id, name: cohort.name });
    }
  }
  const eventsByContact = new Map<string, WireEvent[]>();
  for (const [contactId, list] of input.events) {
    const wire: WireEvent[] = list.map((e) => ({
      type: 'event',
      id: e.id,
      event_name: e.name,
      created_at: e.createdAtSec,
      intercom_user_id: contactId,
      ...(e.metadata !== undefined ? { metadata: e.metadata as WireEvent['metadata'] } : {}),
    }));
    // The sandbox pages events newest first, ties by id, as its generator stores them.
    wire.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    eventsByContact.set(contactId, wire);
  }
  return { nowSec: input.nowSec, seed: 0, segments, tags, contacts, membersByCohort, eventsByContact };
}

/** A JSON value written exactly as `text` (a number literal JSON.stringify cannot produce: `100.0`, `2^53 + 1`). */
export class Literal {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export const literal = (text: string): Literal => new Literal(text);

const MARK = '\u0000literal:';

/** JSON.stringify, except that `Literal`s and bigints are written as raw literals. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Literal) return `${MARK}${v.text}`;
    if (typeof v === 'bigint') return `${MARK}${v.toString()}`;
    return v;
  });
  return text.replace(/"\\u0000literal:([^"]*)"/g, '$1');
}

/** A deep copy that keeps `Literal`s (structuredClone would turn them into plain objects). */
export function cloneWire<T>(value: T): T {
  if (value instanceof Literal || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => cloneWire(v)) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = cloneWire((value as Record<string, unknown>)[key]);
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, writable: true, enumerable: true, configurable: true });
    else out[key] = v;
  }
  return out as T;
}
