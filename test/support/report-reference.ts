/**
 * An independent brute-force computation of the month report, written from METRICS.md without
 * using src/report: raw events are kept and re-scanned, local dates come from Intl (not date-fns),
 * medians and percentiles from sorted arrays, rounding by a different integer formula, and the CSV
 * text from a hand-written serializer. Slow on purpose; only for tests.
 */

export interface RawContact {
  id: string;
  role: 'user' | 'lead';
  created_at: number;
  signed_up_at: number | null;
  /** As the member search listed the contact. */
  unsubscribed_from_emails: boolean;
}

export interface RawEvent {
  id: string;
  event_name: string;
  created_at: number;
  metadata?: Record<string, unknown>;
}

export interface RawCohort {
  type: 'segment' | 'tag';
  id: string;
  name: string;
  reported: number | null;
  /** As listed, repeats allowed. */
  memberIds: string[];
}

export interface RawData {
  contacts: Map<string, RawContact>;
  cohorts: RawCohort[];
  /** Per contact id; repeats of an event (same id) allowed, any order. */
  events: Map<string, RawEvent[]>;
}

export interface ReferenceTables {
  /** Header row first; cells exactly as values (text not yet formula-guarded; '' for empty). */
  summary: string[][];
  events: string[][];
  amounts: string[][];
  retention: string[][];
}

export const REF_SUMMARY_HEADER = [
  'month', 'cohort_type', 'cohort_id', 'cohort_name', 'members', 'members_reported', 'new_members', 'active_members',
  'active_rate', 'events', 'events_per_active', 'median_events_per_active', 'p90_events_per_active', 'avg_active_days',
  'distinct_event_names', 'top_event', 'active_days_1', 'active_days_2_3', 'active_days_4_7', 'active_days_8_14',
  'active_days_15_plus', 'lifecycle_new', 'lifecycle_returning', 'lifecycle_resurrecting', 'lifecycle_dormant',
  'events_prev', 'active_members_prev', 'unsubscribed_members',
];
export const REF_EVENTS_HEADER = [
  'month', 'cohort_type', 'cohort_id', 'cohort_name', 'event_name', 'events', 'members', 'member_share', 'first_at', 'last_at',
];
export const REF_AMOUNTS_HEADER = [
  'month', 'cohort_type', 'cohort_id', 'cohort_name', 'event_name', 'metadata_key', 'currency', 'amount', 'events', 'amount_major',
];
export const REF_RETENTION_HEADER = [
  'month', 'cohort_type', 'cohort_id', 'cohort_name', 'signup_month', 'months_since_signup', 'members', 'active_members',
  'active_rate', 'events',
];
export const REF_TRENDS_HEADER = [
  'month', 'cohort_type', 'cohort_id', 'cohort_name', 'previous_month',
  'members', 'members_change', 'members_change_pct',
  'active_members', 'active_members_change', 'active_members_change_pct',
  'active_rate', 'active_rate_change', 'active_rate_change_pct',
  'events', 'events_change', 'events_change_pct',
  'events_per_active', 'events_per_active_change', 'events_per_active_change_pct',
];
const TEXT_COLUMNS = new Set(['cohort_id', 'cohort_name', 'event_name', 'top_event', 'metadata_key', 'currency']);

// ---- time, via Intl ----

const formatters = new Map<string, Intl.DateTimeFormat>();
/** [year, month, day] of the instant in the zone, as zero-padded strings. */
export function localParts(sec: number, timeZone: string): [string, string, string] {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(sec * 1000));
  const get = (type: string): string => parts.find((p) => p.type === type)!.value;
  return [get('year').padStart(4, '0'), get('month'), get('day')];
}
export function localMonth(sec: number, timeZone: string): string {
  const [y, m] = localParts(sec, timeZone);
  return `${y}-${m}`;
}
export function localDate(sec: number, timeZone: string): string {
  return localParts(sec, timeZone).join('-');
}
export function monthBefore(month: string): string {
  const y = Number(month.slice(0, 4));
  const m = Number(month.slice(5, 7));
  return m === 1 ? `${String(y - 1).padStart(4, '0')}-12` : `${month.slice(0, 4)}-${String(m - 1).padStart(2, '0')}`;
}

// ---- numbers ----

