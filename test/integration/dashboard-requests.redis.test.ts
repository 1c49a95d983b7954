/**
 * Who may talk to the dashboard, over real HTTP on loopback with a real queue: a Host that does not
 * name it (DNS rebinding) is refused before authentication and before Bull Board, /api/redis/stats
 * included; a state-changing request from another site (a "simple" text/plain or form POST, another
 * Origin, Sec-Fetch-Site cross-site) never acts; failed logins are throttled per client address and
 * logged without the password. The CLI process for the first two (and a burst against it), the app
 * in-process with its clock injected for the throttle's windows.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, QUEUE_NAME } from '../../jobs/job-types.js';
import { createLogger } from '../../src/logger.js';
import { clientKey, createDashboardApp, createLoginThrottle, startDashboard, type RunningDashboard } from '../../src/dashboard/index.js';
import { basicAuth, send, spawnDashboard, type DashboardProcess } from '../support/dashboard-http.js';
import { createTestRedis, testPrefix } from '../support/redis.js';
import { killChild, tearDown } from '../support/teardown.js';

const USER = 'ops';
const PASSWORD = 'tr0ub4dor: &3 ünïcode';
const PUBLIC = 'queues.example.com';

let redis: Redis;
let queue: Queue;
let prefix: string;
let dashboard: DashboardProcess;
const failed: string[] = [];

const auth = { authorization: basicAuth(USER, PASSWORD) };

async function failedJobs(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) ids.push((await queue.add('probe', { n }, { attempts: 1 })).id!);
  const taker = new Worker(QUEUE_NAME, null, { connection: createTestRedis(), prefix: bullPrefix(prefix), autorun: false });
  for (let n = 0; n < count; n++) {
    const token = randomUUID();
    await (await taker.getNextJob(token))!.moveToFailed(new Error('planned failure'), token, false);
  }
  await taker.close();
  return ids;
}

async function jobCount(): Promise<number> {
  return Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0);
}

beforeAll(async () => {
  redis = createTestRedis();
  prefix = testPrefix('dashboard-requests');
  queue = new Queue(QUEUE_NAME, { connection: createTestRedis(), prefix: bullPrefix(prefix) });
  failed.push(...(await failedJobs(6)));
  dashboard = await spawnDashboard(prefix, ['--allow-actions', '--public-host', PUBLIC], { DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD });
});

afterAll(async () => {
  await killChild(dashboard?.child);
  await tearDown({ prefix, queue, redis });
});

describe('the Host check (DNS rebinding)', () => {
  it('answers 421 to a Host that names another site, before authentication, on every route including /api/redis/stats', async () => {
    const port = dashboard.port;
    for (const host of [`attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`, `localhost.:${port}`, `evil.example@127.0.0.1:${port}`, `${PUBLIC}.evil.example`]) {
      for (const path of ['/', '/api/queues', '/api/redis/stats', '/static/favicon-32x32.png', `/queue/${QUEUE_NAME}`]) {
        for (const credentials of [auth, {}]) {
          const response = await send(dashboard.url, path, { headers: { host, ...credentials } });
          expect(response.status, `${host} ${path}`).toBe(421);
          expect(response.body).not.toMatch(/redis_version|used_memory|<html/i);
        }
      }
    }
    const noHost = await send(dashboard.url, '/api/redis/stats', { headers: { host: null, ...auth } });
    expect([400, 421]).toContain(noHost.status);
  });

  it('answers to its address, localhost and [::1] on any port (an SSH tunnel changes it), and to the --public-host name', async () => {
    const port = dashboard.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost:8080', `LOCALHOST:${port}`, PUBLIC, `${PUBLIC}:443`]) {
      const response = await send(dashboard.url, '/api/redis/stats', { headers: { host, ...auth } });
      expect(response.status, host).toBe(200);
      expect(response.body).toContain('version');
    }
  });
});

describe('the same-origin check (requests from other sites)', () => {
  const crossSite: Array<[string, Record<string, string>, string]> = [
    ['text/plain, Origin https://evil.example', { origin: 'https://evil.example', 'content-type': 'text/plain' }, '{"name":"month-run","data":{"outDir":"/tmp/victim"}}'],
    ['a form, Origin https://evil.example', { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, 'name=month-run&data=x'],
    ['JSON with Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, '{}'],
    ['JSON with Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' }, '{}'],
    ['Origin null (a sandboxed frame)', { origin: 'null', 'content-type': 'application/json' }, '{}'],
    ['another port on the same address', { origin: 'http://127.0.0.1:1', 'content-type': 'application/json' }, '{}'],
    ['a look-alike name', { origin: `http://${PUBLIC}.evil.example`, 'content-type': 'application/json' }, '{}'],
    ['text/plain without Origin or Sec-Fetch-Site', { 'content-type': 'text/plain' }, '{}'],
  ];

  it('refuses a cross-site simple POST to add a job with 403, and no job is created', async () => {
    const before = await jobCount();
    for (const [label, headers, body] of crossSite) {
      const response = await send(dashboard.url, `/api/queues/${QUEUE_NAME}/add`, { method: 'POST', headers: { ...headers, ...auth }, body });
      expect(response.status, label).toBe(403);
      expect(JSON.parse(response.body).error, label).toMatch(/may come from another site/);
    }
    expect(await jobCount()).toBe(before);
  });

  it('refuses each of them for an action the dashboard allows (retry), which then still has the job failed', async () => {
    for (const [label, headers, body] of crossSite) {
      const response = await send(dashboard.url, `/api/queues/${QUEUE_NAME}/${failed[0]}/retry`, { method: 'PUT', headers: { ...headers, ...auth }, body });
      expect(response.status, label).toBe(403);
    }
    expect(await queue.getJobState(failed[0]!)).toBe('failed');
  });

  it("lets the board's own page act (its Origin, Sec-Fetch-Site same-origin), a TLS proxy's public name, and a JSON client without Origin", async () => {
    const own = dashboard.url.replace(/\/$/, '');
    const allowed: Array<[string, Record<string, string>]> = [
      ['the page', { origin: own, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }],
      ['the page, axios PUT without a body type', { origin: own, 'sec-fetch-site': 'same-origin' }],
      ['the page behind a TLS proxy', { host: PUBLIC, origin: `https://${PUBLIC}`, 'content-type': 'application/json' }],
      ['the page through an SSH tunnel', { host: 'localhost:8080', origin: 'http://localhost:8080' }],
      ['curl with JSON', { 'content-type': 'application/json' }],
    ];
    for (const [i, [label, headers]] of allowed.entries()) {
      const id = failed[i + 1]!;
      const response = await send(dashboard.url, `/api/queues/${QUEUE_NAME}/${id}/retry`, { method: 'PUT', headers: { ...headers, ...auth }, body: '{}' });
      expect(response.status, `${label}: ${response.body}`).toBe(204);
      expect(await queue.getJobState(id), label).toBe('waiting');
    }
  });

  it('sends headers that forbid framing the board by another page', async () => {
    const response = await send(dashboard.url, '/', { headers: auth });
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['content-security-policy']).toBe("frame-ancestors 'none'");
  });
});

describe('failed logins against the CLI dashboard', () => {
  it('throttles a burst of 50 wrong passwords (the right one too, meanwhile) and logs each counted failure without any password', async () => {
    const wrong = Array.from({ length: 50 }, (_, i) => `guess-${i}-${randomUUID()}`);
    const statuses: number[] = [];
    for (const guess of wrong) statuses.push((await send(dashboard.url, '/api/queues', { headers: { authorization: basicAuth(USER, guess) } })).status);
    // The fifth failure within a minute starts the refusal (createLoginThrottle's default).
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual(Array(46).fill(429));
    const right = await send(dashboard.url, '/api/queues', { headers: auth });
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(right.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Another client address is not affected.
    expect((await send(dashboard.url, '/api/queues', { headers: auth, localAddress: '127.0.0.2' })).status).toBe(200);

    const lines = dashboard.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const failures = lines.filter((l) => l.msg === 'dashboard login failed');
    expect(failures).toHaveLength(5);
    for (const line of failures) expect(line).toMatchObject({ level: 40, client: '127.0.0.1', user: USER });
    expect(lines.filter((l) => l.msg === 'dashboard logins from this client refused after repeated failures')).toEqual([
      expect.objectContaining({ level: 40, client: '127.0.0.1', retryAfterSec: 60 }),
    ]);
    for (const secret of [PASSWORD, ...wrong]) expect(dashboard.output()).not.toContain(secret);
  });
});

describe('the login throttle, its clock injected', () => {
  let clock = 1_000_000;
  const logged: string[] = [];
  let running: RunningDashboard;

  beforeAll(async () => {
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => void logged.push(line) } });
    const app = createDashboardApp({ queues: [queue], auth: { user: USER, password: PASSWORD }, throttle: { now: () => clock }, log });
    running = await startDashboard({ app, host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await running?.close();
  });

  const login = async (user: string, password: string): Promise<{ status: number; retryAfter: number | null }> => {
    const response = await send(running.url, '/api/queues', { headers: { authorization: basicAuth(user, password) } });
    return { status: response.status, retryAfter: response.headers['retry-after'] === undefined ? null : Number(response.headers['retry-after']) };
  };

  it('refuses for a growing time after each burst, then accepts the right password once the window has passed', async () => {
    expect(await login(USER, PASSWORD)).toEqual({ status: 200, retryAfter: null });
    const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => login(USER, `wrong-${i}`)));
    expect(burst.filter((r) => r.status === 401)).toHaveLength(4);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(46);
    expect(await login(USER, PASSWORD)).toEqual({ status: 429, retryAfter: 60 });

    clock += 59_000;
    expect(await login(USER, PASSWORD)).toEqual({ status: 429, retryAfter: 1 });
    clock += 1_000;
    // The next burst is refused twice as long, and the next four times.
    for (const factor of [2, 4]) {
      const again = [];
      for (let i = 0; i < 5; i++) again.push(await login(USER, `again-${i}`));
      expect(again.map((r) => r.status)).toEqual([401, 401, 401, 401, 429]);
      expect(again[4]!.retryAfter).toBe(60 * factor);
      clock += 60_000 * factor;
    }
    expect(await login(USER, PASSWORD)).toEqual({ status: 200, retryAfter: null });
    // Without credentials at all (a browser's first request) nothing is counted.
    for (let i = 0; i < 10; i++) expect((await send(running.url, '/')).status).toBe(401);
    expect(await login(USER, PASSWORD)).toEqual({ status: 200, retryAfter: null });
  });

  it('logs the client address, and the user name only when it is the configured one', async () => {
    clock += 3_600_000;
    const before = logged.length;
    await login('hunter2-typed-as-user', 'x');
    await login(USER, 'y');
    const lines = logged.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, msg: 'dashboard login failed', client: '127.0.0.1', failures: 1 }),
      expect.objectContaining({ level: 40, msg: 'dashboard login failed', client: '127.0.0.1', user: USER, failures: 2 }),
    ]);
    expect(lines[0]).not.toHaveProperty('user');
    expect(logged.join('')).not.toContain('hunter2');
    expect(logged.join('')).not.toContain(PASSWORD);
  });
});

describe('createLoginThrottle and clientKey', () => {
  it('remembers at most maxClients clients, forgetting the least recently seen', () => {
    const throttle = createLoginThrottle({ maxFailures: 1, maxClients: 3, now: () => 0 });
    for (const client of ['a', 'b', 'c', 'd']) expect(throttle.failed(client).blockedForMs).toBe(60_000);
    expect(['a', 'b', 'c', 'd'].map((c) => throttle.retryAfterMs(c))).toEqual([0, 60_000, 60_000, 60_000]);
  });

  it('counts an IPv4-mapped address as IPv4 and an IPv6 address by its /64', () => {
    expect(clientKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientKey('127.0.0.1')).toBe('127.0.0.1');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
