/**
 * Odd API answers against a sandbox whose response transform serves each oddity.
 *
 * An answer that cannot be read without guessing ends the run with one line naming the endpoint,
 * what it was about (cohort or contact), the field and what was wrong. Every case runs the real
 * client and the real collection stage in-process (fast); the cases marked `cli` also run the real
 * `cohort-reports run` in a child process: exit 1, that one line on stderr, no stack trace, no month
 * folder and no trends.csv.
 *
 * An answer whose meaning is unambiguous (ids as numbers, milliseconds, future events, a missing
 * total_count, a huge page, metadata of any type) is accepted, and every CSV the CLI writes equals
 * the reference computed from the truth.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/cli-errors.js';
import { createIntercomClient, UnexpectedBodyError } from '../../src/intercom/index.js';
import { collectRun } from '../../src/pipeline/collect-run.js';
import { createMemoryStore } from '../../src/pipeline/memory-store.js';
import { planRun } from '../../src/pipeline/plan-run.js';
import { createMemoryLimiter } from '../../src/rate-limit/memory-limiter.js';
import type { ContactStats } from '../../src/report/contact-stats.js';
import { startSandbox, type SandboxEndpoint } from '../../src/sandbox/index.js';
import { acceptedAnswers, EVENTS_PER_PAGE, SEARCH_PER_PAGE } from '../support/badinput-accepted-answers.js';
import { cloneWire } from '../support/badinput-workspace.js';
import { humanLines, listFiles, runCli } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import { outputFolderFiles } from '../support/report-pages.js';

type Json = Record<string, unknown> & { data?: Array<Record<string, unknown>>; events?: Array<Record<string, unknown>> };

interface RejectCase {
  name: string;
  endpoint: Exclude<SandboxEndpoint, 'other'>;
  /** Which answer to spoil (default: the first one of the endpoint). */
  when?: (body: Json) => boolean;
  spoil: (body: Json) => void;
  /** What the message must say after "unexpected body: " (or after the subject, for paging problems). */
  problem: RegExp;
  /** Also run through the CLI (a child process each: kept to one or two per endpoint for time). */
  cli?: true;
}

const SMALL_PAGE = 5;
const hasEvents = (b: Json): boolean => (b.events?.length ?? 0) > 0;
const fullPageWithNext = (b: Json): boolean => b.data?.length === SMALL_PAGE && Boolean((b.pages as { next?: unknown } | undefined)?.next);
const firstContact = (b: Json): Record<string, unknown> => b.data![0]!;
const firstEvent = (b: Json): Record<string, unknown> => b.events![0]!;

