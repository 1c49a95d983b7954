import { describe, expect, it } from 'vitest';
import { ForeignNextUrlError, UnexpectedBodyError } from '../../src/intercom/errors.js';
import { resolveNextUrl } from '../../src/intercom/list-event-pages.js';

describe('resolveNextUrl', () => {
  const base = 'https://api.intercom.io';

  it('follows a next URL on the same origin as given', () => {
    const next = 'https://api.intercom.io/events?type=user&intercom_user_id=abc&before=1389913941064';
    expect(resolveNextUrl(next, base)).toBe(next);
  });

  it('resolves a relative next URL against the base', () => {
    expect(resolveNextUrl('/events?before=1', 'http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010/events?before=1');
  });

  it('refuses another host, another port and a scheme downgrade', () => {
    for (const next of ['https://evil.example.com/events', 'https://api.intercom.io:8443/events', 'http://api.intercom.io/events', 'https://api.eu.intercom.io/events']) {
      expect(() => resolveNextUrl(next, base), next).toThrow(ForeignNextUrlError);
    }
  });

  it('reports an unparsable next URL as an unexpected body', () => {
    expect(() => resolveNextUrl('http://[bad', base)).toThrow(UnexpectedBodyError);
  });
});
