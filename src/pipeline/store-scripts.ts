/**
 * The run store's Lua scripts (./lua/), read on first use, each after ./lua/record.lua (split_record)
 * and ./lua/page-cursor.lua (page_progress, advance_page).
 */
import { readLuaScript } from '../shared/read-lua-script.js';

export type StoreScriptName = 'save-page-3+.lua' | 'save-result-3.lua' | 'save-conversations-1+.lua' | 'claim-contacts-1+.lua' | 'save-request-stats-1.lua' | 'read-request-stats-1.lua';

const LUA = new URL('./lua/', import.meta.url);

export function storeScript(name: StoreScriptName): string {
  return readLuaScript(LUA, name, ['record.lua', 'page-cursor.lua']);
}
