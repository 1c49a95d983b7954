/**
 * manifest.json: what a month folder holds. Written last; a folder without it is incomplete.
 * Everything that changes from one run of the same data to the next sits under `timing`, so two
 * runs can be compared byte for byte once `timing` is removed (`manifestWithoutTiming`). The request
 * counters under `totals` (api_calls, responses_429, retries) describe the run, not the data: they
 * repeat only when the API answered the same way.
 */

export const MANIFEST_FORMAT = 'cohort-reports/month-manifest@1';

/** Contacts listed as members whose events call answered 404 (deleted or merged meanwhile). */
export const WARNING_MEMBERS_MISSING = 'members_missing';
/** W(M-1) starts more than 90 days before the run: lifecycle and `_prev` columns are empty. Count 1. */
export const WARNING_PREVIOUS_MONTH_BEYOND_RETENTION = 'previous_month_beyond_retention';
/**
 * The request counters (api_calls, responses_429, retries) are the least the run made, not every
 * request: a `run` attempt died (SIGKILL) with requests in flight, or Redis lost some of a deployment's
 * counts (a crash before its last writes reached disk). Count 1.
 */
export const WARNING_REQUESTS_LOWER_BOUND = 'requests_lower_bound';
/** W(M) itself starts more than 90 days before the run (--allow-partial): only what is still listable. Count 1. */
export const WARNING_MONTH_BEYOND_RETENTION = 'month_beyond_retention';

export interface ReportTotals {
  cohorts: number;
  /** Members summed over cohorts (a contact in two cohorts counts twice). */
  members: number;
  uniqueContacts: number;
  eventsFetched: number;
  apiCalls: number;
  responses429: number;
  retries: number;
}

export interface ReportWarning {
  /** e.g. `members_missing`, `previous_month_beyond_retention`. */
  name: string;
  count: number;
}

export interface ManifestFile {
  /** Relative to the month folder (`charts/lifecycle.vl.json`). */
  name: string;
  /** Data rows, header excluded: CSV files only. */
  rows?: number;
  bytes: number;
  sha256: string;
}

/** A table's entry (CSV or Parquet), which always counts its rows. */
export type TableFile = ManifestFile & { rows: number };

export interface MonthManifest {
  format: typeof MANIFEST_FORMAT;
  month: string;
  time_zone: string;
  window: {
    /** First instant of the month, local time with the zone's offset. */
    start: string;
    /** First instant of the next month (exclusive). */
    end: string;
    start_unix: number;
    end_unix: number;
    /** 743 or 745 in a month with a DST change, else 24 × days (fractional only in odd historical zones). */
    hours: number;
  };
  /**
   * `events_per_page`: the per_page the run sent on GET /events (learned: 150, stepped down on a 400),
   * null when it sent none (the API's default page size) or listed no events at all.
   */
  source: {
    base_url: string;
    api_version: string;
    events_per_page?: number | null;
    /** GET /me's `app.id_code` and `app.name`: the workspace the month was read from (absent before 0.2). */
    workspace_id?: string;
    workspace_name?: string;
  };
  /**
   * The run that wrote the month (absent in months written by earlier versions, and for a month written
   * on its own): `totals` are that run's, so in a backfill every month's manifest repeats them, and
   * `months` says which.
   */
  run?: { id: string; months: string[] };
  /** The run's totals (see `run`): members summed over cohorts, contacts, events, requests. */
  totals: {
    cohorts: number;
    members: number;
    unique_contacts: number;
    events_fetched: number;
    api_calls: number;
    responses_429: number;
    retries: number;
  };
  /** Whether workspace text in the CSVs carries the formula guard (Parquet never does). */
  formula_guard: boolean;
  warnings: ReportWarning[];
  /** Every table file of the folder (CSV, then its Parquet twin when written), in writing order. */
  files: ManifestFile[];
  timing: { generated_at: string } & Record<string, string | number>;
}

/** The manifest without its run-time fields: what two runs of the same data must agree on. */
export function manifestWithoutTiming(manifest: MonthManifest): Omit<MonthManifest, 'timing'> {
  const { timing: _timing, ...rest } = manifest;
  return rest;
}
