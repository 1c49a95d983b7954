/**
 * The AWS SDK is loaded only for an s3:// output: only src/report-output/s3-*.ts import it, and
 * nothing outside those files imports them but through a dynamic import() (open-report-output.ts,
 * check-command.ts, worker-command.ts), so a run to a folder never loads it. Read from the sources.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every relative import of a file, as a project path (as test/unit/import-directions.test.ts reads them). */
function importsOf(file: string, text: string): string[] {
  const pattern = /(?:from\s+|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((m) => relative(ROOT, resolve(ROOT, dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
}
const files = ['src', 'jobs'].flatMap((dir) =>
  readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name))),
);
const isS3Module = (path: string): boolean => /^src\/report-output\/s3-[^/]+\.ts$/.test(path);

describe('the AWS SDK, loaded only for object storage', () => {
  it('is imported by the s3-* modules of src/report-output/ only', () => {
    const importers = files.filter((f) => /from\s+['"]@aws-sdk\//.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((f) => !isS3Module(f))).toEqual([]);
  });

  it('is reached from elsewhere only through import()', () => {
    const staticImports: string[] = [];
    const dynamicImports: string[] = [];
    for (const file of files.filter((f) => !isS3Module(f))) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const dynamic = new Set([...text.matchAll(/import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!));
      for (const target of importsOf(file, text)) if (isS3Module(target)) staticImports.push(`${file} → ${target}`);
      if ([...dynamic].some((d) => d.includes('s3-'))) dynamicImports.push(file);
    }
    expect(staticImports).toEqual([]);
    // The three places that open a store: a guard against the rule passing because nothing uses it.
    expect(dynamicImports.sort()).toEqual(['src/cli/check-command.ts', 'src/cli/worker-command.ts', 'src/report-output/open-report-output.ts']);
  });
});
