import { isLoopbackHost } from '../shared/is-loopback-host.js';
import { IntercomOptionsError } from './errors.js';

export const REGION_URLS: Readonly<Record<string, string>> = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
};


/**
 * Turns a region name ('us' | 'eu' | 'au') or a URL into the base URL every request is built on,
 * without a trailing slash. Plain http is refused unless the host is loopback, because the token
 * would cross the network in clear text.
 *
 * @example resolveBaseUrl('eu') // 'https://api.eu.intercom.io'
 * @example resolveBaseUrl('http://127.0.0.1:4010/') // 'http://127.0.0.1:4010'
 */
export function resolveBaseUrl(value: string): string {
  const trimmed = value.trim();
  const region = REGION_URLS[trimmed.toLowerCase()];
  if (region) return region;

  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new IntercomOptionsError(
      `Intercom base URL is neither a region nor a URL: use 'us', 'eu', 'au' or a full URL such as https://api.intercom.io`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new IntercomOptionsError(`Intercom base URL must use https:// (got ${url.protocol}//)`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new IntercomOptionsError(
      `Intercom base URL uses http:// for host ${url.hostname}, which would send the token unencrypted: ` +
        `use https:// (plain http is accepted only for loopback hosts: 127.0.0.0/8, ::1, localhost)`,
    );
  }
  if (url.username || url.password) {
    throw new IntercomOptionsError('Intercom base URL must not contain credentials: pass the token separately');
  }
  if (url.search || url.hash) {
    throw new IntercomOptionsError('Intercom base URL must not contain a query or fragment: give only origin and path');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
