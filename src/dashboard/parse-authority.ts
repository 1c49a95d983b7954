/** A host and optional port, as in a `Host` header: hostname lower-cased, an IPv6 address without brackets. */
export interface Authority {
  hostname: string;
  /** null when not given. */
  port: number | null;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const AUTHORITY = new RegExp(`^(?:\\[([0-9a-f:.]+)\\]|(${LABEL}(?:\\.${LABEL})*))(?::(\\d{1,5}))?$`, 'i');

/**
 * Parses `host[:port]` strictly (a DNS name, an IPv4 address or a bracketed IPv6 address; nothing
 * else, no user info, no path, no trailing dot), or null.
 *
 * @example parseAuthority('[::1]:3000') // { hostname: '::1', port: 3000 }
 * @example parseAuthority('evil.example/x') // null
 */
export function parseAuthority(value: string): Authority | null {
  const match = AUTHORITY.exec(value);
  if (!match) return null;
  const port = match[3] === undefined ? null : Number(match[3]);
  if (port !== null && (port < 1 || port > 65_535)) return null;
  return { hostname: (match[1] ?? match[2]!).toLowerCase(), port };
}
