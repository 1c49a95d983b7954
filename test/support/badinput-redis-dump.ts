/**
 * Reads Redis the way an attacker with read access would: every key matching a pattern (SCAN, never
 * KEYS) and every value of it, whatever its type, as text. The security tests search that text for
 * the token and list the keys a deployment made.
 */
import type { Redis } from 'ioredis';

export async function scanKeys(redis: Redis, match: string): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) keys.add(key);
  } while (cursor !== '0');
  return [...keys].sort();
}

/** Every key and its whole value, one line per key; a key gone between SCAN and read is skipped. */
export async function dumpKeys(redis: Redis, keys: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const key of keys) {
    const type = await redis.type(key);
    let value: unknown;
    switch (type) {
      case 'string':
        value = await redis.get(key);
        break;
      case 'hash':
        value = await redis.hgetall(key);
        break;
      case 'list':
        value = await redis.lrange(key, 0, -1);
        break;
      case 'set':
        value = await redis.smembers(key);
        break;
      case 'zset':
        value = await redis.zrange(key, 0, -1, 'WITHSCORES');
        break;
      case 'stream':
        value = await redis.xrange(key, '-', '+');
        break;
      case 'none':
        continue;
      default:
        value = `(type ${type})`;
    }
    lines.push(`${key} ${type} ${JSON.stringify(value)}`);
  }
  return lines.join('\n');
}
