import { readFileSync } from 'node:fs';

/**
 * The version in the project's package.json: two folders up from src/cli/ in a clone, three from
 * dist/src/cli/ in a build or an installed package.
 */
export function packageVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cohort-reports' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not this one: try the next folder up.
    }
  }
  return 'unknown';
}
