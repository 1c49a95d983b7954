/**
 * `enqueue --out` and `schedule --out` used to put a folder in the job's data, which the worker obeyed.
 * Job data names no folder now (each worker writes to its own output), so the flag is refused: exit 2,
 * one line saying where the output is set instead, before Redis or the API are asked anything (the
 * Redis URL below is a closed port: reaching it would fail differently). That their help no longer
 * offers --out, and the worker's does, is checked with every command's help in cli-commands.test.ts.
 */
import { describe, it } from 'vitest';
import { humanLines, runCli } from '../support/e2e-cli.js';

const env = { INTERCOM_TOKEN: 'not-used-0123', REDIS_URL: 'redis://127.0.0.1:1', COHORT_REPORTS_PREFIX: 'refuse-out' };

describe('--out on the commands that queue work for the workers', () => {
  it.concurrent.for<[string, string[]]>([
    ['enqueue', ['enqueue', '--month', '2026-01', '--out', '/tmp/victim']],
    ['schedule', ['schedule', '--out', '/tmp/victim']],
  ])('%s --out exits 2 with one line naming where the workers write', async ([command, args], { expect }) => {
    const r = await runCli(args, env, { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(humanLines(r.stderr)).toEqual([
      `cohort-reports: ${command} --out is no longer accepted: the workers write the reports to their own output folder, not one a job names; ` +
        'set it where each worker starts (cohort-reports worker --out DIR, COHORT_REPORTS_OUT or report.outDir) and leave --out off here',
    ]);
    expect(r.stdout).toBe('');
  });
});
