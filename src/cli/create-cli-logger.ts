import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from '../logger.js';
import { formatLogLine } from './format-log-line.js';
import { screenOf, type Terminal } from './terminal.js';

/**
 * The commands' logger: JSON lines, or compact/pretty ones for people, on stderr; the token scrubbed
 * either way. On a terminal every line goes through its screen (./terminal.ts), so a log line never
 * shares a row with the progress line; JSON without a terminal goes straight to fd 2, as always.
 */
export function createCliLogger(terminal: Terminal, options: { level: string; secrets?: Array<string | null | undefined> }): Logger {
  const format = terminal.logFormat;
  const screen = screenOf(terminal);
  let destination: DestinationStream | undefined;
  if (format !== 'json') destination = { write: (line: string) => screen.line(formatLogLine(line, { format, color: terminal.color })) };
  else if (terminal.tty) destination = { write: (line: string) => screen.line(line.endsWith('\n') ? line.slice(0, -1) : line) };
  return createLogger({ level: options.level, ...(options.secrets ? { secrets: options.secrets } : {}), ...(destination ? { destination } : {}) });
}
