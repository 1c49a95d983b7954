/**
 * cohort_conversations.csv through the real CLI (`run`) against sandboxes started in the test, one per
 * date rule the conversation search may follow ('strict', 'inclusive', 'calendar-day': INTERCOM.md
 * leaves it unverified) and one whose token lacks the Read conversations permission, all serving one
 * workspace whose conversations sit on the exact seconds where months begin and end
 * (conversations-edges.ts), in America/New_York (2026-11 holds the end of daylight saving time: W(M)
 * starts at UTC−4 and ends at UTC−5) and Australia/Eucla (UTC+08:45).
 *
 * Every file is compared byte for byte with the brute-force reference (e2e-reference.ts), and every
 * conversations.search call is counted by the sandbox against the pages the rule needs, computed here.
 * The sandboxes' clock is frozen on 2026-12-05 (both months have ended everywhere); the CLI plans by
 * the real clock, so `--allow-partial` keeps a month accepted however late the suite runs, and the
 * reference is told the same `nowSec`.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorkspace, startSandbox, type SandboxWorkspace } from '../../src/sandbox/index.js';
import type { ConversationDateRule } from '../../src/sandbox/handle-conversations-search.js';
import {
  conversationPagesForRule,
  conversationsCsvWith,
  conversationsMatched,
  conversationsVariant,
  isListingSearch,
  monthWindow,
  placeEdgeConversations,
  type PlacedConversation,
} from '../support/conversations-edges.js';
import { humanLines, listFiles, runCli, spawnCli, waitUntil, type CliResult } from '../support/e2e-cli.js';
import { CONVERSATIONS_PER_PAGE, expectedReports } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';

/** 2026-12-05T12:00:00Z: October and November 2026 have ended in every zone. */
const CLOCK_MS = Date.UTC(2026, 11, 5, 12);
const MONTH = '2026-11';
const PREVIOUS = '2026-10';
const NEW_YORK = 'America/New_York';
const EUCLA = 'Australia/Eucla';
const ZONES = [NEW_YORK, EUCLA] as const;
const RULES: readonly ConversationDateRule[] = ['strict', 'inclusive', 'calendar-day'];
/**
 * Conversations 'strict' matches in New York's padded November window: three pages of 150 exactly, so
 * the six conversations on that window's own edges, which 'inclusive' also matches, need a fourth.
 */
const NEW_YORK_STRICT_MATCHES = 3 * CONVERSATIONS_PER_PAGE;
const ALLOWANCE = 20_000;
/** How long the sandbox holds its answers once the kill point is reached (the run is killed long before). */
const HOLD_MS = 20_000;

let workspace: SandboxWorkspace;
let placed: PlacedConversation[];
const sandboxes = new Map<string, E2eSandbox>();
let denied: E2eSandbox;
let tmp: string;
let runs = 0;

/** The workspace: 300 contacts, edges of October (New York) and November (both zones), fillers in November. */
function buildWorkspace(): { workspace: SandboxWorkspace; placed: PlacedConversation[] } {
  const base = generateWorkspace({ contacts: 300, seed: 29, nowSec: CLOCK_MS / 1000 });
  const edges = [
    { month: PREVIOUS, zone: NEW_YORK },
    { month: MONTH, zone: NEW_YORK },
    { month: MONTH, zone: EUCLA },
  ];
  const withoutFillers = placeEdgeConversations(base, { edges });
  const count = NEW_YORK_STRICT_MATCHES - conversationsMatched(withoutFillers.workspace, MONTH, NEW_YORK, 'strict');
  const nov = monthWindow(MONTH, 'UTC');
  // Well inside November in every zone (and its padded windows), so each adds one match to every rule.
  return placeEdgeConversations(base, { edges, fillers: [{ fromSec: nov.startSec + 3 * 86_400, toSec: nov.endSec - 3 * 86_400, count }] });
}

function outDir(label: string): string {
  runs += 1;
  return join(tmp, `${runs}-${label}`);
}

function conversationCalls(sb: E2eSandbox): number {
  return sb.sandbox.counters.byEndpoint['conversations.search'];
}

