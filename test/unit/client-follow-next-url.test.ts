import { describe, expect, it } from 'vitest';
import { ForeignNextUrlError, UnexpectedBodyError } from '../../src/intercom/errors.js';
import { followNextUrl } from '../../src/intercom/follow-next-url.js';

describe('followNextUrl', () => {
  const us = 'https://api.intercom.io';
  const proxy = 'https://gateway.example.com/vendors/intercom';

  it('follows a next URL on the configured origin as given', () => {
    const next = 'https://api.intercom.io/events?type=user&intercom_user_id=abc&before=1389913941064';
    expect(followNextUrl(next, us, 'events', '/events')).toBe(next);
  });

  it('resolves a relative next URL against the base', () => {
    expect(followNextUrl('/events?before=1', 'http://127.0.0.1:4010', 'events', '/events')).toBe('http://127.0.0.1:4010/events?before=1');
  });

  it("follows a link on any of Intercom's API hosts as its query on the configured base, prefix included", () => {
    for (const host of ['https://api.intercom.io', 'https://api.eu.intercom.io', 'https://api.au.intercom.io']) {
      expect(followNextUrl(`${host}/events?type=user&before=9`, proxy, 'events', '/events')).toBe(`${proxy}/events?type=user&before=9`);
    }
    expect(followNextUrl('https://api.eu.intercom.io/segments?page=2', us, 'segments', '/segments')).toBe(`${us}/segments?page=2`);
  });

  it('accepts a link the proxy wrote on its own origin, with its path prefix', () => {
    expect(followNextUrl('https://gateway.example.com/vendors/intercom/events?before=3', proxy, 'events', '/events')).toBe(`${proxy}/events?before=3`);
  });

  it('refuses another host, another port and a scheme downgrade, as before', () => {
    for (const next of ['https://evil.example.com/events', 'https://api.intercom.io:8443/events', 'http://api.intercom.io/events', 'https://api.intercom.io.evil.example/events']) {
      expect(() => followNextUrl(next, us, 'events', '/events'), next).toThrow(ForeignNextUrlError);
    }
    expect(() => followNextUrl('https://gateway.example.com:444/vendors/intercom/events', proxy, 'events', '/events')).toThrow(ForeignNextUrlError);
  });

  it('refuses a link with credentials in it', () => {
    expect(() => followNextUrl('https://user:pw@api.intercom.io/events?before=1', proxy, 'events', '/events')).toThrow(ForeignNextUrlError);
  });

  it('refuses a link to another endpoint, or outside the proxy prefix', () => {
    expect(() => followNextUrl('https://api.intercom.io/admins?before=1', us, 'events', '/events')).toThrow(UnexpectedBodyError);
    expect(() => followNextUrl('https://gateway.example.com/events?before=1', proxy, 'events', '/events')).toThrow(UnexpectedBodyError);
    expect(() => followNextUrl('https://api.intercom.io/vendors/intercom/events', proxy, 'events', '/events')).toThrow(UnexpectedBodyError);
  });

  it('reports an unparsable next URL as an unexpected body', () => {
    expect(() => followNextUrl('http://[bad', us, 'events', '/events')).toThrow(UnexpectedBodyError);
  });
});
