import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

let tmp: string;
let defaults: Record<string, Record<string, unknown>>;

async function configFile(name: string, contents: unknown): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, typeof contents === 'string' ? contents : JSON.stringify(contents));
  return path;
}

function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'config-load-'));
  // The defaults as the file holds them, read as data, not through the module under test.
  defaults = JSON.parse(await readFile(new URL('../../config/default.json', import.meta.url), 'utf8')) as typeof defaults;
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('loadConfig precedence: default < --config file < environment < flags', () => {
  it('takes config/default.json when nothing overrides it', () => {
    const { config } = loadConfig({ env: {}, requireToken: false });
    expect(config.report.timezone).toBe(defaults.report!.timezone);
    expect(config.rateLimit.allowancePerWindow).toBe(defaults.rateLimit!.allowancePerWindow);
    expect(config.worker).toEqual(defaults.worker);
  });

  it('lets each layer override the one before it, field by field', async () => {
    const file = await configFile('layers.json', {
      report: { timezone: 'America/New_York', outDir: '/from/file' },
      rateLimit: { allowancePerWindow: 500 },
      log: { level: 'debug' },
    });
    const fileOnly = loadConfig({ configFile: file, env: {}, requireToken: false }).config;
    expect(fileOnly.report).toEqual({ timezone: 'America/New_York', outDir: '/from/file', formats: ['csv'], formulaGuard: true, conversations: true });
    expect(fileOnly.rateLimit.allowancePerWindow).toBe(500);

    const env = { REPORT_TIMEZONE: 'Asia/Tokyo', RATE_LIMIT_ALLOWANCE: '700' };
    const fileAndEnv = loadConfig({ configFile: file, env, requireToken: false }).config;
    expect(fileAndEnv.report).toMatchObject({ timezone: 'Asia/Tokyo', outDir: '/from/file' });
    expect(fileAndEnv.rateLimit.allowancePerWindow).toBe(700);
    expect(fileAndEnv.log.level).toBe('debug');

    const all = loadConfig({
      configFile: file,
      env,
      flags: { 'report.timezone': 'Europe/Berlin', 'log.level': undefined },
      requireToken: false,
    }).config;
    expect(all.report).toMatchObject({ timezone: 'Europe/Berlin', outDir: '/from/file' });
    expect(all.rateLimit.allowancePerWindow).toBe(700);
    // An absent flag overrides nothing.
    expect(all.log.level).toBe('debug');
  });

  it('merges a partial file into the defaults, keeping the sibling fields', async () => {
    const file = await configFile('partial.json', { intercom: { perPage: 40 } });
    const { config } = loadConfig({ configFile: file, env: {}, requireToken: false });
    expect(config.intercom.perPage).toBe(40);
    expect(config.intercom.maxAttempts).toBe(defaults.intercom!.maxAttempts);
  });

  it('ignores empty environment variables', () => {
    const { config } = loadConfig({ env: { REPORT_TIMEZONE: '', RATE_LIMIT_ALLOWANCE: '' }, requireToken: false });
    expect(config.report.timezone).toBe(defaults.report!.timezone);
  });

  it('resolves a region name to its https base URL', () => {
    expect(loadConfig({ env: { INTERCOM_BASE_URL: 'eu' }, requireToken: false }).config.intercom.baseUrl).toBe('https://api.eu.intercom.io');
  });

  it('returns a deeply frozen object', () => {
    const { config } = loadConfig({ env: {}, requireToken: false });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.report)).toBe(true);
    expect(Object.isFrozen(config.cohorts.include)).toBe(true);
  });
});

