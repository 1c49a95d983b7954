import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The run store reads its scripts from dist/src/pipeline/lua/ once built.
describe('the run store scripts in the build and the package', () => {
  it('are copied beside the compiled store, byte for byte, and listed in the package files', () => {
    execSync('npm run --silent build:assets', { stdio: 'pipe' });
    const names = readdirSync('src/pipeline/lua').filter((n) => n.endsWith('.lua'));
    expect(names.sort()).toEqual(['claim-contacts-1+.lua', 'page-cursor.lua', 'read-request-stats-1.lua', 'record.lua', 'save-conversations-1+.lua', 'save-page-3+.lua', 'save-request-stats-1.lua', 'save-result-3.lua']);
    for (const name of names) expect(readFileSync(`dist/src/pipeline/lua/${name}`, 'utf8')).toBe(readFileSync(`src/pipeline/lua/${name}`, 'utf8'));
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('dist/src/pipeline/lua/*.lua');
  });
});
