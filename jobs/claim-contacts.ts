/**
 * Which of a fetch-contacts job's contacts it should fetch, decided atomically so that each contact's
 * events are fetched at most once per run however many jobs list it (a contact in three cohorts is on
 * three pages, so in three jobs). A job fetches a contact when the run has no result for it yet and the
 * job holds the contact's claim: the first job to ask takes it, and a retry of the same job (same id)
 * still holds it, so a retry re-fetches only what it had not recorded.
 *
 * Claims are scoped (run job incarnation + round): a later round, or a re-enqueued run, gets fresh
 * claims, so a contact claimed by a job that no longer exists is never stranded.
 */
import type { Redis } from 'ioredis';
import { runStoreKeys } from '../src/pipeline/redis-store.js';

/**
 * claim-contacts (KEYS 2)
 * KEYS[1] claims hash of the scope (contact id -> owning job id)
 * KEYS[2] the run store's results hash (contact id -> result JSON; see src/pipeline/redis-store.ts)
 * ARGV[1] the asking job's id; ARGV[2] ttl seconds of the claims hash; ARGV[3..] contact ids
 * Returns the ids the job should fetch, in the order given.
 */
const CLAIM_CONTACTS = `
local out = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HEXISTS', KEYS[2], id) == 0 then
    if redis.call('HSETNX', KEYS[1], id, ARGV[1]) == 1 or redis.call('HGET', KEYS[1], id) == ARGV[1] then
      out[#out + 1] = id
    end
  end
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return out
`;

export interface ClaimContactsInput {
  /** Deployment prefix (config redis.prefix), as given to createRedisStore. */
  prefix: string;
  runId: string;
  scope: string;
  ownerJobId: string;
  contactIds: readonly string[];
  ttlSeconds?: number;
}

export async function claimContacts(redis: Redis, input: ClaimContactsInput): Promise<string[]> {
  if (input.contactIds.length === 0) return [];
  const keys = runStoreKeys(input.prefix, input.runId);
  const claimsKey = keys.claims(input.scope);
  const resultsKey = keys.results;
  const ttl = input.ttlSeconds ?? 14 * 24 * 3600;
  const out = await redis.eval(CLAIM_CONTACTS, 2, claimsKey, resultsKey, input.ownerJobId, String(ttl), ...input.contactIds);
  return Array.isArray(out) ? (out as string[]) : [];
}
