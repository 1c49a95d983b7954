/**
 * The CLI's sources transpiled once to JavaScript, so each CLI process the tests start loads plain
 * modules: tsx's loader hooks cost about 1 s of CPU per process, and the suite starts hundreds of them
 * on two cores. Every file goes through esbuild's transform with tsx's own settings (target this
 * Node, keepNames, the tsconfig's compiler options), so the code that runs is what `node --import tsx
 * src/cli/main.ts` runs; inline source maps name the .ts files in any stack trace, as under tsx.
 *
 * The copy lives in the temporary folder under a hash of every source file's path and contents: a
 * change to src/, jobs/, config/ or package.json gets a new copy, and test files (and several test
 * runs on one tree) share an unchanged one; a test file looks it up once, on its first CLI process. Beside src/ and jobs/ it holds what their code reads by a
 * path relative to itself (config/, package.json, the Lua scripts) and node_modules as a link. Each
 * use touches its copy; building a new one removes those no test has used for an hour.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { transformSync } from 'esbuild';

const COPIED = ['src', 'jobs', 'config'];
const PREFIX = 'cohort-reports-cli-';
const UNUSED_MS = 3_600_000;

function filesUnder(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

function build(root: string, files: string[], into: string): void {
  const { compilerOptions } = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: object };
  for (const file of files) {
    const target = join(into, file);
    mkdirSync(dirname(target), { recursive: true });
    if (!file.endsWith('.ts')) {
      cpSync(join(root, file), target);
      continue;
    }
    const { code } = transformSync(readFileSync(join(root, file), 'utf8'), {
      loader: 'ts',
      format: 'esm',
      target: `node${process.versions.node}`,
      keepNames: true,
      sourcemap: 'inline',
      sourcefile: join(root, file),
      tsconfigRaw: { compilerOptions },
    });
    writeFileSync(`${target.slice(0, -3)}.js`, code);
  }
  symlinkSync(join(root, 'node_modules'), join(into, 'node_modules'), 'dir');
}

/** Copies of other source states that no test has touched for UNUSED_MS (a run lasts minutes). */
function removeUnused(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    const dir = join(tmpdir(), name);
    if (!name.startsWith(PREFIX) || dir === keep) continue;
    try {
      if (Date.now() - statSync(dir).mtimeMs > UNUSED_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another test process.
    }
  }
}

let entry: string | undefined;

/** The compiled src/cli/main.js of the project at `root` (built on first use; sync, as spawning is). */
export function compiledCliEntry(root: string): string {
  if (entry !== undefined && existsSync(entry)) return entry;
  const files = ['package.json', 'tsconfig.json', ...COPIED.flatMap((dir) => filesUnder(root, dir))];
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(root, file))).update('\0');
  const dir = join(tmpdir(), `${PREFIX}${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(dir)) {
    const now = new Date();
    utimesSync(dir, now, now);
  } else {
    // Built aside and renamed into place: another test process building the same copy at once
    // either wins the rename or finds this one's, never a half-written folder.
    const building = `${dir}.${process.pid}-${Date.now()}`;
    try {
      build(root, files, building);
      renameSync(building, dir);
    } catch (err) {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(dir)) throw err;
    }
    removeUnused(dir);
  }
  entry = join(dir, 'src', 'cli', 'main.js');
  return entry;
}
