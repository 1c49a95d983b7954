import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeEmptyStateFolders, runStateDir, STATE_DIR_ROOT } from '../../src/cli/run-state-dir.js';

describe('runStateDir', () => {
  it('keeps a folder output\'s journal beside its reports, as before', () => {
    expect(runStateDir('reports', undefined)).toBe(join('reports', '.work'));
    expect(runStateDir('/data/out', '')).toBe(join('/data/out', '.work'));
  });

  it('puts an object-store output\'s journal under the working directory, one folder per bucket and prefix', () => {
    expect(runStateDir('s3://acme/cohorts/monthly', undefined)).toBe(join(STATE_DIR_ROOT, 'acme', 'cohorts', 'monthly'));
    expect(runStateDir('s3://acme', undefined)).toBe(join(STATE_DIR_ROOT, 'acme'));
    expect(runStateDir('S3://acme/x', undefined)).toBe(join(STATE_DIR_ROOT, 'acme', 'x'));
  });

  it('never lets a prefix climb out of its folder or name odd paths', () => {
    expect(runStateDir('s3://acme/../../etc', undefined)).toBe(join(STATE_DIR_ROOT, 'acme', '_', '_', 'etc'));
    expect(runStateDir('s3://acme/a b/ü$', undefined)).toBe(join(STATE_DIR_ROOT, 'acme', 'a_b', '__'));
  });

  it('takes a named --state-dir as it is, for either output', () => {
    expect(runStateDir('s3://acme/x', '/var/lib/cr')).toBe('/var/lib/cr');
    expect(runStateDir('reports', 'state')).toBe('state');
  });
});

describe('removeEmptyStateFolders', () => {
  const cwd = process.cwd();
  let dir: string;
  afterEach(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('removes the empty default folders up to the root, and stops at one that holds another output\'s journal', () => {
    dir = mkdtempSync(join(tmpdir(), 'state-dir-'));
    process.chdir(dir);
    const mine = runStateDir('s3://acme/a/b', undefined);
    const theirs = runStateDir('s3://acme/c', undefined);
    mkdirSync(mine, { recursive: true });
    mkdirSync(theirs, { recursive: true });
    writeFileSync(join(theirs, 'x.journal.jsonl'), '');
    removeEmptyStateFolders(mine);
    expect(existsSync(join(STATE_DIR_ROOT, 'acme', 'a'))).toBe(false);
    expect(existsSync(join(theirs, 'x.journal.jsonl'))).toBe(true);
    rmSync(theirs, { recursive: true });
    removeEmptyStateFolders(theirs);
    expect(existsSync(STATE_DIR_ROOT)).toBe(false);
  });

  it('leaves a named folder alone', () => {
    dir = mkdtempSync(join(tmpdir(), 'state-dir-'));
    const named = join(dir, 'named');
    mkdirSync(named);
    removeEmptyStateFolders(named);
    expect(existsSync(named)).toBe(true);
  });
});
