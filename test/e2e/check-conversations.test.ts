/**
 * `cohort-reports check`'s conversations line, through the real CLI against sandboxes started in the
 * test (one whose token may read conversations, one without the Read conversations permission): ✓ after
 * one search, ✗ with both fixes and exit 1 when refused, and with report.conversations false a ✓ line
 * saying so without any search — counted by the sandbox, not taken from the CLI's word.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runCli, type CliResult } from '../support/e2e-cli.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { redisUrl } from '../support/redis.js';

const ALLOWANCE = 20_000;
const READ_OK = '✓ conversations: the token may read conversations';
const OFF = '✓ conversations: off (report.conversations: false), no cohort_conversations.csv';

let allowed: E2eSandbox;
/** The e2e sandbox's settings, but its token lacks the Read conversations permission (no CLI variant offers that). */
let denied: Sandbox;
let deniedEnv: Record<string, string>;
let tmp: string;

beforeAll(async () => {
  allowed = await startE2eSandbox({ contacts: 40, seed: 5, allowance: ALLOWANCE });
  const clockMs = allowed.clockMs;
  denied = await startSandbox({
    contacts: 40,
    seed: 5,
    nowSec: clockMs / 1000,
    clock: () => clockMs,
    rateLimit: { allowancePerWindow: ALLOWANCE },
    conversations: { readConversations: false },
  });
  deniedEnv = { INTERCOM_BASE_URL: denied.url, INTERCOM_TOKEN: denied.token, RATE_LIMIT_ALLOWANCE: String(ALLOWANCE) };
  tmp = await mkdtemp(join(tmpdir(), 'e2e-check-conversations-'));
});

afterAll(async () => {
  await allowed?.close();
  await denied?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const linesOf = (r: CliResult): string[] => r.stdout.trim().split('\n');

describe('check: the conversations line', () => {
  it('passes with one search when the token may read conversations, after the cohorts line', async () => {
    allowed.freshRun();
    const r = await runCli(['check', '--out', join(tmp, 'out-allowed'), '--no-color'], allowed.env);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = linesOf(r);
    const at = lines.indexOf(READ_OK);
    expect(at, r.stdout).toBeGreaterThan(0);
    expect(lines[at - 1]).toMatch(/^✓ cohorts: /);
    expect(READ_OK.length).toBeLessThanOrEqual(80);
    expect(lines.at(-1)).toBe('all checks passed');
    expect(allowed.sandbox.counters.byEndpoint['conversations.search']).toBe(1);
  });

  it('fails with ✗ naming the permission and both fixes when it is missing, exit 1, the other checks still passing', async () => {
    denied.resetCounters();
    const r = await runCli(['check', '--out', join(tmp, 'out-denied'), '--no-color'], deniedEnv);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const lines = linesOf(r);
    const failed = lines.filter((l) => l.startsWith('✗ '));
    expect(failed).toEqual([
      '✗ conversations: the token may not read them (HTTP 403 unauthorized) — grant the app the Read conversations permission ' +
        'in the Intercom Developer Hub, or set report.conversations: false (no cohort_conversations.csv)',
    ]);
    expect(failed[0]!.split(' — ')[0]!.length).toBeLessThanOrEqual(80);
    expect(lines).toContainEqual(expect.stringMatching(/^✓ region: /));
    expect(lines.at(-1)).toBe('1 check failed');
    expect(r.stdout).not.toContain(denied.token);
    expect(denied.counters.byEndpoint['conversations.search']).toBe(1);
  });

  it('says conversations are off, without any search, when report.conversations is false', async () => {
    denied.resetCounters();
    const config = join(tmp, 'conversations-off.json');
    // --config also brings the Redis line: point it at the tests' Redis so that line passes too.
    await writeFile(config, JSON.stringify({ report: { conversations: false }, redis: { url: redisUrl() } }));
    const r = await runCli(['check', '--config', config, '--out', join(tmp, 'out-off'), '--no-color'], deniedEnv);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const lines = linesOf(r);
    expect(lines).toContain(OFF);
    expect(OFF.length).toBeLessThanOrEqual(80);
    expect(lines.at(-1)).toBe('all checks passed');
    expect(denied.counters.byEndpoint['conversations.search']).toBe(0);
    expect(denied.counters.byEndpoint.me).toBe(1);
  });
});
