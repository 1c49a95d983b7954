import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The run store and the contact claims read their scripts from dist/src/pipeline/lua/ once built.
describe('the run store scripts in the build and the package', () => {
  it('are copied beside the compiled store, byte for byte, and listed in the package files', () => {
    execSync('npm run --silent build:assets', { stdio: 'pipe' });
    const names = readdirSync('src/pipeline/lua').filter((n) => n.endsWith('.lua'));
    expect(names.sort()).toEqual(['claim-contacts.lua', 'read-request-stats.lua', 'save-page.lua', 'save-request-stats.lua', 'save-result.lua']);
    for (const name of names) expect(readFileSync(`dist/src/pipeline/lua/${name}`, 'utf8')).toBe(readFileSync(`src/pipeline/lua/${name}`, 'utf8'));
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('dist/src/pipeline/lua/*.lua');
  });
});