describe('loadConfig validation', () => {
  it('reports every problem together, each with its field, and a fix where one is not obvious', async () => {
    const file = await configFile('many.json', {
      intercom: { perPage: 500, perPge: 1 },
      worker: { concurrency: '8' },
      schedule: { cron: '61 * * * *' },
      colour: 'blue',
    });
    const problems = problemsOf(() =>
      loadConfig({
        configFile: file,
        env: { RATE_LIMIT_ALLOWANCE: '-5', RATE_LIMIT_SHARE: 'lots', INTERCOM_BASE_URL: 'http://api.example.com' },
        flags: { 'report.timezone': 'Mars/Olympus_Mons' },
        requireToken: true,
      }),
    );
    const byField = new Map(problems.map((p) => [p.field, p]));
    expect([...byField.keys()].sort()).toEqual(
      [
        'INTERCOM_TOKEN',
        'colour',
        'intercom.baseUrl',
        'intercom.perPage',
        'intercom.perPge',
        'rateLimit.allowancePerWindow',
        'rateLimit.share (from RATE_LIMIT_SHARE)',
        'report.timezone',
        'schedule.cron',
        'worker.concurrency',
      ].sort(),
    );
    expect(byField.get('intercom.perPage')!.fix).toMatch(/1 to 150/);
    expect(byField.get('intercom.perPge')).toMatchObject({ message: 'unknown setting', fix: expect.stringMatching(/spelling/) });
    expect(byField.get('worker.concurrency')!.fix).toMatch(/write a number/);
    expect(byField.get('rateLimit.allowancePerWindow')!.fix).toMatch(/requests your app may make/);
    expect(byField.get('intercom.baseUrl')!.message).toMatch(/unencrypted/);
    expect(byField.get('INTERCOM_TOKEN')!.fix).toMatch(/export INTERCOM_TOKEN/);
    expect(byField.get('schedule.cron')!.message).toMatch(/not a valid cron pattern/);
  });

  it('takes report.formats with csv, optionally parquet, and refuses anything else naming the field', () => {
    const load = (formats: unknown) => loadConfig({ env: {}, flags: { 'report.formats': formats as string[] }, requireToken: false });
    expect(load(['csv', 'parquet']).config.report.formats).toEqual(['csv', 'parquet']);
    expect(load(['csv']).config.report.formulaGuard).toBe(true);
    for (const bad of [['parquet'], ['csv', 'xml'], ['csv', 'csv'], []]) {
      expect(problemsOf(() => load(bad)).some((p) => p.field.startsWith('report.formats')), JSON.stringify(bad)).toBe(true);
    }
    expect(problemsOf(() => loadConfig({ env: {}, flags: { 'report.formulaGuard': 'no' }, requireToken: false })).map((p) => p.field)).toEqual([
      'report.formulaGuard',
    ]);
  });

  it('puts all problems on one line of the error message', () => {
    try {
      loadConfig({ env: { RATE_LIMIT_ALLOWANCE: '0', REPORT_TIMEZONE: 'Nowhere/Else' }, requireToken: false });
      expect.unreachable();
    } catch (err) {
      const message = (err as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/rateLimit\.allowancePerWindow: .*; report\.timezone: /);
    }
  });

  it('reports an unreadable or malformed --config file as a problem, not a crash', async () => {
    expect(problemsOf(() => loadConfig({ configFile: join(tmp, 'missing.json'), env: {}, requireToken: false }))).toEqual([
      expect.objectContaining({ field: '--config', message: expect.stringMatching(/ENOENT/) }),
    ]);
    const bad = await configFile('bad.json', '{ "report": ');
    expect(problemsOf(() => loadConfig({ configFile: bad, env: {}, requireToken: false }))).toEqual([
      expect.objectContaining({ field: '--config', fix: expect.stringMatching(/JSON syntax/) }),
    ]);
    const array = await configFile('array.json', '[1, 2]');
    expect(problemsOf(() => loadConfig({ configFile: array, env: {}, requireToken: false }))[0]!.message).toMatch(/not a JSON object/);
  });
});

describe('the Intercom token', () => {
  const token = 'dG9rOnNlY3JldC10b2tlbi12YWx1ZQ==';

  it('comes from INTERCOM_TOKEN only and is returned beside the config, never inside it', () => {
    const { config, token: loaded } = loadConfig({ env: { INTERCOM_TOKEN: `  ${token}\n` }, requireToken: true });
    expect(loaded).toBe(token);
    expect(JSON.stringify(config)).not.toContain(token);
  });

  it('is null when not required and not set', () => {
    expect(loadConfig({ env: {}, requireToken: false }).token).toBeNull();
  });

  it('may not be put in a config file, and the refusal does not repeat it', async () => {
    const file = await configFile('token.json', { intercom: { token } });
    let message = '';
    const problems = problemsOf(() => {
      try {
        return loadConfig({ configFile: file, env: { INTERCOM_TOKEN: 'from-env-1234' }, requireToken: true });
      } catch (err) {
        message = (err as Error).message;
        throw err;
      }
    });
    expect(problems).toEqual([
      { field: 'intercom.token', message: 'the token is not read from config files', fix: expect.stringMatching(/INTERCOM_TOKEN/) },
    ]);
    expect(message).not.toContain(token);
  });
});
