import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reportScript } from '../../src/rate-limit/lua/report-3.lua.js';
import { takeScript } from '../../src/rate-limit/lua/take-3.lua.js';

const luaDir = new URL('../../src/rate-limit/lua/', import.meta.url);

describe('embedded Lua scripts', () => {
  it('embed exactly the text of take-3.lua', () => {
    expect(takeScript).toBe(readFileSync(new URL('take-3.lua', luaDir), 'utf8'));
  });

  it('embed exactly the text of report-3.lua', () => {
    expect(reportScript).toBe(readFileSync(new URL('report-3.lua', luaDir), 'utf8'));
  });
});