/** Half up (away from zero on the magnitude): floor((2|n|·10^d + |q|) / (2|q|)). '' when q is 0. */
export function refRound(n: bigint | number, q: bigint | number, decimals: number): string {
  const num = BigInt(n);
  const den = BigInt(q);
  if (den === 0n) return '';
  const negative = num < 0n !== den < 0n && num !== 0n;
  const an = num < 0n ? -num : num;
  const ad = den < 0n ? -den : den;
  const scaled = (2n * an * 10n ** BigInt(decimals) + ad) / (2n * ad);
  let s = scaled.toString();
  if (decimals > 0) {
    s = s.padStart(decimals + 1, '0');
    s = `${s.slice(0, -decimals)}.${s.slice(-decimals)}`;
  }
  return negative && scaled !== 0n ? `-${s}` : s;
}

function isoZ(sec: number): string {
  return `${new Date(sec * 1000).toISOString().slice(0, 19)}Z`;
}

function isMoney(v: unknown): v is { amount: number; currency: string } {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.amount === 'number' && Number.isInteger(o.amount) && typeof o.currency === 'string';
}

/**
 * amount_major by division: |amount| / 10^d and |amount| mod 10^d as BigInts, the fraction
 * zero-padded to d digits; '' for a code outside Intl.supportedValuesOf('currency').
 */
export function refAmountMajor(amount: string, currency: string): string {
  const code = currency.toUpperCase();
  if (!Intl.supportedValuesOf('currency').includes(code)) return '';
  const d = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits!;
  const value = BigInt(amount);
  const magnitude = value < 0n ? -value : value;
  const unit = 10n ** BigInt(d);
  const text = d === 0 ? `${magnitude}` : `${magnitude / unit}.${(magnitude % unit).toString().padStart(d, '0')}`;
  return value < 0n ? `-${text}` : text;
}

/** Calendar months from `a` to `b`, counted one step at a time. */
function stepsBetween(a: string, b: string): number {
  let steps = 0;
  for (let m = b; m > a; m = monthBefore(m)) steps += 1;
  return steps;
}

