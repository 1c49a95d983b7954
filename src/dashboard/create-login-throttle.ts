export interface LoginThrottleOptions {
  /** Failed logins a client may make within `windowMs` before it is refused. Default 5. */
  maxFailures?: number;
  /** Default 60 s. */
  windowMs?: number;
  /** The first refusal's length; each further one doubles it, up to `maxBlockMs`. Default 60 s. */
  blockMs?: number;
  /** Default 15 min. */
  maxBlockMs?: number;
  /** Clients remembered at most; the least recently seen are forgotten first. Default 10,000. */
  maxClients?: number;
  /** The clock (tests pass their own, so a window passes without waiting). Default Date.now. */
  now?: () => number;
}

export interface LoginThrottle {
  /** How long this client is still refused, 0 when it may try. */
  retryAfterMs(client: string): number;
  /** Counts a failed login; returns the refusal it starts (ms), or 0. */
  failed(client: string): { failures: number; blockedForMs: number };
  /** Forgets the client's failures (its strikes too). */
  succeeded(client: string): void;
}

interface Entry {
  failuresAt: number[];
  /** Refusals so far: the next one lasts blockMs * 2^strikes. */
  strikes: number;
  blockedUntil: number;
  lastSeen: number;
}

const DEFAULTS = { maxFailures: 5, windowMs: 60_000, blockMs: 60_000, maxBlockMs: 15 * 60_000, maxClients: 10_000 };

/**
 * Failed basic-auth logins per client: after `maxFailures` within `windowMs`, every request from that
 * client is refused for a growing time, the right password included (it would otherwise tell the
 * guesser it was right). Memory stays bounded: entries idle longer than the longest refusal are
 * dropped, and beyond `maxClients` the least recently seen go first.
 *
 * @example const throttle = createLoginThrottle(); if (throttle.retryAfterMs(ip) > 0) refuse();
 */
export function createLoginThrottle(options: LoginThrottleOptions = {}): LoginThrottle {
  const o = { ...DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const clients = new Map<string, Entry>();
  const idleMs = Math.max(o.windowMs, o.maxBlockMs);

  function forgetIdle(at: number): void {
    for (const [key, e] of clients) {
      if (clients.size < o.maxClients) return;
      if (e.blockedUntil <= at && at - e.lastSeen > idleMs) clients.delete(key);
    }
    // Still full: forget the least recently seen (Map order: touch() re-inserts).
    while (clients.size >= o.maxClients) clients.delete(clients.keys().next().value!);
  }

  function touch(client: string, at: number): Entry {
    let e = clients.get(client);
    if (e !== undefined && e.blockedUntil <= at && at - e.lastSeen > idleMs) e = undefined;
    clients.delete(client);
    if (e === undefined) {
      forgetIdle(at);
      e = { failuresAt: [], strikes: 0, blockedUntil: 0, lastSeen: at };
    }
    e.lastSeen = at;
    clients.set(client, e);
    return e;
  }

  return {
    retryAfterMs(client) {
      const e = clients.get(client);
      return e === undefined ? 0 : Math.max(0, e.blockedUntil - now());
    },
    failed(client) {
      const at = now();
      const e = touch(client, at);
      e.failuresAt = e.failuresAt.filter((t) => at - t < o.windowMs);
      e.failuresAt.push(at);
      const failures = e.failuresAt.length;
      if (failures < o.maxFailures) return { failures, blockedForMs: 0 };
      const blockedForMs = Math.min(o.maxBlockMs, o.blockMs * 2 ** e.strikes);
      e.strikes += 1;
      e.blockedUntil = at + blockedForMs;
      e.failuresAt = [];
      return { failures, blockedForMs };
    },
    succeeded(client) {
      clients.delete(client);
    },
  };
}
