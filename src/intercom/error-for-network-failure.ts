/**
 * The typed error for a request that got no complete response: undici's connect/headers/body timeouts
 * become TimeoutError with their phase, anything else ConnectionError. undici's own error is never
 * kept: its message could quote anything (a URL, a header), so only its name and code travel on, as a
 * fresh `cause`.
 */
import { ConnectionError, TimeoutError, type IntercomError, type TimeoutPhase } from './errors.js';

const TIMEOUT_PHASES: Record<string, TimeoutPhase> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect',
  UND_ERR_HEADERS_TIMEOUT: 'headers',
  UND_ERR_BODY_TIMEOUT: 'body',
};

/** The name and code of a thrown network error, and nothing else. */
export function networkErrorFacts(err: unknown): { name: string; code: string } {
  const e = err as { name?: unknown; code?: unknown; errors?: Array<{ code?: unknown }> } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const nested = Array.isArray(e?.errors) ? e.errors.find((inner) => typeof inner?.code === 'string')?.code : undefined;
  const code = typeof e?.code === 'string' ? e.code : typeof nested === 'string' ? nested : 'UNKNOWN';
  return { name, code };
}

/**
 * @example
 * errorForNetworkFailure(Object.assign(new Error('…'), { code: 'ECONNREFUSED' }), { endpoint: 'events', attempts: 1, status: null })
 * // ConnectionError 'Intercom events: connection failed (ECONNREFUSED)'
 */
export function errorForNetworkFailure(err: unknown, base: { endpoint: string; attempts: number; status: number | null }): IntercomError {
  const facts = networkErrorFacts(err);
  const cause = new Error(`${facts.name} (${facts.code})`);
  cause.name = facts.name;
  const phase = TIMEOUT_PHASES[facts.code];
  return phase
    ? new TimeoutError(`Intercom ${base.endpoint}: ${phase} timeout (${facts.code})`, { ...base, phase, cause })
    : new ConnectionError(`Intercom ${base.endpoint}: connection failed (${facts.code})`, { ...base, reason: facts.code, cause });
}
