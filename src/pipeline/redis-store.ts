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
 * (A little over 250 lines: one RunStore whose methods all share this key layout.)
 */
import type { Redis } from 'ioredis';
import type { EventsPageSize, EventsPageSizeMemory } from '../intercom/events-page-size.js';
import type { Cohort, MemberPage } from '../intercom/types.js';
import { createScriptRunner } from '../rate-limit/create-script-runner.js';
import { decodeListedContact, encodeMember, encodeResult, memberSeq, splitRecord } from './contact-record.js';
import type { CohortProgress, ListedContact, RunProgress, RunStore } from './run-store.js';
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

export interface RedisStoreOptions {
  redis: Redis;
  /** Deployment prefix (config redis.prefix). */
  prefix: string;
  runId: string;
  ttlSeconds?: number;
}

export interface RedisStore<S> extends RunStore<S> {
  /**
   * Once the run's reports are written: drops every contact and claim, keeping the cohorts, their
   * progress, the counters and `outcome` (what the run job returns), so a retry of the run job finds
   * the run finished instead of summarising an emptied store.
   */
  release(outcome: string): Promise<void>;
  /** The outcome given to `release`, or null while the run's contacts are still held. */
  released(): Promise<string | null>;
}

export function runKeyBase(prefix: string, runId: string): string {
  return `${prefix}:run:{${runId}}`;
}

/** FNV-1a of the id, folded onto the buckets: the same id always lands in the same bucket. */
export function contactBucket(contactId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < contactId.length; i += 1) {
    h ^= contactId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % CONTACT_BUCKETS;
}

/** The run's keys; exported so the job layer's claim script reads the same contacts and claims. */
export function runStoreKeys(prefix: string, runId: string) {
  const base = runKeyBase(prefix, runId);
  return {
    base,
    cohorts: `${base}:cohorts`,
    progress: `${base}:cohort-progress`,
    cohortIndex: `${base}:cohort-index`,
    counters: `${base}:counters`,
    bucket: (index: number) => `${base}:contacts:${index}`,
    /** Claims of contacts being fetched (see src/pipeline/lua/claim-contacts.lua). */
    claims: `${base}:claims`,
    released: `${base}:released`,
    /** The GET /events page size the run settled on ('150', 'omit', …), and who is trying sizes. */
    eventsPageSize: `${base}:events-page-size`,
    eventsPageSizeTrial: `${base}:events-page-size-trial`,
  };
}

type RunKeys = ReturnType<typeof runStoreKeys>;

/**
 * KEYS of the distinct buckets of `ids` after `leading` keys, and for each id the 1-based index of its
 * bucket among all KEYS (the scripts' ARGV).
 */
export function bucketKeys(k: RunKeys, ids: readonly string[], leading: number): { keys: string[]; keyIndex: string[] } {
  const keys: string[] = [];
  const position = new Map<number, number>();
  const keyIndex = ids.map((id) => {
    const b = contactBucket(id);
    let at = position.get(b);
    if (at === undefined) {
      keys.push(k.bucket(b));
      at = leading + keys.length;
      position.set(b, at);
    }
    return String(at);
  });
  return { keys, keyIndex };
}

/**
 * The run's events page size in Redis, shared by every worker. The trial is a key with a lease (SET NX
 * PX); it is released with a plain DEL, so a holder whose lease had lapsed may release a successor's
 * trial: that costs at most a second trial's calls, never a wrong size. Once settled, the size never
 * changes within the run, so it is cached here after the first read.
 */
