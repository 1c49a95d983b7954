/**
 * The files, their columns in order, and the row shapes. Counts are numbers; ratios are already
 * formatted strings (formatRatio); null is an empty cell. Rows are plain JSON.
 */

export const SUMMARY_FILE = 'cohort_summary.csv';
export const EVENTS_FILE = 'cohort_events.csv';
export const AMOUNTS_FILE = 'cohort_amounts.csv';
export const RETENTION_FILE = 'cohort_retention.csv';
export const MANIFEST_FILE = 'manifest.json';
export const TRENDS_FILE = 'trends.csv';
/** Beside trends.csv: every month's cohort_retention.csv rows, the long form of the cohort triangle. */
export const RETENTION_HISTORY_FILE = 'retention.csv';
export const DATA_PACKAGE_FILE = 'datapackage.json';

export interface CohortSummaryRow {
  month: string;
  cohort_type: string;
  cohort_id: string;
  cohort_name: string;
  members: number;
  members_reported: number | null;
  new_members: number;
  active_members: number;
  active_rate: string | null;
  events: number;
  events_per_active: string | null;
  median_events_per_active: string | null;
  p90_events_per_active: number | null;
  avg_active_days: string | null;
  distinct_event_names: number;
  top_event: string | null;
  active_days_1: number;
  active_days_2_3: number;
  active_days_4_7: number;
  active_days_8_14: number;
  active_days_15_plus: number;
  lifecycle_new: number | null;
  lifecycle_returning: number | null;
  lifecycle_resurrecting: number | null;
  lifecycle_dormant: number | null;
  events_prev: number | null;
  active_members_prev: number | null;
}

export interface CohortEventRow {
  month: string;
  cohort_type: string;
  cohort_id: string;
  cohort_name: string;
  event_name: string;
  events: number;
  members: number;
  member_share: string | null;
  first_at: string;
  last_at: string;
}

export interface CohortAmountRow {
  month: string;
  cohort_type: string;
  cohort_id: string;
  cohort_name: string;
  event_name: string;
  metadata_key: string;
  currency: string;
  /** Sum in minor units, a decimal integer string: exact at any size. */
  amount: string;
  events: number;
  /** `amount` in the currency's major unit (formatAmountMajor); null for a code Intl does not know. */
  amount_major: string | null;
}

/** One cohort and signup month of cohort_retention.csv (and of retention.csv). */
export interface CohortRetentionRow {
  month: string;
  cohort_type: string;
  cohort_id: string;
  cohort_name: string;
  signup_month: string;
  months_since_signup: number;
  members: number;
  active_members: number;
  active_rate: string | null;
  events: number;
}

/** One month and cohort of trends.csv; `*_change` is this month minus `previous_month`, `*_change_pct` that in percent of it. */
export interface TrendRow {
  month: string;
  cohort_type: string;
  cohort_id: string;
  cohort_name: string;
  previous_month: string | null;
  members: number;
  members_change: number | null;
  members_change_pct: string | null;
  active_members: number;
  active_members_change: number | null;
  active_members_change_pct: string | null;
  active_rate: string | null;
  active_rate_change: string | null;
  active_rate_change_pct: string | null;
  events: number;
  events_change: number | null;
  events_change_pct: string | null;
  events_per_active: string | null;
  events_per_active_change: string | null;
  events_per_active_change_pct: string | null;
}

export const SUMMARY_COLUMNS = [
  'month',
  'cohort_type',
  'cohort_id',
  'cohort_name',
  'members',
  'members_reported',
  'new_members',
  'active_members',
  'active_rate',
  'events',
  'events_per_active',
  'median_events_per_active',
  'p90_events_per_active',
  'avg_active_days',
  'distinct_event_names',
  'top_event',
  'active_days_1',
  'active_days_2_3',
  'active_days_4_7',
  'active_days_8_14',
  'active_days_15_plus',
  'lifecycle_new',
  'lifecycle_returning',
  'lifecycle_resurrecting',
  'lifecycle_dormant',
  'events_prev',
  'active_members_prev',
] as const satisfies ReadonlyArray<keyof CohortSummaryRow>;

export const EVENTS_COLUMNS = [
  'month',
  'cohort_type',
  'cohort_id',
  'cohort_name',
  'event_name',
  'events',
  'members',
  'member_share',
  'first_at',
  'last_at',
] as const satisfies ReadonlyArray<keyof CohortEventRow>;

export const AMOUNTS_COLUMNS = [
  'month',
  'cohort_type',
  'cohort_id',
  'cohort_name',
  'event_name',
  'metadata_key',
  'currency',
  'amount',
  'events',
  'amount_major',
] as const satisfies ReadonlyArray<keyof CohortAmountRow>;

export const RETENTION_COLUMNS = [
  'month',
  'cohort_type',
  'cohort_id',
  'cohort_name',
  'signup_month',
  'months_since_signup',
  'members',
  'active_members',
  'active_rate',
  'events',
] as const satisfies ReadonlyArray<keyof CohortRetentionRow>;

export const TRENDS_COLUMNS = [
  'month',
  'cohort_type',
  'cohort_id',
  'cohort_name',
  'previous_month',
  'members',
  'members_change',
  'members_change_pct',
  'active_members',
  'active_members_change',
  'active_members_change_pct',
  'active_rate',
  'active_rate_change',
  'active_rate_change_pct',
  'events',
  'events_change',
  'events_change_pct',
  'events_per_active',
  'events_per_active_change',
  'events_per_active_change_pct',
] as const satisfies ReadonlyArray<keyof TrendRow>;

/**
 * Columns holding text that comes from the workspace, guarded against formula injection. Ids and
 * currency codes come from the workspace too, so they are guarded as well; our own text (month,
 * cohort type, formatted numbers, timestamps) never is, so a negative change stays a number.
 */
export const WORKSPACE_TEXT_COLUMNS: ReadonlySet<string> = new Set([
  'cohort_id',
  'cohort_name',
  'event_name',
  'top_event',
  'metadata_key',
  'currency',
]);
