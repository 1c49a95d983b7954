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

/**
 * The one writer of a terminal's screen: log lines scroll up above a status line (the progress or
 * phase line) that is redrawn in place on the last row. Each write of a line clears the status line
 * first and draws it again after the line, in one write, so no row ever holds both.
 */
export interface Screen {
  /** Writes `text` (one line, or several joined by \n) above the status line. */
  line(text: string): void;
  /** Draws `text` as the status line in place of the one shown, or clears it (null). */
  status(text: string | null): void;
}

/** Carriage return, then erase the whole row: the status line is never longer than one row. */
const CLEAR_ROW = '\r\x1b[2K';

const screens = new WeakMap<NodeJS.WritableStream, Screen>();

/**
 * The screen of `terminal`'s stream, the same one for every caller (each logger a command builds and
 * its progress line): only one writer can know what the last row holds. Without a terminal (a pipe, a
 * CI log) lines are written as they are and there is no status line.
 */
export function screenOf(terminal: Pick<Terminal, 'stream' | 'tty'>): Screen {
  let screen = screens.get(terminal.stream);
  if (screen === undefined) {
    screen = createScreen(terminal.stream, terminal.tty);
    screens.set(terminal.stream, screen);
  }
  return screen;
}

function createScreen(stream: NodeJS.WritableStream, tty: boolean): Screen {
  if (!tty) {
    return {
      line: (text) => void stream.write(`${text}\n`),
      status: () => {},
    };
  }
  let shown = '';
  return {
    line(text) {
      stream.write(`${shown === '' ? '' : CLEAR_ROW}${text}\n${shown}`);
    },
    status(text) {
      const next = text ?? '';
      if (next === '' && shown === '') return;
      // Redrawn even when unchanged: a command may have written a row of its own over it meanwhile.
      stream.write(`${CLEAR_ROW}${next}`);
      shown = next;
    },
  };
}
