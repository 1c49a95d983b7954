/**
 * One listed contact as the run stores it, in one short string (Redis hash value, memory-store map
 * value): `<cohorts>|<member>|<result>`.
 * - cohorts: the indexes (decimal, comma-separated) of the cohorts whose pages listed the contact,
 *   numbered in the order the run first recorded a page of each;
 * - member: role (`u` user, `l` lead; upper-case, `U` or `L`, when the contact was unsubscribed from
 *   e-mails), created_at, `,`, signed_up_at (empty for null; else its distance from created_at, or
 *   `~` and the second itself when either is not a safe integer);
 *   then, in Redis, `,` and the contact's registration number (0, 1, … in the order contacts were
 *   first listed, for resuming in that order); empty for a contact that has a result but was never
 *   listed;
 * - result: empty until the events are fetched; `m` missing (404); `c<eventsFetched>:<packed>`:
 *   ContactStats packed, since their field names would otherwise take more room than their figures
 *   (created_at is whole seconds, see wire-schemas.ts): JSON arrays per month `[month, events, active days, names,
 *   amounts]`, each name `[name, events, first, last]` with the seconds counted from the start of the
 *   month in UTC and `last` left out when it equals `first`, and `amounts` left out when empty.
 * The first two parts never contain `|`, so a Lua script can split a record with two finds (the one
 * split_record of ./lua/record.lua, which every store script includes), and JSON text in the result
 * may contain anything.
 */
import type { Member } from '../intercom/types.js';
import type { AmountStats, ContactStats, NameStats } from '../report/contact-stats.js';
import { createRecord, setOwn } from '../report/own-record.js';
import { decodeContactConversations } from './conversation-record.js';
import type { ContactResult, ListedContact } from './run-store.js';

export interface ContactRecord {
  /** The cohorts part, as stored. */
  cohorts: string;
  /** The member part ('' when never listed). */
  member: string;
  /** The result part ('' when none yet). */
  result: string;
}

export function splitRecord(text: string): ContactRecord {
  const a = text.indexOf('|');
  const b = text.indexOf('|', a + 1);
  return { cohorts: text.slice(0, a), member: text.slice(a + 1, b), result: text.slice(b + 1) };
}

export function joinRecord(r: ContactRecord): string {
  return `${r.cohorts}|${r.member}|${r.result}`;
}

/** Whether cohort index `index` is in a record's cohorts part. */
export function inCohort(cohorts: string, index: string): boolean {
  return `,${cohorts},`.includes(`,${index},`);
}

export function encodeMember(m: Member): string {
  const created = m.createdAtSec;
  const signedUp = m.signedUpAtSec;
  const after = signedUp === null ? '' : Number.isSafeInteger(created) && Number.isSafeInteger(signedUp) ? String(signedUp - created) : `~${signedUp}`;
  const role = m.role === 'lead' ? 'l' : 'u';
  return `${m.unsubscribedFromEmails ? role.toUpperCase() : role}${created},${after}`;
}

export function decodeMember(id: string, text: string): Member {
  const comma = text.indexOf(',');
  const createdAtSec = Number(text.slice(1, comma));
  const seqComma = text.indexOf(',', comma + 1);
  const after = text.slice(comma + 1, seqComma === -1 ? undefined : seqComma);
  const signedUpAtSec = after === '' ? null : after[0] === '~' ? Number(after.slice(1)) : createdAtSec + Number(after);
  const role = text[0]!;
  return { id, role: role === 'l' || role === 'L' ? 'lead' : 'user', createdAtSec, signedUpAtSec, unsubscribedFromEmails: role === 'U' || role === 'L' };
}

/** The registration number a member part ends with (Redis records only). */
export function memberSeq(text: string): number {
  return Number(text.slice(text.lastIndexOf(',') + 1));
}

type PackedName = [name: string, events: number, first: number, last?: number];
type PackedMonth = [month: string, events: number, activeDays: number, names: PackedName[], amounts?: Array<[string, ...AmountStats]>];

