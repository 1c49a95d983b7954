/**
 * The Dockerfile and .dockerignore, checked without a container engine: the stages and what each
 * copies, that every copied file exists and reaches the build context, that the build has everything
 * the TypeScript build reads, that the runtime holds production dependencies only and the code needs
 * nothing else, and that the image runs as a non-root user under tini with no secret in it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENV_OVERRIDES } from '../../src/config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

/** Instructions of the Dockerfile, continuation lines joined and comments dropped. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword, rest] = /^(\S+)\s+([\s\S]*)$/.exec(line)!;
    const kw = keyword!.toUpperCase();
    if (kw === 'FROM') {
      const m = /^(\S+)\s+AS\s+(\S+)$/i.exec(rest!.trim())!;
      const image = m[1]!.replace(/\$\{(\w+)\}/g, (_s, name: string) => args.get(name) ?? '');
      stages.push({ name: m[2]!, image, instructions: [] });
    } else if (stages.length === 0 && kw === 'ARG') {
      const [name, value = ''] = rest!.trim().split('=');
      args.set(name!, value);
    } else {
      stages.at(-1)!.instructions.push({ keyword: kw, args: rest!.trim() });
    }
  }
  return { args, stages };
}

/** .dockerignore as Docker reads it: last matching pattern wins; a pattern matching a parent directory matches its files. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, '')).replace(/\/+$/, '');
      const source = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) => (part === '**/' || part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (path) => {
    const parts = path.split('/');
    const candidates = parts.map((_p, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (candidates.some((c) => rule.regex.test(c))) excluded = !rule.negate;
    return !excluded;
  };
}

function filesUnder(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).flatMap((name) => filesUnder(posix.join(path, name)));
}

function copies(stage: Stage): Array<{ from: string | null; sources: string[]; dest: string }> {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? null;
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const included = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const stage = (name: string): Stage => dockerfile.stages.find((s) => s.name === name)!;
const runs = (s: Stage): string[] => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/** Relative and bare module specifiers of the code that is not erased (`import type` is). */
function runtimeImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)[^;]*?\bfrom\s+'([^']+)'/gm)) found.push(m[2]!);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
  return found;
}

const codeFiles = ['src', 'jobs'].flatMap((d) => filesUnder(d)).filter((f) => f.endsWith('.ts'));

