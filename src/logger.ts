/**
 * The one place a logger is built. JSON lines on stderr unless given another destination (the CLI's
 * compact and pretty formats, src/cli/), with the token and e-mail addresses redacted by path and, as a second guard, every known
 * secret scrubbed from each line before it is written — pino's redaction is by path only, and a secret
 * inside an unexpected field would otherwise print in full.
 */
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