/** The first second of a `YYYY-MM` month in UTC: what packed seconds are counted from. */
function monthBaseSec(month: string): number {
  return Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1) / 1000;
}

const MONTH_FIELDS = ['activeDays', 'amounts', 'events', 'names'];

function packStats(stats: ContactStats): string {
  const packed = Object.entries(stats.months).map(([month, m]): PackedMonth => {
    const base = monthBaseSec(month);
    const names = Object.entries(m.names).map(([name, [events, first, last]]): PackedName =>
      last === first ? [name, events, first - base] : [name, events, first - base, last - base],
    );
    const amounts = Object.entries(m.amounts).map(([key, s]): [string, ...AmountStats] => [key, ...s]);
    return amounts.length === 0 ? [month, m.events, m.activeDays, names] : [month, m.events, m.activeDays, names, amounts];
  });
  return JSON.stringify(packed);
}

function unpackStats(text: string): ContactStats {
  const months: ContactStats['months'] = {};
  for (const [month, events, activeDays, nameList, amountList = []] of JSON.parse(text) as PackedMonth[]) {
    const base = monthBaseSec(month);
    const names = createRecord<NameStats>();
    for (const [name, n, first, last = first] of nameList) setOwn(names, name, [n, base + first, base + last]);
    const amounts = createRecord<AmountStats>();
    for (const [key, ...s] of amountList) setOwn(amounts, key, s);
    months[month] = { events, activeDays, names, amounts };
  }
  return { months };
}

export function encodeResult(result: ContactResult): string {
  return result.kind === 'missing' ? 'm' : `c${result.eventsFetched}:${packStats(result.stats)}`;
}

/** null for the empty part (no result yet). */
export function decodeResult(text: string): ContactResult | null {
  if (text === '') return null;
  if (text === 'm') return { kind: 'missing' };
  const colon = text.indexOf(':');
  return { kind: 'ok', stats: unpackStats(text.slice(colon + 1)), eventsFetched: Number(text.slice(1, colon)) };
}

/**
 * A stored record as the summary reads it (RunStore.listedContacts), or null for a contact that has a
 * result but was never listed. `keyOf`: the records' cohort indexes → cohort keys.
 */
export function decodeListedContact(id: string, text: string, keyOf: ReadonlyMap<string, string>, conversations?: string): ListedContact | null {
  const r = splitRecord(text);
  if (r.member === '') return null;
  return {
    member: decodeMember(id, r.member),
    cohortKeys: r.cohorts.split(',').map((i) => keyOf.get(i)!),
    result: decodeResult(r.result),
    conversations: decodeContactConversations(conversations),
  };
}

/** `YYYY-MM` with a real month. */
const MONTH = /^\d{4}-(?:0[1-9]|1[0-2])$/;
const AMOUNT_TEXT = /^-?\d+$/;

function isCount(v: unknown, min = 0): v is number {
  return Number.isSafeInteger(v) && (v as number) >= min;
}

/**
 * Why `stats` is not ContactStats as `finishContact` makes them (null when it is): the shape, and the
 * sums that tie its figures together — a month's events are its names' events summed, its active days
 * are 1 to min(events, 31), an amount's events are at most the month's, first <= last — and the run's
 * events fetched are at least the events its months count (those are distinct events it fetched).
 * A forged result must at least be one the run could have computed.
 */
