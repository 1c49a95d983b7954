/**
 * Run progress for people: one line rewritten in place on a terminal, at most as wide as it; a log
 * line every 10 s otherwise (a log file gets no carriage returns). Off with --quiet.
 */
import type { Logger } from 'pino';
import { createRateMeter, formatProgressLine, type ProgressFigures } from './progress-line.js';
import type { Terminal } from './terminal.js';

export interface ProgressReporter {
  /** Call after each unit of work; cheap: it only marks that something changed. */
  step(): void;
  /** Clears the line; further reports are ignored. */
  stop(): void;
}

const TTY_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 10_000;

export function createProgressReporter(options: {
  read: () => Promise<ProgressFigures>;
  terminal: Terminal;
  log: Logger;
  /** Poll on every tick (the figures live elsewhere, e.g. in Redis) rather than only after step(). */
  poll?: boolean;
  intervalMs?: number;
}): ProgressReporter {
  const { terminal } = options;
  const stream = terminal.stream;
  const meter = createRateMeter();
  let dirty = true;
  let stopped = terminal.quiet;
  let lastLog = 0;
  let busy = false;

  const render = async (): Promise<void> => {
    if ((!dirty && !options.poll) || stopped || busy) return;
    dirty = false;
    busy = true;
    try {
      const p = await options.read();
      meter.sample(Date.now(), p.contactsDone);
      const etaSec = p.contacts === 0 ? null : meter.etaSec(p.contacts - p.contactsDone);
      if (stopped) return;
      if (terminal.tty) {
        stream.write(`\r\x1b[2K${formatProgressLine(p, { width: stream.columns || 80, etaSec })}`);
      } else if (Date.now() - lastLog >= LOG_INTERVAL_MS) {
        lastLog = Date.now();
        options.log.info({ ...p, etaSec: etaSec === null ? null : Math.ceil(etaSec) }, 'progress');
      }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void render().catch(() => {}), options.intervalMs ?? (terminal.tty ? TTY_INTERVAL_MS : 1000));
  timer.unref();
  return {
    step() {
      dirty = true;
    },
    stop() {
      clearInterval(timer);
      if (stopped) return;
      stopped = true;
      if (terminal.tty) stream.write('\r\x1b[2K');
    },
  };
}
