import { describe, expect, it } from 'vitest';
import { errorForStatus } from '../../src/intercom/error-for-status.js';
import {
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedBodyError,
} from '../../src/intercom/errors.js';

const keep = (text: string): string => text;
const at = { endpoint: 'events', attempts: 1 };
const errorList = (errors: object[], requestId?: string): string => JSON.stringify({ type: 'error.list', request_id: requestId, errors });

describe('errorForStatus', () => {
  it.each([
    [401, AuthenticationError, 'INTERCOM_AUTHENTICATION'],
    [403, AuthenticationError, 'INTERCOM_AUTHENTICATION'],
    [404, NotFoundError, 'INTERCOM_NOT_FOUND'],
    [408, TimeoutError, 'INTERCOM_TIMEOUT'],
    [429, RateLimitedError, 'INTERCOM_RATE_LIMITED'],
    [500, ServerError, 'INTERCOM_SERVER_ERROR'],
    [503, ServerError, 'INTERCOM_SERVER_ERROR'],
    [400, BadRequestError, 'INTERCOM_BAD_REQUEST'],
    [422, BadRequestError, 'INTERCOM_BAD_REQUEST'],
    [302, UnexpectedBodyError, 'INTERCOM_UNEXPECTED_BODY'],
  ])('maps HTTP %i to %o', (status, type, code) => {
    const error = errorForStatus(status, null, {}, at, keep);
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.endpoint).toBe('events');
  });

  it("quotes Intercom's error code and message, and keeps its field and request id", () => {
    const body = errorList([{ code: 'parameter_invalid', message: 'per_page is too big', field: 'per_page' }], 'req-body');
    const error = errorForStatus(400, body, { 'x-request-id': 'req-header' }, { endpoint: 'events', attempts: 2 }, keep);
    expect(error.message).toBe('Intercom events answered HTTP 400 (parameter_invalid: per_page is too big) after 2 attempts');
    expect(error.intercomCode).toBe('parameter_invalid');
    expect(error.intercomField).toBe('per_page');
    expect(error.requestId).toBe('req-body');
  });

  it('falls back to the x-request-id header when the body is not an error list', () => {
    const error = errorForStatus(502, '<html>bad gateway</html>', { 'x-request-id': ['req-1', 'req-2'] }, at, keep);
    expect(error.message).toBe('Intercom events answered HTTP 502 after 1 attempt');
    expect(error.intercomCode).toBeNull();
    expect(error.requestId).toBe('req-1');
  });

  it('tells how to fix an authentication failure', () => {
    expect(errorForStatus(401, null, {}, at, keep).message).toBe(
      'Intercom events answered HTTP 401 after 1 attempt: check the access token, its workspace region and its scopes',
    );
  });

  it('marks a 408 as a server-side timeout and a 3xx as a status the API does not use', () => {
    expect((errorForStatus(408, null, {}, at, keep) as TimeoutError).phase).toBe('server');
    const redirect = errorForStatus(301, null, {}, at, keep) as UnexpectedBodyError;
    expect(redirect.reason).toBe('unexpected-status');
    expect(redirect.message).toContain('redirects are not followed');
  });

  it('redacts what the server echoes and bounds its length', () => {
    const token = 'tok_secret';
    const body = errorList([{ code: `bad_${token}`, message: `${token} ${'x'.repeat(500)}`, field: token }], `id-${token}`);
    const error = errorForStatus(400, body, {}, at, (text) => text.split(token).join('[redacted]'));
    for (const text of [error.message, error.intercomCode, error.intercomField, error.requestId]) expect(text).not.toContain(token);
    expect(error.intercomCode).toBe('bad_[redacted]');
    expect(error.message.length).toBeLessThan(300);
    expect(errorForStatus(400, errorList([{ code: 'c'.repeat(300) }]), {}, at, keep).intercomCode).toHaveLength(100);
  });
});
