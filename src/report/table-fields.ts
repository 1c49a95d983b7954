/**
 * What every column of every report table is: its kind (which decides the Parquet type and the Data
 * Package type), its unit, and a one-line description drawn from docs/METRICS.md. One list per table,
 * in column order; the column lists of columns.ts are checked against these by a test.
 */
import { ReportInputError } from './errors.js';
import {
  AMOUNTS_FILE,
  EVENTS_FILE,
  RETENTION_FILE,
  RETENTION_HISTORY_FILE,
  SUMMARY_FILE,
  TRENDS_FILE,
} from './columns.js';

/**
 * - `text`: text from the workspace (formula-guarded in CSV when the guard is on); ids are text too.
 * - `label`: text of our own (cohort_type).
 * - `month`: `YYYY-MM`.
 * - `count`: a whole number that fits INT64.
 * - `amount`: a whole number of minor currency units, exact at any size.
 * - `major_amount`: a decimal in the currency's major unit, at most MAJOR_AMOUNT_SCALE fraction digits.
 * - `ratio`: a decimal written with exactly `decimals` fraction digits.
 * - `instant`: an instant, `YYYY-MM-DDTHH:MM:SSZ`.
 */
export type FieldKind = 'text' | 'label' | 'month' | 'count' | 'amount' | 'major_amount' | 'ratio' | 'instant';

export interface TableField {
  name: string;
  kind: FieldKind;
  /** Fraction digits of a `ratio`. */
  decimals?: number;
  /** What one unit of the value is (members, events, a fraction 0–1, percent, minor units…). */
  unit?: string;
  description: string;
}

/** The fraction digits Parquet keeps for amount_major: CLDR gives no currency more than 4. */
export const MAJOR_AMOUNT_SCALE = 4;

const BASE: TableField[] = [
  { name: 'month', kind: 'month', description: 'The report month M, a calendar month in the report time zone.' },
  { name: 'cohort_type', kind: 'label', description: 'segment or tag.' },
  { name: 'cohort_id', kind: 'text', description: "The segment's or tag's Intercom id, always text." },
  { name: 'cohort_name', kind: 'text', description: "The segment's or tag's name." },
];

const count = (name: string, unit: string, description: string): TableField => ({ name, kind: 'count', unit, description });
const ratio = (name: string, decimals: number, unit: string, description: string): TableField => ({
  name,
  kind: 'ratio',
  decimals,
  unit,
  description,
});

const SUMMARY_FIELDS: TableField[] = [
  ...BASE,
  count('members', 'members', 'Distinct members the API listed for the cohort during the run.'),
  count('members_reported', 'members', "The count the API itself reports for the cohort (segment count or search total_count); empty if none."),
  count('new_members', 'members', 'Members whose signup time (signed_up_at if > 0, else created_at) lies in M.'),
  count('active_members', 'members', 'Members with at least one event in M.'),
  ratio('active_rate', 4, 'fraction (0–1)', 'active_members / members; empty when members is 0.'),
  count('events', 'events', "Members' events in M, each counted once by id."),
  ratio('events_per_active', 2, 'events per member', 'events / active_members; empty when no member is active.'),
  ratio('median_events_per_active', 2, 'events per member', 'Median of events in M over active members; empty if none.'),
  count('p90_events_per_active', 'events per member', 'Nearest-rank 90th percentile of events in M over active members; empty if none.'),
  ratio('avg_active_days', 2, 'days', 'Mean number of distinct local dates with an event in M, over active members.'),
  count('distinct_event_names', 'event names', "Distinct event names among members' events in M."),
  { name: 'top_event', kind: 'text', description: 'The event name with the most events in M (ties: first in string order); empty if none.' },
  count('active_days_1', 'members', 'Active members with events on exactly 1 local date of M.'),
  count('active_days_2_3', 'members', 'Active members with events on 2–3 local dates of M.'),
  count('active_days_4_7', 'members', 'Active members with events on 4–7 local dates of M.'),
  count('active_days_8_14', 'members', 'Active members with events on 8–14 local dates of M.'),
  count('active_days_15_plus', 'members', 'Active members with events on 15 or more local dates of M.'),
  count('lifecycle_new', 'members', 'Members active in M and new in M (unlike new_members, only active ones); empty past the 90-day window.'),
  count('lifecycle_returning', 'members', 'Members active in M and in M-1, not new in M; empty past the 90-day window.'),
  count('lifecycle_resurrecting', 'members', 'Members active in M, not in M-1, not new in M; empty past the 90-day window.'),
  count('lifecycle_dormant', 'members', 'Members active in M-1 but not in M (a positive count); empty past the 90-day window.'),
  count('events_prev', 'events', "Members' events in M-1; empty past the 90-day window."),
  count('active_members_prev', 'members', 'Members active in M-1; empty past the 90-day window.'),
];

