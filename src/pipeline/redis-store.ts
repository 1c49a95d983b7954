/**
 * RunStore in Redis, shared by every worker of a distributed run. Keys live under
 * `<prefix>:run:{<runId>}:` (the braces are a cluster hash tag, so one run's keys share a slot and the
 * scripts can touch them together) and expire after `ttlSeconds` of inactivity, so an abandoned run
 * does not stay in Redis forever.
 *
 * Each listed contact is one short string (./contact-record.ts: its cohorts, its member fields, its
 * result) in one of CONTACT_BUCKETS hashes picked by a hash of its id. Small buckets stay in Redis's
 * compact listpack encoding, and reading a bucket whole (HGETALL) lists each contact exactly once,
 * which a cursor scan of one large hash does not promise. Claims live only while a contact is being
 * fetched, and once the reports are written `release` keeps the run's outcome and drops the contacts.
 *
 * Request counters: each worker process's store writes the process's cumulative totals for the run
 * (not increments) under its own writer id, so a write that failed while Redis was down, or that Redis
 * lost in a crash before it reached disk, is made good by the process's next write; reading sums
 * every writer and says when the sum may be short of the truth (`lowerBound`: a writer's last write
 * went to an earlier incarnation of the server, which may have lost a later one). Not seen: a process
 * whose every write Redis lost and which wrote no more. See lua/save-request-stats-1.lua.
 * (About 300 lines: one RunStore whose methods all share this key layout.)
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Cohort, MemberPage } from '../intercom/types.js';
import { createScriptRunner } from '../shared/create-script-runner.js';
import { decodeListedContact, encodeMember, encodeResult, memberSeq, splitRecord } from './contact-record.js';
import { conversationEntries } from './conversation-record.js';
import { RunNotCollectedError } from './errors.js';
import { addCounts, createRequestCounter } from './request-counter.js';
import { cohortKeyOf, type CohortProgress, type ConversationProgress, type ListedContact, type RequestCounts, type RunProgress, type RunStore } from './run-store.js';
import { storeScript } from './store-scripts.js';
import { RUN_TTL_SECONDS } from './run-ttl.js';

/** Hashes the contacts are spread over: ~25 contacts each at 100k, ~250 at 1M. */
export const CONTACT_BUCKETS = 4096;
/**
 * Records aimed at per round trip when listing every contact. The buckets read at once are chosen
 * from the contacts per bucket seen so far, so a batch holds about this many records at 10k contacts
 * and at 1M alike (64 buckets at a time held 14,400 records at 1M, and the worker summarising the run
 * grew ~60 MB above the others).
 */
const RECORDS_PER_READ = 2_000;
const MAX_BUCKETS_PER_READ = 64;
/** How soon a request-counter write that failed is tried again (Redis down: the totals stay here). */
const RETRY_WRITE_MS = 1_000;

export interface RedisStoreOptions {
  redis: Redis;
  /** Deployment prefix (config redis.prefix). */
  prefix: string;
  runId: string;
  ttlSeconds?: number;
}

export interface RedisStore extends RunStore {
  /**
   * Which of a fetch-contacts job's contacts it should fetch, decided atomically so that each
   * contact's events are fetched at most once per run however many jobs list it (a contact in three
   * cohorts is on three pages, so in three jobs): those without a result whose claim the job takes
   * (the first job to ask) or already holds (a retry of the same job re-fetches only what it had not
   * recorded). A claim of another `scope` (run job incarnation and round), left by a job that no
   * longer exists, is taken over, so no contact is stranded; a claim ends with the contact's result.
   */
  claimContacts(scope: string, ownerJobId: string, contactIds: readonly string[]): Promise<string[]>;
  /**
   * Once the run's reports are written: drops every contact and claim, keeping the cohorts, their
   * progress, the counters and `outcome` (what the run job returns), so a retry of the run job finds
   * the run finished instead of summarising an emptied store.
   */
  release(outcome: string): Promise<void>;
  /** The outcome given to `release`, or null while the run's contacts are still held. */
  released(): Promise<string | null>;
}

function runKeyBase(prefix: string, runId: string): string {
  return `${prefix}:run:{${runId}}`;
}

