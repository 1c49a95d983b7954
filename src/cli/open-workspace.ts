/**
 * The workspace a command reads: Intercom at intercom.baseUrl with INTERCOM_TOKEN, or with --sandbox
 * the built-in sandbox on a free loopback port. One in-process limiter paces it; the last rate-limit
 * feedback is kept (what `check` reports as the allowance).
 */
import type { Config } from '../config.js';
import { createApiClient } from '../intercom/create-api-client.js';
import type { IntercomApi } from '../intercom/types.js';
import type { Logger } from '../logger.js';
import { createMemoryLimiter } from '../rate-limit/memory-limiter.js';
import type { RateLimiter, RateLimitFeedback } from '../rate-limit/rate-limiter.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { UsageError } from './cli-errors.js';
import { intFlag, type ParsedFlags } from './flags.js';

export interface Workspace {
  api: IntercomApi;
  baseUrl: string;
  token: string;
  /** What identifies the workspace's data (the sandbox's whatever port it is on). */
  identity: string;
  limiter: RateLimiter;
  /** The logger the client logs to (`input.log` with the token, so it redacts it). */
  log: Logger;
  /** The newest rate-limit feedback any response gave, or null before the first. */
  lastFeedback(): RateLimitFeedback | null;
  close(): Promise<void>;
}

/** Starts the sandbox when --sandbox asks for it; the URL, token and identity of the workspace to read. */
export async function resolveWorkspace(
  flags: ParsedFlags,
  config: Readonly<Config>,
  envToken: string | null,
  nowMs: number,
): Promise<{ baseUrl: string; token: string; identity: string; sandbox: Sandbox | null }> {
  if (flags.sandbox !== true) {
    if (flags['sandbox-contacts'] !== undefined || flags['sandbox-seed'] !== undefined || flags['sandbox-rate-limit'] !== undefined) {
      throw new UsageError('--sandbox-contacts, --sandbox-seed and --sandbox-rate-limit go with --sandbox');
    }
    if (envToken === null) throw new UsageError('INTERCOM_TOKEN is not set');
    return { baseUrl: config.intercom.baseUrl, token: envToken, identity: config.intercom.baseUrl, sandbox: null };
  }
  // Anchored to the start of the UTC day, so reruns on one day see the same workspace and resume.
  const dayStartSec = Math.floor(nowMs / 86_400_000) * 86_400;
  const contacts = intFlag(flags, 'sandbox-contacts', 2000, 1);
  const seed = intFlag(flags, 'sandbox-seed', 1);
  const sandbox = await startSandbox({
    contacts,
    seed,
    nowSec: dayStartSec,
    rateLimit: {
      allowancePerWindow: intFlag(flags, 'sandbox-rate-limit', config.rateLimit.allowancePerWindow, 1),
      windowSeconds: config.rateLimit.windowSeconds,
    },
  });
  return { baseUrl: sandbox.url, token: sandbox.token, identity: `sandbox:${contacts}:${seed}:${dayStartSec}`, sandbox };
}

export async function openWorkspace(input: {
  flags: ParsedFlags;
  config: Readonly<Config>;
  envToken: string | null;
  log: (token: string) => Logger;
  /** Wraps the limiter and the client (metrics); default: as they are. */
  meter?: { limiter: (l: RateLimiter) => RateLimiter; api: (a: IntercomApi) => IntercomApi };
}): Promise<Workspace> {
  const { config } = input;
  const where = await resolveWorkspace(input.flags, config, input.envToken, Date.now());
  let last: RateLimitFeedback | null = null;
  const memory = createMemoryLimiter(config.rateLimit);
  const observed: RateLimiter = {
    take: (signal) => memory.take(signal),
    report: (feedback) => {
      last = feedback;
      return memory.report(feedback);
    },
    close: () => memory.close(),
  };
  const limiter = input.meter ? input.meter.limiter(observed) : observed;
  const log = input.log(where.token);
  const client = createApiClient({ config, baseUrl: where.baseUrl, token: where.token, limiter, log });
  const api = input.meter ? input.meter.api(client) : client;
  return {
    api,
    baseUrl: where.baseUrl,
    token: where.token,
    identity: where.identity,
    limiter,
    log,
    lastFeedback: () => last,
    async close() {
      await api.close();
      await limiter.close();
      await where.sandbox?.close();
    },
  };
}
