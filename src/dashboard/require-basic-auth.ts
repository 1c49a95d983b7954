import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { checkBasicAuth, type BasicAuthCredentials } from './check-basic-auth.js';
import { clientKey } from './client-key.js';
import type { LoginThrottle } from './create-login-throttle.js';
import { sendRefusal } from './send-refusal.js';

const REALM = 'Basic realm="cohort-reports dashboard", charset="UTF-8"';

/** The user part of a basic-auth header, or undefined. */
function attemptedUser(header: string): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header);
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(0, colon);
}

/**
 * Basic auth on every route, throttled per client address (createLoginThrottle): a throttled client
 * gets 429 with Retry-After whatever it sends. A request without credentials (a browser's first) is
 * challenged but not counted; one with wrong credentials is counted and logged at warn with the client
 * address — with the user name only when it is the configured one, since a mistyped user field may
 * hold the password. The address is the TCP peer's: behind a reverse proxy all clients share it.
 */
export function requireBasicAuth(expected: BasicAuthCredentials, throttle: LoginThrottle, log: Logger): RequestHandler {
  const tooMany = (res: Parameters<RequestHandler>[1], waitMs: number): void => {
    const seconds = Math.ceil(waitMs / 1000);
    sendRefusal(res, 429, `too many failed logins from this address: try again in ${seconds} s`, { 'Retry-After': String(seconds) });
  };
  return (req, res, next) => {
    const client = clientKey(req.socket.remoteAddress);
    const waitMs = throttle.retryAfterMs(client);
    if (waitMs > 0) {
      tooMany(res, waitMs);
      return;
    }
    const header = req.headers.authorization;
    if (checkBasicAuth(header, expected)) {
      throttle.succeeded(client);
      next();
      return;
    }
    if (header !== undefined) {
      const { failures, blockedForMs } = throttle.failed(client);
      const user = attemptedUser(header) === expected.user ? { user: expected.user } : {};
      log.warn({ client, ...user, failures }, 'dashboard login failed');
      if (blockedForMs > 0) {
        log.warn({ client, retryAfterSec: Math.ceil(blockedForMs / 1000) }, 'dashboard logins from this client refused after repeated failures');
        tooMany(res, blockedForMs);
        return;
      }
    }
    res.status(401).set('WWW-Authenticate', REALM).type('text/plain').send('authentication required\n');
  };
}
