import { createHash, timingSafeEqual } from 'node:crypto';

export interface BasicAuthCredentials {
  user: string;
  password: string;
}

/** Equal-length digests, so the comparison takes the same time whatever the lengths and contents. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * Whether an `Authorization: Basic …` header carries exactly these credentials. User and password
 * are both compared in constant time and both always compared, so neither a wrong user nor a wrong
 * password answers sooner. The password may contain `:` (only the first one separates).
 *
 * @example checkBasicAuth(`Basic ${btoa('ops:s3cret')}`, { user: 'ops', password: 's3cret' }) // true
 */
export function checkBasicAuth(header: string | undefined, expected: BasicAuthCredentials): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header ?? '');
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? '' : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  const userOk = sameSecret(user, expected.user);
  const passwordOk = sameSecret(password, expected.password);
  return match !== null && colon >= 0 && userOk && passwordOk;
}