async function expectFilesAsReference(dir: string, months: string[], zone: string, nowSec: number, options: { conversations?: boolean } = {}): Promise<void> {
  const expected = expectedReports(workspace, { months, timeZone: zone, clockMs: CLOCK_MS, nowSec, ...options });
  for (const [path, text] of expected.files) expect(await readFile(join(dir, path), 'utf8'), path).toBe(text);
}

function expectSucceeded(r: CliResult): void {
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  ({ workspace, placed } = buildWorkspace());
  expect(conversationsMatched(workspace, MONTH, NEW_YORK, 'strict')).toBe(NEW_YORK_STRICT_MATCHES);
  for (const rule of RULES) {
    sandboxes.set(rule, await startE2eSandbox({ workspace, clockMs: CLOCK_MS, allowance: ALLOWANCE, variant: conversationsVariant({ dateRule: rule }) }));
  }
  denied = await startE2eSandbox({
    workspace,
    clockMs: CLOCK_MS,
    allowance: ALLOWANCE,
    variant: conversationsVariant({ dateRule: 'strict', readConversations: false }),
  });
  tmp = await mkdtemp(join(tmpdir(), 'e2e-run-conversations-'));
});

afterAll(async () => {
  for (const sb of sandboxes.values()) await sb.close();
  await denied?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('month edges across a DST change and a 45-minute offset, under every date rule', () => {
  it('places a member, a non-member and an admin conversation on every edge second, and the edge ones change the figures', () => {
    for (const zone of ZONES) {
      const w = monthWindow(MONTH, zone);
      const at = (point: string): PlacedConversation[] => placed.filter((p) => p.zone === zone && p.month === MONTH && p.point === point);
      expect(at('start').map((p) => p.createdAtSec)).toEqual([w.startSec, w.startSec, w.startSec]);
      expect(at('start-1').map((p) => p.createdAtSec)).toEqual([w.startSec - 1, w.startSec - 1, w.startSec - 1]);
      expect(at('end-1').map((p) => p.createdAtSec)).toEqual([w.endSec - 1, w.endSec - 1, w.endSec - 1]);
      expect(at('end').map((p) => p.createdAtSec)).toEqual([w.endSec, w.endSec, w.endSec]);
      for (const point of ['start', 'start-1', 'end-1', 'end', 'start-1d', 'start+1d', 'end-1d', 'end+1d']) {
        expect(at(point).map((p) => p.author).sort(), `${zone} ${point}`).toEqual(['admin', 'member', 'non-member']);
      }
    }
    // New York's November: 30 days and one hour (the clocks go back on 1 November).
    const ny = monthWindow(MONTH, NEW_YORK);
    expect(ny.endSec - ny.startSec).toBe(30 * 86_400 + 3_600);
    expect(new Date(ny.startSec * 1000).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(new Date(ny.endSec * 1000).toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(new Date(monthWindow(MONTH, EUCLA).startSec * 1000).toISOString()).toBe('2026-10-31T15:15:00.000Z');
  });

  for (const zone of ZONES) {
    for (const rule of RULES) {
      it(`${zone}, '${rule}': cohort_conversations.csv equals the reference, and the conversations at W(M).end and before W(M).start count nowhere`, async () => {
        const sb = sandboxes.get(rule)!;
        const dir = outDir(`${rule}-${zone.replace('/', '-')}`);
        sb.freshRun();
        const nowSec = Math.floor(Date.now() / 1000);
        const r = await runCli(['run', '--month', MONTH, '--timezone', zone, '--out', dir, '--allow-partial'], sb.env);
        expectSucceeded(r);
        await expectFilesAsReference(dir, [MONTH], zone, nowSec);

        // The file would differ had the run counted the member's conversation at W(M).end or at
        // W(M).start − 1 (moved into the month here), or left out the ones at W(M).start or W(M).end − 1.
        const actual = await readFile(join(dir, MONTH, 'cohort_conversations.csv'), 'utf8');
        const w = monthWindow(MONTH, zone);
        const memberAt = (point: string): string => placed.find((p) => p.zone === zone && p.month === MONTH && p.point === point && p.author === 'member')!.id;
        for (const [point, movedTo] of [
          ['end', w.endSec - 1],
          ['start-1', w.startSec],
          ['start', w.startSec - 1],
          ['end-1', w.endSec],
        ] as const) {
          expect(conversationsCsvWith(workspace, MONTH, zone, new Map([[memberAt(point), movedTo]])), `the conversation at ${point} matters`).not.toBe(actual);
        }

        // One access probe, then the pages of what this rule matches in the padded window.
        const pages = conversationPagesForRule(workspace, MONTH, zone, rule);
        expect(conversationCalls(sb)).toBe(1 + pages);
      });
    }
  }

  it('the sandbox refuses to start with a placed list that repeats an id (its cursors name conversations by id)', async () => {
    const [one] = workspace.conversations!;
    await expect(startSandbox({ workspace: { ...workspace, conversations: [one!, { ...one! }] }, clock: () => CLOCK_MS })).rejects.toMatchObject({
      code: 'SANDBOX_INVALID_OPTIONS',
    });
  });

  it('the rules differ where the test says: inclusive needs a fourth page in New York, the others three', () => {
    expect(RULES.map((rule) => conversationPagesForRule(workspace, MONTH, NEW_YORK, rule))).toEqual([3, 4, 3]);
  });
});

describe('a backfill', () => {
  it(`--from ${PREVIOUS} --to ${MONTH} in ${NEW_YORK}: both months equal the reference, each month listed on its own`, async () => {
    const sb = sandboxes.get('strict')!;
    const dir = outDir('backfill');
    sb.freshRun();
    const nowSec = Math.floor(Date.now() / 1000);
    const r = await runCli(['run', '--from', PREVIOUS, '--to', MONTH, '--timezone', NEW_YORK, '--out', dir, '--allow-partial'], sb.env);
    expectSucceeded(r);
    await expectFilesAsReference(dir, [PREVIOUS, MONTH], NEW_YORK, nowSec);
    const pages = conversationPagesForRule(workspace, PREVIOUS, NEW_YORK, 'strict') + conversationPagesForRule(workspace, MONTH, NEW_YORK, 'strict');
    expect(conversationCalls(sb)).toBe(1 + pages);
  });
});

describe('a token without the Read conversations permission', () => {
  it('fails the run with one line naming the permission and report.conversations: false, before any other call, writing nothing', async () => {
    const dir = outDir('denied');
    await mkdir(dir);
    denied.freshRun();
    const r = await runCli(['run', '--month', MONTH, '--timezone', NEW_YORK, '--out', dir, '--allow-partial'], denied.env);
    expect(r.code, r.stderr).toBe(3);
    const lines = humanLines(r.stderr);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/Read conversations/);
    expect(lines[0]).toContain('report.conversations: false');
    expect(r.stderr).not.toContain(denied.sandbox.token);
    expect(r.stdout).not.toContain(denied.sandbox.token);
    // No month, no journal, no lock: the folder is as it was.
    expect(await listFiles(dir)).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
    const calls = denied.sandbox.counters.byEndpoint;
    expect(calls['conversations.search']).toBe(1);
    expect({ events: calls.events, search: calls['contacts.search'], segments: calls.segments, tags: calls.tags }).toEqual({ events: 0, search: 0, segments: 0, tags: 0 });
  });

  it('with report.conversations: false the same run succeeds without cohort_conversations.csv and without a conversations search', async () => {
    const dir = outDir('conversations-off');
    const configPath = join(tmp, 'conversations-off.json');
    await writeFile(configPath, JSON.stringify({ report: { conversations: false } }));
    denied.freshRun();
    const nowSec = Math.floor(Date.now() / 1000);
    const r = await runCli(['run', '--month', MONTH, '--timezone', NEW_YORK, '--out', dir, '--allow-partial', '--config', configPath], denied.env);
    expectSucceeded(r);
    await expectFilesAsReference(dir, [MONTH], NEW_YORK, nowSec, { conversations: false });
    expect(await readdir(join(dir, MONTH))).not.toContain('cohort_conversations.csv');
    const summary = await readFile(join(dir, MONTH, 'cohort_summary.csv'), 'utf8');
    expect(summary.split('\n')[0]!.split(',')).toContain('unsubscribed_members');
    expect(conversationCalls(denied)).toBe(0);
  });
});

describe('killed while listing conversations', () => {
  /** The journal's records of conversation pages (`{t:'conversations', month, from, next}`), read as plain JSON lines. */
  async function conversationPagesJournaled(dir: string): Promise<Array<{ month: string; from: string | null; next: string | null }>> {
    let names: string[];
    try {
      names = (await readdir(join(dir, '.work'))).filter((n) => n.endsWith('.journal.jsonl'));
    } catch {
      return [];
    }
    if (names.length !== 1) return [];
    const text = await readFile(join(dir, '.work', names[0]!), 'utf8');
    return text
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as { t: string; month: string; from: string | null; next: string | null })
      .filter((rec) => rec.t === 'conversations')
      .map(({ month, from, next }) => ({ month, from, next }));
  }

  it(`kill -9 after the first page of ${MONTH} (${EUCLA}) is journaled: the rerun writes the reference, repeating only the page in flight`, async () => {
    const sb = sandboxes.get('strict')!;
    const dir = outDir('killed');
    const args = ['run', '--month', MONTH, '--timezone', EUCLA, '--out', dir, '--allow-partial'];
    const needed = conversationPagesForRule(workspace, MONTH, EUCLA, 'strict');
    expect(needed).toBeGreaterThanOrEqual(3);

    // The kill point: once the first listing page is answered, every later answer is held back, so the
    // run is stopped with that page journaled and the next one in flight, wherever the machine's speed.
    sb.freshRun();
    let held = false;
    sb.sandbox.setResponseTransform((endpoint, body, _url, request) => {
      if (!held && endpoint === 'conversations.search' && isListingSearch(request.body)) {
        held = true;
        sb.sandbox.setFaults({ slowRate: 1, slowMs: HOLD_MS });
      }
      return body;
    });
    let first: { calls: number; journaled: Array<{ month: string; from: string | null; next: string | null }> };
    try {
      const run = spawnCli(args, sb.env);
      await waitUntil('a page of conversations is journaled', async () => (await conversationPagesJournaled(dir)).length > 0);
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
      first = { calls: conversationCalls(sb), journaled: await conversationPagesJournaled(dir) };
    } finally {
      sb.sandbox.setFaults({});
      sb.sandbox.setResponseTransform(null);
    }
    // Stopped mid-month: its first page recorded, more to come.
    expect(first.journaled).toEqual([{ month: MONTH, from: null, next: expect.any(String) }]);
    expect(await readdir(dir)).not.toContain(MONTH);

    // The rerun resumes the listing from the journaled cursor: its first listing call names it.
    sb.freshRun();
    const cursors: Array<string | null> = [];
    sb.sandbox.setResponseTransform((endpoint, body, _url, request) => {
      if (endpoint === 'conversations.search' && isListingSearch(request.body)) {
        cursors.push((request.body as { pagination?: { starting_after?: string } }).pagination?.starting_after ?? null);
      }
      return body;
    });
    let rerun: CliResult;
    const nowSec = Math.floor(Date.now() / 1000);
    try {
      rerun = await runCli(args, sb.env);
    } finally {
      sb.sandbox.setResponseTransform(null);
    }
    expectSucceeded(rerun);
    await expectFilesAsReference(dir, [MONTH], EUCLA, nowSec);
    expect(cursors[0]).toBe(first.journaled[0]!.next);
    expect(cursors).toHaveLength(needed - 1);

    // Over both attempts: each needed page once, the one in flight at the kill once more, a probe each.
    const total = first.calls + conversationCalls(sb);
    const inFlight = 1;
    const probes = 2;
    expect(total).toBeGreaterThanOrEqual(needed + probes);
    expect(total).toBeLessThanOrEqual(needed + inFlight + probes);
  });
});
