/**
 * What each listed contact costs the run's store, measured by driving the store itself (no API, no
 * workers) with a sandbox workspace's ground truth: every cohort's member pages as the search lists
 * them (150 a page), then, per fetch-contacts job of 50, the job's claims and each contact's result
 * (its listable events folded as fetchContact folds them); then, with conversations on, each reported
 * month's conversations as the search lists them for the padded window (150 a page, strict `>`/`<`,
 * the sandbox's default), read by the client's own parser and kept to W(M) as the client keeps them,
 * one saveConversationPage per page. Redis: used_memory of a server of its own before and after, and
 * MEMORY USAGE per key family (the conversations family is `conversations`, beside `contacts`);
 * `run`'s memory store: V8 heap after a full GC, and its journal's bytes.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import type { ConversationPage } from '../../src/intercom/conversation-types.js';
import { parseConversationList } from '../../src/intercom/conversation-schemas.js';
import type { Member, MemberPage } from '../../src/intercom/types.js';
import { createMemoryStore } from '../../src/pipeline/memory-store.js';
import type { RunPlan } from '../../src/pipeline/plan-run.js';
import { createRedisStore } from '../../src/pipeline/redis-store.js';
import { cohortKeyOf, type ContactResult, type RunStore } from '../../src/pipeline/run-store.js';
import { createContactAccumulator, finishContact, foldEvent } from '../../src/report/contact-accumulator.js';
import type { ContactStats } from '../../src/report/contact-stats.js';
import { findWindow } from '../../src/report/create-report-windows.js';
import { generateConversations } from '../../src/sandbox/generate-conversations.js';
import { LISTABLE_EVENT_AGE_SEC, SEARCH_PER_PAGE_MAX } from '../../src/sandbox/index.js';
import type { SandboxWorkspace } from '../../src/sandbox/types.js';
import { memoryInfo, startRedisServer } from './bench-redis-server.js';
import { CONVERSATION_PADDING_SEC, CONVERSATIONS_PER_PAGE } from './e2e-reference.js';

const CONTACTS_PER_JOB = 50;

/** Store measurements with (the run's default) or without report.conversations. */
export interface StoreCostOptions {
  conversations: boolean;
}

interface ConversationStep {
  month: string;
  from: string | null;
  page: ConversationPage;
}

/**
 * Each reported month's conversation pages as the run records them: the sandbox's conversations in
 * the padded window, 150 a page, parsed as the client parses them and kept to W(M), each id once.
 */
function conversationSteps(ws: SandboxWorkspace, plan: RunPlan): ConversationStep[] {
  const all = generateConversations(ws);
  const steps: ConversationStep[] = [];
  for (const { month } of plan.months) {
    const w = findWindow(plan.windows, month);
    const asked = all.filter((c) => c.created_at > w.startSec - CONVERSATION_PADDING_SEC && c.created_at < w.endSec + CONVERSATION_PADDING_SEC);
    let from: string | null = null;
    for (let i = 0; i === 0 || i < asked.length; i += CONVERSATIONS_PER_PAGE) {
      const wire = asked.slice(i, i + CONVERSATIONS_PER_PAGE);
      const parsed = parseConversationList({ type: 'conversation.list', conversations: wire, total_count: asked.length, pages: { type: 'pages' } });
      if (!parsed.ok) throw new Error(`the client refuses a page of the sandbox's conversations: ${parsed.problem}`);
      const next = i + CONVERSATIONS_PER_PAGE < asked.length ? `c${i + CONVERSATIONS_PER_PAGE}` : null;
      const conversations = parsed.value.conversations.filter((c) => c.createdAtSec >= w.startSec && c.createdAtSec < w.endSec);
      steps.push({ month, from, page: { conversations, nextCursor: next } });
      from = next;
    }
  }
  return steps;
}

/** The cohorts, member pages and per-contact results a run over `ws` records. */
function* runSteps(ws: SandboxWorkspace, plan: RunPlan) {
  const byId = new Map(ws.contacts.map((c) => [c.id, c]));
  const cutoff = ws.nowSec - LISTABLE_EVENT_AGE_SEC;
  const done = new Set<string>();
  for (const [key, ids] of ws.membersByCohort) {
    let from: string | null = null;
    for (let i = 0, n = 0; i < ids.length || (i === 0 && n === 0); i += SEARCH_PER_PAGE_MAX, n += 1) {
      const members: Member[] = ids.slice(i, i + SEARCH_PER_PAGE_MAX).map((id) => {
        const c = byId.get(id)!;
        return { id, role: c.role, createdAtSec: c.created_at, signedUpAtSec: c.signed_up_at || null, unsubscribedFromEmails: c.unsubscribed_from_emails === true };
      });
      const next = i + SEARCH_PER_PAGE_MAX < ids.length ? `p${n + 1}` : null;
      const page: MemberPage = { members, totalCount: ids.length, nextCursor: next };
      const jobs: Array<{ jobId: string; results: Array<[string, ContactResult]> }> = [];
      for (let j = 0; j < members.length; j += CONTACTS_PER_JOB) {
        const results: Array<[string, ContactResult]> = [];
        for (const m of members.slice(j, j + CONTACTS_PER_JOB)) {
          if (done.has(m.id)) continue;
          done.add(m.id);
          const acc = createContactAccumulator();
          const events = (ws.eventsByContact.get(m.id) ?? []).filter((e) => e.created_at >= cutoff && e.created_at >= plan.fetchFromSec);
          for (const e of events) foldEvent(acc, { id: e.id, name: e.event_name, createdAtSec: e.created_at, metadata: e.metadata ?? {} }, plan.windows);
          results.push([m.id, { kind: 'ok', stats: finishContact(acc), eventsFetched: events.length }]);
        }
        jobs.push({ jobId: `run.${plan.runId}.events.1.${key}.${n + 1}.${j / CONTACTS_PER_JOB}`, results });
      }
      yield { key, from, page, jobs };
      from = next;
    }
  }
}

