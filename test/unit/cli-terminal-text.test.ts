/**
 * Only text reaches a terminal, and no credential: the log formatters (compact, pretty, JSON), the
 * `check` line, the `cohorts` table and the `status` line show workspace and server text with every
 * control character as a visible escape, and every URL with its credentials masked.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatCheckLine } from '../../src/cli/check-command.js';
import { formatCohortTable } from '../../src/cli/cohorts-command.js';
import { createCliLogger } from '../../src/cli/create-cli-logger.js';
import { formatLogLine } from '../../src/cli/format-log-line.js';
import { formatRunStatus, type RunStatus } from '../../src/cli/status-command.js';
import type { LogFormat, Terminal } from '../../src/cli/terminal.js';
import { createLogger } from '../../src/logger.js';

const HOSTILE = 'VIP\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\r\x1b[2KFAKE: all checks passed\u009b2J\u202e';
const SHOWN = 'VIP\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07\\x0d\\x1b[2KFAKE: all checks passed\\x9b2J\\u{202e}';
const SECRET = 'S3cr3t-p4ss';
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
/** What is left once the colours this code adds itself (SGR, `\x1b[…m`) are taken out. */
const withoutColours = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

function terminalInto(format: LogFormat, color: boolean): { terminal: Terminal; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  return { terminal: { logFormat: format, color, quiet: false, tty: true, stream: stream as unknown as NodeJS.WriteStream }, text: () => text };
}

describe('log lines', () => {
  const record = JSON.stringify({
    level: 40,
    time: 0,
    msg: `cohort ${HOSTILE} failed`,
    cohortId: HOSTILE,
    names: [HOSTILE, 'b'],
    err: { code: 'INTERCOM_BAD_REQUEST', message: `Intercom answered HTTP 400 (${HOSTILE})` },
    [`key${HOSTILE}`]: 1,
  });

  it.each(['compact', 'pretty'] as const)('%s: the message, every field name and value shown printable, in colour or not', (format) => {
    for (const color of [false, true]) {
      const line = formatLogLine(record, { format, color });
      expect(withoutColours(line)).not.toMatch(UNSAFE);
      expect(line.split('\n')).toHaveLength(format === 'compact' ? 1 : 5);
      expect(line).toContain(`cohort ${SHOWN} failed`);
      expect(line).toContain(`INTERCOM_BAD_REQUEST: Intercom answered HTTP 400 (${SHOWN})`);
      expect(line).toContain(`${SHOWN}, b`);
      expect(line).toContain(`key${SHOWN}`);
    }
  });

  it('a line that is not JSON is shown printable too', () => {
    expect(formatLogLine(`not json ${HOSTILE}`, { format: 'compact', color: false })).toBe(`not json ${SHOWN}`);
  });

  it('JSON: only text (C1 and bidi written as \\u escapes, not twice), and the same values once parsed', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    log.info({ cohortId: HOSTILE }, `cohort ${HOSTILE}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/u);
    expect(lines[0]).toContain('\\u001b]0;pwned\\u0007');
    expect(lines[0]).toContain('\\u009b2J\\u202e');
    expect(JSON.parse(lines[0]!)).toMatchObject({ cohortId: HOSTILE, msg: `cohort ${HOSTILE}` });
  });
});

describe('credentials in log lines, every format', () => {
  const urls = [`redis://:${SECRET}@h:1`, `redis://u:${SECRET}@h:1`, `redis://h:1/?password=${SECRET}`, `redis://h:1/?username=u&password=${SECRET}`, `rediss://h:1/?password=${SECRET}`];

  it.each(['json', 'compact', 'pretty'] as const)('%s: no form of a Redis password is written, in the message, a field or an error', (format) => {
    const { terminal, text } = terminalInto(format, false);
    const lines: string[] = [];
    const log =
      format === 'json'
        ? createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } })
        : createCliLogger(terminal, { level: 'info' });
    for (const url of urls) {
      log.warn({ redisUrl: url, nested: { detail: `at ${url}` }, err: new Error(`cannot reach Redis at ${url} (ECONNREFUSED)`) }, `connecting to ${url}`);
    }
    const out = format === 'json' ? lines.join('') : text();
    expect(out).not.toContain(SECRET);
    expect(out).toContain('redis://:***@h:1');
    expect(out).toContain('redis://u:***@h:1');
    expect(out).toContain('redis://h:1/?username=u&password=***');
    expect(out).toContain('rediss://h:1/?password=***');
    if (format === 'json') for (const l of lines) expect(() => JSON.parse(l) as unknown).not.toThrow();
  });
});

describe('command output', () => {
  it('check: what and fix shown printable, credentials masked, the mark the only escape (in colour)', () => {
    const line = formatCheckLine({ ok: false, what: `region: h refused or failed: Intercom answered HTTP 400 (${HOSTILE})`, fix: `see redis://:${SECRET}@h` }, true);
    expect(line.startsWith('\x1b[31m✗\x1b[0m ')).toBe(true);
    expect(withoutColours(line)).not.toMatch(UNSAFE);
    expect(line).toContain(`(${SHOWN}) — see redis://:***@h`);
    expect(line).not.toContain(SECRET);
  });

  it('cohorts: ids and names shown printable, and the columns aligned as shown', () => {
    const table = formatCohortTable([
      { type: 'tag', id: `7${HOSTILE}`, name: HOSTILE, memberCountReported: null, personType: null },
      { type: 'segment', id: 's1', name: 'Plain', memberCountReported: 3, personType: 'user' },
    ]);
    for (const row of table) expect(row).not.toMatch(UNSAFE);
    expect(table[1]).toContain(`7${SHOWN}  ${SHOWN}`);
    // The name column starts at the same place on every row.
    const at = table[1]!.indexOf(SHOWN, 3 + SHOWN.length);
    expect(table[0]!.indexOf('name')).toBe(at);
    expect(table[2]!.indexOf('Plain')).toBe(at);
  });

  it('status: a failed reason, out folder and ids read from Redis shown printable', () => {
    const s: RunStatus = {
      months: '2026-10',
      timeZone: 'UTC',
      jobId: `run.${HOSTILE}`,
      state: 'failed',
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      outDir: `/r/${HOSTILE}`,
      dirs: [],
      progress: null,
      failedReason: `Intercom answered HTTP 400 (${HOSTILE})`,
      pausedUntil: null,
    };
    const line = formatRunStatus(s, 'UTC');
    expect(line).not.toMatch(UNSAFE);
    expect(line).toBe(`2026-10 UTC (run.${SHOWN}): failed · not started · out /r/${SHOWN} · Intercom answered HTTP 400 (${SHOWN})`);
  });
});
