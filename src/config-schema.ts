/**
 * The shape of the configuration (zod), one rule per setting, and the fix to suggest where a message
 * alone would not say what to write. Every setting and its default: config/default.json and the README.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { REPORT_FORMATS } from './report-files/report-formats.js';
import { MAX_PAUSE_MS } from './rate-limit/max-pause.js';
import { printable } from './shared/printable.js';
import { suggestTimeZone } from './shared/suggest-time-zone.js';

/** Whether Intl knows the IANA zone (the one test of a zone, for config and job data alike). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isCron(pattern: string): boolean {
  try {
    CronExpressionParser.parse(pattern, { tz: 'UTC' });
    return pattern.trim().split(/\s+/).length >= 5;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, {
  error: (issue) => {
    const value = typeof issue.input === 'string' ? issue.input : '';
    const near = value === '' ? null : suggestTimeZone(value);
    const shown = JSON.stringify(printable(value.slice(0, 60)));
    return near !== null
      ? `${shown} is not an IANA time zone; did you mean "${near}"?`
      : `${shown} is not an IANA time zone; use a name such as "UTC", "Europe/Berlin" or "America/New_York"`;
  },
});
const positiveInt = z.number().int().positive();

export const CONFIG_SCHEMA = z.strictObject({
  intercom: z.strictObject({
    baseUrl: z.string().min(1),
    apiVersion: z.literal('2.14'),
    perPage: z.number().int().min(1).max(150),
    eventsPerPage: z.enum(['auto', 'omit']),
    connectTimeoutMs: positiveInt,
    headersTimeoutMs: positiveInt,
    bodyTimeoutMs: positiveInt,
    maxAttempts: z.number().int().min(1).max(20),
  }),
  rateLimit: z.strictObject({
    allowancePerWindow: positiveInt,
    windowSeconds: positiveInt,
    share: z.number().gt(0).lte(1),
    maxPauseMs: z.number().int().min(1).max(MAX_PAUSE_MS),
  }),
  report: z.strictObject({
    timezone: timeZone,
    outDir: z.string().min(1),
    formats: z
      .array(z.enum(REPORT_FORMATS))
      .refine((formats) => formats.includes('csv'), { message: 'must include "csv" (trends and retention are rebuilt from the CSVs)' })
      .refine((formats) => new Set(formats).size === formats.length, { message: 'lists a format twice' }),
    formulaGuard: z.boolean(),
    conversations: z.boolean(),
  }),
  cohorts: z.strictObject({
    segments: z.boolean(),
    tags: z.boolean(),
    include: z.array(z.string().min(1)),
    exclude: z.array(z.string().min(1)),
  }),
  redis: z.strictObject({
    url: z.string().regex(/^rediss?:\/\//, { message: 'must start with redis:// or rediss://' }),
    prefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, {
      message: 'use letters, digits, "_", "." and "-" only (it becomes part of every Redis key and queue name)',
    }),
  }),
  schedule: z.strictObject({
    cron: z.string().refine(isCron, { message: 'not a valid cron pattern; e.g. "0 3 1 * *" is 03:00 on the 1st' }),
    timezone: timeZone,
  }),
  worker: z.strictObject({
    concurrency: z.number().int().min(1).max(256),
    drainTimeoutMs: positiveInt,
    redisGraceMs: positiveInt,
    contactsPerJob: z.number().int().min(1).max(1000),
  }),
  log: z.strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
});

export type Config = z.infer<typeof CONFIG_SCHEMA>;

/** Where each problem's fix is not obvious from the message, a hint keyed by field path. */
export const FIX_HINTS: Record<string, string> = {
  'intercom.baseUrl': 'use "us", "eu", "au", an https:// URL, or http:// only for a loopback sandbox',
  'rateLimit.allowancePerWindow': 'set the requests your app may make per window (Intercom: 10,000/min ≈ 1666 per 10 s)',
  'rateLimit.share': 'a number in (0, 1], e.g. 0.9 to leave 10% for other integrations',
  'rateLimit.maxPauseMs': `at most ${MAX_PAUSE_MS} (no pause lasts longer, whatever the server asks); lower only in tests`,
  'intercom.perPage': 'Intercom allows 1 to 150 contacts per search page',
  'intercom.eventsPerPage': '"auto" asks GET /events for 150 per page and steps down on a 400; "omit" sends no per_page',
  'report.formats': 'write ["csv"] or ["csv", "parquet"] (or --format csv,parquet)',
  'report.conversations':
    'write true (cohort_conversations.csv; the app needs the Read conversations permission) or false (no such file, no permission needed)',
};

