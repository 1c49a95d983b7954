/**
 * The sandbox HTTP server (node:http, loopback only). Per request, in this order:
 *   read the body (at most 1 MiB) → 401 unless `Authorization: Bearer <token>` (no rate-limit headers,
 *   not counted in any window) → count the request in its window → injected 429 burst, or 429 past the
 *   allowance → other injected faults → 406 unless Accept admits JSON → the endpoint.
 * See index.ts for the behaviour as a whole and the decisions taken where Intercom is unverified.
 *
 * Longer than most files (~280 lines) on purpose: that order is one pipeline over one request, and the
 * mutable state the test hooks change (token, faults, limit, transform) is shared by all its steps;
 * the steps with logic of their own already live beside it (route-request, create-rate-window,
 * create-fault-picker, handle-*).
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../shared/is-loopback-host.js';
import { listenHttp } from '../shared/listen-http.js';
import { acceptsJson } from './accepts-json.js';
import { createCounters, endpointOf, incrementKey, resetCounters } from './create-counters.js';
import { createFaultPicker, type FaultDecision, type FaultPicker } from './create-fault-picker.js';
import { createRateWindow, DEFAULT_WINDOW_SECONDS, type RateDecision, type RateWindow } from './create-rate-window.js';
import { createWorkspaceIndex } from './create-workspace-index.js';
import { errorList } from './error-list.js';
import { SandboxError } from './errors.js';
import type { SandboxResponseTransform } from './types.js';
import { generateWorkspace } from './generate-workspace.js';
import { createConversationSearch } from './handle-conversations-search.js';
import { routeRequest, type ParsedBody } from './route-request.js';
import type { Sandbox, SandboxOptions, SandboxRateLimit, SandboxResponse } from './types.js';

/** Headers shown when no limit is configured: nothing is refused, but clients still see the headers. */
export const UNLIMITED_ALLOWANCE_PER_WINDOW = 1_000_000;
export const EVENTS_PER_PAGE_DEFAULT = 50;
export const EVENTS_PER_PAGE_MAX = 150;
const MAX_BODY_BYTES = 1024 * 1024;

interface Limit {
  window: RateWindow;
  enforced: boolean;
}

/** The origin of an http(s) URL, or SANDBOX_INVALID_OPTIONS. */
function originOf(value: string): string {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new SandboxError('SANDBOX_INVALID_OPTIONS', `nextOrigin (--next-origin) must be an http(s) URL such as https://api.intercom.io (got ${JSON.stringify(value)})`);
  }
  return url.origin;
}

function limitFrom(rateLimit: SandboxRateLimit | null | undefined): Limit {
  if (!rateLimit) {
    return { window: createRateWindow({ allowancePerWindow: UNLIMITED_ALLOWANCE_PER_WINDOW, windowSeconds: DEFAULT_WINDOW_SECONDS }), enforced: false };
  }
  return { window: createRateWindow(rateLimit), enforced: true };
}

function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function rateHeaders(d: RateDecision): Record<string, string> {
  return { 'X-RateLimit-Limit': String(d.limit), 'X-RateLimit-Remaining': String(d.remaining), 'X-RateLimit-Reset': String(d.resetSec) };
}

const JSON_TYPE = 'application/json; charset=utf-8';

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string, contentType = JSON_TYPE): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendJson(res: ServerResponse, response: SandboxResponse, headers: Record<string, string>): void {
  send(res, response.status, headers, JSON.stringify(response.body));
}

