/**
 * The key failed logins are counted under for a client address: an IPv4 address as it is (also when
 * IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address by its /64 — one host usually holds a whole /64, so
 * counting single IPv6 addresses would give an attacker 2^64 fresh counters.
 *
 * @example clientKey('::ffff:10.0.0.7') // '10.0.0.7'
 * @example clientKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function clientKey(remoteAddress: string | undefined): string {
  const address = (remoteAddress ?? '').toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${all.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}