const CASES: RejectCase[] = [
  { name: 'a contact without id', endpoint: 'contacts.search', when: (b) => (b.data?.length ?? 0) > 0, spoil: (b) => delete firstContact(b).id, problem: /data\[0\]\.id: expected a non-empty string or a non-negative integer id, received nothing \(missing\)/ , cli: true },
  { name: 'a contact id that is a fraction', endpoint: 'contacts.search', when: (b) => (b.data?.length ?? 0) > 0, spoil: (b) => (firstContact(b).id = 12.5), problem: /data\[0\]\.id: .* received a fraction/ },
  { name: 'a contact id that is a boolean', endpoint: 'contacts.search', when: (b) => (b.data?.length ?? 0) > 0, spoil: (b) => (firstContact(b).id = true), problem: /data\[0\]\.id: .* received a boolean/ },
  { name: 'a contact id that is an empty string', endpoint: 'contacts.search', when: (b) => (b.data?.length ?? 0) > 0, spoil: (b) => (firstContact(b).id = ''), problem: /data\[0\]\.id: .* received an empty string/ },
  { name: 'data that is not an array', endpoint: 'contacts.search', spoil: (b) => (b.data = {} as never), problem: /data: Invalid input: expected array, received object/ },
  { name: 'a full page without pages', endpoint: 'contacts.search', when: fullPageWithNext, spoil: (b) => delete b.pages, problem: /a page without pages\.next\.starting_after, but it is a full page \(5 contacts for per_page 5\): the list cannot be followed to its end/ , cli: true },
  { name: 'pages.next without starting_after while pages remain', endpoint: 'contacts.search', when: fullPageWithNext, spoil: (b) => ((b.pages as Record<string, unknown>).next = { page: 2 }), problem: /a page without pages\.next\.starting_after, but pages\.page 1 is before pages\.total_pages \d+/ , cli: true },
  { name: 'pages.next as a string', endpoint: 'contacts.search', when: fullPageWithNext, spoil: (b) => ((b.pages as Record<string, unknown>).next = 'WzE3MDAwMDAwMDAsImMxIl0='), problem: /pages\.next: Invalid input: expected object, received string/ },
  { name: 'a contact created_at as a string', endpoint: 'contacts.search', when: (b) => (b.data?.length ?? 0) > 0, spoil: (b) => (firstContact(b).created_at = '2026-01-01'), problem: /data\[0\]\.created_at: expected Unix seconds, received a string/ },
  { name: 'a contact signed_up_at in microseconds', endpoint: 'contacts.search', when: (b) => (b.data?.length ?? 0) > 0, spoil: (b) => (firstContact(b).signed_up_at = 1_790_000_000_000_000), problem: /data\[0\]\.signed_up_at: expected Unix seconds, received a number too large to be Unix seconds or milliseconds/ },
  { name: 'a contact unsubscribed_from_emails as a string', endpoint: 'contacts.search', when: (b) => (b.data?.length ?? 0) > 0, spoil: (b) => (firstContact(b).unsubscribed_from_emails = 'true'), problem: /data\[0\]\.unsubscribed_from_emails: expected true or false, received a string/ },
  { name: 'total_count as a string', endpoint: 'contacts.search', spoil: (b) => (b.total_count = '12'), problem: /total_count: Invalid input: expected number, received string/ },
  { name: 'an event without id', endpoint: 'events', when: hasEvents, spoil: (b) => delete firstEvent(b).id, problem: /events\[0\]\.id: expected a non-empty string or a non-negative integer id, received nothing \(missing\)/ , cli: true },
  { name: 'an event id that is negative', endpoint: 'events', when: hasEvents, spoil: (b) => (firstEvent(b).id = -4), problem: /events\[0\]\.id: .* received a negative number/ },
  { name: 'an event without created_at', endpoint: 'events', when: hasEvents, spoil: (b) => delete firstEvent(b).created_at, problem: /events\[0\]\.created_at: expected Unix seconds, received nothing \(missing\)/ },
  { name: 'an event created_at of null', endpoint: 'events', when: hasEvents, spoil: (b) => (firstEvent(b).created_at = null), problem: /events\[0\]\.created_at: expected Unix seconds, received null/ },
  { name: 'an event created_at as a string', endpoint: 'events', when: hasEvents, spoil: (b) => (firstEvent(b).created_at = String(firstEvent(b).created_at)), problem: /events\[0\]\.created_at: expected Unix seconds, received a string/ , cli: true },
  { name: 'a negative event created_at', endpoint: 'events', when: hasEvents, spoil: (b) => (firstEvent(b).created_at = -1), problem: /events\[0\]\.created_at: expected Unix seconds, received a negative time/ },
  { name: 'an event created_at in nanoseconds', endpoint: 'events', when: hasEvents, spoil: (b) => (firstEvent(b).created_at = (firstEvent(b).created_at as number) * 1e9), problem: /events\[0\]\.created_at: expected Unix seconds, received a number too large/ },
  { name: 'an event without event_name', endpoint: 'events', when: hasEvents, spoil: (b) => delete firstEvent(b).event_name, problem: /events\[0\]\.event_name: Invalid input: expected string, received undefined/ },
  { name: 'an empty event_name', endpoint: 'events', when: hasEvents, spoil: (b) => (firstEvent(b).event_name = ''), problem: /events\[0\]\.event_name: expected the name of the event, received an empty string/ , cli: true },
  { name: 'an event_name that is a number', endpoint: 'events', when: hasEvents, spoil: (b) => (firstEvent(b).event_name = 42), problem: /events\[0\]\.event_name: Invalid input: expected string, received number/ },
  { name: 'events that are not an array', endpoint: 'events', when: hasEvents, spoil: (b) => (b.events = { 0: firstEvent(b) } as never), problem: /events: Invalid input: expected array, received object/ },
  { name: 'pages.next of events as a number', endpoint: 'events', when: hasEvents, spoil: (b) => (b.pages = { next: 2 }), problem: /pages\.next: Invalid input: expected string, received number/ },
  { name: 'segments that are not an array', endpoint: 'segments', spoil: (b) => (b.segments = 'none'), problem: /segments: Invalid input: expected array, received string/ , cli: true },
  { name: 'a tag without a name', endpoint: 'tags', spoil: (b) => delete b.data![0]!.name, problem: /data\[0\]\.name: Invalid input: expected string, received undefined/ },
];

let tmp: string;
let configPath: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'badinput-api-'));
  configPath = join(tmp, 'config.json');
  await writeFile(configPath, JSON.stringify({ intercom: { perPage: SMALL_PAGE, maxAttempts: 2 } }));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A sandbox serving the case's one odd answer; `subject()` is what the message must name, once it was served. */
