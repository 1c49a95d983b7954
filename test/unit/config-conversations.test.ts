/**
 * report.conversations: on by default (as config/default.json, read as data, says), turned off by a
 * --config file or a flag, and a value that is not a boolean refused naming the field and the fix,
 * on the one line a ConfigError promises, like report.formulaGuard.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigProblem } from '../../src/config.js';

let tmp: string;
let defaultReport: Record<string, unknown>;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'config-conversations-'));
  const defaults = JSON.parse(await readFile(new URL('../../config/default.json', import.meta.url), 'utf8')) as { report: Record<string, unknown> };
  defaultReport = defaults.report;
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function configFile(name: string, contents: unknown): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, JSON.stringify(contents));
  return path;
}

function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('report.conversations', () => {
  it('is true in config/default.json, and the loaded config takes it from there', () => {
    expect(defaultReport.conversations).toBe(true);
    expect(loadConfig({ env: {}, requireToken: false }).config.report.conversations).toBe(true);
  });

  it('is turned off by a --config file, leaving the other report settings at their defaults', async () => {
    const file = await configFile('off.json', { report: { conversations: false } });
    const { report } = loadConfig({ configFile: file, env: {}, requireToken: false }).config;
    expect(report).toEqual({ ...defaultReport, conversations: false });
  });

  it('is turned off by a flag override over a file that turns it on', async () => {
    const file = await configFile('on.json', { report: { conversations: true } });
    const { config } = loadConfig({ configFile: file, env: {}, flags: { 'report.conversations': false }, requireToken: false });
    expect(config.report.conversations).toBe(false);
    expect(Object.isFrozen(config.report)).toBe(true);
  });

  it.each([['"no"', 'no'], ['0', 0], ['null', null], ['[]', []]])('refuses %s, naming the field and the fix on one line', async (_label, value) => {
    const file = await configFile('wrong.json', { report: { conversations: value } });
    const error = refusal(() => loadConfig({ configFile: file, env: {}, requireToken: false }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.problems.map((p: ConfigProblem) => p.field)).toEqual(['report.conversations']);
    const [problem] = error.problems;
    expect(problem!.fix).toMatch(/true .*Read conversations permission.* or false/);
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/^invalid configuration: report\.conversations: .* — write true/);
  });

  it('reports a misspelt setting as unknown, not as the setting turned off', async () => {
    const file = await configFile('typo.json', { report: { conversation: false } });
    const error = refusal(() => loadConfig({ configFile: file, env: {}, requireToken: false }));
    expect(error.problems).toEqual([{ field: 'report.conversation', message: 'unknown setting', fix: expect.stringMatching(/spelling/) }]);
  });

  it('is reported together with the other problems of the same file', async () => {
    const file = await configFile('two.json', { report: { conversations: 'yes', formulaGuard: 'no' } });
    const error = refusal(() => loadConfig({ configFile: file, env: {}, requireToken: false }));
    expect(error.problems.map((p) => p.field).sort()).toEqual(['report.conversations', 'report.formulaGuard']);
  });
});
