import type { DestinationStream } from 'pino';
import { createLogger, type Logger } from '../logger.js';
import { formatLogLine } from './format-log-line.js';
import type { Terminal } from './terminal.js';

/** The commands' logger: JSON lines, or compact/pretty ones for people, on stderr; the token scrubbed either way. */
export function createCliLogger(terminal: Terminal, options: { level: string; secrets?: Array<string | null | undefined> }): Logger {
  const format = terminal.logFormat;
  const destination: DestinationStream | undefined =
    format === 'json'
      ? undefined
      : {
          write(line: string) {
            terminal.stream.write(`${formatLogLine(line, { format, color: terminal.color })}\n`);
          },
        };
  return createLogger({ level: options.level, ...(options.secrets ? { secrets: options.secrets } : {}), ...(destination ? { destination } : {}) });
}
