/**
 * Configuration: config/default.json, overridden by a `--config` file, then by the environment, then
 * by flags; validated once with zod, every problem reported together with its field and the fix, and
 * frozen. The Intercom token is NOT part of the config object: it comes from INTERCOM_TOKEN only and is
 * returned beside the config, so a config can be logged or put in a job's data without leaking it.
 */
import { readFileSync } from 'node:fs';
import defaults from '../config/default.json' with { type: 'json' };
import { resolveBaseUrl } from './intercom/resolve-base-url.js';
import { CONFIG_SCHEMA, FIX_HINTS, type Config } from './config-schema.js';

export type { Config };

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: ConfigProblem[]) {
    // One line, problems separated by "; ": the CLI promises a one-line message on stderr.
    super(`invalid configuration: ${problems.map((p) => `${p.field}: ${p.message}${p.fix ? ` — ${p.fix}` : ''}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigProblem {
  field: string;
  message: string;
  fix?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge of plain objects; arrays and scalars from `over` replace. */
function merge(base: JsonObject, over: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isObject(prev) && isObject(value) ? merge(prev, value) : value;
  }
  return out;
}

function setPath(target: JsonObject, path: string, value: Json): JsonObject {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return target;
  if (rest.length === 0) return { ...target, [head]: value };
  const child = target[head];
  return { ...target, [head]: setPath(isObject(child) ? child : {}, rest.join('.'), value) };
}

/** Environment variables and the config field each overrides. */
export const ENV_OVERRIDES: Array<{ env: string; field: string; type: 'string' | 'number' }> = [
  { env: 'INTERCOM_BASE_URL', field: 'intercom.baseUrl', type: 'string' },
  { env: 'REDIS_URL', field: 'redis.url', type: 'string' },
  { env: 'COHORT_REPORTS_PREFIX', field: 'redis.prefix', type: 'string' },
  { env: 'COHORT_REPORTS_OUT', field: 'report.outDir', type: 'string' },
  { env: 'REPORT_TIMEZONE', field: 'report.timezone', type: 'string' },
  { env: 'RATE_LIMIT_ALLOWANCE', field: 'rateLimit.allowancePerWindow', type: 'number' },
  { env: 'RATE_LIMIT_SHARE', field: 'rateLimit.share', type: 'number' },
  { env: 'RATE_LIMIT_MAX_PAUSE_MS', field: 'rateLimit.maxPauseMs', type: 'number' },
  { env: 'LOG_LEVEL', field: 'log.level', type: 'string' },
];

export interface LoadConfigInput {
  /** Path of a JSON file given with --config. */
  configFile?: string | undefined;
  env: Record<string, string | undefined>;
  /** Flag overrides as field path → value, e.g. { 'report.outDir': './out' }. */
  flags?: Record<string, Json | undefined>;
  /** Whether the command needs INTERCOM_TOKEN (false for sandbox runs and commands that never call Intercom). */
  requireToken: boolean;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** INTERCOM_TOKEN, or null when not required and not set. Never log it. */
  token: string | null;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Loads, merges and validates; throws ConfigError listing every problem at once. */
export function loadConfig(input: LoadConfigInput): LoadedConfig {
  const problems: ConfigProblem[] = [];
  let merged = defaults as unknown as JsonObject;

  if (input.configFile !== undefined) {
    let text: string | undefined;
    try {
      text = readFileSync(input.configFile, 'utf8');
    } catch (err) {
      problems.push({
        field: '--config',
        message: `cannot read ${input.configFile} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        fix: 'give the path of a readable JSON file',
      });
    }
    if (text !== undefined) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (!isObject(parsed)) throw new Error('not an object');
        if ('token' in (isObject(parsed.intercom) ? parsed.intercom : {})) {
          problems.push({
            field: 'intercom.token',
            message: 'the token is not read from config files',
            fix: 'remove it from the file and set INTERCOM_TOKEN in the environment',
          });
          delete (parsed.intercom as JsonObject).token;
        }
        merged = merge(merged, parsed);
      } catch (err) {
        problems.push({
          field: '--config',
          message: `${input.configFile} is not a JSON object (${(err as Error).message})`,
          fix: 'fix the JSON syntax; see config/default.json for the shape',
        });
      }
    }
  }

  for (const { env, field, type } of ENV_OVERRIDES) {
    const raw = input.env[env];
    if (raw === undefined || raw === '') continue;
    if (type === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) {
        problems.push({ field: `${field} (from ${env})`, message: `"${raw}" is not a number`, fix: `set ${env} to a number` });
        continue;
      }
      merged = setPath(merged, field, n);
    } else {
      merged = setPath(merged, field, raw);
    }
  }
  for (const [field, value] of Object.entries(input.flags ?? {})) {
    if (value !== undefined) merged = setPath(merged, field, value);
  }

  const parsed = CONFIG_SCHEMA.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path.join('.') || '(top level)';
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const full = issue.path.length > 0 ? `${field}.${key}` : key;
          problems.push({ field: full, message: 'unknown setting', fix: 'remove it or check its spelling against config/default.json' });
        }
        continue;
      }
      // An item of a list (report.formats.1) takes the list's hint.
      const hint = FIX_HINTS[field] ?? FIX_HINTS[field.replace(/\.\d+$/, '')] ?? (issue.code === 'invalid_type' ? `write a ${issue.expected}, as in config/default.json` : undefined);
      problems.push({ field, message: issue.message, ...(hint ? { fix: hint } : {}) });
    }
  }

  let baseUrl: string | undefined;
  const rawBase = isObject(merged.intercom) ? merged.intercom.baseUrl : undefined;
  if (typeof rawBase === 'string') {
    try {
      baseUrl = resolveBaseUrl(rawBase);
    } catch (err) {
      problems.push({ field: 'intercom.baseUrl', message: (err as Error).message, fix: FIX_HINTS['intercom.baseUrl'] ?? '' });
    }
  }

  const token = input.env.INTERCOM_TOKEN?.trim() || null;
  if (input.requireToken && token === null) {
    problems.push({
      field: 'INTERCOM_TOKEN',
      message: 'not set',
      fix: 'export INTERCOM_TOKEN=<your access token> (or use --sandbox to try the built-in sandbox workspace)',
    });
  }

  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const config: Config = { ...parsed.data, intercom: { ...parsed.data.intercom, baseUrl: baseUrl ?? parsed.data.intercom.baseUrl } };
  return { config: deepFreeze(config), token };
}