/** FNV-1a of the id, folded onto the buckets: the same id always lands in the same bucket. */
function contactBucket(contactId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < contactId.length; i += 1) {
    h ^= contactId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % CONTACT_BUCKETS;
}

/** The run's keys (exported for the tests that look at what Redis holds). */
export function runStoreKeys(prefix: string, runId: string) {
  const base = runKeyBase(prefix, runId);
  return {
    base,
    cohorts: `${base}:cohorts`,
    progress: `${base}:cohort-progress`,
    cohortIndex: `${base}:cohort-index`,
    counters: `${base}:counters`,
    bucket: (index: number) => `${base}:contacts:${index}`,
    /** The conversations the bucket's contacts opened (see lua/save-conversations-1+.lua). */
    conversationBucket: (index: number) => `${base}:conversations:${index}`,
    conversationProgress: `${base}:conversation-progress`,
    /** Claims of contacts being fetched (see lua/claim-contacts-1+.lua). */
    claims: `${base}:claims`,
    released: `${base}:released`,
    /** Each writer's request counters (see lua/save-request-stats-1.lua). */
    requestStats: `${base}:request-stats`,
  };
}

type RunKeys = ReturnType<typeof runStoreKeys>;

/**
 * KEYS of the distinct buckets of `ids` after `leading` keys, and for each id the 1-based index of its
 * bucket among all KEYS (the scripts' ARGV).
 */
function bucketKeys(k: RunKeys, ids: readonly string[], leading: number, bucketKey: (index: number) => string = k.bucket): { keys: string[]; keyIndex: string[] } {
  const keys: string[] = [];
  const position = new Map<number, number>();
  const keyIndex = ids.map((id) => {
    const b = contactBucket(id);
    let at = position.get(b);
    if (at === undefined) {
      keys.push(bucketKey(b));
      at = leading + keys.length;
      position.set(b, at);
    }
    return String(at);
  });
  return { keys, keyIndex };
}

