/**
 * Every command, its options and an example, as commander definitions. Actions load their command's
 * module only when that command runs, so `--help` and `--version` stay fast and a `run` never loads
 * BullMQ. Options stay strings here: the commands validate them (intFlag, portFlag, planRun) so each
 * refusal names the flag and the fix the same way whichever command took it.
 */
import { Command, Option } from 'commander';
import type { ParsedFlags } from './flags.js';

export type CommandAction = (flags: ParsedFlags) => Promise<number>;

/** What the program reports back: the exit code of the command that ran. */
export interface ProgramOutcome {
  code: number;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** commander's camelCase option values (globals included), under the flags' own --kebab-case names. */
function flagsOf(cmd: Command): ParsedFlags {
  const out: ParsedFlags = {};
  for (const [key, value] of Object.entries(cmd.optsWithGlobals() as Record<string, unknown>)) {
    if (value === undefined) continue;
    out[kebab(key)] = Array.isArray(value) ? (value as string[]) : (value as string | boolean);
  }
  return out;
}

function withConfig(cmd: Command): Command {
  return cmd.option('--config <file>', 'JSON file overriding config/default.json');
}

function withCommon(cmd: Command): Command {
  return withConfig(cmd)
    .option('--out <dir|s3://bucket/prefix>', 'output folder (DIR/YYYY-MM/, DIR/trends.csv) or object-store prefix (default ./reports, env COHORT_REPORTS_OUT)')
    .option('--timezone <zone>', 'report time zone, IANA (default UTC, env REPORT_TIMEZONE)');
}

/**
 * enqueue and schedule queue work for the workers, which write to their own report.outDir: no job names
 * a folder. `--out` is still parsed (hidden) only so the command can refuse it with that reason.
 */
function withWorkerOutput(cmd: Command): Command {
  return withConfig(cmd)
    .addOption(new Option('--out <dir>', 'refused: the workers write to their own output folder').hideHelp())
    .option('--timezone <zone>', 'report time zone, IANA (default UTC, env REPORT_TIMEZONE)');
}

function withMonths(cmd: Command): Command {
  return cmd
    .option('--month <YYYY-MM|last>', 'the month to report; last = the last month that has ended in the report zone')
    .option('--from <YYYY-MM>', 'first month of a range (with --to): each contact\'s history is fetched once')
    .option('--to <YYYY-MM>', 'last month of a range (with --from)')
    .option('--allow-partial', 'accept a month whose start is past the 90-day event window');
}

function withSelection(cmd: Command): Command {
  return cmd
    .option('--select <pattern>', 'report only cohorts whose name matches (*, ?; repeatable; replaces cohorts.include)', collect)
    .option('--exclude <pattern>', 'leave out cohorts whose name matches (repeatable; added to cohorts.exclude)', collect);
}

function withSandbox(cmd: Command): Command {
  return cmd
    .option('--sandbox', 'start the built-in sandbox workspace on a free loopback port and use it (no token needed)')
    .option('--sandbox-contacts <n>', 'size of the sandbox workspace (with --sandbox; default 2000)')
    .option('--sandbox-seed <n>', 'seed of the sandbox workspace (with --sandbox)')
    .option('--sandbox-rate-limit <n>', 'requests per 10 s the sandbox allows (with --sandbox; default the configured allowance)');
}

const example = (lines: string): string => `\nExamples:\n${lines}\n`;

/**
 * The program. `load(name)` gives the action of a command (a dynamic import in production); `onResult`
 * receives each command's exit code.
 */
export function buildProgram(options: {
  version: string;
  load: (command: string) => Promise<CommandAction>;
  onResult: (code: number) => void;
}): Command {
  const program = new Command('cohort-reports')
    .description('Month-end cohort behaviour reports (CSV) from an Intercom workspace, paced by one shared rate limit.')
    .version(options.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .addOption(new Option('--log-format <format>', 'log lines: compact (one line per event), pretty, or json').choices(['compact', 'pretty', 'json']))
    .addOption(new Option('--log-level <level>', 'least severe log level shown (env LOG_LEVEL)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .option('--no-color', 'no colours (also when NO_COLOR is set, or stderr is not a terminal)')
    .option('-q, --quiet', 'only warnings, errors and the final result; no progress line')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Environment: INTERCOM_TOKEN (required unless --sandbox), INTERCOM_BASE_URL (us|eu|au|URL), REDIS_URL,
COHORT_REPORTS_PREFIX, COHORT_REPORTS_OUT, REPORT_TIMEZONE, RATE_LIMIT_ALLOWANCE, RATE_LIMIT_SHARE, LOG_LEVEL.
Exit codes: 0 success, 2 bad usage or configuration, 3 authentication refused, 1 any other failure.
${example('  cohort-reports run --sandbox --month last\n  cohort-reports help run')}`,
    );

  const action =
    (name: string) =>
    async (_opts: unknown, cmd: Command): Promise<void> => {
      const run = await options.load(name);
      options.onResult(await run(flagsOf(cmd)));
    };
  const add = (name: string, summary: string, examples: string): Command =>
    program.command(name).description(summary).addHelpText('after', example(examples)).action(action(name));

  withSelection(
    withSandbox(
      withMonths(
        withCommon(
          add(
            'run',
            'the whole run in one process (in-memory rate limiter and journal, no Redis); a rerun after a crash or Ctrl-C resumes',
            '  cohort-reports run --month last\n  cohort-reports run --from 2026-08 --to 2026-10 --timezone Europe/Berlin\n  cohort-reports run --sandbox --month last --json',
          ),
        ),
      ),
    ),
  )
    .option('--concurrency <n>', 'requests in flight (default worker.concurrency)')
    .option('--format <list>', 'csv (default) or csv,parquet: a typed Parquet twin beside every CSV (report.formats)')
    .option('--json', 'print run_results.json on stdout (the human summary goes to stderr)')
    .option('--replace', 'let this run replace a month whose folder holds cohorts this run does not select')
    .option('--state-dir <dir>', "local folder for the run's journal (default OUT/.work, or ./.cohort-reports-state/BUCKET/PREFIX for s3://; env COHORT_REPORTS_STATE_DIR)");

  add('sandbox', 'serve the built-in sandbox workspace on loopback and print the base URL and token to use with it', '  cohort-reports sandbox --port 4010 --contacts 5000')
    .option('--port <port>', 'TCP port, 0 for any free one', '4010')
    .option('--contacts <n>', 'contacts in the workspace', '5000')
    .option('--seed <n>', 'seed of the generated workspace', '1')
    .option('--rate-limit <n>', 'requests allowed per 10 s', '1000')
    .option('--events-default-page <n>', 'events per page when a request names no per_page (answers the real API may give; default 50)')
    .option('--events-max-page <n>', 'largest events page served (default 150)')
    .option('--events-over-max <clamp|400>', 'a per_page above the max is clamped (default) or answered 400')
    .option('--segment-page <n>', 'serve the segment list in pages of N with pages.next (default: one answer)')
    .option('--next-origin <url>', 'origin named in pages.next links, as a proxy\'s clients see them (e.g. https://api.intercom.io)');

  withSandbox(
    withCommon(add('check', 'check token, region, API version, allowance, cohorts, Redis and the output folder; exit 0 only if all pass', '  cohort-reports check\n  INTERCOM_BASE_URL=eu cohort-reports check')),
  );

  withSelection(
    withSandbox(withConfig(add('cohorts', 'list the cohorts a run would report (type, id, name, count) after include/exclude', "  cohort-reports cohorts --select 'Trial*' --exclude '*test*'"))),
  ).option('--json', 'print the list as JSON');

  withWorkerOutput(add('schedule', 'upsert the monthly BullMQ job scheduler (schedule.cron and zone from config) and exit', '  cohort-reports schedule --config prod.json'));

  withCommon(add('worker', 'run a worker (any number, on any machine, one Redis); SIGTERM drains', '  cohort-reports worker --concurrency 8 --metrics-port 9464'))
    .option('--concurrency <n>', 'jobs in flight in this process (default worker.concurrency)')
    .option('--format <list>', 'csv (default) or csv,parquet for the runs this worker writes (report.formats)')
    .option('--metrics-port <port>', 'serve Prometheus metrics on /metrics at this port (0: any free port)')
    .option('--metrics-host <host>', 'address of the metrics server (with --metrics-port; default 127.0.0.1)');

  withSelection(
    withMonths(withWorkerOutput(add('enqueue', 'queue a run for the workers (a no-op while the same run is live)', '  cohort-reports enqueue --month last --wait'))),
  )
    .option('--wait', 'show the run\'s progress until it is done; Ctrl-C stops waiting, the run stays queued')
    .option('--replace', 'let this run replace a month whose folder holds cohorts this run does not select')
    .option('--state-dir <dir>', "local folder for the run's journal (default OUT/.work, or ./.cohort-reports-state/BUCKET/PREFIX for s3://; env COHORT_REPORTS_STATE_DIR)");

  withCommon(add('status', 'the scheduler and every run: state, progress, start, end, duration, output folder, API calls, 429s', '  cohort-reports status --json')).option(
    '--json',
    'print the runs as JSON',
  );

  withConfig(
    add(
      'dashboard',
      'queue dashboard (Bull Board), read-only unless --allow-actions; off loopback it needs DASHBOARD_USER and DASHBOARD_PASSWORD',
      '  cohort-reports dashboard --port 3000\n  cohort-reports dashboard --allow-actions --public-host queues.example.com',
    ),
  )
    .option('--port <port>', 'TCP port, 0 for any free one', '3000')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--allow-actions', 'let the board retry, promote and remove single jobs (read-only without it); never add, pause, clean or obliterate')
    .option('--public-host <name>', 'another name (or name:port) the dashboard answers to in the Host header, e.g. behind a reverse proxy (repeatable)', collect);

  return program;
}
