/**
 * The tests of issue 10's API variants, defined once and run for `run` (test/e2e) and for the workers
 * (test/integration): each case runs the month on a fresh sandbox over one workspace, behind a
 * forwarding proxy with a path prefix whose upstream writes every `pages.next` on Intercom's host, as
 * a proxy's clients see Intercom's links. CSVs are compared byte for byte with the reference computed
 * from the ground truth; events calls with the minimum of the regime.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SandboxResponseTransform, SandboxVariant, SandboxWorkspace } from '../../src/sandbox/index.js';
import { announceSegmentPagesWithoutLinks, expectMinimumEventsCalls, PAGE_SIZE_REGIMES, regimeOutcome } from './api-variants.js';
import { listFiles } from './e2e-cli.js';
import { expectedReports } from './e2e-reference.js';
import type { E2eProxy } from './e2e-proxy.js';
import { startE2eSandbox, type E2eSandbox } from './e2e-sandbox.js';

export interface VariantRun {
  sb: E2eSandbox;
  outDir: string;
  /** The CLI's clock when the run was planned. */
  nowSec: number;
  /** 'ok': exit 0 (run) or a completed job (workers); 'failed': exit 1 or a failed job. */
  outcome: 'ok' | 'failed' | string;
  /** What the user is told: stderr's human lines, or the job's failedReason. */
  said: string;
}

export interface VariantRunner {
  workspace(): SandboxWorkspace;
  clockMs: number;
  month: string;
  /** Processes fetching events (each learns the events page size on its own). */
  processes: number;
  /** The proxy every request goes through: its host is the one origin requests may address. */
  proxy(): E2eProxy;
  /** Runs the month on a fresh sandbox with `variant` (and `transform`), into its own folder `name`. */
  run(name: string, variant: SandboxVariant, transform?: SandboxResponseTransform): Promise<VariantRun>;
}

/** A fresh sandbox over `workspace` with the variant, links on Intercom's host, and the proxy pointed at it. */
export async function startBehindProxy(
  proxy: E2eProxy,
  options: { workspace: SandboxWorkspace; clockMs: number; token?: string },
  variant: SandboxVariant,
  transform?: SandboxResponseTransform,
): Promise<E2eSandbox> {
  const sb = await startE2eSandbox({ ...options, variant: { nextOrigin: 'https://api.intercom.io', ...variant } });
  if (transform) sb.sandbox.setResponseTransform(transform);
  proxy.setTarget(sb.sandbox.url);
  return sb;
}

export function defineApiVariantTests(label: string, runner: VariantRunner): void {
  const expectReference = async (r: VariantRun): Promise<void> => {
    expect(r.outcome, r.said).toBe('ok');
    const expected = expectedReports(runner.workspace(), { months: [runner.month], timeZone: 'UTC', clockMs: runner.clockMs, nowSec: r.nowSec });
    for (const [path, text] of expected.files) expect(await readFile(join(r.outDir, path), 'utf8'), path).toBe(text);
  };
  const manifestSource = async (r: VariantRun): Promise<Record<string, unknown>> =>
    (JSON.parse(await readFile(join(r.outDir, runner.month, 'manifest.json'), 'utf8')) as { source: Record<string, unknown> }).source;
  const withRun = async (name: string, variant: SandboxVariant, check: (r: VariantRun) => Promise<void>, transform?: SandboxResponseTransform) => {
    const r = await runner.run(name, variant, transform);
    try {
      await check(r);
    } finally {
      await r.sb.close();
    }
  };

  describe(`${label}: next links on Intercom's host, behind a proxy base URL`, () => {
    it('writes the reference CSVs, and every request addresses the configured origin', () =>
      withRun('next-origin', { segmentsPerPage: 3 }, async (r) => {
        await expectReference(r);
        const { counters } = r.sb.sandbox;
        expect([...counters.requestsByHost.keys()]).toEqual([runner.proxy().host]);
        // Links were followed: contacts with several events pages, segments over several pages.
        expect([...counters.eventsCallsByContact.values()].some((n) => n >= 2)).toBe(true);
        expect(counters.byEndpoint.segments).toBe(Math.ceil(runner.workspace().segments.length / 3));
        expect(await manifestSource(r)).toMatchObject({ base_url: runner.proxy().url });
      }));
  });

  describe(`${label}: a segment list in pages`, () => {
    it.each([2, 1])('with %i segment(s) per page, reports every cohort as the reference does', (perPage) =>
      withRun(`segments-${perPage}`, { segmentsPerPage: perPage }, async (r) => {
        await expectReference(r);
        expect(r.sb.sandbox.counters.byEndpoint.segments).toBe(Math.ceil(runner.workspace().segments.length / perPage));
      }));

    it('fails on a pages object that claims more without a way to it, writing nothing', () =>
      withRun(
        'segments-claim',
        { segmentsPerPage: 2 },
        async (r) => {
          expect(r.outcome).toBe('failed');
          expect(r.said).toMatch(/segments .*says more follows.*cannot be followed to its end/);
          expect(await listFiles(r.outDir)).toEqual([]);
          expect(r.sb.sandbox.counters.byEndpoint.segments).toBe(1);
        },
        announceSegmentPagesWithoutLinks,
      ));
  });

  describe(`${label}: GET /events page-size regimes`, () => {
    it.each(PAGE_SIZE_REGIMES.map((r) => [r.name, r] as const))('%s: the reference CSVs, with exactly the minimum events calls', (_name, regime) =>
      withRun(`regime-${regime.variant.eventsPerPageMax}-${regime.variant.eventsOverMax ?? 'clamp'}`, regime.variant, async (r) => {
        await expectReference(r);
        expectMinimumEventsCalls(r.sb.sandbox.counters, runner.workspace(), regime.variant, { clockMs: runner.clockMs, month: runner.month, processes: runner.processes });
        expect(await manifestSource(r)).toMatchObject({ events_per_page: regimeOutcome(regime.variant).sentPerPage });
      }));
  });
}
