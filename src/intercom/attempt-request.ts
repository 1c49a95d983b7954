/**
 * One HTTP attempt, start to end: the request with the token in its headers, bounded as a whole by
 * `attemptDeadlineMs`; the body read to its end (so the socket goes back to the pool) within
 * `maxBodyBytes`; the rate-limit headers reported to the pacer; then a value parsed exactly, or the
 * typed error of what went wrong. Errors are returned, not thrown, with the rate-limit feedback the
 * retry loop plans its wait on; only the caller's own abort is thrown.
 */
import { request, type Dispatcher } from 'undici';
import type { RateLimitFeedback } from '../rate-limit/rate-limiter.js';
import type { ClientLogger, TransportRequest } from './create-transport.js';
import type { Pacer } from './create-pacer.js';
import { errorForNetworkFailure } from './error-for-network-failure.js';
import { errorForStatus, headerValue } from './error-for-status.js';
import { TimeoutError, UnexpectedBodyError, type IntercomError, type IntercomErrorDetails } from './errors.js';
import { parseJsonExact } from './parse-json-exact.js';
import { parseRateLimitHeaders } from './parse-rate-limit-headers.js';
import { readBody } from './read-body.js';
import { startDeadline } from './start-deadline.js';

export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: IntercomError; feedback: RateLimitFeedback | null };

export interface AttemptContext {
  dispatcher: Dispatcher;
  token: string;
  userAgent: string;
  attemptDeadlineMs: number;
  maxBodyBytes: number;
  pacer: Pacer;
  logger: ClientLogger;
  now: () => number;
  redact: (text: string) => string;
  /** Told of every response's status (the transport counts 429s). */
  onStatus: (status: number) => void;
}

export async function attemptRequest<T>(ctx: AttemptContext, req: TransportRequest<T>, bodyText: string | undefined, attempts: number): Promise<AttemptOutcome<T>> {
  const { endpoint } = req;
  const deadline = startDeadline(req.signal, ctx.attemptDeadlineMs);
  const headers: Record<string, string> = {
    authorization: `Bearer ${ctx.token}`,
    accept: 'application/json',
    'intercom-version': '2.14',
    'user-agent': ctx.userAgent,
  };
  if (bodyText !== undefined) headers['content-type'] = 'application/json';

  let feedback: RateLimitFeedback | null = null;
  let status = 0;
  try {
    const response = await request(req.url, { dispatcher: ctx.dispatcher, method: req.method, headers, body: bodyText, signal: deadline.signal });
    status = response.statusCode;
    ctx.onStatus(status);
    ctx.logger.debug({ endpoint, attempt: attempts, status }, 'intercom response');
    feedback = parseRateLimitHeaders(status, response.headers, ctx.now());
    let text: string | null;
    try {
      text = await readBody(response.body, ctx.maxBodyBytes);
    } finally {
      await ctx.pacer.report(endpoint, feedback);
    }
    const details: IntercomErrorDetails = { endpoint, status, attempts, requestId: headerValue(response.headers, 'x-request-id') };
    const about = req.subject === undefined ? endpoint : `${endpoint} (${ctx.redact(req.subject)})`;
    const failed = (error: IntercomError): AttemptOutcome<T> => ({ ok: false, error, feedback });
    if (text === null) {
      return failed(new UnexpectedBodyError(`Intercom ${about} sent a body over ${ctx.maxBodyBytes} bytes`, { ...details, reason: 'too-large' }));
    }
    if (status < 200 || status > 299) return failed(errorForStatus(status, text, response.headers, details, ctx.redact));

    let json: unknown;
    try {
      json = parseJsonExact(text);
    } catch {
      return failed(new UnexpectedBodyError(`Intercom ${about} answered HTTP ${status} with a body that is not JSON`, { ...details, reason: 'not-json' }));
    }
    const parsed = req.parse(json);
    if (!parsed.ok) {
      return failed(
        new UnexpectedBodyError(`Intercom ${about} answered HTTP ${status} with an unexpected body: ${parsed.problem}`, { ...details, reason: 'wrong-shape' }),
      );
    }
    return { ok: true, value: parsed.value };
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    const base = { endpoint, attempts, status: status || null };
    if (deadline.expired()) {
      const error = new TimeoutError(`Intercom ${endpoint}: no complete answer within ${ctx.attemptDeadlineMs} ms`, { ...base, phase: 'attempt' });
      return { ok: false, error, feedback };
    }
    return { ok: false, error: errorForNetworkFailure(err, base), feedback };
  } finally {
    deadline.dispose();
  }
}
