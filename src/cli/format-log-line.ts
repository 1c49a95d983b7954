/**
 * pino's JSON lines for people, without pino-pretty (a production install prints the same):
 *   compact  one line per event: `11:02:28 run started 2026-11 UTC · 14 cohorts`
 *   pretty   that line, then each further field on its own indented line
 * The fields that every line carries (pid, hostname, runId, role, stage, ...) are left out of both.
 * The message and every field name and value go through `printable`: they carry workspace and server
 * text (cohort ids, error messages), and JSON.parse has just turned its escapes back into the control
 * characters a terminal would obey. The only escape sequences written are the colours added here.
 */
import { printable } from '../shared/printable.js';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'runId', 'role', 'stage', 'v']);

const paint = (on: boolean, code: string, text: string): string => (on ? `\x1b[${code}m${text}\x1b[0m` : text);

function clock(ms: unknown): string {
  const d = typeof ms === 'number' ? new Date(ms) : new Date();
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

function show(value: unknown): string {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.join(', ');
  if (typeof value === 'object' && value !== null) {
    const err = value as { message?: unknown; code?: unknown };
    if (typeof err.message === 'string') return typeof err.code === 'string' ? `${err.code}: ${err.message}` : err.message;
    return JSON.stringify(value);
  }
  return String(value);
}

/** The readable fields of one log record, as `name value` pairs. */
function fields(record: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => [printable(k), printable(show(v))]);
}

export function formatLogLine(json: string, options: { format: 'compact' | 'pretty'; color: boolean }): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return printable(json.trimEnd());
  }
  const level = typeof record.level === 'number' ? record.level : 30;
  const name = LEVELS[level] ?? String(level);
  const tag = level >= 50 ? paint(options.color, '31', `${name} `) : level >= 40 ? paint(options.color, '33', `${name} `) : level < 30 ? paint(options.color, '2', `${name} `) : '';
  const head = `${paint(options.color, '2', clock(record.time))} ${tag}${printable(String(record.msg ?? ''))}`;
  const rest = fields(record);
  if (options.format === 'compact') {
    return rest.length === 0 ? head : `${head} ${paint(options.color, '2', '·')} ${rest.map(([k, v]) => `${k} ${v}`).join(' · ')}`;
  }
  return [head, ...rest.map(([k, v]) => `    ${paint(options.color, '2', `${k}:`)} ${v}`)].join('\n');
}
