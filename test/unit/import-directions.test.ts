/**
 * The layout's rules about imports (STYLE.md, docs/ARCHITECTURE.md): src/cli/ → jobs/ → the rest of
 * src/. jobs/ never imports src/cli/, and nothing in src/ outside src/cli/ imports jobs/ or src/cli/.
 * src/report/ is pure maths: no node: built-in (no file system, clock or network) and nothing of
 * src/report-files/, which does the writing. Read from the sources themselves (static and dynamic
 * imports), so a new file cannot slip past.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every relative import of a file, as a project path (`src/cli/flags.ts`). */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const pattern = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(pattern)) out.push(relative(ROOT, resolve(ROOT, dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  return out;
}

type Area = 'cli' | 'jobs' | 'lib' | 'other';
const areaOf = (path: string): Area =>
  path.startsWith('src/cli/') ? 'cli' : path.startsWith('jobs/') ? 'jobs' : path.startsWith('src/') ? 'lib' : 'other';

/** Which areas each area may import. */
const ALLOWED: Record<Area, Area[]> = { cli: ['cli', 'jobs', 'lib', 'other'], jobs: ['jobs', 'lib', 'other'], lib: ['lib', 'other'], other: ['other'] };

/** Every import specifier of a file, relative or not (`node:fs`, `csv-stringify`, `./x.js`). */
export function specifiersOf(text: string): string[] {
  const pattern = /(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((m) => m[1]!);
}

/** Imports of src/report/ files that are not pure maths: node built-ins and src/report-files/. */
export function impureReportImports(files: Array<{ file: string; text: string }>): string[] {
  const bad: string[] = [];
  for (const { file, text } of files) {
    if (!file.startsWith('src/report/')) continue;
    for (const spec of specifiersOf(text)) if (/^(node:|fs$|fs\/)/.test(spec)) bad.push(`${file} → ${spec}`);
    for (const target of importsOf(file, text)) if (target.startsWith('src/report-files/')) bad.push(`${file} → ${target}`);
  }
  return bad;
}

export function wrongWay(files: Array<{ file: string; text: string }>): string[] {
  const bad: string[] = [];
  for (const { file, text } of files) {
    for (const target of importsOf(file, text)) {
      if (!ALLOWED[areaOf(file)].includes(areaOf(target))) bad.push(`${file} → ${target}`);
    }
  }
  return bad;
}

const all = [...sources('src'), ...sources('jobs')].map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

describe('import directions', () => {
  it('reads the imports it checks (the rule is not vacuous)', () => {
    const edges = all.flatMap(({ file, text }) => importsOf(file, text).map((t) => [areaOf(file), areaOf(t)].join('→')));
    expect(new Set(edges)).toEqual(new Set(['cli→cli', 'cli→jobs', 'cli→lib', 'jobs→jobs', 'jobs→lib', 'lib→lib', 'lib→other']));
  });

  it('point one way: src/cli/ → jobs/ → the rest of src/', () => {
    expect(wrongWay(all)).toEqual([]);
  });

  it('the check catches an import the wrong way, static or dynamic', () => {
    expect(
      wrongWay([
        { file: 'jobs/start-worker.ts', text: "import { intFlag } from '../src/cli/flags.js';" },
        { file: 'src/pipeline/collect-run.ts', text: "const m = await import('../../jobs/job-types.js');" },
        { file: 'src/report/columns.ts', text: "import type { X } from '../cli/terminal.js';" },
      ]),
    ).toEqual([
      'jobs/start-worker.ts → src/cli/flags.ts',
      'src/pipeline/collect-run.ts → jobs/job-types.ts',
      'src/report/columns.ts → src/cli/terminal.ts',
    ]);
  });

  it('src/report/ imports no node: built-in and nothing of src/report-files/', () => {
    const report = all.filter(({ file }) => file.startsWith('src/report/'));
    expect(report.length).toBeGreaterThan(10);
    expect(impureReportImports(all)).toEqual([]);
  });

  it('the report check catches a file-system import and an import of report-files, static or dynamic', () => {
    expect(
      impureReportImports([
        { file: 'src/report/columns.ts', text: "import { readFile } from 'node:fs/promises';" },
        { file: 'src/report/months.ts', text: "const fs = await import('fs');" },
        { file: 'src/report/manifest.ts', text: "import { writeCsv } from '../report-files/write-csv.js';" },
        { file: 'src/report-files/write-csv.ts', text: "import { open } from 'node:fs/promises';" },
      ]),
    ).toEqual(['src/report/columns.ts → node:fs/promises', 'src/report/months.ts → fs', 'src/report/manifest.ts → src/report-files/write-csv.ts']);
  });

  it('jobs/ holds only BullMQ: no command, flag parsing or terminal output', () => {
    const jobs = all.filter(({ file }) => file.startsWith('jobs/'));
    for (const { file, text } of jobs) {
      expect(text, file).not.toMatch(/process\.(stdout|argv)|console\.log/);
    }
  });
});
