import { isIP } from 'node:net';
import type { Authority } from './parse-authority.js';

/** The names the dashboard answers to besides IP addresses and localhost. */
export interface DashboardNames {
  /** --host as given (an address or a name; 0.0.0.0 and :: mean every address). */
  bindHost: string;
  /** --public-host values: a name without a port matches on any port. */
  publicHosts: readonly Authority[];
}

/**
 * Whether a `Host` header's host names this dashboard: an IP address, `localhost`, the --host name, or
 * a --public-host name (with its port, when one was given). DNS rebinding needs a name the attacker
 * controls (a page on attacker.example whose name now resolves to this machine); an address or
 * localhost cannot be rebound, so those are accepted on any port — an SSH tunnel
 * (`ssh -L 8080:127.0.0.1:3000`) or a container's published port changes the port the browser names.
 *
 * @example isOwnAuthority({ hostname: 'localhost', port: 8080 }, { bindHost: '127.0.0.1', publicHosts: [] }) // true
 * @example isOwnAuthority({ hostname: 'attacker.example', port: 3000 }, { bindHost: '127.0.0.1', publicHosts: [] }) // false
 */
export function isOwnAuthority(authority: Authority, names: DashboardNames): boolean {
  const { hostname, port } = authority;
  if (isIP(hostname) !== 0 || hostname === 'localhost') return true;
  if (hostname === names.bindHost.toLowerCase()) return true;
  return names.publicHosts.some((p) => p.hostname === hostname && (p.port === null || p.port === (port ?? 80)));
}