async function spoilingSandbox(c: RejectCase): Promise<{ sb: E2eSandbox; subject: () => string }> {
  const sb = await startE2eSandbox({ contacts: 30, seed: 4, eventsPerPage: 4 });
  const spoiled: string[] = [];
  sb.sandbox.setResponseTransform((endpoint, body, url, request) => {
    if (endpoint !== c.endpoint || spoiled.length > 0 || !(c.when?.(body as Json) ?? true)) return body;
    const odd = cloneWire(body) as Json;
    c.spoil(odd);
    const query = (request.body as { query?: { field: string; value: string } } | undefined)?.query;
    spoiled.push(
      endpoint === 'events'
        ? ` (contact ${url.searchParams.get('intercom_user_id')})`
        : query
          ? ` (${query.field === 'segment_id' ? 'segment' : 'tag'} ${query.value})`
          : '',
    );
    return odd;
  });
  return {
    sb,
    subject() {
      expect(spoiled, 'the odd answer was served').toHaveLength(1);
      return `Intercom ${c.endpoint}${spoiled[0]}`;
    },
  };
}

function expectNamesTheProblem(line: string, subject: string, c: RejectCase): void {
  const escaped = subject.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(line).toMatch(new RegExp(`^${escaped} answered `));
  expect(line).toMatch(c.problem);
  expect(line).not.toContain('\n');
}

describe.concurrent('an answer that cannot be read without guessing ends the run precisely', () => {
  for (const c of CASES) {
    it(`${c.name} (${c.endpoint}): the run fails with exit code 1 and one line naming endpoint, subject and field`, async () => {
      const { sb, subject } = await spoilingSandbox(c);
      const limiter = createMemoryLimiter({ allowancePerWindow: 20_000, windowSeconds: 10, share: 1 });
      const api = createIntercomClient({ baseUrl: sb.sandbox.url, token: sb.sandbox.token, limiter, retry: { maxAttempts: 2 } });
      const store = createMemoryStore();
      const nowSec = sb.clockMs / 1000;
      const plan = planRun({ from: lastEndedMonth(nowSec, 'UTC'), timeZone: 'UTC', nowSec, allowPartial: false });
      try {
        const failure = await collectRun({
          api,
          store,
          plan,
          filter: { segments: true, tags: true, include: [], exclude: [] },
          perPage: SMALL_PAGE,
          concurrency: 4,
          log: pino({ level: 'silent' }),
        }).then(
          () => null,
          (err: unknown) => err,
        );
        expect(failure).toBeInstanceOf(UnexpectedBodyError);
        const err = failure as UnexpectedBodyError;
        expect(err).toMatchObject({ code: 'INTERCOM_UNEXPECTED_BODY', reason: 'wrong-shape', status: 200, attempts: 1 });
        expect(exitCodeFor(err)).toBe(1);
        expectNamesTheProblem(err.message, subject(), c);
        expect(err.message).not.toContain(sb.sandbox.token);
      } finally {
        store.close();
        await api.close();
        await limiter.close();
        await sb.close();
      }
    });
  }
});

