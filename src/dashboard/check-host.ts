import type { RequestHandler } from 'express';
import { isOwnAuthority, type DashboardNames } from './is-own-authority.js';
import { parseAuthority } from './parse-authority.js';
import { sendRefusal } from './send-refusal.js';

/**
 * Refuses (421 Misdirected Request) every request whose `Host` header does not name this dashboard
 * (isOwnAuthority), before authentication and before Bull Board: a page on a rebound name cannot
 * reach the board, its API or /api/redis/stats, even through the operator's browser.
 */
export function checkHost(names: DashboardNames): RequestHandler {
  return (req, res, next) => {
    const authority = parseAuthority(req.headers.host ?? '');
    if (authority !== null && isOwnAuthority(authority, names)) {
      next();
      return;
    }
    sendRefusal(res, 421, 'the Host header does not name this dashboard: open it by its address or localhost, or start it with --public-host NAME');
  };
}
