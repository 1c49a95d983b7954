import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

const TOKEN = 'dG9rOmFiY2RlZjEyMzQ1Njc4OTA=';

/** A real pino logger from createLogger, writing its lines into an array. */
function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', secrets: [TOKEN], destination: { write: (line: string) => void lines.push(line) } });
  return { lines, log };
}

describe('createLogger', () => {
  it('writes one JSON object per line, with level, time and message', () => {
    const { lines, log } = capture();
    log.info({ cohortId: 'c1', members: 3 }, 'cohort paged');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'cohort paged', cohortId: 'c1', members: 3, time: expect.any(Number) });
  });

  it('scrubs the token wherever it appears in a line: message, fields, keys, bindings and errors', () => {
    const { lines, log } = capture();
    log.info(`calling with Bearer ${TOKEN}`);
    log.warn({ request: { headers: { 'x-debug': `Bearer ${TOKEN}` } }, note: `prefix${TOKEN}suffix` }, 'odd field');
    log.info({ [TOKEN]: 1 }, 'token as a key');
    log.child({ stage: 'http', leaked: TOKEN }).debug('from a child');
    const err = new Error(`upstream said: bad token ${TOKEN}`);
    log.error({ err }, 'failed');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toContain(TOKEN);
      expect(line).toContain('[REDACTED]');
      expect(() => JSON.parse(line) as unknown).not.toThrow();
    }
    // The error is still logged usefully, minus the secret.
    expect(JSON.parse(lines[4]!).err).toMatchObject({ type: 'Error', message: 'upstream said: bad token [REDACTED]' });
  });

  it('redacts token and authorization fields by path even when the value is not a known secret', () => {
    const { lines, log } = capture();
    log.info({ token: 'some-other-token', headers: { authorization: 'Bearer xyz' }, req: { authorization: 'Bearer abc' } }, 'paths');
    const entry = JSON.parse(lines[0]!);
    expect(entry.token).toBe('[REDACTED]');
    expect(entry.headers.authorization).toBe('[REDACTED]');
    expect(entry.req.authorization).toBe('[REDACTED]');
  });

  it('redacts e-mail fields at the top level and nested, and keeps the other fields', () => {
    const { lines, log } = capture();
    log.info(
      {
        email: 'ada@example.com',
        contact: { id: 'c1', email: 'grace@example.com' },
        page: { member: { id: 'm2', email: 'alan@example.com' } },
        emails: ['x@example.com', 'y@example.com'],
      },
      'contacts',
    );
    expect(lines[0]).not.toMatch(/@example\.com/);
    const entry = JSON.parse(lines[0]!);
    expect(entry.email).toBe('[REDACTED]');
    expect(entry.contact).toEqual({ id: 'c1', email: '[REDACTED]' });
    expect(entry.page.member).toEqual({ id: 'm2', email: '[REDACTED]' });
    expect(entry.emails).toBe('[REDACTED]');
  });

  it('keeps redacting in child loggers', () => {
    const { lines, log } = capture();
    log.child({ runId: 'r1' }).child({ stage: 'collect' }).info({ contact: { email: 'ada@example.com' }, token: TOKEN }, 'nested child');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ runId: 'r1', stage: 'collect', token: '[REDACTED]', contact: { email: '[REDACTED]' } });
  });

  it('honours the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    log.info('quiet');
    log.warn('loud');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['loud']);
  });
});

describe('createLogger with a token that JSON escapes', () => {
  it('scrubs the token in its escaped spelling too', () => {
    const odd = 'tok"with\\escapes';
    const lines: string[] = [];
    const log = createLogger({ level: 'info', secrets: [odd], destination: { write: (line: string) => void lines.push(line) } });
    log.info({ value: odd }, `message ${odd}`);
    expect(lines[0]).not.toContain(JSON.stringify(odd).slice(1, -1));
    expect(JSON.parse(lines[0]!)).toMatchObject({ value: '[REDACTED]', msg: 'message [REDACTED]' });
  });
});
