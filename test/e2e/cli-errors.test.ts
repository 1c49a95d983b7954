/**
 * Bad input to `cohort-reports run`, case by case through the real CLI: each ends with its exit code
 * (2 usage or configuration, 3 authentication), exactly one human line on stderr that names the
 * problem and the fix, and nothing written to --out. Every case that gets past the token check points
 * at a sandbox with a valid token that must see no request at all: bad input is refused before any
 * API call. Months are derived from today's date.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, listFiles, runCli } from '../support/e2e-cli.js';
import { lastEndedMonth, monthAfter } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { localMonth, monthBefore } from '../support/report-reference.js';

let tmp: string;
/** Answers with a valid token; must receive no request. */
let silent: E2eSandbox;
/** Knows another token than the one the CLI is given. */
let refusing: E2eSandbox;

interface Case {
  name: string;
  args: (out: string) => string[];
  env?: () => Record<string, string>;
  /** Config file contents, written to a temporary file passed with --config. */
  configFile?: unknown;
  code: number;
  /** The problem (or each of the problems), as the message must name it. */
  problem: RegExp | RegExp[];
  /** The fix (or each fix), as the message must suggest it. */
  fix: RegExp | RegExp[];
}

const nowSec = Math.floor(Date.now() / 1000);
const lastEnded = lastEndedMonth(nowSec, 'UTC');
const current = localMonth(nowSec, 'UTC');
const beyondWindow = localMonth(nowSec - 95 * 86_400, 'UTC');

const withSandbox = (extra: Record<string, string> = {}): Record<string, string> => ({ ...silent.env, ...extra });

const CASES: Case[] = [
  { name: 'unknown flag', args: (out) => ['run', '--month', lastEnded, '--out', out, '--bogus'], code: 2, problem: /Unknown option '--bogus'/, fix: /see cohort-reports --help/ },
  { name: 'unknown command', args: () => ['frobnicate'], code: 2, problem: /unknown command "frobnicate"/, fix: /see cohort-reports --help/ },
  { name: 'month 13', args: (out) => ['run', '--month', '2026-13', '--out', out], code: 2, problem: /--month must be a month written YYYY-MM.*"2026-13"/, fix: /such as 20\d\d-\d\d/ },
  { name: 'two-digit year', args: (out) => ['run', '--month', '26-10', '--out', out], code: 2, problem: /--month must be a month written YYYY-MM.*"26-10"/, fix: /such as 20\d\d-\d\d/ },
  {
    name: 'a future month',
    args: (out) => ['run', '--month', monthAfter(current), '--out', out],
    code: 2,
    problem: new RegExp(`month ${monthAfter(current)} has not ended yet`),
    fix: /ask for an earlier month/,
  },
  {
    name: 'the current, unfinished month',
    args: (out) => ['run', '--month', current, '--out', out],
    code: 2,
    problem: new RegExp(`month ${current} has not ended yet`),
    fix: /ask for an earlier month/,
  },
  {
    name: 'a month past the 90-day event window without --allow-partial',
    args: (out) => ['run', '--month', beyondWindow, '--out', out],
    code: 2,
    problem: new RegExp(`month ${beyondWindow} starts more than 90 days ago.*lists only the last 90 days of events`),
    fix: /pass --allow-partial/,
  },
  {
    name: '--from after --to',
    args: (out) => ['run', '--from', lastEnded, '--to', monthBefore(lastEnded), '--out', out],
    code: 2,
    problem: new RegExp(`--from ${lastEnded} is after --to ${monthBefore(lastEnded)}`),
    fix: /give the earlier month first/,
  },
  {
    name: '--month with --from',
    args: (out) => ['run', '--month', lastEnded, '--from', lastEnded, '--out', out],
    code: 2,
    problem: /either --month or --from\/--to, not both/,
    fix: /give either --month or --from\/--to/,
  },
  {
    name: 'missing INTERCOM_TOKEN',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    env: () => ({ INTERCOM_BASE_URL: silent.sandbox.url }),
    code: 2,
    problem: /INTERCOM_TOKEN: not set/,
    fix: /export INTERCOM_TOKEN=/,
  },
  {
    name: 'a token the workspace refuses',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    env: () => ({ ...refusing.env, INTERCOM_TOKEN: silent.sandbox.token }),
    code: 3,
    problem: /authentication refused by Intercom \(401 unauthorized\)/,
    fix: /check INTERCOM_TOKEN and the region/,
  },
  {
    name: 'an unknown config key',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    configFile: { intercom: { perPge: 50 } },
    code: 2,
    problem: /intercom\.perPge: unknown setting/,
    fix: /check its spelling against config\/default\.json/,
  },
  {
    name: 'a config value of the wrong type',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    configFile: { worker: { concurrency: '8' } },
    code: 2,
    problem: /worker\.concurrency: .*expected number, received string/,
    fix: /write a number/,
  },
  {
    name: 'a config file holding the token',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    configFile: { intercom: { token: 'tok_in_the_file_123' } },
    code: 2,
    problem: /intercom\.token: the token is not read from config files/,
    fix: /set INTERCOM_TOKEN in the environment/,
  },
  {
    name: 'a config file that is not JSON',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    configFile: '{ "intercom": ',
    code: 2,
    problem: /--config: .* is not a JSON object/,
    fix: /fix the JSON syntax/,
  },
  {
    name: 'an unreadable --config file',
    args: (out) => ['run', '--month', lastEnded, '--out', out, '--config', join(tmp, 'no-such-config.json')],
    code: 2,
    problem: /--config: cannot read .*no-such-config\.json \(ENOENT\)/,
    fix: /give the path of a readable JSON file/,
  },
  {
    name: 'a bad time zone',
    args: (out) => ['run', '--month', lastEnded, '--out', out, '--timezone', 'Mars/Olympus_Mons'],
    code: 2,
    problem: /report\.timezone: "Mars\/Olympus_Mons" is not an IANA time zone/,
    fix: /"Europe\/Berlin"/,
  },
  {
    name: 'a misspelt time zone, echoed with the zone it most likely meant',
    args: (out) => ['run', '--month', lastEnded, '--out', out, '--timezone', 'Europe/Berln'],
    code: 2,
    problem: /report\.timezone: "Europe\/Berln" is not an IANA time zone/,
    fix: /did you mean "Europe\/Berlin"\?/,
  },
  {
    name: 'a --format without csv',
    args: (out) => ['run', '--month', lastEnded, '--out', out, '--format', 'parquet'],
    code: 2,
    problem: /report\.formats: must include "csv"/,
    fix: /--format csv,parquet/,
  },
  {
    name: 'an unknown --format',
    args: (out) => ['run', '--month', lastEnded, '--out', out, '--format', 'csv,xlsx'],
    code: 2,
    problem: /report\.formats\.1: /,
    fix: /--format csv,parquet/,
  },
  {
    name: 'a bad cron pattern',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    configFile: { schedule: { cron: '61 * * * *' } },
    code: 2,
    problem: /schedule\.cron: not a valid cron pattern/,
    fix: /"0 3 1 \* \*" is 03:00 on the 1st/,
  },
  {
    name: 'a negative rate-limit allowance',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    env: () => withSandbox({ RATE_LIMIT_ALLOWANCE: '-5' }),
    code: 2,
    problem: /rateLimit\.allowancePerWindow: Too small/,
    fix: /set the requests your app may make per window/,
  },
  {
    name: 'an http:// base URL that is not loopback',
    args: (out) => ['run', '--month', lastEnded, '--out', out],
    env: () => withSandbox({ INTERCOM_BASE_URL: 'http://api.example.com' }),
    code: 2,
    problem: /intercom\.baseUrl: .*http:\/\/ for host api\.example\.com.*unencrypted/,
    fix: /use https:\/\//,
  },
  {
    name: 'several problems at once',
    args: (out) => ['run', '--month', lastEnded, '--out', out, '--timezone', 'Nowhere/Else'],
    env: () => withSandbox({ RATE_LIMIT_SHARE: '2' }),
    configFile: { intercom: { perPage: 500 }, colour: 'blue' },
    code: 2,
    problem: [/intercom\.perPage: Too big/, /colour: unknown setting/, /report\.timezone: "Nowhere\/Else" is not an IANA time zone/, /rateLimit\.share: Too big/],
    fix: [/Intercom allows 1 to 150 contacts per search page/, /a number in \(0, 1\]/, /remove it or check its spelling/],
  },
  {
    name: 'an output folder that cannot be written (under a file)',
    args: () => ['run', '--month', lastEnded, '--out', join(tmp, 'a-file', 'reports')],
    code: 2,
    problem: /cannot write reports to .*a-file\/reports: .*a-file is a file, not a folder/,
    fix: /choose a folder you can write to with --out/,
  },
];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'e2e-cli-errors-'));
  await writeFile(join(tmp, 'a-file'), 'not a folder\n');
  silent = await startE2eSandbox({ contacts: 20, seed: 2 });
  refusing = await startE2eSandbox({ contacts: 20, seed: 2 });
});