function jsLess(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- the month ----

function uniqueEvents(list: RawEvent[] | undefined): RawEvent[] {
  const byId = new Map<string, RawEvent>();
  for (const e of list ?? []) if (!byId.has(e.id)) byId.set(e.id, e);
  return [...byId.values()];
}

export function referenceMonth(
  data: RawData,
  options: { month: string; timeZone: string; previousBeyondRetention?: boolean },
): ReferenceTables {
  const { month, timeZone } = options;
  const prev = monthBefore(month);
  const blankPrev = options.previousBeyondRetention === true;
  const cohorts = [...data.cohorts].sort((a, b) => jsLess(a.type, b.type) || jsLess(a.id, b.id));
  const summary: string[][] = [REF_SUMMARY_HEADER];
  const eventsTable: string[][] = [REF_EVENTS_HEADER];
  const amountsTable: string[][] = [REF_AMOUNTS_HEADER];
  const retentionTable: string[][] = [REF_RETENTION_HEADER];

  for (const cohort of cohorts) {
    const memberIds = [...new Set(cohort.memberIds)];
    const perMember = memberIds.map((id) => {
      const contact = data.contacts.get(id)!;
      const all = uniqueEvents(data.events.get(id));
      const inM = all.filter((e) => localMonth(e.created_at, timeZone) === month);
      const inPrev = all.filter((e) => localMonth(e.created_at, timeZone) === prev);
      const signup = contact.signed_up_at !== null && contact.signed_up_at > 0 ? contact.signed_up_at : contact.created_at;
      return { contact, inM, inPrev, isNew: localMonth(signup, timeZone) === month, signupMonth: localMonth(signup, timeZone) };
    });
    const active = perMember.filter((m) => m.inM.length >= 1);
    const counts = active.map((m) => m.inM.length).sort((a, b) => a - b);
    const n = counts.length;
    const events = counts.reduce((s, c) => s + c, 0);
    const days = active.map((m) => new Set(m.inM.map((e) => localDate(e.created_at, timeZone))).size);

    let median = '';
    let p90 = '';
    if (n > 0) {
      const cents = n % 2 === 1 ? counts[(n - 1) / 2]! * 100 : (counts[n / 2 - 1]! + counts[n / 2]!) * 50;
      median = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      p90 = String(counts[Math.ceil((9 * n) / 10) - 1]);
    }

    const byName = new Map<string, { events: number; members: Set<string>; first: number; last: number }>();
    const money = new Map<string, { name: string; key: string; currency: string; amount: bigint; events: number }>();
    for (const m of active) {
      for (const e of m.inM) {
        const agg = byName.get(e.event_name) ?? { events: 0, members: new Set<string>(), first: Infinity, last: -Infinity };
        agg.events += 1;
        agg.members.add(m.contact.id);
        agg.first = Math.min(agg.first, e.created_at);
        agg.last = Math.max(agg.last, e.created_at);
        byName.set(e.event_name, agg);
        for (const [key, value] of Object.entries(e.metadata ?? {})) {
          if (!isMoney(value)) continue;
          const currency = value.currency.toLowerCase();
          const id = `${e.event_name}\u0000${key}\u0000${currency}`;
          const g = money.get(id) ?? { name: e.event_name, key, currency, amount: 0n, events: 0 };
          g.amount += BigInt(value.amount);
          g.events += 1;
          money.set(id, g);
        }
      }
    }
    const ranked = [...byName.entries()].sort((a, b) => b[1].events - a[1].events || jsLess(a[0], b[0]));

    const activePrev = (m: (typeof perMember)[number]): boolean => m.inPrev.length >= 1;
    const lifecycle = {
      new: active.filter((m) => m.isNew).length,
      returning: active.filter((m) => !m.isNew && activePrev(m)).length,
      resurrecting: active.filter((m) => !m.isNew && !activePrev(m)).length,
      dormant: perMember.filter((m) => m.inM.length === 0 && activePrev(m)).length,
    };
    const bucket = (lo: number, hi: number): string => String(days.filter((d) => d >= lo && d <= hi).length);
    const base = [month, cohort.type, cohort.id, cohort.name];
    const prevCell = (v: number): string => (blankPrev ? '' : String(v));
    summary.push([
      ...base,
      String(memberIds.length),
      cohort.reported === null ? '' : String(cohort.reported),
      String(perMember.filter((m) => m.isNew).length),
      String(n),
      refRound(n, memberIds.length, 4),
      String(events),
      refRound(events, n, 2),
      median,
      p90,
      refRound(days.reduce((s, d) => s + d, 0), n, 2),
      String(byName.size),
      ranked[0]?.[0] ?? '',
      bucket(1, 1),
      bucket(2, 3),
      bucket(4, 7),
      bucket(8, 14),
      bucket(15, 1000),
      prevCell(lifecycle.new),
      prevCell(lifecycle.returning),
      prevCell(lifecycle.resurrecting),
      prevCell(lifecycle.dormant),
      prevCell(perMember.reduce((s, m) => s + m.inPrev.length, 0)),
      prevCell(perMember.filter(activePrev).length),
      String(perMember.filter((m) => m.contact.unsubscribed_from_emails).length),
    ]);
    for (const [name, agg] of ranked) {
      eventsTable.push([
        ...base,
        name,
        String(agg.events),
        String(agg.members.size),
        refRound(agg.members.size, n, 4),
        isoZ(agg.first),
        isoZ(agg.last),
      ]);
    }
    const groups = [...money.values()].sort((a, b) => jsLess(a.name, b.name) || jsLess(a.key, b.key) || jsLess(a.currency, b.currency));
    for (const g of groups) {
      amountsTable.push([...base, g.name, g.key, g.currency, g.amount.toString(), String(g.events), refAmountMajor(g.amount.toString(), g.currency)]);
    }
    // Signup months: every distinct local month of a signup, kept when it is not after M.
    const signupMonths = [...new Set(perMember.map((m) => m.signupMonth))].filter((sm) => sm <= month).sort();
    for (const sm of signupMonths) {
      const group = perMember.filter((m) => m.signupMonth === sm);
      const activeInGroup = group.filter((m) => m.inM.length > 0);
      retentionTable.push([
        ...base,
        sm,
        String(stepsBetween(sm, month)),
        String(group.length),
        String(activeInGroup.length),
        refRound(activeInGroup.length, group.length, 4),
        String(activeInGroup.reduce((s, m) => s + m.inM.length, 0)),
      ]);
    }
  }
  return { summary, events: eventsTable, amounts: amountsTable, retention: retentionTable };
}

// ---- trends ----

interface Frac {
  n: bigint;
  d: bigint;
}
const sub = (a: Frac, b: Frac): Frac => ({ n: a.n * b.d - b.n * a.d, d: a.d * b.d });
const div = (a: Frac, b: Frac): Frac => ({ n: a.n * b.d, d: a.d * b.n });
const frac = (n: number, d: number): Frac => ({ n: BigInt(n), d: BigInt(d) });

/** trends.csv from the summary tables of several months (header rows included). */
export function referenceTrends(months: Array<{ month: string; summary: string[][] }>): string[][] {
  type Point = { month: string; type: string; id: string; name: string; members: number; active: number; events: number };
  const points: Point[] = [];
  for (const { month, summary } of months) {
    const [header, ...rows] = summary;
    const col = (row: string[], name: string): string => row[header!.indexOf(name)]!;
    for (const row of rows) {
      points.push({
        month,
        type: col(row, 'cohort_type'),
        id: col(row, 'cohort_id'),
        name: col(row, 'cohort_name'),
        members: Number(col(row, 'members')),
        active: Number(col(row, 'active_members')),
        events: Number(col(row, 'events')),
      });
    }
  }
  const out: string[][] = [REF_TRENDS_HEADER];
  const keys = [...new Set(points.map((p) => `${p.type}\u0000${p.id}`))].sort((a, b) => {
    const [ta, ia] = a.split('\u0000') as [string, string];
    const [tb, ib] = b.split('\u0000') as [string, string];
    return jsLess(ta, tb) || jsLess(ia, ib);
  });
  for (const key of keys) {
    const series = points.filter((p) => `${p.type}\u0000${p.id}` === key).sort((a, b) => jsLess(a.month, b.month));
    series.forEach((p, i) => {
      const q = i > 0 ? series[i - 1] : undefined;
      const plain = (cur: number, old: number | undefined): string[] =>
        old === undefined ? ['', ''] : [String(cur - old), old === 0 ? '' : refRound((cur - old) * 100, old, 2)];
      const ratio = (a1: number, b1: number, a0: number | undefined, b0: number | undefined, decimals: number): string[] => {
        if (a0 === undefined || b0 === undefined || b1 === 0 || b0 === 0) return ['', ''];
        const delta = sub(frac(a1, b1), frac(a0, b0));
        const pct = a0 === 0 ? '' : (() => {
          const r = div(delta, frac(a0, b0));
          return refRound(r.n * 100n, r.d, 2);
        })();
        return [refRound(delta.n, delta.d, decimals), pct];
      };
      out.push([
        p.month, p.type, p.id, p.name, q?.month ?? '',
        String(p.members), ...plain(p.members, q?.members),
        String(p.active), ...plain(p.active, q?.active),
        refRound(p.active, p.members, 4), ...ratio(p.active, p.members, q?.active, q?.members, 4),
        String(p.events), ...plain(p.events, q?.events),
        refRound(p.events, p.active, 2), ...ratio(p.events, p.active, q?.events, q?.active, 2),
      ]);
    });
  }
  return out;
}

// ---- retention across months ----

/** retention.csv from the cohort_retention tables of several months: all rows, by cohort, signup month, then month. */
export function referenceRetentionHistory(months: Array<{ retention: string[][] }>): string[][] {
  const rows = months.flatMap(({ retention }) => retention.slice(1));
  const at = (row: string[], name: string): string => row[REF_RETENTION_HEADER.indexOf(name)]!;
  rows.sort(
    (a, b) =>
      jsLess(at(a, 'cohort_type'), at(b, 'cohort_type')) ||
      jsLess(at(a, 'cohort_id'), at(b, 'cohort_id')) ||
      jsLess(at(a, 'signup_month'), at(b, 'signup_month')) ||
      jsLess(at(a, 'month'), at(b, 'month')),
  );
  return [REF_RETENTION_HEADER, ...rows];
}

// ---- CSV text ----

function guard(s: string): string {
  return /^[=+\-@\t\r\n]/.test(s) ? `'${s}` : s;
}

/** The exact bytes a table must have on disk: header, \n line ends, RFC 4180 quoting, text guarded (unless told not to). */
export function referenceCsvText(table: string[][], options: { guard?: boolean } = {}): string {
  const guarded = options.guard ?? true;
  const header = table[0]!;
  return table
    .map((row, r) =>
      row
        .map((cell, c) => {
          const v = guarded && r > 0 && TEXT_COLUMNS.has(header[c]!) ? guard(cell) : cell;
          return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
        })
        .join(','),
    )
    .map((line) => `${line}\n`)
    .join('');
}
