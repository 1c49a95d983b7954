/**
 * 127.0.0.0/8, ::1 (bracketed or not) and localhost: the hosts the sandbox may listen on, a plain-http
 * base URL may name, and a dashboard may serve without authentication.
 *
 * @example isLoopbackHost('[::1]') // true
 * @example isLoopbackHost('10.0.0.1') // false
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  const octets = host.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
}
