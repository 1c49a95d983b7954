/**
 * `cohort-reports run` (the real CLI against a sandbox this test holds) neither stalls on a server that
 * asks for a year-long pause nor pages forever through a list that never ends:
 * - one 429 with `Retry-After: 31536000` (and an X-RateLimit-Reset as far away): the run waits out the
 *   maximum pause and asks again, then finishes with every figure as the independent reference
 *   computes it. The maximum is configured down to 1.5 s here (rateLimit.maxPauseMs) so the test takes
 *   seconds; the production maximum, 60 s, is checked by the unit tests (bounded-waits.test.ts).
 * - empty event pages, each with a new cursor: the run fails within a few calls per contact, exit 1,
 *   one line naming the endpoint and the contact.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { humanLines, runCli } from '../support/e2e-cli.js';
import { expectedReports, lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { diffFromIndependentReference, readRunOutput } from '../support/faults-reports.js';
import { faultConfig, pastClockMs } from '../support/faults-setup.js';
import { MAX_PAGES_WITHOUT_NEW_ITEMS } from '../../src/intercom/create-progress-guard.js';

const CONTACTS = 120;
const SEARCH_PER_PAGE = 40;
const EVENTS_PER_PAGE = 20;
const MAX_PAUSE_MS = 1_500;
const YEAR_SEC = 31_536_000;
/** Bounded: the run itself takes a few seconds, the pause 1.5 s; a stalled run would hit this. */
const RUN_TIMEOUT_MS = 40_000;

let sb: E2eSandbox;
let tmp: string;
let configPath: string;
let month: string;

beforeAll(async () => {
  sb = await startE2eSandbox({ contacts: CONTACTS, seed: 43, eventsPerPage: EVENTS_PER_PAGE, clockMs: pastClockMs() });
  tmp = await mkdtemp(join(tmpdir(), 'bounded-waits-run-'));
  const config = faultConfig({ searchPerPage: SEARCH_PER_PAGE });
  configPath = join(tmp, 'config.json');
  await writeFile(configPath, JSON.stringify({ ...config, rateLimit: { windowSeconds: 1, maxPauseMs: MAX_PAUSE_MS } }));
  month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
});

afterAll(async () => {
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function runArgs(outDir: string): string[] {
  return ['run', '--month', month, '--out', outDir, '--config', configPath, '--concurrency', '8'];
}

describe('run against a server that asks for a year-long pause', () => {
  it('waits out the maximum pause, asks again, and finishes with every figure right', async () => {
    const outDir = join(tmp, 'year-long-429');
    sb.freshRun();
    sb.sandbox.setFaults({ retryAfter429: { afterRequests: 12, retryAfterSec: YEAR_SEC } });
    const nowSec = Math.floor(Date.now() / 1000);
    const startedMs = Date.now();
    let result;
    try {
      result = await runCli(runArgs(outDir), sb.env, { timeoutMs: RUN_TIMEOUT_MS });
    } finally {
      sb.sandbox.setFaults({});
    }
    const tookMs = Date.now() - startedMs;
    expect(result.code, result.stderr).toBe(0);
    expect(humanLines(result.stderr)).toEqual([]);
    const counters = sb.sandbox.counters;
    expect(counters.faultsInjected.retryAfter429).toBe(1);
    expect(counters.responses429).toBe(1);
    // The pause was waited out (at least the configured maximum), not a year.
    expect(tookMs).toBeGreaterThanOrEqual(MAX_PAUSE_MS);

    const output = await readRunOutput(outDir, [month]);
    const expected = expectedReports(sb.sandbox.workspace, { months: [month], timeZone: 'UTC', clockMs: sb.clockMs, nowSec });
    expect(diffFromIndependentReference(output, expected)).toEqual([]);
    const totals = output.rawManifests.get(month)!.totals;
    expect(totals.responses_429).toBe(1);
    expect(totals.api_calls).toBe(counters.requests);
  }, RUN_TIMEOUT_MS + 10_000);
});

describe('run against event pages that never end', () => {
  it('fails within a few calls per contact, exit 1, one line naming the endpoint and the contact', async () => {
    const outDir = join(tmp, 'endless-events');
    sb.freshRun();
    let cursor = 2_000_000_000;
    sb.sandbox.setResponseTransform((endpoint, body, url) => {
      if (endpoint !== 'events') return body;
      const query = new URLSearchParams(url.search);
      cursor -= 1;
      query.set('before', String(cursor));
      return { ...(body as object), events: [], pages: { type: 'pages', next: `${sb.sandbox.url}/events?${query.toString()}` } };
    });
    let result;
    try {
      result = await runCli(runArgs(outDir), sb.env, { timeoutMs: RUN_TIMEOUT_MS });
    } finally {
      sb.sandbox.setResponseTransform(null);
    }
    expect(result.code, result.stderr).toBe(1);
    const lines = humanLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cohort-reports: Intercom events \(contact [^)]+\) answered 4 pages in a row that brought no event not seen before in this list, each pointing to another page/);
    const perContact = [...sb.sandbox.counters.eventsCallsByContact.values()];
    expect(perContact.length).toBeGreaterThan(0);
    // One first page, then MAX_PAGES_WITHOUT_NEW_ITEMS stale ones allowed, then the one that fails.
    expect(Math.max(...perContact)).toBeLessThanOrEqual(1 + MAX_PAGES_WITHOUT_NEW_ITEMS);
    expect(sb.sandbox.counters.byEndpoint.events).toBeLessThanOrEqual(10 * perContact.length);
  }, RUN_TIMEOUT_MS + 10_000);
});
