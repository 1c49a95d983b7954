/**
 * `cohort-reports run` against the answers the real Intercom may give that the default sandbox never
 * does: next links naming Intercom's host behind a proxy base URL, a segment list in pages, a pages
 * object claiming more without a way to it, and three GET /events page-size regimes. Every CSV is
 * compared byte for byte with the reference computed from the sandbox's ground truth, and the calls
 * with the minimum the data needs.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkspace, type SandboxVariant, type SandboxWorkspace } from '../../src/sandbox/index.js';
import { minimumEventsCalls, PAGE_SIZE_REGIMES, regimeOutcome } from '../support/api-variants.js';
import { humanLines, listFiles, runCli, spawnCli, waitUntil, type CliResult } from '../support/e2e-cli.js';
import { freePort } from '../support/free-port.js';
import { expectedReports, lastEndedMonth, monthStartSec } from '../support/e2e-reference.js';
import { startE2eProxy, type E2eProxy } from '../support/e2e-proxy.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { monthBefore } from '../support/report-reference.js';

const CONTACTS = 300;
const clockMs = Math.floor(Date.now() / 1000) * 1000;
const month = lastEndedMonth(clockMs / 1000, 'UTC');

let workspace: SandboxWorkspace;
let proxy: E2eProxy;
let tmp: string;

interface Outcome {
  sb: E2eSandbox;
  outDir: string;
  result: CliResult;
  nowSec: number;
}

/** A fresh sandbox with the variant over the same workspace, one `run` against it (through the proxy with `viaProxy`). */
async function runVariant(name: string, variant: SandboxVariant, options: { viaProxy?: boolean; eventsPerPage?: number } = {}): Promise<Outcome> {
  const sb = await startE2eSandbox({ workspace, clockMs, variant, ...(options.eventsPerPage ? { eventsPerPage: options.eventsPerPage } : {}) });
  const outDir = join(tmp, name);
  if (options.viaProxy) proxy.setTarget(sb.sandbox.url);
  const env = { ...sb.env, ...(options.viaProxy ? { INTERCOM_BASE_URL: proxy.url } : {}) };
  const nowSec = Math.floor(Date.now() / 1000);
  const result = await runCli(['run', '--month', month, '--out', outDir, '--concurrency', '6'], env, { timeoutMs: 60_000 });
  return { sb, outDir, result, nowSec };
}

async function expectReference(o: Outcome): Promise<void> {
  expect(o.result.code, o.result.stderr).toBe(0);
  expect(humanLines(o.result.stderr)).toEqual([]);
  const expected = expectedReports(workspace, { months: [month], timeZone: 'UTC', clockMs, nowSec: o.nowSec });
  for (const [path, text] of expected.files) expect(await readFile(join(o.outDir, path), 'utf8'), path).toBe(text);
}

async function manifestSource(o: Outcome): Promise<Record<string, unknown>> {
  return (JSON.parse(await readFile(join(o.outDir, month, 'manifest.json'), 'utf8')) as { source: Record<string, unknown> }).source;
}

beforeAll(async () => {
  workspace = generateWorkspace({ contacts: CONTACTS, seed: 19, nowSec: clockMs / 1000 });
  proxy = await startE2eProxy({ prefix: '/vendors/intercom' });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-variants-'));
});

afterAll(async () => {
  await proxy?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('next links on Intercom’s host, behind a proxy base URL', () => {
  it('writes the reference CSVs, and every request addresses the configured origin', async () => {
    const o = await runVariant('next-origin', { nextOrigin: 'https://api.intercom.io', segmentsPerPage: 3 }, { viaProxy: true });
    try {
      await expectReference(o);
      const { counters } = o.sb.sandbox;
      expect([...counters.requestsByHost.keys()]).toEqual([proxy.host]);
      // Links were followed: contacts with several events pages, and segments over several pages.
      expect([...counters.eventsCallsByContact.values()].some((n) => n >= 2)).toBe(true);
      expect(counters.byEndpoint.segments).toBe(Math.ceil(workspace.segments.length / 3));
      expect(await manifestSource(o)).toMatchObject({ base_url: proxy.url });
    } finally {
      await o.sb.close();
    }
  });
});

describe('a segment list in pages', () => {
  it.each([2, 1])('with %i segment(s) per page, reports every cohort as the reference does', async (perPage) => {
    const o = await runVariant(`segments-${perPage}`, { segmentsPerPage: perPage });
    try {
      await expectReference(o);
      expect(o.sb.sandbox.counters.byEndpoint.segments).toBe(Math.ceil(workspace.segments.length / perPage));
    } finally {
      await o.sb.close();
    }
  });

  it('refuses a pages object that claims more without a way to it: exit 1, nothing written', async () => {
    const sb = await startE2eSandbox({ workspace, clockMs, variant: { segmentsPerPage: 2 } });
    // What a proxy that drops links would pass on: more pages announced, neither a next URL nor a page number.
    sb.sandbox.setResponseTransform((endpoint, body) => {
      if (endpoint !== 'segments') return body;
      const { pages, ...rest } = body as { pages: { total_pages: number } };
      return { ...rest, pages: { type: 'pages', total_pages: pages.total_pages } };
    });
    try {
      const outDir = join(tmp, 'segments-claim');
      const result = await runCli(['run', '--month', month, '--out', outDir], sb.env, { timeoutMs: 60_000 });
      expect(result.code, result.stderr).toBe(1);
      expect(humanLines(result.stderr).join('\n')).toMatch(/segments .*says more follows.*cannot be followed to its end/);
      expect(await listFiles(outDir)).toEqual([]);
      expect(sb.sandbox.counters.byEndpoint.segments).toBe(1);
    } finally {
      await sb.close();
    }
  });
});

describe('GET /events page-size regimes', () => {
  it.each(PAGE_SIZE_REGIMES.map((r) => [r.name, r] as const))('%s: the reference CSVs, with exactly the minimum events calls', async (_name, regime) => {
    const o = await runVariant(`regime-${regime.variant.eventsPerPageMax}-${regime.variant.eventsOverMax ?? 'clamp'}`, regime.variant);
    try {
      await expectReference(o);
      const fromSec = monthStartSec(monthBefore(month), 'UTC');
      const minimum = minimumEventsCalls(workspace, regime.variant, { clockMs, fromSec });
      const { counters } = o.sb.sandbox;
      expect(Object.fromEntries(counters.eventsCallsByContact)).toEqual(Object.fromEntries(minimum.byContact));
      expect(counters.byEndpoint.events).toBe(minimum.total);
      expect(await manifestSource(o)).toMatchObject({ events_per_page: regimeOutcome(regime.variant).sentPerPage });
    } finally {
      await o.sb.close();
    }
  });
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
        return { status: res.status, body: (await res.json()) as { pages?: { next?: string; total_pages?: number }; errors?: Array<{ field?: string }> } };
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
