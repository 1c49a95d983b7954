/**
 * The dashboard as a real `cohort-reports dashboard` process, and raw HTTP requests to it with every
 * header under the test's control (fetch would not let a test set Host, nor leave Origin out on purpose).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { cliNodeArgs, PROJECT_ROOT } from './e2e-cli.js';
import { redisUrl } from './redis.js';

export interface DashboardProcess {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:41234/ */
  url: string;
  port: number;
  /** stdout and stderr so far. */
  output(): string;
}

/** Starts the dashboard on a free loopback port over the queue under `prefix`; resolves once it listens. */
export async function spawnDashboard(prefix: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<DashboardProcess> {
  const child = spawn(process.execPath, [...cliNodeArgs(), 'dashboard', '--port', '0', '--log-format', 'json', ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: redisUrl(), COHORT_REPORTS_PREFIX: prefix, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 20_000;
  let match: RegExpExecArray | null = null;
  while (!(match = /on (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(output))) {
    if (child.exitCode !== null) throw new Error(`dashboard exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`dashboard not listening within 20 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: match[1]!, port: Number(match[2]), output: () => output };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given; `host` among them replaces the one Node would send; null leaves it out. */
  headers?: Record<string, string | null>;
  body?: string;
  /** The client's address (e.g. 127.0.0.2, to be another client on loopback). */
  localAddress?: string;
}

/** One HTTP/1.1 request to `base` (the dashboard's URL) with exactly the given headers. */
export function send(base: string, path: string, options: RawRequest = {}): Promise<RawResponse> {
  const url = new URL(base);
  const headers: Record<string, string> = {};
  let setHost = true;
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) {
      if (name.toLowerCase() === 'host') setHost = false;
    } else {
      headers[name] = value;
    }
  }
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: options.method ?? 'GET', path, headers, setHost, agent: false, timeout: 10_000, ...(options.localAddress ? { localAddress: options.localAddress } : {}) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export const basicAuth = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
