/**
 * Run progress for people: one line rewritten in place on a terminal, at most as wide as it; a log
 * line every 10 s otherwise (a log file gets no carriage returns). Off with --quiet. On a terminal the
 * line is the status line of its screen (./terminal.ts): log lines written meanwhile appear above it.
 */
import type { Logger } from 'pino';
import { createRateMeter, formatPhaseLine, formatProgressLine, type ProgressFigures } from './progress-line.js';
import { screenOf, type Terminal } from './terminal.js';

export interface ProgressReporter {
  /** Call after each unit of work; cheap: it only marks that something changed. */
  step(): void;
  /**
   * The figures are final (the work they count is over): from now on the line names what the run is
   * doing instead ("writing 2026-11") and for how long. Each call starts a new phase, drawn at once.
   * Nothing is written without a terminal.
   */
  phase(text: string): void;
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
  const screen = screenOf(terminal);
  const width = (): number => terminal.stream.columns || 80;
  const meter = createRateMeter();
  let dirty = true;
  let stopped = terminal.quiet;
  let lastLog = 0;
  let busy = false;
  let phase: { text: string; sinceMs: number } | null = null;

  const drawPhase = (): void => {
    if (phase === null || stopped || !terminal.tty) return;
    screen.status(formatPhaseLine(phase.text, { width: width(), elapsedSec: Math.floor((Date.now() - phase.sinceMs) / 1000) }));
  };

  const render = async (): Promise<void> => {
    if (phase !== null) {
      drawPhase();
      return;
    }
    if ((!dirty && !options.poll) || stopped || busy) return;
    dirty = false;
    busy = true;
    try {
      const p = await options.read();
      meter.sample(Date.now(), p.contactsDone);
      // No ETA before contacts are listed, nor once they are all done while the line names other work
      // still going (listing conversations, a job writing its reports): its length is unknown.
      const open = p.contacts === 0 || (p.state !== undefined && p.contactsDone >= p.contacts);
      const etaSec = open ? null : meter.etaSec(p.contacts - p.contactsDone);
      // A phase may have begun while the figures were read: they would draw over it.
      if (stopped || phase !== null) return;
      if (terminal.tty) {
        screen.status(formatProgressLine(p, { width: width(), etaSec }));
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
    phase(text) {
      phase = { text, sinceMs: Date.now() };
      drawPhase();
    },
    stop() {
      clearInterval(timer);
      if (stopped) return;
      stopped = true;
      screen.status(null);
    },
  };
}
