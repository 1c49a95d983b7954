/**
 * A redis-server of the test's own, on a free loopback port, with AOF persistence in a temporary
 * folder (as docker-compose.yml configures production Redis), so it can be stopped mid-run and started
 * again on the same port with the same data. redis-server must be on PATH (.ci/run installs it when
 * missing); if it is not, start() fails and says so — the test is never skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { freePort } from './free-port.js';

export interface OwnRedisServer {
  url: string;
  port: number;
  /** Stops the server with `signal` (SIGTERM: a clean shutdown that flushes the AOF) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder; resolves once it answers PING. */
  start(): Promise<void>;
  /** Stops it for good (SIGKILL if it does not exit on SIGTERM within 5 s); safe to call twice. */
  close(): Promise<void>;
}

function ping(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.on('data', (b: Buffer) => {
      reply += b.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export async function startOwnRedisServer(options: { dir: string; readyTimeoutMs?: number }): Promise<OwnRedisServer> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let output = '';
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;

  async function start(): Promise<void> {
    if (child !== null) throw new Error('redis-server is already running');
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', options.dir];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    proc.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const spawnError = new Promise<never>((_, reject) =>
      proc.once('error', (err) => reject(new Error(`cannot start redis-server (is it on PATH? .ci/run installs it): ${err.message}`))),
    );
    spawnError.catch(() => {});
    proc.once('exit', () => {
      if (child === proc) child = null;
    });
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      const ready = await Promise.race([ping(port, 500), spawnError]);
      if (ready) return;
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${readyTimeoutMs} ms:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = child;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill(signal);
    await exited;
    child = null;
  }

  async function close(): Promise<void> {
    const proc = child;
    if (proc === null) return;
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await stop('SIGTERM');
    clearTimeout(timer);
  }

  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start, close };
}