function createRedisPageSizeMemory(redis: Redis, keys: { size: string; trial: string }, ttlSeconds: number): EventsPageSizeMemory {
  let cached: EventsPageSize | null = null;
  const release = async (): Promise<void> => {
    await redis.del(keys.trial);
  };
  return {
    async settled() {
      if (cached !== null) return cached;
      const raw = await redis.get(keys.size);
      if (raw === 'omit') cached = 'omit';
      else if (raw !== null && /^\d+$/.test(raw)) cached = Number(raw);
      return cached;
    },
    async claimTrial(leaseMs) {
      return (await redis.set(keys.trial, '1', 'PX', leaseMs, 'NX')) === 'OK';
    },
    async settle(size) {
      await redis.set(keys.size, String(size), 'EX', ttlSeconds, 'NX');
      await release();
    },
    releaseTrial: release,
  };
}

export function createRedisStore<S>(options: RedisStoreOptions): RedisStore<S> {
  const { redis } = options;
  const ttl = options.ttlSeconds ?? RUN_TTL_SECONDS;
  const k = runStoreKeys(options.prefix, options.runId);
  const savePage = createScriptRunner(redis, storeScript('save-page.lua'));
  const saveResult = createScriptRunner(redis, storeScript('save-result.lua'));
  const eventsPageSize = createRedisPageSizeMemory(redis, { size: k.eventsPageSize, trial: k.eventsPageSizeTrial }, ttl);

  /** Every bucket's records, about RECORDS_PER_READ at a time (the first read takes one bucket). */
  async function* allRecords(): AsyncGenerator<Array<[id: string, record: string]>> {
    let records = 0;
    for (let first = 0, count = 1; first < CONTACT_BUCKETS; first += count) {
      if (first > 0) count = Math.max(1, Math.min(MAX_BUCKETS_PER_READ, Math.floor(RECORDS_PER_READ / Math.max(1, records / first))));
      const pipe = redis.pipeline();
      for (let b = first; b < Math.min(CONTACT_BUCKETS, first + count); b += 1) pipe.hgetall(k.bucket(b));
      const replies = (await pipe.exec()) ?? [];
      const batch: Array<[string, string]> = [];
      for (const [err, value] of replies) {
        if (err) throw err;
        for (const [id, record] of Object.entries(value as Record<string, string>)) batch.push([id, record]);
      }
      records += batch.length;
      if (batch.length > 0) yield batch;
    }
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
    async contactsWithoutResult(ids) {
      if (ids.length === 0) return [];
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hget(k.bucket(contactBucket(id)), id);
      const replies = (await pipe.exec()) ?? [];
      return ids.filter((_, i) => {
        const [err, raw] = replies[i] ?? [null, null];
        if (err) throw err;
        if (typeof raw !== 'string') return false;
        const r = splitRecord(raw);
        return r.member !== '' && r.result === '';
      });
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
      for await (const batch of allRecords()) {
        const out: Array<ListedContact<S>> = [];
        for (const [id, raw] of batch) {
          const listed = decodeListedContact<S>(id, raw, keyOf);
          if (listed !== null) out.push(listed);
        }
        if (out.length > 0) yield out;
      }
    },
    async progress(): Promise<RunProgress> {
      const pipe = redis.pipeline();
      pipe.get(k.cohorts);
      pipe.hvals(k.progress);
      pipe.hmget(k.counters, 'contacts', 'done', 'missing');
      const res = (await pipe.exec()) as Array<[Error | null, unknown]>;
      const cohorts = res[0]?.[1] ? (JSON.parse(res[0][1] as string) as Cohort[]).length : 0;
      const progressValues = (res[1]?.[1] as string[] | undefined) ?? [];
      const [contacts, done, missing] = (res[2]?.[1] as Array<string | null> | undefined) ?? [];
      return {
        cohorts,
        cohortsDone: progressValues.filter((v) => (JSON.parse(v) as CohortProgress).done).length,
        contacts: Number(contacts ?? 0),
        contactsDone: Number(done ?? 0),
        contactsMissing: Number(missing ?? 0),
      };
    },
    eventsPageSize,
    async release(outcome) {
      await redis.set(k.released, outcome, 'EX', ttl);
      const keys = [k.claims];
      for (let b = 0; b < CONTACT_BUCKETS; b += 1) keys.push(k.bucket(b));
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
