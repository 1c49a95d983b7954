/**
 * The files, and each report table's spec (table-spec.ts): its fields in column order — kind, unit
 * and a one-line description drawn from docs/METRICS.md — and its row order. The column lists, row
 * types, comparators and formula-guarded columns below are all derived from these specs.
 */
import { count, defineTable, field, orEmpty, ratio, type RowOf } from './table-spec.js';

export const SUMMARY_FILE = 'cohort_summary.csv';
export const EVENTS_FILE = 'cohort_events.csv';
export const AMOUNTS_FILE = 'cohort_amounts.csv';
export const RETENTION_FILE = 'cohort_retention.csv';
export const CONVERSATIONS_FILE = 'cohort_conversations.csv';
export const MANIFEST_FILE = 'manifest.json';
export const TRENDS_FILE = 'trends.csv';
/** Beside trends.csv: every month's cohort_retention.csv rows, the long form of the cohort triangle. */
export const RETENTION_HISTORY_FILE = 'retention.csv';
export const DATA_PACKAGE_FILE = 'datapackage.json';

const COHORT_FIELDS = [
  field('month', 'month', 'The report month M, a calendar month in the report time zone.'),
  field('cohort_type', 'label', 'segment or tag.'),
  field('cohort_id', 'text', "The segment's or tag's Intercom id, always text."),
  field('cohort_name', 'text', "The segment's or tag's name."),
] as const;

export const SUMMARY_TABLE = defineTable({
  file: SUMMARY_FILE,
  description: 'One row per cohort: members, activity, stickiness and lifecycle in month M.',
  fields: [
    ...COHORT_FIELDS,
    count('members', 'members', 'Distinct members the API listed for the cohort during the run.'),
    orEmpty(count('members_reported', 'members', "The count the API itself reports for the cohort (segment count or search total_count); empty if none.")),
    count('new_members', 'members', 'Members whose signup time (signed_up_at if > 0, else created_at) lies in M.'),
    count('active_members', 'members', 'Members with at least one event in M.'),
    orEmpty(ratio('active_rate', 4, 'fraction (0–1)', 'active_members / members; empty when members is 0.')),
    count('events', 'events', "Members' events in M, each counted once by id."),
    orEmpty(ratio('events_per_active', 2, 'events per member', 'events / active_members; empty when no member is active.')),
    orEmpty(ratio('median_events_per_active', 2, 'events per member', 'Median of events in M over active members; empty if none.')),
    orEmpty(count('p90_events_per_active', 'events per member', 'Nearest-rank 90th percentile of events in M over active members; empty if none.')),
    orEmpty(ratio('avg_active_days', 2, 'days', 'Mean number of distinct local dates with an event in M, over active members.')),
    count('distinct_event_names', 'event names', "Distinct event names among members' events in M."),
    orEmpty(field('top_event', 'text', 'The event name with the most events in M (ties: first in string order); empty if none.')),
    count('active_days_1', 'members', 'Active members with events on exactly 1 local date of M.'),
    count('active_days_2_3', 'members', 'Active members with events on 2–3 local dates of M.'),
    count('active_days_4_7', 'members', 'Active members with events on 4–7 local dates of M.'),
    count('active_days_8_14', 'members', 'Active members with events on 8–14 local dates of M.'),
    count('active_days_15_plus', 'members', 'Active members with events on 15 or more local dates of M.'),
    orEmpty(count('lifecycle_new', 'members', 'Members active in M and new in M (unlike new_members, only active ones); empty past the 90-day window.')),
    orEmpty(count('lifecycle_returning', 'members', 'Members active in M and in M-1, not new in M; empty past the 90-day window.')),
    orEmpty(count('lifecycle_resurrecting', 'members', 'Members active in M, not in M-1, not new in M; empty past the 90-day window.')),
    orEmpty(count('lifecycle_dormant', 'members', 'Members active in M-1 but not in M (a positive count); empty past the 90-day window.')),
    orEmpty(count('events_prev', 'events', "Members' events in M-1; empty past the 90-day window.")),
    orEmpty(count('active_members_prev', 'members', 'Members active in M-1; empty past the 90-day window.')),
    count('unsubscribed_members', 'members', 'Members whose contact, as the member search listed it, was unsubscribed from e-mails (at the run, not in M).'),
  ],
  order: ['cohort_type', 'cohort_id'],
});