export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { redis } = options;
  const ttl = options.ttlSeconds ?? RUN_TTL_SECONDS;
  const k = runStoreKeys(options.prefix, options.runId);
  const savePage = createScriptRunner(redis, storeScript('save-page-3+.lua'));
  const saveResult = createScriptRunner(redis, storeScript('save-result-3.lua'));
  const saveConversations = createScriptRunner(redis, storeScript('save-conversations-1+.lua'));
  const claim = createScriptRunner(redis, storeScript('claim-contacts-1+.lua'));
  const saveRequests = createScriptRunner(redis, storeScript('save-request-stats-1.lua'));
  const readRequests = createScriptRunner(redis, storeScript('read-request-stats-1.lua'));

  /**
   * This store's requests for the run (a worker keeps one store per run: see start-worker.ts), written
   * under its own id: host, pid, and a random part for pid reuse and for several workers in a process.
   */
  const writer = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const counter = createRequestCounter();
  let totals: RequestCounts = { apiCalls: 0, responses429: 0, retries: 0 };
  let retryTimer: NodeJS.Timeout | null = null;
  async function writeRequests(): Promise<void> {
    const delta = counter.take();
    if (delta !== null) totals = addCounts(totals, delta);
    const size = counter.pageSize();
    const t = totals;
    try {
      await saveRequests([k.requestStats], [writer, String(t.apiCalls), String(t.responses429), String(t.retries), String(ttl), size === null ? '' : String(size)]);
    } catch (err) {
      // Written again soon, so no job has to come by for the totals to reach Redis once it is back.
      retryTimer ??= setTimeout(() => {
        retryTimer = null;
        writeRequests().catch(() => {
          // Still down: the failed write has planned the next try.
        });
      }, RETRY_WRITE_MS);
      retryTimer.unref();
      throw err;
    }
  }

  /** Every bucket's records, about RECORDS_PER_READ at a time (the first read takes one bucket). */
  async function* allRecords(withConversations = false): AsyncGenerator<Array<[id: string, record: string, conversations: string | undefined]>> {
    let records = 0;
    for (let first = 0, count = 1; first < CONTACT_BUCKETS; first += count) {
      if (first > 0) count = Math.max(1, Math.min(MAX_BUCKETS_PER_READ, Math.floor(RECORDS_PER_READ / Math.max(1, records / first))));
      const pipe = redis.pipeline();
      for (let b = first; b < Math.min(CONTACT_BUCKETS, first + count); b += 1) {
        pipe.hgetall(k.bucket(b));
        if (withConversations) pipe.hgetall(k.conversationBucket(b));
      }
      const replies = (await pipe.exec()) ?? [];
      const batch: Array<[string, string, string | undefined]> = [];
      const step = withConversations ? 2 : 1;
      for (let i = 0; i < replies.length; i += step) {
        const [err, value] = replies[i]!;
        if (err) throw err;
        let opened: Record<string, string> = {};
        if (withConversations) {
          const [convErr, convValue] = replies[i + 1]!;
          if (convErr) throw convErr;
          opened = convValue as Record<string, string>;
        }
        for (const [id, record] of Object.entries(value as Record<string, string>)) batch.push([id, record, Object.hasOwn(opened, id) ? opened[id] : undefined]);
      }
      records += batch.length;
      if (batch.length > 0) yield batch;
    }
  }
  async function cohortsPaged(): Promise<boolean> {
    const raw = await redis.get(k.cohorts);
    if (raw === null) return false;
    const cohorts = JSON.parse(raw) as Cohort[];
    if (cohorts.length === 0) return true;
    const paged = await redis.hmget(k.progress, ...cohorts.map(cohortKeyOf));
    return paged.every((p) => p !== null && (JSON.parse(p) as CohortProgress).done);
  }
  async function cohortIndexes(): Promise<Map<string, string>> {
    const byKey = await redis.hgetall(k.cohortIndex);
    return new Map(Object.entries(byKey).map(([key, index]) => [index, key]));
  }

  return {
    async saveCohorts(cohorts) {
      await redis.set(k.cohorts, JSON.stringify(cohorts), 'EX', ttl);
    },
    async loadCohorts() {
      const raw = await redis.get(k.cohorts);
      return raw === null ? null : (JSON.parse(raw) as Cohort[]);
    },
    async cohortProgress(cohortKey): Promise<CohortProgress> {
      const raw = await redis.hget(k.progress, cohortKey);
      return raw === null ? { cursor: null, pages: 0, done: false, totalCount: null } : (JSON.parse(raw) as CohortProgress);
    },
    async savePage(cohortKey, fromCursor, page: MemberPage) {
      const ids = page.members.map((m) => m.id);
      const { keys, keyIndex } = bucketKeys(k, ids, 3);
      const args: string[] = [cohortKey, fromCursor ?? '', page.nextCursor ?? '', page.totalCount === null ? '' : String(page.totalCount), String(ttl)];
      page.members.forEach((m, i) => args.push(m.id, encodeMember(m), keyIndex[i]!));
      const out = (await savePage([k.progress, k.cohortIndex, k.counters, ...keys], args)) as string[] | number;
      return Array.isArray(out) ? out : [];
    },
    async claimContacts(scope, ownerJobId, contactIds) {
      if (contactIds.length === 0) return [];
      const { keys, keyIndex } = bucketKeys(k, contactIds, 1);
      const args = [scope, ownerJobId, String(ttl)];
      contactIds.forEach((id, i) => args.push(id, keyIndex[i]!));
      const out = await claim([k.claims, ...keys], args);
      return Array.isArray(out) ? (out as string[]) : [];
    },
    async *pendingContacts() {
      // In registration order, as a resumed run fetches them: held whole (a resumed run's pending
      // contacts; normally none by the time the run job sweeps).
      const pending: Array<[seq: number, id: string]> = [];
      for await (const batch of allRecords()) {
        for (const [id, raw] of batch) {
          const r = splitRecord(raw);
          if (r.member !== '' && r.result === '') pending.push([memberSeq(r.member), id]);
        }
      }
      pending.sort((a, b) => a[0] - b[0]);
      for (let i = 0; i < pending.length; i += 500) yield pending.slice(i, i + 500).map(([, id]) => id);
    },
    async saveContactResult(contactId, result) {
      await saveResult([k.bucket(contactBucket(contactId)), k.counters, k.claims], [contactId, encodeResult(result), String(ttl)]);
    },
    async *listedContacts() {
      const keyOf = await cohortIndexes();
      for await (const batch of allRecords(true)) {
        const out: ListedContact[] = [];
        for (const [id, raw, opened] of batch) {
          const listed = decodeListedContact(id, raw, keyOf, opened);
          if (listed !== null) out.push(listed);
        }
        if (out.length > 0) yield out;
      }
    },
    cohortsPaged,
    async conversationProgress(month): Promise<ConversationProgress> {
      const raw = await redis.hget(k.conversationProgress, month);
      return raw === null ? { cursor: null, pages: 0, done: false } : (JSON.parse(raw) as ConversationProgress);
    },
    async saveConversationPage(month, fromCursor, page) {
      // Who is a member is known once every cohort is paged (it never becomes undone), so this check
      // before the script stays true while it runs.
      if (!(await cohortsPaged())) {
        throw new RunNotCollectedError(`saveConversationPage: ${month}'s conversations recorded before every cohort was paged to its end`);
      }
      const { entries, unowned } = conversationEntries(month, page);
      const ids = entries.filter((_, i) => i % 3 === 0);
      const contactsAt = bucketKeys(k, ids, 1);
      const openedAt = bucketKeys(k, ids, 1 + contactsAt.keys.length, k.conversationBucket);
      const args: string[] = [month, fromCursor ?? '', page.nextCursor ?? '', String(ttl)];
      ids.forEach((id, i) => args.push(id, entries[i * 3 + 1]!, entries[i * 3 + 2]!, contactsAt.keyIndex[i]!, openedAt.keyIndex[i]!));
      const out = (await saveConversations([k.conversationProgress, ...contactsAt.keys, ...openedAt.keys], args)) as [number, number] | number;
      if (!Array.isArray(out)) return null;
      return { kept: out[0], dropped: out[1] + unowned };
    },
    countRequests(read) {
      counter.attach(read);
    },
    flushRequests: writeRequests,
    async progress(): Promise<RunProgress> {
      const pipe = redis.pipeline();
      pipe.get(k.cohorts);
      pipe.hvals(k.progress);
      pipe.hmget(k.counters, 'contacts', 'done', 'missing');
      const res = (await pipe.exec()) as Array<[Error | null, unknown]>;
      for (const [err] of res) if (err) throw err;
      // Summed over every writer with the server's run_id, in one step (see lua/read-request-stats-1.lua).
      const [apiCalls, responses429, retries, lowerBound, perPage] = (await readRequests([k.requestStats], [])) as [number, number, number, number, string];
      const cohorts = res[0]?.[1] ? (JSON.parse(res[0][1] as string) as Cohort[]).length : 0;
      const progressValues = (res[1]?.[1] as string[] | undefined) ?? [];
      const [contacts, done, missing] = (res[2]?.[1] as Array<string | null> | undefined) ?? [];
      return {
        cohorts,
        cohortsDone: progressValues.filter((v) => (JSON.parse(v) as CohortProgress).done).length,
        contacts: Number(contacts ?? 0),
        contactsDone: Number(done ?? 0),
        contactsMissing: Number(missing ?? 0),
        requests: {
          apiCalls: Number(apiCalls ?? 0),
          responses429: Number(responses429 ?? 0),
          retries: Number(retries ?? 0),
          lowerBound: lowerBound === 1,
          eventsPerPage: /^\d+$/.test(perPage ?? '') ? Number(perPage) : null,
        },
      };
    },
    async release(outcome) {
      await redis.set(k.released, outcome, 'EX', ttl);
      const keys = [k.claims];
      for (let b = 0; b < CONTACT_BUCKETS; b += 1) keys.push(k.bucket(b), k.conversationBucket(b));
      // DEL, not UNLINK: UNLINK frees large hashes in a background thread, so the memory would still
      // show as used when the run is reported done (at 1M contacts, ~95% of it right after the call).
      for (let i = 0; i < keys.length; i += 512) await redis.del(...keys.slice(i, i + 512));
    },
    async released() {
      return redis.get(k.released);
    },
    async clear() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${k.base.replace(/[[\]*?{}]/g, '\\$&')}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    },
  };
}
