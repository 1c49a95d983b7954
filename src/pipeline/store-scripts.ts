/**
 * The run store's Lua scripts, read from ./lua/ beside this module on first use (the build copies the
 * .lua files into dist/, as it does the limiter's). Read lazily: nothing is read at import time.
 */
import { readFileSync } from 'node:fs';

export type StoreScriptName = 'save-page.lua' | 'save-result.lua' | 'claim-contacts.lua' | 'save-request-stats.lua' | 'read-request-stats.lua';

const cache = new Map<StoreScriptName, string>();

export function storeScript(name: StoreScriptName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./lua/${name}`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}
