import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/cli/format-log-line.js';
import { createRateMeter, formatDuration, formatProgressLine, type ProgressFigures } from '../../src/cli/progress-line.js';
import { resolveTerminal } from '../../src/cli/terminal.js';

const big: ProgressFigures = { state: 'waiting-children', cohorts: 1234, cohortsDone: 567, contacts: 1_234_567, contactsDone: 345_678, apiCalls: 9_876_543, responses429: 12 };

describe('formatProgressLine', () => {
  it('shows every part when there is room', () => {
    const p = { cohorts: 9, cohortsDone: 4, contacts: 310, contactsDone: 122, apiCalls: 180, responses429: 0 };
    expect(formatProgressLine(p, { width: 120, etaSec: 65 })).toBe('cohorts 4/9 · contacts 122/310 · 180 calls · 0 × 429 · ETA 1m05s');
    expect(formatProgressLine(p, { width: 120, etaSec: null })).toBe('cohorts 4/9 · contacts 122/310 · 180 calls · 0 × 429 · ETA …');
  });

  it('never reaches the last column, at any width, dropping the least useful parts first', () => {
    for (let width = 1; width <= 200; width += 1) {
      const line = formatProgressLine(big, { width, etaSec: 3725 });
      expect([...line].length, `width ${width}: ${line}`).toBeLessThanOrEqual(Math.max(1, width - 1));
    }
    expect(formatProgressLine(big, { width: 60, etaSec: 3725 })).toBe('waiting-children · contacts 345,678/1,234,567 · ETA 1h02m');
    expect(formatProgressLine(big, { width: 40, etaSec: 3725 })).toBe('contacts 345,678/1,234,567 · ETA 1h02m');
  });

  it('formats durations', () => {
    expect([0, 59, 60, 3599, 3600, 7440].map(formatDuration)).toEqual(['0s', '59s', '1m00s', '59m59s', '1h00m', '2h04m']);
  });
});

describe('createRateMeter', () => {
  it('estimates from the rate of the last seconds, not from the start', () => {
    const meter = createRateMeter(10_000);
    // Slow start (1 contact/s for 20 s), then 10 contacts/s for 10 s.
    let done = 0;
    for (let t = 0; t <= 20_000; t += 1000) meter.sample(t, (done = t / 1000));
    for (let t = 21_000; t <= 30_000; t += 1000) meter.sample(t, (done += 10));
    // Window ≈ the last 10 s at 10/s: 1000 left → 100 s (the whole run's average would say ~250 s).
    expect(meter.etaSec(1000)).toBeCloseTo(100, 0);
  });

  it('says nothing until it has measured something, and 0 when nothing is left', () => {
    const meter = createRateMeter();
    expect(meter.etaSec(10)).toBeNull();
    meter.sample(0, 0);
    meter.sample(500, 3);
    expect(meter.etaSec(10)).toBeNull();
    meter.sample(2000, 3);
    expect(meter.etaSec(0)).toBe(0);
  });
});

describe('formatLogLine', () => {
  const json = JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 1, 11, 2, 28), pid: 9, runId: 'r', msg: 'run started', months: ['2026-11'], timeZone: 'UTC', cohorts: 14 });

  it('compact: one line with the time, the message and the fields, no pid or run id', () => {
    const line = formatLogLine(json, { format: 'compact', color: false });
    expect(line).toMatch(/^\d\d:\d\d:\d\d run started · months 2026-11 · timeZone UTC · cohorts 14$/);
    expect(line).not.toContain('\n');
  });

  it('pretty: the same head, then one field per line; warnings and errors are tagged', () => {
    const lines = formatLogLine(json, { format: 'pretty', color: false }).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toBe('    months: 2026-11');
    const warn = formatLogLine(JSON.stringify({ level: 40, time: 0, msg: 'job failed', err: { message: 'boom', code: 'X' } }), { format: 'compact', color: false });
    expect(warn).toMatch(/ WARN job failed · err X: boom$/);
  });

  it('colours only when asked', () => {
    expect(formatLogLine(json, { format: 'compact', color: true })).toContain('\x1b[');
    expect(formatLogLine(json, { format: 'compact', color: false })).not.toContain('\x1b[');
  });
});

describe('resolveTerminal', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  it('defaults to compact on a terminal, JSON otherwise', () => {
    expect(resolveTerminal({}, {}, tty).logFormat).toBe('compact');
    expect(resolveTerminal({}, {}, pipe).logFormat).toBe('json');
    expect(resolveTerminal({ 'log-format': 'pretty' }, {}, pipe).logFormat).toBe('pretty');
  });
  it('honours NO_COLOR and --no-color, and never colours a pipe', () => {
    expect(resolveTerminal({}, {}, tty).color).toBe(true);
    expect(resolveTerminal({}, { NO_COLOR: '1' }, tty).color).toBe(false);
    expect(resolveTerminal({ color: false }, {}, tty).color).toBe(false);
    expect(resolveTerminal({}, {}, pipe).color).toBe(false);
    expect(resolveTerminal({ quiet: true }, {}, tty).quiet).toBe(true);
  });
});
