/**
 * The command line as a person meets it, through the real CLI: per-command help with every option
 * and an example, --version, "did you mean", `help <command>`; `check` and `cohorts` against a
 * sandbox; `run --json`; and failures that end in one line with the documented exit code, quickly.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, listFiles, PROJECT_ROOT, runCli, spawnCli, waitUntil, type CliResult } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { freePort } from '../support/free-port.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

let sb: E2eSandbox;
let tmp: string;

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: 60, seed: 5 });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-cli-commands-'));
});

afterAll(async () => {
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Options each command's help must show (every flag the command takes). */
const OPTIONS: Record<string, string[]> = {
  run: ['--month', '--from', '--to', '--allow-partial', '--sandbox', '--sandbox-contacts', '--sandbox-seed', '--sandbox-rate-limit', '--concurrency', '--format', '--select', '--exclude', '--json', '--config', '--out', '--timezone', '--state-dir'],
  sandbox: ['--port', '--contacts', '--seed', '--rate-limit'],
  check: ['--config', '--out', '--sandbox'],
  cohorts: ['--config', '--select', '--exclude', '--sandbox', '--json'],
  schedule: ['--config', '--timezone'],
  worker: ['--concurrency', '--format', '--metrics-port', '--metrics-host', '--config'],
  enqueue: ['--month', '--from', '--to', '--allow-partial', '--wait', '--select', '--exclude'],
  status: ['--json', '--config'],
  dashboard: ['--port', '--host', '--allow-actions', '--public-host', '--config'],
};
const GLOBAL = ['--log-format', '--log-level', '--no-color', '--quiet', '--version'];

const shortFiles = (files: string[]): string => [...files.filter((f) => !f.startsWith('charts/')), 'charts/*.vl.json'].join(', ');

/** Helps and refusals of unknown commands and options: one process each, all started at once. */
const HELP_RUNS = {
  version: ['--version'],
  V: ['-V'],
  ...Object.fromEntries(Object.keys(OPTIONS).map((command) => [command, [command, '--help']])),
  viaHelp: ['help', 'enqueue'],
  overview: ['--help'],
  command: ['stauts'],
  option: ['run', '--sandbox-sed', '3'],
} satisfies Record<string, string[]>;
let help: Record<string, CliResult>;

