/**
 * The one place a logger is built. JSON lines on stderr unless given another destination (the CLI's
 * compact and pretty formats, src/cli/), with the token and e-mail addresses redacted by path and, as a second guard, every known
 * secret scrubbed from each line before it is written — pino's redaction is by path only, and a secret
 * inside an unexpected field would otherwise print in full. Every URL in a line has its credentials
 * masked (user:pass@, ?password=, …: src/shared/redact-url.ts), wherever it sits (a message quoting
 * REDIS_URL, an error's text). JSON already escapes C0 controls; the C1 controls, DEL and bidi
 * overrides it leaves raw are written as \u escapes too, so a JSON line on a terminal is only text.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { escapeJsonText } from './shared/printable.js';
import { redactCredentials } from './shared/redact-url.js';

export type { Logger } from 'pino';

export const REDACT_PATHS = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'email',
  '*.email',
  '*.*.email',
  'emails',
  '*.emails',
];

export interface CreateLoggerOptions {
  level: string;
  /** Strings that must never be written (the Intercom token). */
  secrets?: Array<string | null | undefined>;
  /** Where lines go; default stderr (stdout is left to command output). */
  destination?: DestinationStream;
}

function deepRedact(value: unknown): unknown {
  if (typeof value === 'string') return redactCredentials(value);
  if (Array.isArray(value)) return value.map(deepRedact);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, redactCredentials(k), { value: deepRedact(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** A URL's credentials masked in every string of the line (parsed, so the mask never breaks the JSON). */
function redactUrls(line: string): string {
  if (!line.includes('://')) return line;
  try {
    return `${JSON.stringify(deepRedact(JSON.parse(line)))}\n`;
  } catch {
    return redactCredentials(line);
  }
}

function scrubbing(dest: DestinationStream, secrets: string[]): DestinationStream {
  return {
    write(line: string) {
      let out = line;
      for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
      dest.write(escapeJsonText(redactUrls(out)));
    },
  };
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const given = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 4);
  // A line is JSON: a secret holding `"` or `\` appears there escaped, so scrub that spelling too.
  const secrets = [...new Set(given.flatMap((s) => [JSON.stringify(s).slice(1, -1), s]))];
  const base = options.destination ?? pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid },
      serializers: { err: pino.stdSerializers.err },
    },
    scrubbing(base, secrets),
  );
}
