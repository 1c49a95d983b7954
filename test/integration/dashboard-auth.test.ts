/**
 * The dashboard's access rules: the basic-auth check itself, when authentication is required, and the
 * CLI refusing to bind beyond loopback without credentials (before it touches Redis).
 */
import { describe, expect, it } from 'vitest';
import { checkBasicAuth, DashboardError, resolveDashboardAuth } from '../../src/dashboard/index.js';
import { runCli } from '../support/e2e-cli.js';

const basic = (userPass: string): string => `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}`;
const expected = { user: 'ops', password: 'pa:ss wörd' };

/** No DASHBOARD_* and a Redis URL nothing answers on: the refusal must come before any connection. */
const bareEnv = { REDIS_URL: 'redis://127.0.0.1:1' };

describe('checkBasicAuth', () => {
  it('accepts exactly the configured user and password, a password with ":" and non-ASCII included', () => {
    expect(checkBasicAuth(basic('ops:pa:ss wörd'), expected)).toBe(true);
    expect(checkBasicAuth(basic('ops:pa:ss wörd').replace('Basic', 'basic'), expected)).toBe(true);
  });

  it('refuses a wrong user, a wrong or partial password, and an empty one', () => {
    expect(checkBasicAuth(basic('Ops:pa:ss wörd'), expected)).toBe(false);
    expect(checkBasicAuth(basic('ops:pa:ss word'), expected)).toBe(false);
    expect(checkBasicAuth(basic('ops:pa'), expected)).toBe(false);
    expect(checkBasicAuth(basic('ops:pa:ss wörd '), expected)).toBe(false);
    expect(checkBasicAuth(basic('ops:'), expected)).toBe(false);
  });

  it('refuses a missing header, another scheme and a value without a colon', () => {
    expect(checkBasicAuth(undefined, expected)).toBe(false);
    expect(checkBasicAuth('', expected)).toBe(false);
    expect(checkBasicAuth(`Bearer ${Buffer.from('ops:pa:ss wörd').toString('base64')}`, expected)).toBe(false);
    expect(checkBasicAuth(basic('opspa'), { user: 'ops', password: 'pa' })).toBe(false);
    expect(checkBasicAuth('Basic', expected)).toBe(false);
  });
});

describe('resolveDashboardAuth', () => {
  it('runs without authentication only on loopback and only when no credentials are given', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) {
      expect(resolveDashboardAuth({ host, user: undefined, password: undefined }), host).toBeNull();
    }
    expect(resolveDashboardAuth({ host: '127.0.0.1', user: '', password: '' })).toBeNull();
  });

  it('uses the credentials whenever both are given, on loopback too', () => {
    expect(resolveDashboardAuth({ host: '127.0.0.1', user: 'ops', password: 's3cret' })).toEqual({ user: 'ops', password: 's3cret' });
    expect(resolveDashboardAuth({ host: '0.0.0.0', user: 'ops', password: 's3cret' })).toEqual({ user: 'ops', password: 's3cret' });
  });

  it('refuses a non-loopback host without credentials, with exit code 2', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'dashboard.internal']) {
      let caught: unknown;
      try {
        resolveDashboardAuth({ host, user: undefined, password: undefined });
      } catch (err) {
        caught = err;
      }
      expect(caught, host).toBeInstanceOf(DashboardError);
      expect((caught as DashboardError).code).toBe('DASHBOARD_AUTH_REQUIRED');
      expect((caught as DashboardError).exitCode).toBe(2);
    }
  });

  it('refuses half a pair of credentials and a user containing ":"', () => {
    expect(() => resolveDashboardAuth({ host: '127.0.0.1', user: 'ops', password: undefined })).toThrow(/DASHBOARD_PASSWORD is not set/);
    expect(() => resolveDashboardAuth({ host: '127.0.0.1', user: '', password: 'x' })).toThrow(/DASHBOARD_USER is not set/);
    expect(() => resolveDashboardAuth({ host: '127.0.0.1', user: 'o:ps', password: 'x' })).toThrow(/must not contain ":"/);
  });
});

describe('cohort-reports dashboard', () => {
  it('exits 2 with a one-line reason when bound to 0.0.0.0 without DASHBOARD_USER/DASHBOARD_PASSWORD', async () => {
    const { code, stdout, stderr } = await runCli(['dashboard', '--host', '0.0.0.0'], bareEnv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^cohort-reports: .*refusing to listen on 0\.0\.0\.0 without authentication: set DASHBOARD_USER and DASHBOARD_PASSWORD.*\n$/);
  });

  it('exits 2 with a one-line reason on a --public-host that is not a host name', async () => {
    const values = ['https://queues.example.com', 'evil.example/x', 'user@queues.example.com', 'queues.example.com:99999'];
    const results = await Promise.all(values.map((value) => runCli(['dashboard', '--public-host', 'ok.example', '--public-host', value], bareEnv)));
    for (const [i, { code, stdout, stderr }] of results.entries()) {
      const value = values[i]!;
      expect(code, value).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(`cohort-reports: --public-host must be a host name or name:port as browsers put it in the Host header (got ${JSON.stringify(value)})\n`);
    }
  });

  it('exits 2 on a port out of range and on an unknown flag', async () => {
    expect((await runCli(['dashboard', '--port', '70000'], bareEnv)).code).toBe(2);
    const unknown = await runCli(['dashboard', '--bind', '0.0.0.0'], bareEnv);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--bind');
  });
});
