import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type ScriptRunner = (keys: string[], args: Array<string | number>) => Promise<unknown>;

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

/**
 * Runs one Lua script by its SHA1 (one EVALSHA per call). The script is loaded on first need and again
 * whenever Redis has forgotten it (NOSCRIPT after SCRIPT FLUSH, a restart or a failover).
 */
export function createScriptRunner(redis: Redis, source: string): ScriptRunner {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (keys, args) => {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      await redis.script('LOAD', source);
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    }
  };
}
