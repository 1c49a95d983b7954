/**
 * The launcher the README uses, `npx cohort-reports`, runs the built bin: it must stay executable after
 * any build (tsc writes it without the executable bit; the build's last step sets it), and `prepare`
 * links it into node_modules/.bin so npx finds it without asking the registry.
 */
import { execFileSync, execSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the built bin', () => {
  it('is executable after the build step, starts on its own, and the build and prepare scripts end with the steps that make it so', () => {
    execSync('npm run --silent build:assets', { stdio: 'pipe' });
    const bin = 'dist/src/cli/main.js';
    expect(statSync(bin).mode & 0o111).toBe(0o111);
    expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };
    // Run as a program, not through `node`: what a shell (and npx) does with the link.
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
    expect(pkg.bin['cohort-reports']).toBe(bin);
    expect(pkg.scripts.build).toMatch(/&& npm run build:assets$/);
    expect(pkg.scripts['build:assets']).toContain(`chmodSync('${bin}', 0o755)`);
    expect(pkg.scripts.prepare).toBe('npm run build && npm run link:bin');
    execSync('npm run --silent link:bin', { stdio: 'pipe' });
    expect(execFileSync('node_modules/.bin/cohort-reports', ['--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });
});
