/** The sandbox's observation counters: what tests and benchmarks read to see what a client did. */
import type { SandboxCounters, SandboxEndpoint, SandboxFaultKind } from './types.js';

const FAULT_KINDS: readonly SandboxFaultKind[] = ['serverError', 'slow', 'drop', 'nonJson', 'burst429', 'retryAfter429', 'vanish'];
const ENDPOINTS: readonly SandboxEndpoint[] = ['me', 'segments', 'tags', 'contacts.search', 'events', 'conversations.search', 'other'];

export function createCounters(): SandboxCounters {
  return {
    requests: 0,
    byEndpoint: Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<SandboxEndpoint, number>,
    responses429: 0,
    faultsInjected: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as SandboxCounters['faultsInjected'],
    eventsCallsByContact: new Map(),
    searchCallsByCursor: new Map(),
    requestsByWindow: new Map(),
    requestsByHost: new Map(),
  };
}

/** Zeroes every counter in place, so references held by callers stay valid. */
export function resetCounters(counters: SandboxCounters): void {
  counters.requests = 0;
  counters.responses429 = 0;
  for (const e of ENDPOINTS) counters.byEndpoint[e] = 0;
  for (const k of FAULT_KINDS) counters.faultsInjected[k] = 0;
  counters.eventsCallsByContact.clear();
  counters.searchCallsByCursor.clear();
  counters.requestsByWindow.clear();
  counters.requestsByHost.clear();
}

export function incrementKey<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Which endpoint a request is for, by method and path (query excluded). */
export function endpointOf(method: string, pathname: string): SandboxEndpoint {
  if (method === 'GET' && pathname === '/me') return 'me';
  if (method === 'GET' && pathname === '/segments') return 'segments';
  if (method === 'GET' && pathname === '/tags') return 'tags';
  if (method === 'POST' && pathname === '/contacts/search') return 'contacts.search';
  if (method === 'GET' && pathname === '/events') return 'events';
  if (method === 'POST' && pathname === '/conversations/search') return 'conversations.search';
  return 'other';
}
