import type { ParsedFlags } from './flags.js';

export type LogFormat = 'json' | 'pretty' | 'compact';

/** How a command talks to the person at the terminal (or to the log pipeline when there is none). */
export interface Terminal {
  logFormat: LogFormat;
  color: boolean;
  quiet: boolean;
  /** Whether stderr is a terminal: a progress line is drawn in place only there. */
  tty: boolean;
  stream: NodeJS.WriteStream;
}

/**
 * --log-format (default compact on a terminal, JSON otherwise), colour unless NO_COLOR (any value,
 * per no-color.org), --no-color or no terminal, and --quiet.
 */
export function resolveTerminal(flags: ParsedFlags, env: Record<string, string | undefined>, stream: NodeJS.WriteStream = process.stderr): Terminal {
  const tty = stream.isTTY === true;
  const given = flags['log-format'];
  const logFormat: LogFormat = given === 'json' || given === 'pretty' || given === 'compact' ? given : tty ? 'compact' : 'json';
  const noColor = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || flags.color === false;
  return { logFormat, color: tty && !noColor, quiet: flags.quiet === true, tty, stream };
}
