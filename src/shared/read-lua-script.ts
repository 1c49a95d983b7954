/**
 * Reads a Lua script from a folder beside the module that runs it, on first use (the build copies the
 * .lua files into dist/, so there is one copy of each script in the repository; nothing is read at
 * import time). `include` names scripts put before it, for code several scripts share (Redis has no
 * include of its own).
 */
import { readFileSync } from 'node:fs';

const cache = new Map<string, string>();

export function readLuaScript(folder: URL, name: string, include: readonly string[] = []): string {
  const url = new URL(name, folder).href;
  let text = cache.get(url);
  if (text === undefined) {
    text = [...include, name].map((part) => readFileSync(new URL(part, folder), 'utf8')).join('\n');
    cache.set(url, text);
  }
  return text;
}
