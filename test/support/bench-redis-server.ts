/**
 * A redis-server for one benchmark alone (free loopback port, no persistence, `noeviction` as in
 * production), so its memory figures are that benchmark's and nobody else's; and its INFO memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface BenchRedisServer {
  url: string;
  child: ChildProcess;
  output(): string;
}

/** Resolves once the new server answers PING. */
export async function startRedisServer(): Promise<BenchRedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const failed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`cannot start redis-server (is it on PATH?): ${err.message}`))));
  failed.catch(() => {});
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      const ok = await Promise.race([probe.connect().then(() => probe.ping()).then((r) => r === 'PONG', () => false), failed]);
      if (ok) return { url, child, output: () => output };
      probe.disconnect();
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    probe.disconnect();
  }
}

export async function memoryInfo(redis: Redis): Promise<{ used: number; peak: number; rss: number }> {
  const info = await redis.info('memory');
  const field = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return { used: field('used_memory'), peak: field('used_memory_peak'), rss: field('used_memory_rss') };
}

/**
 * MEMORY USAGE of every key, summed by family: the key with ids (UUIDs, then runs of digits) blanked,
 * largest first, as `family bytes` — what a run leaves behind, by kind.
 */
export async function memoryByFamily(redis: Redis, top = 6): Promise<string> {
  const families = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const bytes = Number((await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
      const family = key.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>').replace(/\d+/g, '#');
      families.set(family, (families.get(family) ?? 0) + bytes);
    }
  } while (cursor !== '0');
  return [...families]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([family, bytes]) => `${family} ${bytes}`)
    .join(', ');
}