describe('Dockerfile', () => {
  it('builds in three stages (build, deps, runtime), all from Node 24 slim', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const s of dockerfile.stages) expect(s.image, s.name).toMatch(/^node:24(\.\d+){0,2}(-[a-z]+)?-slim$/);
  });

  it('copies from the context only files that exist and that .dockerignore lets through', () => {
    for (const s of dockerfile.stages) {
      for (const copy of copies(s).filter((c) => c.from === null)) {
        for (const source of copy.sources) {
          expect(existsSync(join(ROOT, source)), `${s.name}: COPY ${source}`).toBe(true);
          for (const file of filesUnder(source)) expect(included(file), `${file} is excluded by .dockerignore`).toBe(true);
        }
      }
    }
  });

  it('copies from earlier stages only, and only what those stages produce', () => {
    const names = dockerfile.stages.map((s) => s.name);
    for (const [i, s] of dockerfile.stages.entries()) {
      for (const copy of copies(s).filter((c) => c.from !== null)) {
        expect(names.slice(0, i), `${s.name}: COPY --from=${copy.from}`).toContain(copy.from);
      }
    }
    const runtimeCopies = copies(stage('runtime')).filter((c) => c.from !== null);
    expect(runtimeCopies.map((c) => `${c.from}:${c.sources.join(' ')}`).sort()).toEqual(['build:/app/dist', 'deps:/app/node_modules']);
    // /app/dist is what `npm run build` writes: tsc with tsconfig.build.json, whose outDir is dist, then
    // build:assets, which copies the rate limiter's Lua scripts (under src/, copied into the stage) into dist.
    expect(runs(stage('build'))).toContain('npm run build');
    // dist/ is emptied first, so a file moved or removed in src/ does not linger in the image or the package.
    expect(pkg.scripts.build).toMatch(/^node -e "require\('fs'\)\.rmSync\('dist', \{ recursive: true, force: true \}\)" && tsc -p tsconfig\.build\.json && npm run build:assets$/);
    expect(pkg.scripts['build:assets']).toContain("cpSync('src/rate-limit/lua', 'dist/src/rate-limit/lua'");
    const base = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect([base.compilerOptions.outDir, base.compilerOptions.rootDir]).toEqual(['dist', '.']);
  });

  it('gives the build stage every file the TypeScript build reads', () => {
    const copied = copies(stage('build'))
      .filter((c) => c.from === null)
      .flatMap((c) => c.sources);
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { extends: string; include: string[] };
    expect(copied).toContain(normalize(build.extends));
    expect(copied).toContain('tsconfig.build.json');
    for (const glob of build.include) expect(copied, glob).toContain(glob.split('/')[0]);
    // Relative imports leaving src/ and jobs/ (config/default.json) must be copied too.
    for (const file of codeFiles) {
      for (const spec of runtimeImports(file).filter((s) => s.startsWith('.'))) {
        const target = relative(ROOT, join(ROOT, dirname(file), spec)).split('\\').join('/');
        expect(
          copied.some((c) => target === c || target.startsWith(`${c}/`)),
          `${file} imports ${spec}, outside what the build stage copies`,
        ).toBe(true);
      }
    }
  });

  it('installs production dependencies only into the runtime, and the code imports nothing else', () => {
    expect(runs(stage('deps')).some((r) => /\bnpm ci\b/.test(r) && r.includes('--omit=dev'))).toBe(true);
    // TypeScript is devOptional (an optional peer of valibot), which --omit=dev keeps: removed after.
    expect(runs(stage('deps')).some((r) => /rm -rf node_modules\/typescript\b/.test(r))).toBe(true);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { devOptional?: boolean }> };
    expect(lock.packages['node_modules/typescript']?.devOptional).toBe(true);
    const builtins = new Set(builtinModules);
    for (const file of codeFiles) {
      for (const spec of runtimeImports(file).filter((s) => !s.startsWith('.'))) {
        if (spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        expect(pkg.dependencies, `${file} imports ${spec}: not a production dependency`).toHaveProperty([name]);
      }
    }
  });

  it('runs the cohort-reports CLI under tini as the non-root node user', () => {
    const runtime = stage('runtime');
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users.at(-1)).toBe('node');
    const entrypoint = JSON.parse(runtime.instructions.find((i) => i.keyword === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint).toEqual(['/usr/bin/tini', '--', 'cohort-reports']);
    expect(runs(runtime).some((r) => /apt-get install .*\btini\b/.test(r))).toBe(true);
    // cohort-reports on PATH is a link to the package's bin, which starts with a node shebang.
    const link = /ln -s (\S+) \/usr\/local\/bin\/cohort-reports/.exec(runs(runtime).join('\n'));
    expect(link?.[1]).toBe(`/app/${pkg.bin['cohort-reports']}`);
    const source = pkg.bin['cohort-reports']!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(readFileSync(join(ROOT, source), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(copies(runtime).some((c) => c.from === null && c.sources.includes('package.json'))).toBe(true);
  });

  it('writes reports to /reports, owned by the node user, declaring no VOLUME (one-off commands leave no anonymous volume)', () => {
    const runtime = stage('runtime');
    const env = runtime.instructions
      .filter((i) => i.keyword === 'ENV')
      .flatMap((i) => i.args.split(/\s+/))
      .map((kv) => kv.split('='));
    expect(Object.fromEntries(env)).toMatchObject({ COHORT_REPORTS_OUT: '/reports' });
    expect(ENV_OVERRIDES.map((o) => o.env)).toContain('COHORT_REPORTS_OUT');
    expect(runtime.instructions.some((i) => i.keyword === 'VOLUME')).toBe(false);
    expect(runs(runtime).join('\n')).toMatch(/chown node:node \/reports/);
  });

  it('bakes in no secret, and keeps .env, reports, node_modules, dist and git out of the build context', () => {
    for (const s of dockerfile.stages) {
      for (const i of s.instructions.filter((x) => ['ENV', 'ARG', 'LABEL'].includes(x.keyword))) {
        expect(i.args, `${s.name}: ${i.keyword} ${i.args}`).not.toMatch(/TOKEN|PASSWORD|SECRET|CREDENTIAL/i);
      }
    }
    for (const path of ['.env', '.env.production', 'reports/2026-10/manifest.json', 'node_modules/bullmq/package.json', 'dist/src/cli/main.js', '.git/HEAD', 'test/unit/docker-image.test.ts']) {
      expect(included(path), path).toBe(false);
    }
    for (const path of ['package.json', 'package-lock.json', 'src/cli/main.ts', 'jobs/start-worker.ts', 'config/default.json']) {
      expect(included(path), path).toBe(true);
    }
  });
});
