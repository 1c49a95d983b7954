/**
 * The bucket's Lua scripts, read from ./lua/ beside this module on first use (the build copies the .lua
 * files into dist/, so there is one copy of each script in the repository). Read lazily: nothing is
 * read at import time.
 */
import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

function readScript(name: 'take-3.lua' | 'report-3.lua'): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./lua/${name}`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** lua/take-3.lua: takes one token, or says how long to wait. */
export function takeScript(): string {
  return readScript('take-3.lua');
}

/** lua/report-3.lua: applies server feedback (pause until reset, a lower limit). */
export function reportScript(): string {
  return readScript('report-3.lua');
}
