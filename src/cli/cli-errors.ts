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

/** What a system error code means to the person at the terminal, and what to do about it. */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full: free some space',
  EDQUOT: 'the disk quota is used up: free some space or raise the quota',
  EROFS: 'the file system is read-only: choose a folder you can write to with --out',
  EACCES: 'permission denied: choose a folder you can write to with --out, or fix its permissions',
  EPERM: 'operation not permitted: choose a folder you can write to with --out, or fix its permissions',
  EMFILE: 'too many open files: raise the limit (ulimit -n)',
  ENFILE: 'too many open files on this machine',
  ENOENT: 'it disappeared while the run was using it: is another program cleaning or moving this folder?',
  ENOTDIR: 'a part of the path is a file, not a folder: choose another --out',
  EIO: 'the disk reported an input/output error',
};

/**
 * One line with the fix for an error no part of cohort-reports wrapped: a file-system failure (disk
 * full, read-only, a file removed under the run) or a Redis connection that closed. Null for anything
 * else, which is printed as it is. Progress is kept in every one of these cases, so the fix ends with
 * the same command again.
 */
export function explainSystemError(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const { code, path, syscall } = err as NodeJS.ErrnoException;
  if (typeof code === 'string' && SYSTEM_ERRORS[code] !== undefined) {
    const what = typeof path === 'string' ? `${syscall ?? 'access'} ${path}` : (syscall ?? 'a file operation');
    return `could not ${what} (${code}): ${SYSTEM_ERRORS[code]}; then run the same command again (progress is kept)`;
  }
  if (/^Connection is closed\.?$/.test(err.message) || /^Stream isn't writeable/.test(err.message)) {
    return 'lost the connection to Redis: check that Redis is up and reachable (REDIS_URL), then run the same command again (progress is kept)';
  }
  return null;
}