afterAll(async () => {
  await silent?.close();
  await refusing?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.concurrent('cohort-reports run refuses bad input', () => {
  for (const c of CASES) {
    it(`${c.name}: exit ${c.code}, one line naming the problem and the fix, nothing written`, async () => {
      const caseDir = join(tmp, c.name.replace(/[^A-Za-z0-9]+/g, '-'));
      const out = join(caseDir, 'out');
      const args = c.args(out);
      if (c.configFile !== undefined) {
        const path = join(tmp, `${c.name.replace(/[^A-Za-z0-9]+/g, '-')}.json`);
        await writeFile(path, typeof c.configFile === 'string' ? c.configFile : JSON.stringify(c.configFile));
        args.push('--config', path);
      }
      const result = await runCli(args, c.env ? c.env() : withSandbox());
      expect(result.code, result.stderr).toBe(c.code);
      const lines = humanLines(result.stderr);
      expect(lines, result.stderr).toHaveLength(1);
      const [line] = lines as [string];
      expect(line).toMatch(/^cohort-reports: /);
      for (const pattern of [c.problem, c.fix].flat()) expect(line).toMatch(pattern);
      expect(line).not.toMatch(/\n|    at /);
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toContain(silent.sandbox.token);
      expect(result.stderr).not.toContain('tok_in_the_file_123');
      expect(existsSync(out), `${out} was created`).toBe(false);
      expect(await listFiles(caseDir)).toEqual([]);
    });
  }
});

describe('refusals happen before any API call', () => {
  it('the sandbox with a valid token received no request from any refused run', () => {
    expect(silent.sandbox.counters.requests).toBe(0);
  });
});
