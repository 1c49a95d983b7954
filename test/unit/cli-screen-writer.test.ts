/**
 * The one writer of the screen (src/cli/terminal.ts screenOf) and what goes through it: compact,
 * pretty and JSON log lines and the progress reporter's figures and phase lines. On a terminal a log
 * line clears the status line, is written, and the status line is drawn again under it; without a
 * terminal lines are written as before and no status line at all. What a terminal shows is read back
 * with a small model of one (carriage return, erase line, newline), independent of the writer.
 */
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createCliLogger } from '../../src/cli/create-cli-logger.js';
import { createProgressReporter } from '../../src/cli/progress-reporter.js';
import { countOf, formatCount, formatPhaseLine, formatProgressLine, type ProgressFigures } from '../../src/cli/progress-line.js';
import { screenOf, type LogFormat, type Terminal } from '../../src/cli/terminal.js';

function terminalInto(options: { tty: boolean; format?: LogFormat; quiet?: boolean }): { terminal: Terminal; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  Object.assign(stream, { columns: 80 });
  const terminal: Terminal = { logFormat: options.format ?? 'compact', color: false, quiet: options.quiet === true, tty: options.tty, stream: stream as unknown as NodeJS.WriteStream };
  return { terminal, text: () => text };
}

/**
 * Every state a row of a terminal held, replaying `bytes`: `\r` goes to the row's start, `\x1b[2K`
 * erases it, `\n` moves to the next row, other characters overwrite in place (no wrapping: the lines
 * here are short). A row is recorded as it stands just before each of those controls, and at the end.
 */
function rowStates(bytes: string): { states: string[]; screen: string[] } {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const states: string[] = [];
  const record = (): void => void states.push(rows[row]!.join(''));
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes.startsWith('\x1b[2K', i)) {
      record();
      rows[row] = [];
      i += 3;
    } else if (bytes[i] === '\r') {
      record();
      col = 0;
    } else if (bytes[i] === '\n') {
      record();
      row += 1;
      rows[row] ??= [];
    } else {
      rows[row]![col] = bytes[i]!;
      col += 1;
    }
  }
  record();
  return { states, screen: rows.map((r) => r.join('')) };
}

const figures: ProgressFigures = { cohorts: 14, cohortsDone: 3, contacts: 4245, contactsDone: 958, apiCalls: 1001, responses429: 0 };
const PROGRESS = /contacts [\d,]+\/[\d,]+|… \d+s$/;
/** A log line starts with its clock (compact, pretty) or is a JSON record. */
const LOG = /^\d\d:\d\d:\d\d |^\{"level"/;
/** A log line's text anywhere in a row (written after a progress line, it would follow it). */
const LOG_TEXT = /\d\d:\d\d:\d\d |\{"level"/;

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (check()) return;
    await sleep(10);
  }
  throw new Error(`not within 2 s: ${what}`);
}

describe('screenOf on a terminal', () => {
  it('writes a line as it is while no status line is drawn', () => {
    const { terminal, text } = terminalInto({ tty: true });
    screenOf(terminal).line('hello');
    expect(text()).toBe('hello\n');
  });

  it('clears the status line before a line and draws it again after, in that order', () => {
    const { terminal, text } = terminalInto({ tty: true });
    const screen = screenOf(terminal);
    screen.status('cohorts 1/2');
    screen.line('12:00:00 cohorts discovered');
    screen.status('cohorts 2/2');
    screen.status(null);
    screen.line('done');
    expect(text()).toBe('\r\x1b[2Kcohorts 1/2' + '\r\x1b[2K12:00:00 cohorts discovered\ncohorts 1/2' + '\r\x1b[2Kcohorts 2/2' + '\r\x1b[2K' + 'done\n');
    expect(rowStates(text()).screen).toEqual(['12:00:00 cohorts discovered', 'done', '']);
  });

  it('clears nothing when asked to clear and no status line is drawn', () => {
    const { terminal, text } = terminalInto({ tty: true });
    screenOf(terminal).status(null);
    expect(text()).toBe('');
  });

  it('is one writer per stream: what one caller drew, another caller\'s line clears and redraws', () => {
    const { terminal, text } = terminalInto({ tty: true });
    screenOf(terminal).status('phase … 1s');
    screenOf({ ...terminal }).line('a log line');
    expect(text()).toBe('\r\x1b[2Kphase … 1s\r\x1b[2Ka log line\nphase … 1s');
  });
});

describe('screenOf without a terminal', () => {
  it('writes lines unchanged and never a status line or a control character', () => {
    const { terminal, text } = terminalInto({ tty: false });
    const screen = screenOf(terminal);
    screen.status('cohorts 1/2');
    screen.line('one');
    screen.status(null);
    screen.line('two');
    expect(text()).toBe('one\ntwo\n');
  });
});

