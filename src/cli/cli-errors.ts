import { ConfigError } from '../config.js';
import { AuthenticationError, IntercomOptionsError } from '../intercom/errors.js';

/** A command line that cannot be carried out as written (exit code 2). */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** SIGINT or SIGTERM stopped a command (by default: a run whose progress is kept). Exit 130, as shells report an interrupted command. */
export class InterruptedError extends Error {
  readonly code = 'INTERRUPTED';
  readonly exitCode = 130;
  constructor(message = 'interrupted; progress is kept, run the same command again to resume') {
    super(message);
    this.name = 'InterruptedError';
  }
}

/** Any error whose `exitCode` field says how the process should end (e.g. a refused month: 2). */
interface WithExitCode {
  exitCode: number;
}

export function hasExitCode(err: unknown): err is WithExitCode {
  return typeof err === 'object' && err !== null && typeof (err as WithExitCode).exitCode === 'number';
}

/** 2 bad usage or config, 3 authentication, 1 anything else. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof IntercomOptionsError) return 2;
  if (err instanceof AuthenticationError) return 3;
  if (hasExitCode(err)) return err.exitCode;
  return 1;
}
