/**
 * RunStore in Redis, shared by every worker of a distributed run. Keys live under
 * `<prefix>:run:{<runId>}:` (the braces are a cluster hash tag, so one run's keys share a slot and the
 * page script can touch them together) and expire after `ttlSeconds` of inactivity, so an abandoned
 * run does not stay in Redis forever.
 */
import type { Redis } from 'ioredis';
import type { EventsPageSize, EventsPageSizeMemory } from '../intercom/events-page-size.js';
import type { Cohort, Member, MemberPage } from '../intercom/types.js';
import type { CohortProgress, ContactResult, MemberWithResult, RunProgress, RunStore } from './run-store.js';

/**
 * save-page (KEYS 4): records one member page atomically.
 * KEYS[1] cohort progress hash (field = cohort key, value = JSON CohortProgress)
 * KEYS[2] the cohort's member set
 * KEYS[3] contacts hash (id -> Member JSON)
 * KEYS[4] contact registration order list (ids, for deterministic pending scans)
 * ARGV[1] cohort key; ARGV[2] the cursor the page was fetched from ('' = first page)
 * ARGV[3] next cursor ('' = last page); ARGV[4] total_count ('' = none); ARGV[5] ttl seconds
 * ARGV[6..] pairs: member id, member JSON
 * Returns the ids registered for the first time, or -1 when the page was already recorded.
 */
const SAVE_PAGE = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
local progress = raw and cjson.decode(raw) or { cursor = cjson.null, pages = 0, done = false, totalCount = cjson.null }
local stored = progress.cursor
if stored == cjson.null then stored = '' end
if progress.done or stored ~= ARGV[2] then return -1 end
local fresh = {}
for i = 6, #ARGV, 2 do
  redis.call('SADD', KEYS[2], ARGV[i])
  if redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('RPUSH', KEYS[4], ARGV[i])
    fresh[#fresh + 1] = ARGV[i]
  end
end
local nextCursor = ARGV[3]
progress.pages = progress.pages + 1
if nextCursor == '' then
  progress.cursor = cjson.null
  progress.done = true
else
  progress.cursor = nextCursor
end
if ARGV[4] ~= '' then progress.totalCount = tonumber(ARGV[4]) end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(progress))
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return fresh
`;

export interface RedisStoreOptions {
  redis: Redis;
  /** Deployment prefix (config redis.prefix). */
  prefix: string;
  runId: string;
  ttlSeconds?: number;
}

export function runKeyBase(prefix: string, runId: string): string {
  return `${prefix}:run:{${runId}}`;
}

/** The run's keys; exported so the job layer's claim script shares the results hash with the store. */
export function runStoreKeys(prefix: string, runId: string) {
  const base = runKeyBase(prefix, runId);
  return {
    base,
    cohorts: `${base}:cohorts`,
    progress: `${base}:cohort-progress`,
    members: (cohortKey: string) => `${base}:members:${cohortKey}`,
    contacts: `${base}:contacts`,
    order: `${base}:contact-order`,
    results: `${base}:results`,
    missing: `${base}:missing`,
    /** The GET /events page size the run settled on ('150', 'omit', …), and who is trying sizes. */
    eventsPageSize: `${base}:events-page-size`,
    eventsPageSizeTrial: `${base}:events-page-size-trial`,
    /** Contact claims of one scope (see jobs/claim-contacts.ts); under `base`, so clear() removes them. */
    claims: (scope: string) => `${base}:claims:${scope}`,
  };
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

export function createRedisStore<S>(options: RedisStoreOptions): RunStore<S> {
  const { redis } = options;
  const ttl = options.ttlSeconds ?? 14 * 24 * 3600;
  const k = runStoreKeys(options.prefix, options.runId);

  const eventsPageSize = createRedisPageSizeMemory(redis, { size: k.eventsPageSize, trial: k.eventsPageSizeTrial }, ttl);
  const parseResult = (raw: string | null): ContactResult<S> | null => (raw === null ? null : (JSON.parse(raw) as ContactResult<S>));

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
      const args: string[] = [
        cohortKey,
        fromCursor ?? '',
        page.nextCursor ?? '',
        page.totalCount === null ? '' : String(page.totalCount),
        String(ttl),
      ];
      for (const m of page.members) args.push(m.id, JSON.stringify(m));
      const out = (await redis.eval(SAVE_PAGE, 4, k.progress, k.members(cohortKey), k.contacts, k.order, ...args)) as
        | string[]
        | number;
      return Array.isArray(out) ? out : [];
    },
    async contactsWithoutResult(ids) {
      if (ids.length === 0) return [];
      const pipe = redis.pipeline();
      pipe.hmget(k.contacts, ...ids);
      pipe.hmget(k.results, ...ids);
      const [[, known], [, done]] = (await pipe.exec()) as [[null, Array<string | null>], [null, Array<string | null>]];
      return ids.filter((_, i) => known[i] !== null && done[i] === null);
    },
    async *pendingContacts() {
      const total = await redis.llen(k.order);
      for (let start = 0; start < total; start += 500) {
        const ids = await redis.lrange(k.order, start, start + 499);
        const done = ids.length > 0 ? await redis.hmget(k.results, ...ids) : [];
        const pending = ids.filter((_, i) => done[i] === null);
        if (pending.length > 0) yield pending;
      }
    },
    async saveContactResult(contactId, result) {
      const pipe = redis.multi();
      pipe.hset(k.results, contactId, JSON.stringify(result));
      if (result.kind === 'missing') pipe.sadd(k.missing, contactId);
      else pipe.srem(k.missing, contactId);
      pipe.expire(k.results, ttl);
      pipe.expire(k.missing, ttl);
      await pipe.exec();
    },
    async *cohortMembers(cohortKey) {
      let cursor = '0';
      do {
        const [next, ids] = await redis.sscan(k.members(cohortKey), cursor, 'COUNT', 500);
        cursor = next;
        if (ids.length === 0) continue;
        const pipe = redis.pipeline();
        pipe.hmget(k.contacts, ...ids);
        pipe.hmget(k.results, ...ids);
        const [[, members], [, results]] = (await pipe.exec()) as [[null, Array<string | null>], [null, Array<string | null>]];
        const batch: Array<MemberWithResult<S>> = [];
        ids.forEach((_, i) => {
          const rawMember = members[i];
          if (rawMember) batch.push({ member: JSON.parse(rawMember) as Member, result: parseResult(results[i] ?? null) });
        });
        yield batch;
      } while (cursor !== '0');
    },
    async progress(): Promise<RunProgress> {
      const pipe = redis.pipeline();
      pipe.get(k.cohorts);
      pipe.hvals(k.progress);
      pipe.hlen(k.contacts);
      pipe.hlen(k.results);
      pipe.scard(k.missing);
      const res = (await pipe.exec()) as Array<[Error | null, unknown]>;
      const cohorts = res[0]?.[1] ? (JSON.parse(res[0][1] as string) as Cohort[]).length : 0;
      const progressValues = (res[1]?.[1] as string[] | undefined) ?? [];
      return {
        cohorts,
        cohortsDone: progressValues.filter((v) => (JSON.parse(v) as CohortProgress).done).length,
        contacts: Number(res[2]?.[1] ?? 0),
        contactsDone: Number(res[3]?.[1] ?? 0),
        contactsMissing: Number(res[4]?.[1] ?? 0),
      };
    },
    eventsPageSize,
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