describe('log lines and the progress line share the screen, never a row', () => {
  it.each(['compact', 'pretty', 'json'] as const)('%s: every log line lands on rows of its own, the progress line stays last', async (format) => {
    const { terminal, text } = terminalInto({ tty: true, format });
    const log = createCliLogger(terminal, { level: 'info' });
    const progress = createProgressReporter({ read: async () => figures, terminal, log, intervalMs: 5 });
    await until('the progress line is drawn', () => text().includes('contacts 958/4,245'));
    for (let i = 0; i < 5; i += 1) {
      log.info({ cohorts: 14, nested: { n: i } }, `cohorts discovered ${i}`);
      progress.step();
      await sleep(10);
    }
    progress.stop();
    const { states, screen } = rowStates(text());
    // No row ever held a log line's text and progress figures at once.
    for (const state of states) expect(LOG_TEXT.test(state) && PROGRESS.test(state), JSON.stringify(state)).toBe(false);
    const logRows = screen.filter((r) => LOG.test(r));
    expect(logRows).toHaveLength(5);
    // A pretty record's field lines follow it, indented; a JSON line is the record.
    if (format === 'pretty') expect(screen).toContain('    cohorts: 14');
    if (format === 'json') expect(JSON.parse(logRows[0]!)).toMatchObject({ msg: 'cohorts discovered 0', cohorts: 14 });
    // Stopped: the progress line is gone, the last row is empty.
    expect(screen.at(-1)).toBe('');
    expect(screen.some((r) => PROGRESS.test(r))).toBe(false);
  });

  it('without a terminal: compact lines as before, and the figures every 10 s as a log line, no status line', async () => {
    const { terminal, text } = terminalInto({ tty: false, format: 'compact' });
    const log = createCliLogger(terminal, { level: 'info' });
    const progress = createProgressReporter({ read: async () => figures, terminal, log, intervalMs: 5 });
    await until('the progress log line', () => text().includes('progress'));
    log.info('cohorts discovered');
    progress.phase('writing 2026-11');
    progress.stop();
    const lines = text().split('\n');
    expect(text()).not.toMatch(/[\r\x1b]/);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d progress · cohorts 14 · cohortsDone 3 · contacts 4245 · contactsDone 958 · apiCalls 1001 · responses429 0 · etaSec null$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d cohorts discovered$/);
    expect(lines.slice(2)).toEqual(['']);
  });

});

describe('the phase line', () => {
  it('replaces the figures at once, says for how long, and the figures are not read any more', async () => {
    const { terminal, text } = terminalInto({ tty: true });
    let reads = 0;
    const progress = createProgressReporter({ read: async () => (reads++, figures), terminal, log: createCliLogger(terminal, { level: 'info' }), intervalMs: 5 });
    await until('the progress line is drawn', () => reads > 0 && text().includes('ETA'));
    progress.phase('writing 2026-11');
    // Drawn by the call itself, not on the next tick.
    expect(rowStates(text()).screen.at(-1)).toBe('writing 2026-11 … 0s');
    const readsAtPhase = reads;
    await sleep(50);
    expect(reads).toBe(readsAtPhase);
    progress.phase('rebuilding trends, retention and index');
    expect(rowStates(text()).screen.at(-1)).toBe('rebuilding trends, retention and index … 0s');
    createCliLogger(terminal, { level: 'info' }).info('run finished');
    const after = rowStates(text());
    expect(after.screen.slice(-2)).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d run finished$/), 'rebuilding trends, retention and index … 0s']);
    progress.stop();
    expect(rowStates(text()).screen.at(-1)).toBe('');
  });

  it('--quiet: neither figures nor phases are drawn', async () => {
    const { terminal, text } = terminalInto({ tty: true, quiet: true });
    const progress = createProgressReporter({ read: async () => figures, terminal, log: createCliLogger(terminal, { level: 'info' }), intervalMs: 5 });
    await sleep(30);
    progress.phase('writing 2026-11');
    progress.stop();
    expect(text()).toBe('');
  });

  it('counts the seconds of the phase, and never reaches the last column', () => {
    expect(formatPhaseLine('writing 2026-11 (3 of 12)', { width: 80, elapsedSec: 75 })).toBe('writing 2026-11 (3 of 12) … 1m15s');
    for (let width = 1; width <= 60; width += 1) {
      expect([...formatPhaseLine('rebuilding trends, retention and index', { width, elapsedSec: 3 })].length).toBeLessThanOrEqual(Math.max(1, width - 1));
    }
    // Cut, the phase's name goes first: the seconds show that the run is alive.
    expect(formatPhaseLine('rebuilding trends, retention and index', { width: 20, elapsedSec: 3 })).toBe('rebuilding tren… 3s');
    expect(formatPhaseLine('rebuilding trends, retention and index', { width: 5, elapsedSec: 3 })).toBe('reb…');
  });
});

describe('counts on the progress line', () => {
  it('has thousands separators and says "1 call", not "1 calls"', () => {
    expect(formatProgressLine({ ...figures, apiCalls: 1 }, { width: 120, etaSec: 65 })).toBe('cohorts 3/14 · contacts 958/4,245 · 1 call · 0 × 429 · ETA 1m05s');
    expect(formatProgressLine({ ...figures, contacts: 1_234_567, contactsDone: 1_000_000, responses429: 1200 }, { width: 120, etaSec: null })).toBe(
      'cohorts 3/14 · contacts 1,000,000/1,234,567 · 1,001 calls · 1,200 × 429 · ETA …',
    );
  });

  it('countOf and formatCount read the same whatever the locale', () => {
    expect([0, 1, 2, 999, 1000, 1_234_567].map(formatCount)).toEqual(['0', '1', '2', '999', '1,000', '1,234,567']);
    expect([countOf(0, 'cohort'), countOf(1, 'cohort'), countOf(2, 'API call'), countOf(4245, 'contact')]).toEqual(['0 cohorts', '1 cohort', '2 API calls', '4,245 contacts']);
  });
});
