/**
 * The one place a logger is built. JSON lines by default (pretty on a TTY when pino-pretty is
 * installed), with the token and e-mail addresses redacted by path and, as a second guard, every known
 * secret scrubbed from each line before it is written — pino's redaction is by path only, and a secret
 * inside an unexpected field would otherwise print in full.
 */
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';

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
  /** Pretty-print for humans; default: when stderr is a TTY and pino-pretty can be loaded. */
  pretty?: boolean;
}

function scrubbing(dest: DestinationStream, secrets: string[]): DestinationStream {
  if (secrets.length === 0) return dest;
  return {
    write(line: string) {
      let out = line;
      for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[REDACTED]');
      dest.write(out);
    },
  };
}

function prettyStream(): DestinationStream | null {
  try {
    const require = createRequire(import.meta.url);
    const pretty = require('pino-pretty') as (opts: object) => DestinationStream;
    return pretty({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' });
  } catch {
    return null;
  }
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const given = (options.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 4);
  // A line is JSON: a secret holding `"` or `\` appears there escaped, so scrub that spelling too.
  const secrets = [...new Set(given.flatMap((s) => [JSON.stringify(s).slice(1, -1), s]))];
  const wantPretty = options.pretty ?? (options.destination === undefined && process.stderr.isTTY === true);
  const base = options.destination ?? (wantPretty ? prettyStream() : null) ?? pino.destination({ fd: 2, sync: true });
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
