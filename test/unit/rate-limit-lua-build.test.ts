import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The compiled limiter reads its scripts from dist/src/rate-limit/lua/: tsc does not copy .lua files,
// so `npm run build` runs build:assets after it. This checks that step, not tsc.
describe('npm run build:assets', () => {
  it('puts every Lua script beside the compiled limiter, byte for byte', () => {
    execSync('npm run --silent build:assets', { stdio: 'pipe' });
    for (const name of ['take-3.lua', 'report-3.lua']) {
      expect(readFileSync(`dist/src/rate-limit/lua/${name}`, 'utf8')).toBe(readFileSync(`src/rate-limit/lua/${name}`, 'utf8'));
    }
  });
});