const EVENTS_FIELDS: TableField[] = [
  ...BASE,
  { name: 'event_name', kind: 'text', description: "The event's name." },
  count('events', 'events', "Members' events of that name in M."),
  count('members', 'members', 'Members with at least one such event in M.'),
  ratio('member_share', 4, 'fraction (0–1)', "members / the cohort's active_members."),
  { name: 'first_at', kind: 'instant', description: 'Earliest created_at of such events in M, UTC.' },
  { name: 'last_at', kind: 'instant', description: 'Latest created_at of such events in M, UTC.' },
];

const AMOUNTS_FIELDS: TableField[] = [
  ...BASE,
  { name: 'event_name', kind: 'text', description: "The event's name." },
  { name: 'metadata_key', kind: 'text', description: 'The metadata key that held a Monetary Amount ({amount, currency}).' },
  { name: 'currency', kind: 'text', description: 'Lower-cased currency code.' },
  { name: 'amount', kind: 'amount', unit: "minor units of the row's currency (e.g. cents)", description: 'Sum of amount over those events, exact.' },
  count('events', 'events', 'Events that contributed an amount.'),
  {
    name: 'amount_major',
    kind: 'major_amount',
    unit: "major unit of the row's currency (e.g. dollars)",
    description: "amount with the currency's own fraction digits (CLDR via Intl); empty for a code Intl does not know.",
  },
];

const RETENTION_FIELDS: TableField[] = [
  ...BASE,
  { name: 'signup_month', kind: 'month', description: "The calendar month, in the report time zone, of the members' signup time." },
  count('months_since_signup', 'months', 'Whole calendar months from signup_month to month (0 when equal).'),
  count('members', 'members', 'Members whose signup month it is (as the run of month M listed them).'),
  count('active_members', 'members', 'Of those, the members active in M.'),
  ratio('active_rate', 4, 'fraction (0–1)', 'active_members / members.'),
  count('events', 'events', 'Events in M of those members.'),
];

const change = (name: string, unit: string, decimals: number | null): TableField[] => [
  decimals === null
    ? count(`${name}_change`, unit, `${name} minus its value in previous_month; empty without a previous month.`)
    : ratio(`${name}_change`, decimals, unit, `${name} minus its value in previous_month; empty without a previous month.`),
  ratio(`${name}_change_pct`, 2, 'percent', `${name}_change in percent of the previous value; empty when that is 0 or absent.`),
];

const TRENDS_FIELDS: TableField[] = [
  ...BASE,
  { name: 'previous_month', kind: 'month', description: 'The nearest earlier complete month folder in which the cohort has a row; empty if none.' },
  count('members', 'members', 'members of cohort_summary.csv.'),
  ...change('members', 'members', null),
  count('active_members', 'members', 'active_members of cohort_summary.csv.'),
  ...change('active_members', 'members', null),
  ratio('active_rate', 4, 'fraction (0–1)', 'active_members / members.'),
  ...change('active_rate', 'fraction (0–1)', 4),
  count('events', 'events', 'events of cohort_summary.csv.'),
  ...change('events', 'events', null),
  ratio('events_per_active', 2, 'events per member', 'events / active_members.'),
  ...change('events_per_active', 'events per member', 2),
];

/** The fields of each table, by its CSV file name. */
export const TABLE_FIELDS: Readonly<Record<string, readonly TableField[]>> = {
  [SUMMARY_FILE]: SUMMARY_FIELDS,
  [EVENTS_FILE]: EVENTS_FIELDS,
  [AMOUNTS_FILE]: AMOUNTS_FIELDS,
  [RETENTION_FILE]: RETENTION_FIELDS,
  [RETENTION_HISTORY_FILE]: RETENTION_FIELDS,
  [TRENDS_FILE]: TRENDS_FIELDS,
};

/** One-line descriptions of the tables, for datapackage.json. */
export const TABLE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [SUMMARY_FILE]: 'One row per cohort: members, activity, stickiness and lifecycle in month M.',
  [EVENTS_FILE]: 'One row per cohort and event name seen in M.',
  [AMOUNTS_FILE]: 'Monetary metadata: one row per cohort, event name, metadata key and currency in M.',
  [RETENTION_FILE]: 'One row per cohort and signup month up to M: members of that signup month active in M.',
  [RETENTION_HISTORY_FILE]: "Every month's cohort_retention.csv rows: pivot signup_month × months_since_signup for the cohort triangle.",
  [TRENDS_FILE]: "Each cohort's headline figures per month and their change against its previous month present.",
};

/** The fields of `file` (a CSV name, or its Parquet twin); throws for a file that is not a table. */
export function tableFieldsOf(file: string): readonly TableField[] {
  const fields = TABLE_FIELDS[file.replace(/\.parquet$/, '.csv')];
  if (fields === undefined) throw new ReportInputError(`${file} is not a report table`);
  return fields;
}
