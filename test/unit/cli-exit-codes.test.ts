import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, exitCodeFor, explainSystemError } from '../../src/cli/cli-errors.js';
import { checkOutputFolder } from '../../src/cli/check-output-folder.js';
import { monthArgs } from '../../src/cli/shared-flags.js';
import { ConfigError } from '../../src/config.js';
import { AuthenticationError, IntercomOptionsError, NotFoundError, ServerError } from '../../src/intercom/errors.js';
import { RunPlanError } from '../../src/pipeline/errors.js';

describe('exitCodeFor', () => {
  it.each([
    ['a usage error', new UsageError('bad flag'), 2],
    ['a configuration error', new ConfigError([{ field: 'x', message: 'y' }]), 2],
    ['a client configuration error', new IntercomOptionsError('http to a remote host'), 2],
    ['a refused month', new RunPlanError('month not ended'), 2],
    ['refused authentication', new AuthenticationError('401', { endpoint: 'segments', status: 401 }), 3],
    ['a server error', new ServerError('503', { endpoint: 'events', status: 503 }), 1],
    ['a not-found error', new NotFoundError('404', { endpoint: 'events', status: 404 }), 1],
    ['a plain error', new Error('boom'), 1],
    ['a thrown string', 'boom', 1],
  ])('maps %s to %i', (_name, err, code) => {
    expect(exitCodeFor(err)).toBe(code);
  });
});

describe('explainSystemError', () => {
  const fsError = (code: string, syscall: string, path: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: failure, ${syscall} '${path}'`), { code, syscall, path, errno: -28 });

  it('turns a raw file-system error into one line with what, why and the fix', () => {
    expect(explainSystemError(fsError('ENOSPC', 'write', '/r/.2026-11.tmp-1/cohort_events.csv'))).toBe(
      'could not write /r/.2026-11.tmp-1/cohort_events.csv (ENOSPC): the disk is full: free some space; then run the same command again (progress is kept)',
    );
    expect(explainSystemError(fsError('ENOENT', 'rename', '/r/.index.html.tmp-2'))).toContain('is another program cleaning or moving this folder?');
    expect(explainSystemError(fsError('EROFS', 'open', '/r/x'))).toContain('read-only');
  });

  it('names Redis for a closed connection, and leaves every other error alone', () => {
    expect(explainSystemError(new Error('Connection is closed.'))).toMatch(/^lost the connection to Redis: .*REDIS_URL/);
    expect(explainSystemError(new Error('boom'))).toBeNull();
    expect(explainSystemError(Object.assign(new Error('x'), { code: 'SOMETHING_ELSE' }))).toBeNull();
    expect(explainSystemError('ENOSPC')).toBeNull();
  });
});

describe('monthArgs', () => {
  it('takes --month alone, or --from with --to', () => {
    expect(monthArgs({ month: '2026-10' })).toEqual({ from: '2026-10' });
    expect(monthArgs({ from: '2026-08', to: '2026-10' })).toEqual({ from: '2026-08', to: '2026-10' });
  });

  it.each([
    [{ month: '2026-10', from: '2026-09' }, /not both/],
    [{ month: '2026-10', to: '2026-11' }, /not both/],
    [{ from: '2026-09' }, /--from and --to go together/],
    [{ to: '2026-09' }, /--from and --to go together/],
    [{}, /which month\? give --month YYYY-MM/],
  ])('refuses %j as bad usage', (flags, message) => {
    expect(() => monthArgs(flags)).toThrow(UsageError);
    expect(() => monthArgs(flags)).toThrow(message);
  });
});

describe('checkOutputFolder', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'check-out-'));
    await writeFile(join(tmp, 'file'), 'x');
    await mkdir(join(tmp, 'existing'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('accepts an existing folder, and one that does not exist yet under a writable folder, creating nothing', () => {
    expect(() => checkOutputFolder(join(tmp, 'existing'))).not.toThrow();
    expect(() => checkOutputFolder(join(tmp, 'new', 'deeper', 'reports'))).not.toThrow();
    expect(existsSync(join(tmp, 'new'))).toBe(false);
  });

  it('refuses a file, or a path under a file, as bad usage naming the culprit and the fix', () => {
    expect(() => checkOutputFolder(join(tmp, 'file'))).toThrow(UsageError);
    expect(() => checkOutputFolder(join(tmp, 'file'))).toThrow(/file is a file, not a folder.*choose a folder you can write to with --out/);
    expect(() => checkOutputFolder(join(tmp, 'file', 'reports'))).toThrow(/cannot write reports to .*file\/reports: .*file is a file, not a folder/);
  });
});
