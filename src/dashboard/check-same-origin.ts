import type { Request, RequestHandler } from 'express';
import type { DashboardNames } from './is-own-authority.js';
import { parseAuthority } from './parse-authority.js';
import { sendRefusal } from './send-refusal.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether `origin` is the origin of the page this request's `Host` names (same host, same port; a Host
 * without a port stands for the scheme's default, as a TLS proxy forwards it), or a --public-host name.
 * Another port on the same address is another site: a page of another local service must not act.
 */
function isOwnOrigin(origin: string, host: string, names: DashboardNames): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) return false;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const target = parseAuthority(host);
  if (target !== null && target.hostname === hostname && (target.port ?? (url.protocol === 'https:' ? 443 : 80)) === port) return true;
  return names.publicHosts.some((p) => p.hostname === hostname && (p.port === null || p.port === port));
}

/**
 * Why a state-changing request may come from a page of another site, or null when it may act.
 * Browsers send `Origin` with every non-GET request (and `Sec-Fetch-Site` to loopback and https
 * origins), so the board's own page always carries same-origin evidence. A request needs:
 * - no `Sec-Fetch-Site` other than same-origin (or none: the user's own navigation), and
 * - no `Origin` other than the dashboard's own, and
 * - at least one of those two, or `Content-Type: application/json` — which a page of another site can
 *   send only after a CORS preflight the dashboard never grants (so: a non-browser client such as curl).
 * A cross-site "simple" request (text/plain or a form, sent without a preflight) never acts.
 */
export function crossSiteReason(req: Request, names: DashboardNames): string | null {
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site is ${JSON.stringify(site)}`;
  if (origin !== undefined && !isOwnOrigin(origin, req.headers.host ?? '', names)) return 'Origin is not this dashboard';
  if (site !== undefined || origin !== undefined) return null;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' ? null : 'no Origin, no Sec-Fetch-Site and no JSON body';
}

/** Refuses (403) a state-changing request without same-origin evidence (crossSiteReason). */
export function checkSameOrigin(names: DashboardNames): RequestHandler {
  return (req, res, next) => {
    const reason = SAFE_METHODS.has(req.method) ? null : crossSiteReason(req, names);
    if (reason === null) {
      next();
      return;
    }
    sendRefusal(res, 403, `refused a ${req.method} that may come from another site (${reason}): act from the dashboard's own page`);
  };
}