describe('help and version', () => {
  beforeAll(async () => {
    const entries = Object.entries(HELP_RUNS);
    const results = await Promise.all(entries.map(([, args]) => runCli(args, {})));
    help = Object.fromEntries(entries.map(([name], i) => [name, results[i]!]));
  });

  it('--version and -V print the package version', () => {
    for (const r of [help.version!, help.V!]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it.each(Object.keys(OPTIONS))('%s --help lists its own options, the global ones and an example', (command) => {
    const r = help[command]!;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: cohort-reports ${command} `));
    for (const option of [...OPTIONS[command]!, ...GLOBAL]) expect(r.stdout, `${command}: ${option}`).toMatch(new RegExp(`^\\s+(-\\w, )?${option}\\b`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`Examples:\\n  cohort-reports ${command}`));
  });

  it("neither enqueue's nor schedule's help offers --out any more; the worker's does", () => {
    // enqueue --out and schedule --out are refused: test/e2e/cli-refuse-out.test.ts.
    expect(help.enqueue!.stdout).not.toMatch(/--out\b/);
    expect(help.schedule!.stdout).not.toMatch(/--out\b/);
    expect(help.worker!.stdout).toMatch(/^\s+--out <dir\|s3:\/\/bucket\/prefix>/m);
  });

  it('`help <command>` is the command\'s help; the overview lists every command', () => {
    expect(help.viaHelp!.code).toBe(0);
    expect(help.viaHelp!.stdout).toBe(help.enqueue!.stdout);
    for (const command of Object.keys(OPTIONS)) expect(help.overview!.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('suggests the command or option meant, on one line, exit 2', () => {
    const [command, option] = [help.command!, help.option!];
    for (const r of [command, option]) {
      expect(r.code).toBe(2);
      expect(humanLines(r.stderr)).toHaveLength(1);
    }
    expect(command.stderr).toMatch(/^cohort-reports: unknown command "stauts" \(Did you mean status\?\); see cohort-reports --help$/m);
    expect(option.stderr).toMatch(/Unknown option '--sandbox-sed' \(Did you mean --sandbox-seed\?\); see cohort-reports --help and cohort-reports run --help/);
  });
});

describe('check', () => {
  it('passes against a sandbox: one ✓ line per check, exit 0', async () => {
    const r = await runCli(['check', '--out', join(tmp, 'check-out')], sb.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, -1).every((l) => l.startsWith('✓ ')), r.stdout).toBe(true);
    expect(r.stdout).toMatch(new RegExp(`✓ region: 127\\.0\\.0\\.1:${new URL(sb.sandbox.url).port} answered`));
    expect(r.stdout).toMatch(/✓ API version: 2\.14/);
    expect(r.stdout).toMatch(new RegExp(`✓ allowance: X-RateLimit-Limit ${sb.env.RATE_LIMIT_ALLOWANCE}`));
    const ws = sb.sandbox.workspace;
    expect(r.stdout).toContain(`${ws.segments.length} segments and ${ws.tags.length} tags visible, ${ws.segments.length + ws.tags.length} reported`);
    expect(lines.at(-1)).toBe('all checks passed');
  });

  it('fails with ✗ and the fix for a refused token and an unwritable folder, exit 1; an allowance above the server\'s is information', async () => {
    await writeFile(join(tmp, 'a-file'), 'x');
    const refused = await runCli(['check', '--out', join(tmp, 'a-file', 'out')], { ...sb.env, INTERCOM_TOKEN: 'not-the-token' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/✗ token: 127\.0\.0\.1:\d+ refused it .*— check INTERCOM_TOKEN, and the region/);
    // One ✗ for a refused token: no ✓ saying the token is set, no second ✗ for the region.
    expect(refused.stdout).not.toMatch(/✓ token|✗ region/);
    expect(refused.stdout).toMatch(/✗ output folder: cannot write reports to .*a-file is a file/);
    expect(refused.stdout.trim().split('\n').at(-1)).toBe('2 checks failed');
    const over = await runCli(['check', '--out', join(tmp, 'check-out')], { ...sb.env, RATE_LIMIT_ALLOWANCE: String(Number(sb.env.RATE_LIMIT_ALLOWANCE) + 1) });
    // Runs adapt to a lower limit: the line says so, and the check passes.
    expect(over.code, over.stdout).toBe(0);
    expect(over.stdout).toMatch(new RegExp(`✓ allowance: X-RateLimit-Limit ${sb.env.RATE_LIMIT_ALLOWANCE}, below the configured ${Number(sb.env.RATE_LIMIT_ALLOWANCE) + 1}: runs slow down to ${sb.env.RATE_LIMIT_ALLOWANCE}`));
  });
});

type Listed = Array<{ type: string; id: string; name: string; count: number | null }>;
let listing: Promise<CliResult> | undefined;
/** `cohorts --json` of the sandbox, run once for the cases that need the list. */
const cohortsJson = (): Promise<CliResult> => (listing ??= runCli(['cohorts', '--json'], sb.env));

describe('cohorts', () => {
  it('lists what a run would report, after --select and --exclude', async () => {
    const ws = sb.sandbox.workspace;
    const all = await cohortsJson();
    expect(all.code, all.stderr).toBe(0);
    const listed = JSON.parse(all.stdout) as Listed;
    expect(listed.map((c) => `${c.type}:${c.id}`).sort()).toEqual([...ws.segments.map((s) => `segment:${s.id}`), ...ws.tags.map((t) => `tag:${t.id}`)].sort());
    const first = listed[0]!;
    const pattern = `${first.name.slice(0, 3)}*`;
    const expected = listed.filter((c) => c.name.toLowerCase().startsWith(first.name.slice(0, 3).toLowerCase()));
    const selected = await runCli(['cohorts', '--json', '--select', pattern], sb.env);
    expect((JSON.parse(selected.stdout) as typeof listed).map((c) => c.id)).toEqual(expected.map((c) => c.id));
    const excluded = await runCli(['cohorts', '--json', '--exclude', pattern], sb.env);
    expect((JSON.parse(excluded.stdout) as typeof listed).length).toBe(listed.length - expected.length);
    const table = await runCli(['cohorts', '--select', pattern], sb.env);
    expect(table.stdout.split('\n')[0]).toMatch(/^type\s+id\s+name\s+count$/);
    expect(table.stdout).toContain(`${expected.length} cohort${expected.length === 1 ? '' : 's'} (include ${pattern})`);
    // A tag's count is "–", and the listing says why, once, when one is shown.
    const tagLine = /^tag\s.*–$/m.test(table.stdout);
    expect(table.stdout.includes('– : Intercom reports no member count for tags')).toBe(tagLine);
    const everything = await runCli(['cohorts'], sb.env);
    expect(everything.stdout).toMatch(/^tag\s.*–$/m);
    expect(everything.stdout.trimEnd().split('\n').at(-1)).toBe('– : Intercom reports no member count for tags; a run counts their members as it lists them');
  });
});

describe('run --json', () => {
  it('prints run_results.json on stdout and the summary on stderr', async () => {
    const out = join(tmp, 'json-run');
    sb.freshRun();
    const month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
    const r = await runCli(['run', '--month', month, '--out', out, '--json'], sb.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(await readFile(join(out, 'run_results.json'), 'utf8'));
    const results = JSON.parse(r.stdout) as { status: string; out_dir: string; months: Array<{ month: string; dir: string; files: string[] }>; files: string[]; requests: { api_calls: number } };
    expect(results).toMatchObject({ status: 'success', out_dir: out, months: [{ month, dir: join(out, month) }] });
    // Where the run's time went: every phase, each whole ms, together no more than the run took.
    const phases = (JSON.parse(r.stdout) as { phases_ms: Record<string, number>; duration_ms: number }).phases_ms;
    expect(Object.keys(phases)).toEqual(['collect', 'check_output', 'summarize', 'write_months', 'rebuild']);
    for (const ms of Object.values(phases)) expect(Number.isInteger(ms) && ms >= 0).toBe(true);
    expect(Object.values(phases).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual((JSON.parse(r.stdout) as { duration_ms: number }).duration_ms);
    // Every file the run left, named once: the month folder's and those beside it (the hidden
    // workspace marker aside: it belongs to the folder, not to one run).
    const written = (await listFiles(out)).filter((f) => f !== '.cohort-reports-workspace.json');
    expect([...results.months[0]!.files].sort()).toEqual(written.filter((f) => f.startsWith(`${month}/`)).map((f) => f.slice(month.length + 1)));
    expect([...results.files].sort()).toEqual(written.filter((f) => !f.startsWith(`${month}/`)));
    expect(results.requests.api_calls).toBe(sb.sandbox.counters.requests);
    const human = humanLines(r.stderr);
    expect(human[0]).toMatch(new RegExp(`^wrote ${month}: \\d+ cohorts, \\d+ contacts, ${results.requests.api_calls} API calls, 0 × 429$`));
    expect(human[1]).toBe(`reports in ${out}:`);
    // The listing: the month folder's files after "  YYYY-MM/", then those beside it, wrapped within
    // 80 columns (stderr is no terminal here); chart specs (charts/*.vl.json) as one entry.
    const listing = human.slice(2, -2);
    expect(listing[0]).toMatch(new RegExp(`^  ${month}/ cohort_summary\\.csv,`));
    for (const line of listing) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(listing.join(' ').split(/[\s,]+/).filter(Boolean)).toEqual([
      `${month}/`,
      ...shortFiles(results.months[0]!.files).split(', '),
      ...shortFiles(results.files).split(', '),
    ]);
    expect(human.slice(-2)).toEqual([
      `next: load ${join(out, month, 'cohort_summary.csv')} in DuckDB or pandas (README: "Read it in DuckDB and pandas")`,
      `open ${pathToFileURL(join(out, 'index.html')).href}`,
    ]);
  });
});

describe('run --select, --quiet and a sandbox journal', () => {
  it('--select reports only the matching cohorts; --quiet prints no log line', async () => {
    const listed = JSON.parse((await cohortsJson()).stdout) as Listed;
    const prefix = listed[0]!.name.slice(0, 3);
    const expected = listed.filter((c) => c.name.toLowerCase().startsWith(prefix.toLowerCase())).length;
    const out = join(tmp, 'selected');
    const month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
    const r = await runCli(['run', '--month', month, '--out', out, '--select', `${prefix}*`, '--quiet'], sb.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const manifest = JSON.parse(await readFile(join(out, month, 'manifest.json'), 'utf8')) as { totals: { cohorts: number } };
    expect(manifest.totals.cohorts).toBe(expected);
  });

  it('run --sandbox keeps a journal: Ctrl-C promises a resume, and the rerun finishes from it', async () => {
    const out = join(tmp, 'sandbox-journal');
    // Paced (~7 s for the whole month) so that Ctrl-C comes while the run is under way.
    const args = ['run', '--sandbox', '--month', 'last', '--sandbox-contacts', '100', '--sandbox-rate-limit', '200', '--out', out];
    const first = spawnCli(args, {});
    await waitUntil('the journal has results', async () => (await listFiles(out)).some((f) => f.startsWith('.work/')) && (await readFile(join(out, (await listFiles(out)).find((f) => f.startsWith('.work/'))!), 'utf8')).includes('"t":"result"'), { timeoutMs: 30_000 });
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code).toBe(130);
    expect(humanLines(stopped.stderr)).toEqual(['cohort-reports: interrupted; progress is kept, run the same command again to resume']);
    const journal = (await listFiles(out)).filter((f) => f.startsWith('.work/'));
    expect(journal).toHaveLength(1);
    const journaled = (await readFile(join(out, journal[0]!), 'utf8')).split('\n').filter((l) => l.includes('"t":"result"')).length;
    const rerun = await runCli(args, {}, { timeoutMs: 60_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((await listFiles(out)).filter((f) => f.startsWith('.work/'))).toEqual([]);
    // The rerun fetched only what the journal did not hold: fewer events calls than an uninterrupted
    // run of the same workspace (same size, seed and day; the allowance does not shape the data).
    const whole = join(tmp, 'sandbox-whole');
    expect((await runCli([...args.slice(0, -4), '--sandbox-rate-limit', '100000', '--out', whole], {}, { timeoutMs: 60_000 })).code).toBe(0);
    const eventsCalls = async (dir: string): Promise<number> => {
      const month = lastEndedMonth(Date.now() / 1000, 'UTC');
      return (JSON.parse(await readFile(join(dir, month, 'manifest.json'), 'utf8')) as { timing: { api_calls_events: number } }).timing.api_calls_events;
    };
    expect(journaled).toBeGreaterThan(0);
    expect(await eventsCalls(out)).toBeLessThan(await eventsCalls(whole));
  }, 90_000);
});

interface Failure {
  name: string;
  args: string[];
  env?: Record<string, string>;
  code: number;
  line: RegExp;
  /** The bound it must end within (ms); the measured time is printed. */
  withinMs: number;
}

describe('failures end in one line, with the documented exit code, in bounded time', () => {
  let deadRedis: string;
  beforeAll(async () => {
    deadRedis = `redis://127.0.0.1:${await freePort()}`;
  });
  const cases = (): Failure[] => [
    { name: 'status with Redis down', args: ['status'], env: { REDIS_URL: deadRedis }, code: 1, line: /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED.*start Redis, or point REDIS_URL/, withinMs: 15_000 },
    { name: 'enqueue with Redis down', args: ['enqueue', '--month', 'last'], env: { REDIS_URL: deadRedis, INTERCOM_TOKEN: 'tok_enqueue_123' }, code: 1, line: /cannot reach Redis/, withinMs: 15_000 },
    { name: 'worker with Redis down', args: ['worker'], env: { REDIS_URL: deadRedis, INTERCOM_TOKEN: 'tok_worker_123' }, code: 1, line: /cannot reach Redis/, withinMs: 15_000 },
    { name: 'sandbox --port 99999', args: ['sandbox', '--port', '99999'], code: 2, line: /--port must be a port number from 0 to 65535 \(got 99999\)/, withinMs: 10_000 },
    { name: 'run --out /proc/nope', args: ['run', '--sandbox', '--month', 'last', '--out', '/proc/nope'], code: 2, line: /cannot write reports to \/proc\/nope: \/proc does not take new folders; it looks like a system folder such as \/proc or \/sys \(ENOENT\); choose a folder you can write to with --out/, withinMs: 10_000 },
  ];
  const timings: string[] = [];
  afterAll(() => {
    process.stdout.write(`failure timings:\n${timings.join('\n')}\n`);
  });

  // All at once: most of each is waiting for the refused connection.
  it.concurrent.for(['status with Redis down', 'enqueue with Redis down', 'worker with Redis down', 'sandbox --port 99999', 'run --out /proc/nope'])('%s', async (name, { expect }) => {
    const c = cases().find((x) => x.name === name)!;
    const started = Date.now();
    const r: CliResult = await runCli(c.args, c.env ?? {}, { timeoutMs: c.withinMs + 5_000 });
    const ms = Date.now() - started;
    timings.push(`  ${c.name}: exit ${r.code} in ${ms} ms`);
    expect(r.code, r.stderr).toBe(c.code);
    const lines = humanLines(r.stderr);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^cohort-reports: /);
    expect(lines[0]).toMatch(c.line);
    expect(ms).toBeLessThan(c.withinMs);
  });
});