export const EVENTS_TABLE = defineTable({
  file: EVENTS_FILE,
  description: 'One row per cohort and event name seen in M.',
  fields: [
    ...COHORT_FIELDS,
    field('event_name', 'text', "The event's name."),
    count('events', 'events', "Members' events of that name in M."),
    count('members', 'members', 'Members with at least one such event in M.'),
    orEmpty(ratio('member_share', 4, 'fraction (0–1)', "members / the cohort's active_members.")),
    field('first_at', 'instant', 'Earliest created_at of such events in M, UTC.'),
    field('last_at', 'instant', 'Latest created_at of such events in M, UTC.'),
  ],
  order: ['cohort_type', 'cohort_id', { descending: 'events' }, 'event_name'],
});

export const AMOUNTS_TABLE = defineTable({
  file: AMOUNTS_FILE,
  description: 'Monetary metadata: one row per cohort, event name, metadata key and currency in M.',
  fields: [
    ...COHORT_FIELDS,
    field('event_name', 'text', "The event's name."),
    field('metadata_key', 'text', 'The metadata key that held a Monetary Amount ({amount, currency}).'),
    field('currency', 'text', 'Lower-cased currency code.'),
    // A decimal integer string: exact at any size.
    field('amount', 'amount', 'Sum of amount over those events, exact.', "minor units of the row's currency (e.g. cents)"),
    count('events', 'events', 'Events that contributed an amount.'),
    orEmpty(
      field(
        'amount_major',
        'major_amount',
        "amount with the currency's own fraction digits (CLDR via Intl); empty for a code Intl does not know.",
        "major unit of the row's currency (e.g. dollars)",
      ),
    ),
  ],
  order: ['cohort_type', 'cohort_id', 'event_name', 'metadata_key', 'currency'],
});

/** One cohort and signup month of cohort_retention.csv. */
export const RETENTION_TABLE = defineTable({
  file: RETENTION_FILE,
  description: 'One row per cohort and signup month up to M: members of that signup month active in M.',
  fields: [
    ...COHORT_FIELDS,
    field('signup_month', 'month', "The calendar month, in the report time zone, of the members' signup time."),
    count('months_since_signup', 'months', 'Whole calendar months from signup_month to month (0 when equal).'),
    count('members', 'members', 'Members whose signup month it is (as the run of month M listed them).'),
    count('active_members', 'members', 'Of those, the members active in M.'),
    orEmpty(ratio('active_rate', 4, 'fraction (0–1)', 'active_members / members.')),
    count('events', 'events', 'Events in M of those members.'),
  ],
  order: ['cohort_type', 'cohort_id', 'signup_month'],
});

/** One cohort of cohort_conversations.csv: the conversations its members opened in M. */
export const CONVERSATIONS_TABLE = defineTable({
  file: CONVERSATIONS_FILE,
  description: 'One row per cohort: the conversations its members opened in M, their replies, ratings and reopens.',
  fields: [
    ...COHORT_FIELDS,
    count('members', 'members', 'Distinct members the API listed for the cohort during the run.'),
    count('conversations_opened', 'conversations', 'Conversations created in M that members opened (author type user, lead or contact), each once by id.'),
    count('members_opened', 'members', 'Members who opened at least one conversation in M.'),
    count('opened_1', 'members', 'Members who opened exactly 1 conversation in M.'),
    count('opened_2_3', 'members', 'Members who opened 2–3 conversations in M.'),
    count('opened_4_plus', 'members', 'Members who opened 4 or more conversations in M.'),
    orEmpty(ratio('opened_per_100_members', 2, 'conversations per 100 members', 'conversations_opened × 100 / members; empty when members is 0.')),
    count('replied', 'conversations', 'Of those conversations, the ones with a first admin reply (first_admin_reply_at is a number).'),
    orEmpty(ratio('reply_rate', 4, 'fraction (0–1)', 'replied / conversations_opened; empty when none was opened.')),
    orEmpty(ratio('median_reply_seconds', 2, 'seconds', 'Median time_to_admin_reply of those conversations (non-negative integers only); empty if none.')),
    orEmpty(count('p90_reply_seconds', 'seconds', 'Nearest-rank 90th percentile of the same reply times; empty if none.')),
    count('rated', 'conversations', 'Of those conversations, the ones with a conversation rating from 1 to 5.'),
    orEmpty(ratio('avg_rating', 2, 'rating (1–5)', 'Mean rating of the rated ones; empty if none.')),
    count('reopened', 'conversations', 'Of those conversations, the ones reopened at least once (count_reopens >= 1).'),
  ],
  order: ['cohort_type', 'cohort_id'],
});

