import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  IntercomOptionsError,
  ConnectionError,
  ForeignNextUrlError,
  NotFoundError,
  PaginationLoopError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedBodyError,
  isPermanent,
  isRetryable,
} from '../../src/intercom/errors.js';

const at = { endpoint: 'contacts.search' };

describe('isRetryable / isPermanent', () => {
  it('retries rate limits, server errors, timeouts, transient connection failures and non-JSON bodies', () => {
    const retryable = [
      new RateLimitedError('x', { ...at, status: 429 }),
      new ServerError('x', { ...at, status: 503 }),
      new TimeoutError('x', { ...at, phase: 'headers' }),
      new TimeoutError('x', { ...at, status: 408, phase: 'server' }),
      new ConnectionError('x', { ...at, reason: 'ECONNREFUSED' }),
      new ConnectionError('x', { ...at, reason: 'UND_ERR_SOCKET' }),
      new UnexpectedBodyError('x', { ...at, status: 200, reason: 'not-json' }),
    ];
    for (const err of retryable) {
      expect(isRetryable(err), err.constructor.name).toBe(true);
      expect(isPermanent(err), err.constructor.name).toBe(false);
    }
  });

  it('treats authentication, 404, bad requests, wrong shapes, loops, foreign URLs and configuration as permanent', () => {
    const permanent = [
      new AuthenticationError('x', { ...at, status: 401 }),
      new NotFoundError('x', { ...at, status: 404 }),
      new BadRequestError('x', { ...at, status: 422 }),
      new UnexpectedBodyError('x', { ...at, status: 200, reason: 'wrong-shape' }),
      new ConnectionError('x', { ...at, reason: 'ENOTFOUND' }),
      new PaginationLoopError('x', at),
      new ForeignNextUrlError('x', at),
      new IntercomOptionsError('x'),
    ];
    for (const err of permanent) {
      expect(isRetryable(err), err.constructor.name).toBe(false);
      expect(isPermanent(err), err.constructor.name).toBe(true);
    }
  });

  it('answers neither for errors that are not the client’s', () => {
    for (const err of [new Error('bug'), new DOMException('aborted', 'AbortError'), 'text']) {
      expect(isRetryable(err)).toBe(false);
      expect(isPermanent(err)).toBe(false);
    }
  });

  it('gives every client error a stable code and its facts', () => {
    const err = new AuthenticationError('denied', { endpoint: 'segments', status: 401, intercomCode: 'unauthorized', requestId: 'r-1', attempts: 1 });
    expect(err).toMatchObject({ name: 'AuthenticationError', code: 'INTERCOM_AUTHENTICATION', status: 401, intercomCode: 'unauthorized', requestId: 'r-1', endpoint: 'segments', attempts: 1 });
    const codes = [
      new AuthenticationError('x', at), new NotFoundError('x', at), new BadRequestError('x', at), new RateLimitedError('x', at),
      new ServerError('x', at), new TimeoutError('x', { ...at, phase: 'body' }), new ConnectionError('x', { ...at, reason: 'E' }),
      new UnexpectedBodyError('x', { ...at, reason: 'not-json' }), new PaginationLoopError('x', at), new ForeignNextUrlError('x', at),
    ].map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
