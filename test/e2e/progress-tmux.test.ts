/**
 * The progress line as a person sees it, in a real terminal (tmux at 60 columns): it never wraps, so
 * it stays on one row however long the run, and the run's last lines follow it. tmux must be on PATH
 * (.ci/run installs it); without it the test fails and says so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliNodeArgs, PROJECT_ROOT } from '../support/e2e-cli.js';

const run = promisify(execFile);
const COLUMNS = 60;
const socket = `cohort-reports-test-${process.pid}`;
const session = 'progress';
let tmp: string;

const tmux = (...args: string[]): Promise<{ stdout: string }> => run('tmux', ['-L', socket, ...args]);

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'progress-tmux-'));
});

afterAll(async () => {
  await tmux('kill-server').catch(() => {});
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the progress line in a 60-column terminal', () => {
  it('stays on one row, within the width, and is replaced by the final lines', async () => {
    const out = join(tmp, 'reports');
    // Paced by a small sandbox allowance so the run lasts a few seconds of redraws.
    const command = [
      `cd ${PROJECT_ROOT}`,
      `env -i PATH="$PATH" HOME="$HOME" TERM=xterm node ${cliNodeArgs().join(' ')} run --sandbox --month last --sandbox-contacts 100 --sandbox-rate-limit 300 --out ${out} --no-color`,
      'echo "EXIT=$?"',
      'sleep 60',
    ].join('; ');
    await tmux('new-session', '-d', '-s', session, '-x', String(COLUMNS), '-y', '40', command);
    const snapshots: string[][] = [];
    const deadline = Date.now() + 90_000;
    for (;;) {
      const { stdout } = await tmux('capture-pane', '-p', '-t', session);
      const rows = stdout.split('\n');
      snapshots.push(rows);
      if (rows.some((r) => r.startsWith('EXIT='))) break;
      if (Date.now() > deadline) throw new Error(`the run did not finish:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const final = snapshots.at(-1)!;
    expect(final).toContain('EXIT=0');
    const during = snapshots.filter((rows) => rows.some((r) => r.includes('contacts ') && r.includes('ETA')));
    // The run was long enough to be watched redrawing.
    expect(during.length).toBeGreaterThan(3);
    for (const rows of during) {
      expect(rows.filter((r) => r.includes('ETA')), rows.join('\n')).toHaveLength(1);
      for (const r of rows) expect([...r].length).toBeLessThanOrEqual(COLUMNS);
    }
    // Gone once the run is done; the summary ends with where the reports are.
    expect(final.filter((r) => r.includes('ETA'))).toEqual([]);
    // (Rows joined: a long line wraps in 60 columns.)
    expect(final.join('')).toMatch(/reports in .*run_results\.json/);
    // Logs in the terminal are compact: one row per event (the row may wrap only if it is longer than the width).
    expect(final.some((r) => /^\d\d:\d\d:\d\d run started · /.test(r))).toBe(true);
  });
});