export function checkContactStats(stats: unknown, eventsFetched: number): string | null {
  if (typeof stats !== 'object' || stats === null || Array.isArray(stats)) return 'stats are not an object';
  const keys = Object.keys(stats);
  if (keys.length !== 1 || keys[0] !== 'months') return 'stats hold other fields than months';
  const months = (stats as { months: unknown }).months;
  if (typeof months !== 'object' || months === null || Array.isArray(months)) return 'months is not an object';
  let counted = 0;
  for (const [month, m] of Object.entries(months as Record<string, unknown>)) {
    if (!MONTH.test(month)) return 'a month key is not YYYY-MM';
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return `month ${month} is not an object`;
    if (Object.keys(m).sort().join() !== MONTH_FIELDS.join()) return `month ${month} has other fields than ${MONTH_FIELDS.join(', ')}`;
    const { events, activeDays, names, amounts } = m as Record<string, unknown>;
    if (!isCount(events, 1)) return `month ${month}: events is not a whole number >= 1`;
    if (!isCount(activeDays, 1) || activeDays > Math.min(events, 31)) return `month ${month}: active days not between 1 and min(events, 31)`;
    if (typeof names !== 'object' || names === null || Array.isArray(names)) return `month ${month}: names is not an object`;
    if (typeof amounts !== 'object' || amounts === null || Array.isArray(amounts)) return `month ${month}: amounts is not an object`;
    let byName = 0;
    for (const n of Object.values(names)) {
      if (!Array.isArray(n) || n.length !== 3 || !isCount(n[0], 1) || !Number.isFinite(n[1]) || !Number.isFinite(n[2]) || n[1] > n[2]) {
        return `month ${month}: an event name's figures are not [events >= 1, first, last >= first]`;
      }
      byName += n[0];
    }
    if (byName !== events) return `month ${month}: events ${events} but its names count ${byName}`;
    for (const a of Object.values(amounts)) {
      const sumOk = (typeof a?.[0] === 'number' && Number.isSafeInteger(a[0])) || (typeof a?.[0] === 'string' && AMOUNT_TEXT.test(a[0]));
      if (!Array.isArray(a) || a.length !== 2 || !sumOk || !isCount(a[1], 1) || a[1] > events) {
        return `month ${month}: an amount's figures are not [whole sum, events between 1 and the month's]`;
      }
    }
    counted += events;
  }
  if (counted > eventsFetched) return `its months count ${counted} events but only ${eventsFetched} were fetched`;
  return null;
}

/** Why a stored result part is not one `encodeResult` could have written (null when it is). Never throws. */
export function checkResultPart(text: string): string | null {
  if (text === 'm') return null;
  const colon = text.indexOf(':');
  if (text[0] !== 'c' || colon === -1) return 'the result is not m or c…:';
  const digits = text.slice(1, colon);
  if (!/^\d+$/.test(digits) || !Number.isSafeInteger(Number(digits))) return 'events fetched is not a whole number >= 0';
  let stats: unknown;
  try {
    const packed: unknown = JSON.parse(text.slice(colon + 1));
    const problem = checkPacked(packed);
    if (problem !== null) return problem;
    stats = unpackStats(text.slice(colon + 1));
  } catch {
    return 'the stats are not JSON';
  }
  return checkContactStats(stats, Number(digits));
}

/** The packed months (`c…`) as packStats writes them, before they are unpacked. */
function checkPacked(packed: unknown): string | null {
  if (!Array.isArray(packed)) return 'packed stats are not a list of months';
  for (const m of packed) {
    if (!Array.isArray(m) || m.length < 4 || m.length > 5 || typeof m[0] !== 'string' || !MONTH.test(m[0]) || !Array.isArray(m[3])) {
      return 'a packed month is not [YYYY-MM, events, active days, names, amounts?]';
    }
    for (const n of m[3] as unknown[]) {
      if (!Array.isArray(n) || n.length < 3 || n.length > 4 || typeof n[0] !== 'string' || !n.slice(1).every((v) => Number.isSafeInteger(v))) {
        return `a packed name of ${m[0]} is not [name, events, first, last?]`;
      }
    }
    if (m.length === 5 && (!Array.isArray(m[4]) || !(m[4] as unknown[]).every((a) => Array.isArray(a) && a.length === 3 && typeof a[0] === 'string'))) {
      return `the packed amounts of ${m[0]} are not [key, sum, events]`;
    }
  }
  return null;
}
