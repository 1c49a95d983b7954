/**
 * The typed error for a response whose status is not 2xx, built from the status, Intercom's error
 * body (`errors[0].code/message/field`, `request_id`) and the endpoint label. Pure: the transport
 * passes `redact`, which removes the token wherever a server might echo it; what Intercom said is cut
 * to a bounded length.
 *
 * @example
 * errorForStatus(404, '{"type":"error.list","errors":[{"code":"not_found"}]}', {}, { endpoint: 'events', attempts: 1 }, (t) => t)
 * // NotFoundError: 'Intercom events answered HTTP 404 (not_found) after 1 attempt'
 */
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedBodyError,
  type IntercomError,
  type IntercomErrorDetails,
} from './errors.js';
import type { ResponseHeaders } from './parse-rate-limit-headers.js';
import { parseErrorList } from './wire-schemas.js';

/** The first value of a response header, or null. */
export function headerValue(headers: ResponseHeaders, name: string): string | null {
  const raw = headers[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value ?? null;
}

interface IntercomSaid {
  code: string | null;
  message: string | null;
  field: string | null;
  requestId: string | null;
}

function readErrorBody(text: string | null): IntercomSaid {
  const said: IntercomSaid = { code: null, message: null, field: null, requestId: null };
  if (text === null) return said;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return said;
  }
  const parsed = parseErrorList(json);
  if (!parsed.ok) return said;
  const first = parsed.value.errors[0];
  return { code: first?.code ?? null, message: first?.message ?? null, field: first?.field ?? null, requestId: parsed.value.request_id ?? null };
}

export function errorForStatus(
  status: number,
  text: string | null,
  headers: ResponseHeaders,
  details: IntercomErrorDetails,
  redact: (text: string) => string,
): IntercomError {
  const said = readErrorBody(text);
  const bounded = (value: string | null, length = 100): string | null => (value === null ? null : redact(value).slice(0, length));
  const full: IntercomErrorDetails = {
    ...details,
    status,
    intercomCode: bounded(said.code),
    intercomField: bounded(said.field),
    requestId: bounded(said.requestId ?? headerValue(headers, 'x-request-id')),
  };
  const quoted = said.code ? ` (${full.intercomCode}${said.message ? `: ${bounded(said.message, 200)}` : ''})` : '';
  const attempts = `after ${details.attempts ?? 1} attempt${details.attempts === 1 ? '' : 's'}`;
  const message = `Intercom ${details.endpoint} answered HTTP ${status}${quoted} ${attempts}`;
  if (status === 401 || status === 403) return new AuthenticationError(`${message}: check the access token, its workspace region and its scopes`, full);
  if (status === 404) return new NotFoundError(message, full);
  if (status === 408) return new TimeoutError(message, { ...full, phase: 'server' });
  if (status === 429) return new RateLimitedError(message, full);
  if (status >= 500) return new ServerError(message, full);
  if (status >= 400) return new BadRequestError(message, full);
  return new UnexpectedBodyError(`${message}, a status the API does not use (redirects are not followed)`, {
    ...full,
    reason: 'unexpected-status',
  });
}
