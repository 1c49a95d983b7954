/**
 * `enqueue --out` and `schedule --out` used to put a folder in the job's data, which the worker obeyed.
 * Job data names no folder now (each worker writes to its own output), so the flag is refused: exit 2,
 * one line saying where the output is set instead, before Redis or the API are asked anything (the
 * Redis URL below is a closed port: reaching it would fail differently).
 */
import { describe, expect, it } from 'vitest';
import { humanLines, runCli } from '../support/e2e-cli.js';

const env = { INTERCOM_TOKEN: 'not-used-0123', REDIS_URL: 'redis://127.0.0.1:1', COHORT_REPORTS_PREFIX: 'refuse-out' };

describe('--out on the commands that queue work for the workers', () => {
  it.each([
    ['enqueue', ['enqueue', '--month', '2026-01', '--out', '/tmp/victim']],
    ['schedule', ['schedule', '--out', '/tmp/victim']],
  ])('%s --out exits 2 with one line naming where the workers write', async (command, args) => {
    const r = await runCli(args, env, { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(humanLines(r.stderr)).toEqual([
      `cohort-reports: ${command} --out is no longer accepted: the workers write the reports to their own output folder, not one a job names; ` +
        'set it where each worker starts (cohort-reports worker --out DIR, COHORT_REPORTS_OUT or report.outDir) and leave --out off here',
    ]);
    expect(r.stdout).toBe('');
  });

  it('neither help offers --out any more; the worker\'s does', async () => {
    const [enqueue, schedule, worker] = await Promise.all([runCli(['enqueue', '--help'], {}), runCli(['schedule', '--help'], {}), runCli(['worker', '--help'], {})]);
    expect(enqueue.stdout).toMatch(/^\s+--month\b/m);
    expect(enqueue.stdout).not.toMatch(/--out\b/);
    expect(schedule.stdout).toMatch(/^\s+--timezone\b/m);
    expect(schedule.stdout).not.toMatch(/--out\b/);
    expect(worker.stdout).toMatch(/^\s+--out <dir>/m);
  });
});