describe.concurrent('the CLI shows such a failure as one line, without a stack trace, and writes nothing', () => {
  for (const c of CASES.filter((k) => k.cli)) {
    it(`${c.name} (${c.endpoint}): exit 1, one line, no stack trace, no month folder or trends.csv`, async () => {
      const { sb, subject } = await spoilingSandbox(c);
      const out = join(tmp, c.name.replace(/[^A-Za-z0-9]+/g, '-'));
      try {
        const month = lastEndedMonth(sb.clockMs / 1000, 'UTC');
        const result = await runCli(['run', '--month', month, '--out', out, '--config', configPath], sb.env);
        expect(result.code, result.stderr).toBe(1);
        const lines = humanLines(result.stderr);
        expect(lines, result.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(/^cohort-reports: /);
        expectNamesTheProblem(lines[0]!.slice('cohort-reports: '.length), subject(), c);
        // No stack trace anywhere on stderr: not in the line, not in a JSON log line (escaped newlines).
        expect(result.stderr).not.toMatch(/\n\s+at |\\n\s+at /);
        expect(result.stdout + result.stderr).not.toContain(sb.sandbox.token);
        // Only the resumable journal may remain: no month folder, no temporary, no trends.csv.
        for (const f of await listFiles(out)) expect(f).toMatch(/^\.work\/[^/]+\.journal\.jsonl$/);
      } finally {
        await sb.close();
      }
    });
  }
});

describe('answers that are odd but unambiguous are accepted, and the figures stay exact', () => {
  it('writes every CSV as the reference computes it from the truth the odd answers encode', async () => {
    const clockMs = Math.floor(Date.now() / 1000) * 1000;
    const nowSec = Math.floor(Date.now() / 1000);
    const odd = acceptedAnswers({ clockMs, nowSec, timeZone: 'UTC' });
    const sb = await startE2eSandbox({ workspace: odd.workspace, clockMs, eventsPerPage: EVENTS_PER_PAGE });
    sb.sandbox.setResponseTransform(odd.transform);
    const config = join(tmp, 'accepted.json');
    await writeFile(config, JSON.stringify({ intercom: { perPage: SEARCH_PER_PAGE } }));
    const out = join(tmp, 'accepted');
    try {
      const result = await runCli(['run', '--month', odd.month, '--out', out, '--config', config], sb.env);
      expect(result.code, result.stderr).toBe(0);
      expect(humanLines(result.stderr)).toEqual([]);
      expect(await listFiles(out)).toEqual(outputFolderFiles([odd.month]));
      for (const [path, text] of odd.expectedFiles) expect(await readFile(join(out, path), 'utf8'), path).toBe(text);
      const manifest = JSON.parse(await readFile(join(out, odd.month, 'manifest.json'), 'utf8')) as { warnings: Array<{ name: string }> };
      expect(manifest.warnings.map((w) => w.name).sort()).toEqual(odd.expectedWarnings);

      // The oddities were really served, and the cases the comparison rests on are not empty.
      const summary = await readFile(join(out, odd.month, 'cohort_summary.csv'), 'utf8');
      expect(summary).toContain(`,segment,seg-huge,"Everyone, in one page",${odd.facts.hugeSegmentMembers},`);
      expect(summary).toContain(`,segment,seg-repeat,Listed with a repeat,${odd.facts.distinctMembersOfRepeat},`);
      expect(summary).toMatch(/,tag,7,Odd ones,\d+,,/);
      expect(odd.facts.hugeSegmentUnsubscribed).toBeGreaterThan(0);
      expect(summary.split('\n').find((line) => line.includes(',segment,seg-huge,'))).toMatch(new RegExp(`,${odd.facts.hugeSegmentUnsubscribed}$`));
      expect(sb.sandbox.counters.searchCallsByCursor.get('segment_id:seg-huge:')).toBe(1);
      expect([...sb.sandbox.counters.searchCallsByCursor.keys()].filter((k) => k.startsWith('segment_id:seg-huge:'))).toHaveLength(1);
      expect(odd.facts.moneyRows).toBeGreaterThan(5);
      const amounts = await readFile(join(out, odd.month, 'cohort_amounts.csv'), 'utf8');
      expect(amounts).toContain(`,whale,eur,${2n * (2n ** 53n + 1n)},2`);
      expect(amounts).toContain(`,whale,jpy,${123456789012345678901234567890n + 10n ** 30n},2`);
    } finally {
      await sb.close();
    }
  });
});

describe('a page far larger than per_page', () => {
  it('is taken whole: 10,000 contacts in one answer to per_page 150 give one page of 10,000 members', async () => {
    const sandbox = await startSandbox({ contacts: 5, seed: 1 });
    const ids = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? i : `c${i}`));
    sandbox.setResponseTransform((endpoint, body) => {
      if (endpoint !== 'contacts.search') return body;
      return {
        type: 'list',
        data: ids.map((id, i) => ({ type: 'contact', id, role: i % 3 === 0 ? 'lead' : 'user', created_at: 1_700_000_000 + i, signed_up_at: null })),
        total_count: ids.length,
        pages: { type: 'pages', page: 1, per_page: 150, total_pages: 1 },
      };
    });
    const limiter = createMemoryLimiter({ allowancePerWindow: 100_000, windowSeconds: 10, share: 1 });
    const api = createIntercomClient({ baseUrl: sandbox.url, token: sandbox.token, limiter });
    try {
      const pages = [];
      for await (const page of api.listMemberPages({ type: 'segment', id: 'any' })) pages.push(page);
      expect(pages).toHaveLength(1);
      expect(pages[0]!.members.map((m) => m.id)).toEqual(ids.map(String));
      expect(pages[0]!.members.filter((m) => m.role === 'lead')).toHaveLength(Math.ceil(ids.length / 3));
      expect(pages[0]!.totalCount).toBe(ids.length);
      expect(sandbox.counters.byEndpoint['contacts.search']).toBe(1);
    } finally {
      await api.close();
      await limiter.close();
      await sandbox.close();
    }
  });
});