function cohortsOf(ws: SandboxWorkspace) {
  return [
    ...ws.segments.map((s) => ({ type: 'segment' as const, id: s.id, name: s.name, memberCountReported: s.count ?? null, personType: s.person_type })),
    ...ws.tags.map((t) => ({ type: 'tag' as const, id: t.id, name: t.name, memberCountReported: null, personType: null })),
  ];
}

/**
 * Records `ws` into `store` as a run over it would (cohorts, member pages, each contact's folded events
 * once, each month's conversations when asked for); `claim` sees each fetch job's contacts as a
 * worker claims them. Returns the contacts listed.
 */
export async function recordRun(
  store: RunStore,
  ws: SandboxWorkspace,
  plan: RunPlan,
  options: StoreCostOptions,
  claim: (jobId: string, ids: string[]) => Promise<unknown> = async () => undefined,
): Promise<number> {
  await store.saveCohorts(cohortsOf(ws));
  let listed = 0;
  for (const step of runSteps(ws, plan)) {
    await store.savePage(step.key, step.from, step.page);
    for (const job of step.jobs) {
      await claim(job.jobId, job.results.map(([id]) => id));
      for (const [id, result] of job.results) await store.saveContactResult(id, result);
      listed += job.results.length;
    }
  }
  if (options.conversations) for (const step of conversationSteps(ws, plan)) await store.saveConversationPage(step.month, step.from, step.page);
  return listed;
}

export interface RedisStoreCost {
  listed: number;
  bytesPerContact: number;
  /** MEMORY USAGE of each key family (the run key's last part, cohort and claim scopes folded), per listed contact. */
  families: Record<string, number>;
  /** used_memory above the baseline once the run's store has been released (the run's reports written), per contact. */
  releasedBytesPerContact: number | null;
}

export async function measureRedisStoreCost(
  ws: SandboxWorkspace,
  plan: RunPlan,
  options: StoreCostOptions,
  release?: (store: RunStore) => Promise<void>,
): Promise<RedisStoreCost> {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  try {
    const prefix = 'bench-scale';
    const baseline = (await memoryInfo(redis)).used;
    const store = createRedisStore({ redis, prefix, runId: plan.runId });
    const listed = await recordRun(store, ws, plan, options, (jobId, ids) => store.claimContacts('1.1', jobId, ids));
    const used = (await memoryInfo(redis)).used;
    const families: Record<string, number> = {};
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const family = key.slice(key.indexOf('}:') + 2).replace(/:.*$/, '');
        families[family] = (families[family] ?? 0) + Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
      }
    } while (cursor !== '0');
    for (const f of Object.keys(families)) families[f] = Math.round(families[f]! / listed);
    let released: number | null = null;
    if (release) {
      await release(store);
      released = Math.round(((await memoryInfo(redis)).used - baseline) / listed);
    }
    return { listed, bytesPerContact: Math.round((used - baseline) / listed), families, releasedBytesPerContact: released };
  } finally {
    redis.disconnect();
    server.child.kill('SIGKILL');
  }
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export interface MemoryStoreCost {
  listed: number;
  heapBytesPerContact: number;
  journalBytesPerContact: number;
}

/** The memory store's heap (after a full GC, the store kept alive) and its journal, per listed contact. */
export async function measureMemoryStoreCost(ws: SandboxWorkspace, plan: RunPlan, options: StoreCostOptions): Promise<MemoryStoreCost> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-scale-store-'));
  try {
    const journalPath = join(dir, 'run.journal.jsonl');
    // The steps are built first and stay alive, and the store is handed copies, so the heap's growth is
    // what the store keeps and nothing else.
    const steps = [...runSteps(ws, plan)];
    const conversations = options.conversations ? conversationSteps(ws, plan) : [];
    gc();
    const before = process.memoryUsage().heapUsed;
    const store = createMemoryStore({ journalPath });
    await store.saveCohorts(cohortsOf(ws));
    let listed = 0;
    for (const step of steps) {
      await store.savePage(step.key, step.from, structuredClone(step.page));
      for (const job of step.jobs) {
        for (const [id, result] of job.results) {
          await store.saveContactResult(`${id}`, structuredClone(result));
          listed += 1;
        }
      }
    }
    for (const step of conversations) await store.saveConversationPage(step.month, step.from, structuredClone(step.page));
    gc();
    const heap = process.memoryUsage().heapUsed - before;
    // Read after the GC, so neither list could be collected before it (its bytes would then count against the store).
    if (steps.length === 0 || (options.conversations && conversations.length === 0)) throw new Error('no steps');
    store.close();
    const journal = (await stat(journalPath)).size;
    await store.progress();
    return { listed, heapBytesPerContact: Math.round(heap / listed), journalBytesPerContact: Math.round(journal / listed) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export { cohortKeyOf };