function htmlPage(status: number, title: string): string {
  return `<html>\r\n<head><title>${status} ${title}</title></head>\r\n<body>\r\n<center><h1>${status} ${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(req: IncomingMessage, raw: Buffer): ParsedBody {
  if (raw.length === 0) return { kind: 'none' };
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.startsWith('application/json')) return { kind: 'none' };
  try {
    return { kind: 'json', value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { kind: 'malformed' };
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) throw new SandboxError('SANDBOX_NON_LOOPBACK_HOST', `The sandbox listens on loopback only; refusing host ${JSON.stringify(host)}`);
  const eventsPerPageMax = options.eventsPerPageMax ?? EVENTS_PER_PAGE_MAX;
  const eventsPerPageDefault = options.eventsPerPageDefault ?? Math.min(EVENTS_PER_PAGE_DEFAULT, eventsPerPageMax);
  if (!(Number.isInteger(eventsPerPageDefault) && Number.isInteger(eventsPerPageMax) && eventsPerPageDefault >= 1 && eventsPerPageMax >= eventsPerPageDefault)) {
    throw new SandboxError('SANDBOX_INVALID_OPTIONS', 'eventsPerPageDefault and eventsPerPageMax (--events-default-page, --events-max-page) must be integers with 1 <= default <= max');
  }
  const eventsOverMax = options.eventsOverMax ?? 'clamp';
  if (eventsOverMax !== 'clamp' && eventsOverMax !== '400') {
    throw new SandboxError('SANDBOX_INVALID_OPTIONS', `eventsOverMax (--events-over-max) must be 'clamp' or '400' (got ${JSON.stringify(eventsOverMax)})`);
  }
  const segmentsPerPage = options.segmentsPerPage ?? null;
  if (segmentsPerPage !== null && !(Number.isInteger(segmentsPerPage) && segmentsPerPage >= 1)) {
    throw new SandboxError('SANDBOX_INVALID_OPTIONS', `segmentsPerPage (--segment-page) must be a positive integer (got ${segmentsPerPage})`);
  }
  const nextOrigin = options.nextOrigin === undefined ? null : originOf(options.nextOrigin);
  const workspace =
    options.workspace ??
    generateWorkspace({ contacts: options.contacts ?? 500, seed: options.seed ?? 1, nowSec: options.nowSec ?? Math.floor(clock() / 1000) });
  const app = options.app ?? { idCode: `sandbox-${workspace.seed}-${workspace.contacts.length}`, name: `Sandbox (${workspace.contacts.length} contacts, seed ${workspace.seed})` };
  let token = options.token ?? `sandbox_${randomBytes(24).toString('base64url')}`;
  let tokenBytes = Buffer.from(token, 'utf8');
  let transform: SandboxResponseTransform | null = null;
  const index = createWorkspaceIndex(workspace);
  // 'UTC': the zone GET /me reports (handle-me.ts), whose calendar days the 'calendar-day' rule uses.
  const conversations = createConversationSearch(workspace, options.conversations ?? {}, 'UTC');
  const counters = createCounters();
  let limit = limitFrom(options.rateLimit);
  let faults: FaultPicker = createFaultPicker(options.faults ?? {});
  const slowTimers = new Set<NodeJS.Timeout>();
  let baseUrl = '';

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const endpoint = endpointOf(req.method ?? 'GET', url.pathname);
    counters.requests += 1;
    counters.byEndpoint[endpoint] += 1;
    incrementKey(counters.requestsByHost, req.headers.host ?? '');
    const idHeader = { 'X-Request-Id': requestId };

    const raw = await readBody(req);
    if (!tokenMatches(req.headers.authorization, tokenBytes)) {
      sendJson(res, errorList(401, requestId, 'unauthorized', 'Access Token Invalid'), idHeader);
      return;
    }
    const nowMs = clock();
    const { window } = limit;
    const windowStartSec = Math.floor(nowMs / 1000 / window.windowSeconds) * window.windowSeconds;
    incrementKey(counters.requestsByWindow, windowStartSec);
    const decision = window.admit(nowMs);
    const fault: FaultDecision = faults.next();

    if (fault.kind === 'retryAfter429') {
      counters.faultsInjected.retryAfter429 += 1;
      counters.responses429 += 1;
      const exhausted = window.exhausted(nowMs);
      const message = `Exceeded rate limit of ${exhausted.limit} in ${window.windowSeconds}_seconds`;
      const asked = {
        ...rateHeaders(exhausted),
        'Retry-After': String(fault.retryAfterSec),
        'X-RateLimit-Reset': String(Math.floor(nowMs / 1000) + fault.retryAfterSec),
      };
      sendJson(res, errorList(429, requestId, 'rate_limit_exceeded', message), { ...idHeader, ...asked });
      return;
    }
    if (fault.kind === 'burst429' || (limit.enforced && !decision.allowed)) {
      if (fault.kind === 'burst429') counters.faultsInjected.burst429 += 1;
      counters.responses429 += 1;
      const shown = fault.kind === 'burst429' ? window.exhausted(nowMs) : decision;
      const message = `Exceeded rate limit of ${shown.limit} in ${window.windowSeconds}_seconds`;
      sendJson(res, errorList(429, requestId, 'rate_limit_exceeded', message), { ...idHeader, ...rateHeaders(shown) });
      return;
    }
    const headers = { ...idHeader, ...rateHeaders(decision) };
    if (raw === null) {
      sendJson(res, errorList(413, requestId, 'request_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes`), headers);
      return;
    }

    switch (fault.kind) {
      case 'serverError': {
        counters.faultsInjected.serverError += 1;
        const title = fault.status === 500 ? 'Internal Server Error' : fault.status === 502 ? 'Bad Gateway' : 'Service Temporarily Unavailable';
        // A gateway's HTML page carries none of the application's headers.
        if (fault.html) send(res, fault.status, {}, htmlPage(fault.status, title), 'text/html');
        else {
          const code = fault.status === 503 ? 'service_unavailable' : 'server_error';
          sendJson(res, errorList(fault.status, requestId, code, title), headers);
        }
        return;
      }
      case 'drop':
        counters.faultsInjected.drop += 1;
        req.socket.destroy();
        return;
      case 'nonJson':
        counters.faultsInjected.nonJson += 1;
        if (fault.variant === 'html') send(res, 200, headers, htmlPage(200, 'OK'), 'text/html; charset=utf-8');
        else send(res, 200, headers, '{"type":"list","data":[{"type":"con');
        return;
      default:
        break;
    }

    const body = parseBody(req, raw);
    const response: SandboxResponse = acceptsJson(req.headers.accept)
      ? routeRequest({
          endpoint,
          url,
          body,
          index,
          linkOrigin: nextOrigin ?? baseUrl,
          nowMs,
          requestId,
          counters,
          faults,
          eventsPerPageDefault,
          eventsPerPageMax,
          eventsOverMax,
          segmentsPerPage,
          app,
          conversations,
        })
      : errorList(406, requestId, 'not_acceptable', 'The Accept header must admit application/json');

    const reply = (): void => {
      if (transform === null || response.status !== 200) return sendJson(res, response, headers);
      const out = transform(endpoint, response.body, url, { body: body.kind === 'json' ? body.value : undefined });
      if (typeof out === 'object' && out !== null && typeof (out as { raw?: unknown }).raw === 'string') {
        send(res, 200, headers, (out as { raw: string }).raw);
      } else {
        sendJson(res, { status: 200, body: out }, headers);
      }
    };
    if (fault.kind === 'slow') {
      counters.faultsInjected.slow += 1;
      const timer = setTimeout(() => {
        slowTimers.delete(timer);
        reply();
      }, fault.delayMs);
      slowTimers.add(timer);
      res.on('close', () => {
        clearTimeout(timer);
        slowTimers.delete(timer);
      });
      return;
    }
    reply();
  };

  const server = createServer((req, res) => {
    answer(req, res).catch(() => {
      // An aborted upload or a bug: answer 500 if still possible, never take the server down.
      if (!res.headersSent && !res.destroyed) send(res, 500, {}, JSON.stringify({ type: 'error.list', request_id: randomUUID(), errors: [{ code: 'server_error', message: 'Server Error' }] }));
      else res.destroy();
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  const listener = await listenHttp(server, options.port ?? 0, host);
  const address = server.address() as AddressInfo;
  baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url: baseUrl,
    get token() {
      return token;
    },
    workspace,
    counters,
    setFaults(next) {
      faults = createFaultPicker(next);
    },
    setRateLimit(next) {
      limit = limitFrom(next);
    },
    setToken(next) {
      token = next;
      tokenBytes = Buffer.from(next, 'utf8');
    },
    setResponseTransform(next) {
      transform = next;
    },
    resetCounters: () => resetCounters(counters),
    close() {
      for (const t of slowTimers) clearTimeout(t);
      slowTimers.clear();
      return listener.close();
    },
  };
}
