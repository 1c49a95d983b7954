/** The bucket's Lua scripts (./lua/), read on first use. */
import { readLuaScript } from '../shared/read-lua-script.js';

const LUA = new URL('./lua/', import.meta.url);

/** lua/take-3.lua: takes one token, or says how long to wait. */
export function takeScript(): string {
  return readLuaScript(LUA, 'take-3.lua');
}

/** lua/report-3.lua: applies server feedback (pause until reset, a lower limit). */
export function reportScript(): string {
  return readLuaScript(LUA, 'report-3.lua');
}
