/**
 * trends.csv rows from the cohort_summary rows of every month on disk: for each cohort and month the
 * headline figures and their change against the cohort's previous month present — the nearest
 * earlier month folder in which the cohort has a row (named in `previous_month`, so a gap is visible).
 *
 * Every figure is recomputed from the integer columns (members, active_members, events), never from
 * rounded ones, and rounded once with formatRatio.
 */
import type { TrendRow } from './columns.js';
import { compareText } from './compare-text.js';
import { formatRatio } from './format-ratio.js';

export interface TrendInput {
  month: string;
  cohort_type: string;
  cohort_id: string;
  cohort_name: string;
  members: number;
  active_members: number;
  events: number;
}

function change(current: number, previous: number): { change: number; pct: string | null } {
  return { change: current - previous, pct: formatRatio(BigInt(current - previous) * 100n, previous, 2) };
}

/**
 * Change of a ratio a1/b1 against a0/b0, exactly: (a1·b0 − a0·b1)/(b1·b0), and in percent of the
 * earlier ratio: (a1·b0 − a0·b1)·100/(b1·a0). Empty when either ratio or the base is undefined or 0.
 */
function ratioChange(a1: number, b1: number, a0: number, b0: number, decimals: number): { change: string | null; pct: string | null } {
  if (b1 === 0 || b0 === 0) return { change: null, pct: null };
  const diff = BigInt(a1) * BigInt(b0) - BigInt(a0) * BigInt(b1);
  return {
    change: formatRatio(diff, BigInt(b1) * BigInt(b0), decimals),
    pct: formatRatio(diff * 100n, BigInt(b1) * BigInt(a0), 2),
  };
}

/**
 * @example
 * summarizeTrends([{ month: '2026-09', ... }, { month: '2026-10', ... }]); // one row per input, with changes
 */
export function summarizeTrends(inputs: readonly TrendInput[]): TrendRow[] {
  const sorted = [...inputs].sort(
    (a, b) => compareText(a.cohort_type, b.cohort_type) || compareText(a.cohort_id, b.cohort_id) || compareText(a.month, b.month),
  );
  const rows: TrendRow[] = [];
  let previous: TrendInput | undefined;
  for (const cur of sorted) {
    const prev = previous !== undefined && previous.cohort_type === cur.cohort_type && previous.cohort_id === cur.cohort_id ? previous : undefined;
    previous = cur;
    const members = prev && change(cur.members, prev.members);
    const active = prev && change(cur.active_members, prev.active_members);
    const events = prev && change(cur.events, prev.events);
    const rate = prev && ratioChange(cur.active_members, cur.members, prev.active_members, prev.members, 4);
    const perActive = prev && ratioChange(cur.events, cur.active_members, prev.events, prev.active_members, 2);
    rows.push({
      month: cur.month,
      cohort_type: cur.cohort_type,
      cohort_id: cur.cohort_id,
      cohort_name: cur.cohort_name,
      previous_month: prev?.month ?? null,
      members: cur.members,
      members_change: members?.change ?? null,
      members_change_pct: members?.pct ?? null,
      active_members: cur.active_members,
      active_members_change: active?.change ?? null,
      active_members_change_pct: active?.pct ?? null,
      active_rate: formatRatio(cur.active_members, cur.members, 4),
      active_rate_change: rate?.change ?? null,
      active_rate_change_pct: rate?.pct ?? null,
      events: cur.events,
      events_change: events?.change ?? null,
      events_change_pct: events?.pct ?? null,
      events_per_active: formatRatio(cur.events, cur.active_members, 2),
      events_per_active_change: perActive?.change ?? null,
      events_per_active_change_pct: perActive?.pct ?? null,
    });
  }
  return rows;
}
