/**
 * `cohort-reports run` against the answers the real Intercom may give that the default sandbox never
 * does (the shared cases of api-variants-suite.ts), and the `sandbox` command's flags for them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkspace, type SandboxWorkspace } from '../../src/sandbox/index.js';
import { defineApiVariantTests, startBehindProxy } from '../support/api-variants-suite.js';
import { humanLines, runCli, spawnCli, waitUntil } from '../support/e2e-cli.js';
import { startE2eProxy, type E2eProxy } from '../support/e2e-proxy.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { freePort } from '../support/free-port.js';

const clockMs = Math.floor(Date.now() / 1000) * 1000;
const month = lastEndedMonth(clockMs / 1000, 'UTC');

let workspace: SandboxWorkspace;
let proxy: E2eProxy;
let tmp: string;

beforeAll(async () => {
  workspace = generateWorkspace({ contacts: 300, seed: 19, nowSec: clockMs / 1000 });
  proxy = await startE2eProxy({ prefix: '/vendors/intercom' });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-variants-'));
});

afterAll(async () => {
  await proxy?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

defineApiVariantTests('run', {
  workspace: () => workspace,
  clockMs,
  month,
  processes: 1,
  proxy: () => proxy,
  async run(name, variant, transform) {
    const sb = await startBehindProxy(proxy, { workspace, clockMs }, variant, transform);
    const outDir = join(tmp, name);
    const nowSec = Math.floor(Date.now() / 1000);
    const result = await runCli(['run', '--month', month, '--out', outDir, '--concurrency', '6'], { ...sb.env, INTERCOM_BASE_URL: proxy.url }, { timeoutMs: 60_000 });
    const said = humanLines(result.stderr).join('\n');
    const outcome = result.code === 0 && said === '' ? 'ok' : result.code === 1 ? 'failed' : `exit ${result.code}: ${said}`;
    return { sb, outDir, nowSec, outcome, said };
  },
});

describe('cohort-reports sandbox with API variants', () => {
  it('serves segments in pages, links on the given origin and a 400 above the events maximum', async () => {
    const port = await freePort();
    const cli = spawnCli(
      ['sandbox', '--port', String(port), '--contacts', '40', '--segment-page', '2', '--next-origin', 'https://api.intercom.io', '--events-max-page', '5', '--events-over-max', '400'],
      {},
    );
    let out = '';
    cli.child.stdout!.on('data', (chunk: string) => (out += chunk));
    try {
      await waitUntil('the sandbox prints its token', () => out.includes('INTERCOM_TOKEN='), { timeoutMs: 30_000 });
      const token = /INTERCOM_TOKEN=(\S+)/.exec(out)![1]!;
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
        return { status: res.status, body: (await res.json()) as { pages?: { next?: string }; errors?: Array<{ field?: string }> } };
      };
      const segments = await get('/segments?include_count=true');
      expect(segments.status).toBe(200);
      expect(segments.body.pages?.next).toBe('https://api.intercom.io/segments?include_count=true&page=2');
      const tooLarge = await get('/events?type=user&intercom_user_id=x&per_page=6');
      expect(tooLarge.status).toBe(400);
      expect(tooLarge.body.errors?.[0]?.field).toBe('per_page');
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
  });

  it('refuses an option that cannot work with exit 2 and one line naming it', async () => {
    const result = await runCli(['sandbox', '--port', '0', '--events-over-max', 'sometimes'], {});
    expect(result.code).toBe(2);
    expect(humanLines(result.stderr)).toEqual([expect.stringContaining('--events-over-max')]);
  });
});
