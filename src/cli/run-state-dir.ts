/**
 * Where `run` keeps its journal: one process's working state, so always on local disk. `--state-dir`
 * (or COHORT_REPORTS_STATE_DIR) names it. Without one, a folder output keeps it beside the reports in
 * OUT/.work/, as it always has (a run interrupted before an upgrade resumes after it); an object-store
 * output keeps it under the working directory, in a folder of its own per bucket and prefix, since two
 * runs to two outputs must never share a journal folder.
 */
import { rmdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { isObjectStoreLocation } from '../report-output/open-report-output.js';

export const STATE_DIR_ROOT = '.cohort-reports-state';

/** One path segment per URL segment, with anything a file system could take otherwise made plain. */
function segments(url: string): string[] {
  return url
    .replace(/^s3:\/\//i, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s === '.' || s === '..' ? '_' : s.replace(/[^A-Za-z0-9._-]/g, '_')));
}

/**
 * @example
 * runStateDir('reports', undefined);             // 'reports/.work'
 * runStateDir('s3://acme/cohorts', undefined);   // '.cohort-reports-state/acme/cohorts'
 * runStateDir('s3://acme/cohorts', '/var/lib/x'); // '/var/lib/x'
 */
export function runStateDir(outLocation: string, named: string | undefined): string {
  if (named !== undefined && named !== '') return named;
  if (!isObjectStoreLocation(outLocation)) return join(outLocation, '.work');
  return join(STATE_DIR_ROOT, ...segments(outLocation));
}

/**
 * After a finished run: the default folders of an object-store output's state, once empty, go too
 * (its own folder is removed with its journal; its parents up to STATE_DIR_ROOT here), so a clean
 * run leaves nothing in the working directory. A named --state-dir is the user's and is left alone.
 */
export function removeEmptyStateFolders(stateDir: string): void {
  const parts = stateDir.split(sep);
  if (parts[0] !== STATE_DIR_ROOT) return;
  for (let n = parts.length; n >= 1; n -= 1) {
    try {
      rmdirSync(parts.slice(0, n).join(sep));
    } catch (err) {
      // Already gone (the journal's own folder goes with the journal): on to its parent. Not empty
      // (another output's state) or anything else: stop.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
  }
}
