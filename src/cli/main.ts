#!/usr/bin/env node
/**
 * The `cohort-reports` command: the composition root. Only src/cli/ builds real instances (HTTP agent,
 * Redis, logger, sandbox) and passes them in; everything below it takes its side effects as parameters.
 * Imports point one way: src/cli/ → jobs/ → the rest of src/.
 *
 * Exit codes: 0 success, 2 bad usage or configuration, 3 authentication refused, 1 any other failure,
 * each with a one-line message on stderr.
 */
import { CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import { AuthenticationError, IntercomError } from '../intercom/errors.js';
import { RunPlanError } from '../pipeline/errors.js';
import { printable } from '../shared/printable.js';
import { redactCredentials } from '../shared/redact-url.js';
import { buildProgram, type CommandAction } from './build-program.js';
import { UsageError, exitCodeFor, explainSystemError, hasExitCode } from './cli-errors.js';
import { limitHeapGrowth } from './limit-heap-growth.js';
import { packageVersion } from './package-version.js';

const COMMANDS: Record<string, () => Promise<CommandAction>> = {
  run: async () => (await import('./run-command.js')).runCommand,
  sandbox: async () => (await import('./sandbox-command.js')).sandboxCommand,
  check: async () => (await import('./check-command.js')).checkCommand,
  cohorts: async () => (await import('./cohorts-command.js')).cohortsCommand,
  schedule: async () => (await import('./schedule-command.js')).scheduleCommand,
  worker: async () => (await import('./worker-command.js')).workerCommand,
  enqueue: async () => (await import('./enqueue-command.js')).enqueueCommand,
  status: async () => (await import('./status-command.js')).statusCommand,
  dashboard: async () => (await import('./dashboard-command.js')).dashboardCommand,
};

/**
 * commander's own refusals, as a UsageError in the project's wording: one line, the problem, commander's
 * "did you mean" when it has one, and where the help is.
 */
export function usageErrorFrom(err: CommanderError, argv: string[]): UsageError {
  const [first, ...more] = err.message.replace(/^error: /, '').split('\n');
  const hint = more.join(' ').trim();
  const command = argv.find((a) => Object.hasOwn(COMMANDS, a));
  const problem =
    err.code === 'commander.unknownCommand'
      ? (first ?? '').replace(/unknown command '([^']*)'/, 'unknown command "$1"')
      : (first ?? '').replace(/^./, (c) => c.toUpperCase());
  return new UsageError(`${problem}${hint ? ` ${hint}` : ''}; see cohort-reports --help${command ? ` and cohort-reports ${command} --help` : ''}`);
}

async function main(given: string[]): Promise<number> {
  let code = 0;
  // --help is taken out and answered by the command's action, so the rest of the line is still parsed
  // strictly: `worker --metrics-bind x --help` is refused rather than shown help (compose files rely on it).
  const helpAt = given.findIndex((a) => a === '--help' || a === '-h');
  const argv = helpAt === -1 ? given : given.filter((a) => a !== '--help' && a !== '-h');
  const program = buildProgram({
    version: packageVersion(),
    load: async (name) => {
      if (helpAt !== -1) {
        return async () => {
          program.commands.find((c) => c.name() === name)!.outputHelp();
          return 0;
        };
      }
      return COMMANDS[name]!();
    },
    onResult: (c) => {
      code = c;
    },
  });
  program.exitOverride();
  program.configureOutput({ outputError: () => {} });
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: () => {} });
  if (argv.length === 0) {
    // No command: the overview on stdout, and the usage exit code unless help was asked for.
    process.stdout.write(program.helpInformation());
    return helpAt === -1 ? 2 : 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // Help and version were printed; "help" with nothing after it too.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    throw usageErrorFrom(err, argv);
  }
  return code;
}

/**
 * One line whatever the error holds (a wrapped library error may span several), safe for a terminal:
 * an error quotes workspace and server text (a cohort name, Intercom's error message, a failed reason
 * read from Redis) and may quote a URL, so credentials are masked and control characters shown as
 * escapes, whatever the log format.
 */
function errorLine(err: unknown): string {
  return `cohort-reports: ${printable(redactCredentials(oneLine(err)))}`;
}

function oneLine(err: unknown): string {
  const message =
    err instanceof ConfigError
      ? err.message
      : err instanceof AuthenticationError && err.endpoint === 'conversations.search'
        ? // The token read the workspace (GET /me comes first), so neither it nor the region is wrong.
          `Intercom refused to search conversations (${err.status ?? ''} ${err.intercomCode ?? ''}): the app needs the Read conversations permission; ` +
          'grant it in the Intercom Developer Hub, or set report.conversations: false in a --config file (no cohort_conversations.csv)'
        : err instanceof AuthenticationError
        ? `authentication refused by Intercom (${err.status ?? ''} ${err.intercomCode ?? ''}): check INTERCOM_TOKEN and the region (INTERCOM_BASE_URL)`
        : err instanceof IntercomError || err instanceof UsageError || err instanceof RunPlanError || hasExitCode(err)
          ? (err as Error).message
          : err instanceof Error
            ? (explainSystemError(err) ?? `${err.name}: ${err.message}`)
            : String(err);
  return message.replace(/\s*\n\s*/g, ' ');
}

limitHeapGrowth();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${errorLine(err)}\n`);
    if (process.env.COHORT_REPORTS_DEBUG === '1' && err instanceof Error && err.stack) {
      process.stderr.write(`${err.stack.split('\n').map((l) => printable(redactCredentials(l))).join('\n')}\n`);
    }
    const code = exitCodeFor(err);
    process.exitCode = code;
    // The line is out; whatever still holds the event loop (a Redis client reconnecting to a server
    // that is gone) must not keep a failed command alive.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
);
