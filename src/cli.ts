#!/usr/bin/env node
/**
 * The `cohort-reports` command. The one entry point that builds real instances (HTTP agent, Redis,
 * logger, sandbox) and passes them in; everything below it takes its side effects as parameters.
 * The distributed commands live in jobs/ and are loaded only when asked for.
 *
 * Exit codes: 0 success, 2 bad usage or configuration, 3 authentication refused, 1 any other failure,
 * each with a one-line message on stderr.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from './config.js';
import { AuthenticationError, IntercomError } from './intercom/errors.js';
import { InterruptedError, UsageError, exitCodeFor } from './cli-errors.js';
import { RunPlanError } from './pipeline/plan-run.js';
import type { ParsedFlags } from './commands/flags.js';

const HELP = `cohort-reports — month-end cohort behaviour reports (CSV) from an Intercom workspace

Usage:
  cohort-reports run --month YYYY-MM [--sandbox] [options]     one process, no Redis
  cohort-reports run --from YYYY-MM --to YYYY-MM [options]     several months, each contact's history fetched once
  cohort-reports sandbox [--port 4010] [--contacts 5000] [--seed 1] [--rate-limit 1000]
  cohort-reports schedule                                      upsert the monthly job scheduler (BullMQ) and exit
  cohort-reports worker [--concurrency N]                      run a worker (any number, on any machine)
         [--metrics-port 9464] [--metrics-host 127.0.0.1]      serve Prometheus metrics on /metrics
  cohort-reports enqueue --month YYYY-MM [--wait]              queue a run by hand
  cohort-reports status                                        list runs and their progress
  cohort-reports dashboard [--port 3000] [--host 127.0.0.1]    queue dashboard (Bull Board); off loopback it
                                                               needs DASHBOARD_USER and DASHBOARD_PASSWORD

Options (run, worker, enqueue, schedule, status):
  --config FILE        JSON overriding config/default.json
  --out DIR            output folder (default ./reports): DIR/YYYY-MM/ and DIR/trends.csv
  --timezone ZONE      report time zone (IANA), default UTC
  --format LIST        (run, worker) csv (default) or csv,parquet
  --allow-partial      accept a month whose start is past the 90-day event window
  --sandbox            (run) start the built-in sandbox workspace on a free loopback port and use it
  --sandbox-contacts N (run --sandbox) size of the sandbox workspace, default 2000
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent

Environment: INTERCOM_TOKEN (required unless --sandbox), INTERCOM_BASE_URL (us|eu|au|URL), REDIS_URL,
COHORT_REPORTS_PREFIX, COHORT_REPORTS_OUT, REPORT_TIMEZONE, RATE_LIMIT_ALLOWANCE, RATE_LIMIT_SHARE, LOG_LEVEL.`;

const COMMON: ParseArgsConfig['options'] = {
  config: { type: 'string' },
  out: { type: 'string' },
  timezone: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

const OPTIONS: Record<string, ParseArgsConfig['options']> = {
  run: {
    ...COMMON,
    month: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'allow-partial': { type: 'boolean' },
    sandbox: { type: 'boolean' },
    'sandbox-contacts': { type: 'string' },
    'sandbox-seed': { type: 'string' },
    'sandbox-rate-limit': { type: 'string' },
    concurrency: { type: 'string' },
    format: { type: 'string' },
  },
  sandbox: {
    port: { type: 'string' },
    contacts: { type: 'string' },
    seed: { type: 'string' },
    'rate-limit': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  schedule: { ...COMMON },
  worker: { ...COMMON, format: { type: 'string' }, concurrency: { type: 'string' }, 'metrics-port': { type: 'string' }, 'metrics-host': { type: 'string' } },
  enqueue: {
    ...COMMON,
    month: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'allow-partial': { type: 'boolean' },
    wait: { type: 'boolean' },
  },
  status: { ...COMMON },
  dashboard: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command === undefined ? 2 : 0;
  }
  const options = OPTIONS[command];
  if (!options) throw new UsageError(`unknown command "${command}"; see cohort-reports --help`);
  let flags: ParsedFlags;
  try {
    flags = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as ParsedFlags;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\. To specify a positional.*$/s, '')}; see cohort-reports --help`);
  }
  if (flags.help) {
    console.log(HELP);
    return 0;
  }
  switch (command) {
    case 'sandbox':
      return (await import('./commands/sandbox-command.js')).sandboxCommand(flags);
    case 'run':
      return (await import('./commands/run-command.js')).runCommand(flags);
    case 'dashboard':
      return (await import('../jobs/dashboard-command.js')).dashboardCommand(flags);
    default:
      return (await import('../jobs/commands.js')).jobsCommand(command, flags);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const code = exitCodeFor(err);
    const message =
      err instanceof ConfigError
        ? err.message
        : err instanceof AuthenticationError
          ? `authentication refused by Intercom (${err.status ?? ''} ${err.intercomCode ?? ''}): check INTERCOM_TOKEN and the region (INTERCOM_BASE_URL)`
          : err instanceof IntercomError || err instanceof UsageError || err instanceof RunPlanError || err instanceof InterruptedError
            ? err.message
            : err instanceof Error
              ? `${err.name}: ${err.message}`
              : String(err);
    // One line whatever the message holds (a wrapped library error may span several).
    process.stderr.write(`cohort-reports: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (process.env.COHORT_REPORTS_DEBUG === '1' && err instanceof Error && err.stack) {
      process.stderr.write(`${err.stack}\n`);
    }
    process.exitCode = code;
  },
);