/** retention.csv: the rows of every month's cohort_retention.csv, the same fields, each cohort's signup months together. */
export const RETENTION_HISTORY_TABLE = defineTable({
  file: RETENTION_HISTORY_FILE,
  description: "Every month's cohort_retention.csv rows: pivot signup_month × months_since_signup for the cohort triangle.",
  fields: RETENTION_TABLE.fields,
  order: ['cohort_type', 'cohort_id', 'signup_month', 'month'],
});

const changeDescription = (name: string): string => `${name} minus its value in previous_month; empty without a previous month.`;
const changePct = <const Name extends string>(name: Name) =>
  orEmpty(ratio(`${name}_change_pct`, 2, 'percent', `${name}_change in percent of the previous value; empty when that is 0 or absent.`));
const countChange = <const Name extends string>(name: Name, unit: string) =>
  [orEmpty(count(`${name}_change`, unit, changeDescription(name))), changePct(name)] as const;
const ratioChange = <const Name extends string>(name: Name, decimals: number, unit: string) =>
  [orEmpty(ratio(`${name}_change`, decimals, unit, changeDescription(name))), changePct(name)] as const;

/** One month and cohort of trends.csv; `*_change` is this month minus `previous_month`, `*_change_pct` that in percent of it. */
export const TRENDS_TABLE = defineTable({
  file: TRENDS_FILE,
  description: "Each cohort's headline figures per month and their change against its previous month present.",
  fields: [
    ...COHORT_FIELDS,
    orEmpty(field('previous_month', 'month', 'The nearest earlier complete month folder in which the cohort has a row; empty if none.')),
    count('members', 'members', 'members of cohort_summary.csv.'),
    ...countChange('members', 'members'),
    count('active_members', 'members', 'active_members of cohort_summary.csv.'),
    ...countChange('active_members', 'members'),
    orEmpty(ratio('active_rate', 4, 'fraction (0–1)', 'active_members / members.')),
    ...ratioChange('active_rate', 4, 'fraction (0–1)'),
    count('events', 'events', 'events of cohort_summary.csv.'),
    ...countChange('events', 'events'),
    orEmpty(ratio('events_per_active', 2, 'events per member', 'events / active_members.')),
    ...ratioChange('events_per_active', 2, 'events per member'),
  ],
  order: ['cohort_type', 'cohort_id', 'month'],
});

/** Every table, each described once; datapackage.json finds a file's fields here. */
export const REPORT_TABLES = [SUMMARY_TABLE, EVENTS_TABLE, AMOUNTS_TABLE, RETENTION_TABLE, CONVERSATIONS_TABLE, RETENTION_HISTORY_TABLE, TRENDS_TABLE] as const;

/** The columns of workspace text in any table (what the formula guard applies to). */
export type WorkspaceTextColumn = Extract<(typeof REPORT_TABLES)[number]['fields'][number], { kind: 'text' }>['name'];

export type CohortSummaryRow = RowOf<typeof SUMMARY_TABLE.fields>;
export type CohortEventRow = RowOf<typeof EVENTS_TABLE.fields>;
export type CohortAmountRow = RowOf<typeof AMOUNTS_TABLE.fields>;
export type CohortRetentionRow = RowOf<typeof RETENTION_TABLE.fields>;
export type CohortConversationRow = RowOf<typeof CONVERSATIONS_TABLE.fields>;
export type TrendRow = RowOf<typeof TRENDS_TABLE.fields>;

export const SUMMARY_COLUMNS = SUMMARY_TABLE.columns;
export const EVENTS_COLUMNS = EVENTS_TABLE.columns;
export const AMOUNTS_COLUMNS = AMOUNTS_TABLE.columns;
export const RETENTION_COLUMNS = RETENTION_TABLE.columns;
export const CONVERSATIONS_COLUMNS = CONVERSATIONS_TABLE.columns;
export const TRENDS_COLUMNS = TRENDS_TABLE.columns;
