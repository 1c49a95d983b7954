import { ForeignNextUrlError, UnexpectedBodyError } from './errors.js';
import { REGION_URLS } from './resolve-base-url.js';

/** Intercom's own API origins: a `pages.next` may name any of them (api.intercom.io routes to regions). */
const INTERCOM_ORIGINS: ReadonlySet<string> = new Set(Object.values(REGION_URLS).map((url) => new URL(url).origin));

/**
 * The URL a `pages.next` link is followed at: its query on the configured base URL (origin and path
 * prefix), never on the host the link names. A proxy in front of Intercom, or api.intercom.io serving
 * an EU/AU workspace, hands out links on Intercom's host; following those as given would bypass the
 * proxy, or send the token to an origin nobody configured.
 *
 * Accepted: a link on the configured origin whose path is the base path + `endpointPath`, or a link on
 * one of Intercom's API origins (us, eu, au) whose path is `endpointPath`; a relative link is resolved
 * against the base first. Refused: any other origin (ForeignNextUrlError, the same refusal as ever),
 * another path (a link to another endpoint), and a link with credentials in it.
 *
 * @example followNextUrl('https://api.intercom.io/events?type=user&before=9', 'https://gw.example.com/intercom', 'events', '/events')
 * // 'https://gw.example.com/intercom/events?type=user&before=9'
 */
export function followNextUrl(next: string, baseUrl: string, endpoint: string, endpointPath: string): string {
  const base = new URL(`${baseUrl}/`);
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    throw new UnexpectedBodyError(`Intercom ${endpoint} answered with a pages.next that is not a URL`, {
      endpoint,
      status: 200,
      reason: 'wrong-shape',
    });
  }
  const onBase = url.origin === base.origin;
  if (!onBase && !INTERCOM_ORIGINS.has(url.origin)) {
    throw new ForeignNextUrlError(
      `Intercom ${endpoint} answered with a pages.next on ${url.origin}, neither ${base.origin} nor an Intercom API host: refusing to send the token to another origin`,
      { endpoint, status: 200 },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ForeignNextUrlError(`Intercom ${endpoint} answered with a pages.next that carries credentials: refusing to follow it`, {
      endpoint,
      status: 200,
    });
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const expectedPath = onBase ? `${basePath}${endpointPath}` : endpointPath;
  if (url.pathname !== expectedPath) {
    throw new UnexpectedBodyError(
      `Intercom ${endpoint} answered with a pages.next to another path than ${expectedPath}: refusing to follow it`,
      { endpoint, status: 200, reason: 'wrong-shape' },
    );
  }
  return `${baseUrl}${endpointPath}${url.search}`;
}
