/**
 * docker-compose.yml, checked without a container engine: it parses (anchors and merge keys resolved
 * as Compose resolves them), needs no variable to be set, Redis persists and never evicts, services
 * start in order and scale, every service's command is accepted by the real CLI, and no secret is in it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ENV_OVERRIDES, loadConfig } from '../../src/config.js';
import { cliNodeArgs } from '../support/e2e-cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  profiles?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  stop_grace_period?: string;
  container_name?: string;
}

const raw = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');

/** Compose's interpolation for the forms used here (`$$`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?:(:?-)([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
    if (whole === '$$') return '$';
    const set = env[name!];
    if (op === ':-') return set ? set : (fallback ?? '');
    if (op === '-') return set ?? fallback ?? '';
    return set ?? '';
  });
}

function resolve<T>(node: T, env: Record<string, string>): T {
  if (typeof node === 'string') return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((n) => resolve(n, env) as unknown) as T;
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolve(v, env)])) as T;
  return node;
}

const compose = resolve(parse(raw, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> }, {});
const services = compose.services;
const APP_SERVICES = ['scheduler', 'worker', 'dashboard', 'demo'] as const;
const defaults = loadConfig({ env: {}, requireToken: false }).config;

async function cliAccepts(args: string[]): Promise<{ code: number | null; stderr: string }> {
  // --help after the service's own arguments: the CLI parses every flag strictly, then prints help.
  const child = spawn(process.execPath, [...cliNodeArgs(), ...args, '--help'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

describe('docker-compose.yml', () => {
  it('parses, and resolves with no variable set (no ${VAR:?} that would stop `docker compose up`)', () => {
    expect(raw).not.toMatch(/\$\{\w+:?\?/);
    expect(Object.keys(services).sort()).toEqual(['dashboard', 'demo', 'redis', 'scheduler', 'worker']);
  });

  it('runs Redis with AOF persistence, maxmemory-policy noeviction, a data volume and a health check', () => {
    const redis = services.redis!;
    const cmd = redis.command!;
    const flag = (name: string): string | undefined => cmd[cmd.indexOf(name) + 1];
    expect(cmd[0]).toBe('redis-server');
    expect(flag('--appendonly')).toBe('yes');
    expect(flag('--maxmemory-policy')).toBe('noeviction');
    expect(redis.volumes!.some((v) => v.endsWith(':/data'))).toBe(true);
    expect(redis.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(Object.keys(compose.volumes)).toContain(redis.volumes![0]!.split(':')[0]);
  });

  it('starts the scheduler, workers and dashboard once Redis is healthy; the demo needs no Redis', () => {
    for (const name of ['scheduler', 'worker', 'dashboard']) expect(services[name]!.depends_on?.redis?.condition, name).toBe('service_healthy');
    expect(services.demo!.depends_on).toBeUndefined();
  });

  it('runs the scheduler once and workers that scale: no fixed name, no published port, time to drain', () => {
    expect(services.scheduler!.command).toEqual(['schedule']);
    expect(services.scheduler!.restart).toBe('no');
    const worker = services.worker!;
    expect(worker.command![0]).toBe('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    const graceSec = Number(/^(\d+)s$/.exec(worker.stop_grace_period!)![1]);
    expect(graceSec * 1000).toBeGreaterThan(defaults.worker.drainTimeoutMs);
    const metricsPort = worker.command![worker.command!.indexOf('--metrics-port') + 1];
    expect(worker.expose).toEqual([metricsPort]);
    expect(worker.command![worker.command!.indexOf('--metrics-host') + 1]).toBe('0.0.0.0');
  });

  it("gives every service a real CLI command with flags the CLI accepts", async () => {
    const results = await Promise.all(APP_SERVICES.map(async (name) => [name, await cliAccepts(services[name]!.command!)] as const));
    for (const [name, { code, stderr }] of results) expect(code, `${name}: ${services[name]!.command!.join(' ')}\n${stderr}`).toBe(0);
  });

  it('the CLI check itself refuses a flag the CLI does not have', async () => {
    const { code, stderr } = await cliAccepts(['worker', '--metrics-bind', '0.0.0.0']);
    expect(code).toBe(2);
    expect(stderr).toContain('--metrics-bind');
  });

  it('sets only environment variables the CLI reads, and takes every secret from the environment', () => {
    const known = new Set([...ENV_OVERRIDES.map((o) => o.env), 'INTERCOM_TOKEN', 'DASHBOARD_USER', 'DASHBOARD_PASSWORD']);
    const unresolved = parse(raw, { merge: true }) as { services: Record<string, Service> };
    for (const name of APP_SERVICES) {
      for (const key of Object.keys(services[name]!.environment ?? {})) expect(known, `${name}: ${key}`).toContain(key);
      for (const secret of ['INTERCOM_TOKEN', 'DASHBOARD_USER', 'DASHBOARD_PASSWORD']) {
        const value = unresolved.services[name]!.environment?.[secret];
        if (value !== undefined) expect(value, `${name}: ${secret}`).toBe(`\${${secret}:-}`);
      }
    }
    // The scheduler reads the workspace too (which one, and that the selection keeps a cohort) before it schedules.
    for (const name of ['scheduler', 'worker']) expect(services[name]!.environment, name).toHaveProperty('INTERCOM_TOKEN');
    expect(services.dashboard!.environment).toHaveProperty('DASHBOARD_PASSWORD');
    for (const name of ['dashboard', 'demo']) expect(services[name]!.environment, name).not.toHaveProperty('INTERCOM_TOKEN');
  });

  it('puts the dashboard and the demo behind profiles, the dashboard published on host loopback only', () => {
    for (const name of ['redis', 'scheduler', 'worker']) expect(services[name]!.profiles, name).toBeUndefined();
    expect(services.dashboard!.profiles).toEqual(['dashboard']);
    expect(services.demo!.profiles).toEqual(['demo']);
    const dashboard = services.dashboard!;
    const containerPort = dashboard.command![dashboard.command!.indexOf('--port') + 1];
    expect(dashboard.ports).toEqual([`127.0.0.1:3000:${containerPort}`]);
  });

  it('mounts the reports volume where the image writes reports, the demo on a volume of its own', () => {
    const imageOut = /COHORT_REPORTS_OUT=(\S+)/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1];
    for (const name of APP_SERVICES) {
      const mounts = services[name]!.volumes!.map((v) => v.split(':'));
      expect(mounts.some(([, target]) => target === imageOut), name).toBe(true);
    }
    const volumeOf = (name: string): string => services[name]!.volumes!.find((v) => v.endsWith(`:${imageOut}`))!.split(':')[0]!;
    expect(new Set(['scheduler', 'worker', 'dashboard'].map(volumeOf))).toEqual(new Set(['reports']));
    expect(volumeOf('demo')).not.toBe('reports');
    expect(services.demo!.command!.slice(0, 2)).toEqual(['run', '--sandbox']);
  });

  it('builds every app service from this directory, where the Dockerfile is', () => {
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    const images = new Set(APP_SERVICES.map((name) => services[name]!.image));
    expect(images.size).toBe(1);
    for (const name of APP_SERVICES) expect(services[name]!.build, name).toBe('.');
  });
});
