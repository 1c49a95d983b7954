/**
 * Installable outside the clone: `npm pack` (which builds through `prepare`), install the tarball
 * into an empty folder, and run the installed `cohort-reports` there, as a user would with npx.
 * The pack happens in a copy of the project, so rebuilding dist/ cannot disturb other tests.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';

const run = promisify(execFile);
const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[]; private?: boolean };

let tmp: string;
let app: string;
let tarEntries: string[];

function cleanEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'pack-install-'));
  const copy = join(tmp, 'project');
  await mkdir(copy);
  for (const entry of ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'src', 'jobs', 'config', 'docs']) {
    await cp(join(PROJECT_ROOT, entry), join(copy, entry), { recursive: true });
  }
  await symlink(join(PROJECT_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: copy, env: cleanEnv() });
  const tarball = join(tmp, stdout.trim().split('\n').at(-1)!);
  tarEntries = (await run('tar', ['tzf', tarball])).stdout.trim().split('\n');
  app = join(tmp, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'someone-elses-project', version: '1.0.0', private: true }));
  await run('npm', ['install', '--prefer-offline', tarball], { cwd: app, env: cleanEnv() });
}, 180_000);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the published package', () => {
  it('is publishable and holds only what runs', () => {
    expect(pkg.private).toBeUndefined();
    expect(tarEntries).toContain('package/dist/src/cli/main.js');
    expect(tarEntries).toContain('package/dist/src/rate-limit/lua/take-3.lua');
    expect(tarEntries).toContain('package/dist/config/default.json');
    expect(tarEntries.filter((e) => /\/(test|node_modules)\/|\.ts$|\.map$/.test(e))).toEqual([]);
    expect(tarEntries.filter((e) => !/^package\/(dist\/(src|jobs|config)\/|docs\/METRICS\.md$|package\.json$|README\.md$)/.test(e))).toEqual([]);
  });

  it('`npx cohort-reports --version` prints the version', async () => {
    const { stdout } = await run('npx', ['--no-install', 'cohort-reports', '--version'], { cwd: app, env: cleanEnv() });
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('`npx cohort-reports run --sandbox --month last` writes the reports to ./sandbox-reports of the folder it runs in, never ./reports', async () => {
    const { stdout } = await run('npx', ['--no-install', 'cohort-reports', 'run', '--sandbox', '--month', 'last', '--sandbox-contacts', '300'], { cwd: app, env: cleanEnv() });
    const month = lastEndedMonth(Date.now() / 1000, 'UTC');
    expect(stdout).toMatch(new RegExp(`^wrote ${month}: \\d+ cohorts`, 'm'));
    expect(stdout).toContain(`reports in ${join(app, 'sandbox-reports')}:`);
    expect(existsSync(join(app, 'reports'))).toBe(false);
    const results = JSON.parse(await readFile(join(app, 'sandbox-reports', 'run_results.json'), 'utf8')) as { status: string; months: Array<{ month: string }> };
    expect(results.status).toBe('success');
    expect(results.months.map((m) => m.month)).toEqual([month]);
  });
});
