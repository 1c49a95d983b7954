import { accessSync, constants, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './cli-errors.js';

/**
 * Refuses, before any API call, an output folder the run could not write: one that is a file, sits
 * under a file, or is not writable (nor, when it does not exist yet, is the folder it would be created
 * in). Leaves nothing behind: a refused run leaves no trace. Otherwise the failure would come only
 * after every contact had been fetched, as a bare ENOTDIR/EACCES.
 *
 * Permission bits are not enough: on /proc or a read-only mount access() says yes to root, and Node's
 * recursive mkdir then spins forever there (synchronously, deaf to SIGTERM). So the folder is also
 * probed by creating and removing one empty folder in it, which fails at once where nothing can be made.
 */
/** Why nothing can be written in `path`, in words, with the system's code. */
function notWritable(path: string, code: string | undefined): string {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `you may not write in ${path} (${code})`;
    case 'EROFS':
      return `${path} is on a read-only file system (${code})`;
    case 'ENOENT':
      // The folder exists, yet a folder made in it does not: a virtual file system such as /proc.
      return `${path} does not take new folders; it looks like a system folder such as /proc or /sys (${code})`;
    default:
      return `${path} is not writable (${code ?? 'error'})`;
  }
}

export function checkOutputFolder(outDir: string, use = { what: 'reports', fix: '--out (or COHORT_REPORTS_OUT)' }): void {
  const refuse = (reason: string): never => {
    throw new UsageError(`cannot write ${use.what} to ${outDir}: ${reason}; choose a folder you can write to with ${use.fix}`);
  };
  let path = resolve(outDir);
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(path);
      // Missing (or under a file): look at what it would be created in.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== path) {
        path = parent;
        continue;
      }
      return refuse(`${path} cannot be read (${code ?? 'error'})`);
    }
    if (!isDirectory) return refuse(`${path} is a file, not a folder`);
    try {
      accessSync(path, constants.W_OK | constants.X_OK);
      rmdirSync(mkdtempSync(join(path, '.cohort-reports-probe-')));
    } catch (err) {
      return refuse(notWritable(path, (err as NodeJS.ErrnoException).code));
    }
    return;
  }
}
