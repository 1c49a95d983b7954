/**
 * Which of a fetch-contacts job's contacts it should fetch, decided atomically so that each contact's
 * events are fetched at most once per run however many jobs list it (a contact in three cohorts is on
 * three pages, so in three jobs). A job fetches a contact when the run has no result for it yet and the
 * job holds the contact's claim: the first job to ask takes it, and a retry of the same job (same id)
 * still holds it, so a retry re-fetches only what it had not recorded.
 *
 * Claims are scoped (run job incarnation + round): a claim of another scope, left by a job that no
 * longer exists, is taken over, so such a contact is never stranded. A claim ends with the contact's
 * result (src/pipeline/lua/save-result.lua), so only contacts being fetched hold one.
 */
import type { Redis } from 'ioredis';
import { createScriptRunner, type ScriptRunner } from '../src/rate-limit/create-script-runner.js';
import { bucketKeys, runStoreKeys } from '../src/pipeline/redis-store.js';
import { storeScript } from '../src/pipeline/store-scripts.js';
import { RUN_TTL_SECONDS } from '../src/pipeline/run-ttl.js';

export interface ClaimContactsInput {
  /** Deployment prefix (config redis.prefix), as given to createRedisStore. */
  prefix: string;
  runId: string;
  scope: string;
  ownerJobId: string;
  contactIds: readonly string[];
  ttlSeconds?: number;
}

/** One runner per connection, so the script is loaded once and then sent by its SHA1. */
const runners = new WeakMap<Redis, ScriptRunner>();

export async function claimContacts(redis: Redis, input: ClaimContactsInput): Promise<string[]> {
  if (input.contactIds.length === 0) return [];
  let run = runners.get(redis);
  if (run === undefined) {
    run = createScriptRunner(redis, storeScript('claim-contacts.lua'));
    runners.set(redis, run);
  }
  const k = runStoreKeys(input.prefix, input.runId);
  const { keys, keyIndex } = bucketKeys(k, input.contactIds, 1);
  const ttl = input.ttlSeconds ?? RUN_TTL_SECONDS;
  const args = [input.scope, input.ownerJobId, String(ttl)];
  input.contactIds.forEach((id, i) => args.push(id, keyIndex[i]!));
  const out = await run([k.claims, ...keys], args);
  return Array.isArray(out) ? (out as string[]) : [];
}
