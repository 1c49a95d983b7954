import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from '../../src/cli/limit-heap-growth.js';

describe('limitHeapGrowth', () => {
  it('leaves a heap-growing percent given on the node command line alone, in either spelling', () => {
    expect(limitHeapGrowth(['--heap-growing-percent=50'])).toBe(false);
    expect(limitHeapGrowth(['--max-old-space-size=4096', '--heap_growing_percent=80'])).toBe(false);
  });

  it('sets the cap otherwise, and V8 accepts the flag on this Node.js (an unknown flag would be ignored silently)', () => {
    expect(limitHeapGrowth([])).toBe(true);
    // The flag exists in this V8: node lists it among its V8 options.
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toMatch(/--heap-growing-percent/);
  });
});
