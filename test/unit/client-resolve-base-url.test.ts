import { describe, expect, it } from 'vitest';
import { IntercomOptionsError, isPermanent } from '../../src/intercom/errors.js';
import { resolveBaseUrl } from '../../src/intercom/resolve-base-url.js';

describe('resolveBaseUrl', () => {
  it('maps the three regions to their hosts', () => {
    expect(resolveBaseUrl('us')).toBe('https://api.intercom.io');
    expect(resolveBaseUrl('eu')).toBe('https://api.eu.intercom.io');
    expect(resolveBaseUrl('AU')).toBe('https://api.au.intercom.io');
  });

  it('strips trailing slashes from a URL and keeps a path prefix', () => {
    expect(resolveBaseUrl('https://api.intercom.io/')).toBe('https://api.intercom.io');
    expect(resolveBaseUrl('https://proxy.example.com/intercom///')).toBe('https://proxy.example.com/intercom');
  });

  it('accepts http:// for loopback hosts only', () => {
    expect(resolveBaseUrl('http://127.0.0.1:4010/')).toBe('http://127.0.0.1:4010');
    expect(resolveBaseUrl('http://127.8.9.10:80')).toBe('http://127.8.9.10');
    expect(resolveBaseUrl('http://localhost:4010')).toBe('http://localhost:4010');
    expect(resolveBaseUrl('http://[::1]:4010')).toBe('http://[::1]:4010');
  });

  it('refuses http:// to any other host with a IntercomOptionsError that says to use https', () => {
    for (const url of ['http://api.intercom.io', 'http://10.0.0.5:8080', 'http://128.0.0.1', 'http://localhost.evil.com']) {
      const err = (() => {
        try {
          resolveBaseUrl(url);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err, url).toBeInstanceOf(IntercomOptionsError);
      expect((err as IntercomOptionsError).code).toBe('INTERCOM_CONFIGURATION');
      expect((err as Error).message).toMatch(/use https:\/\//);
      expect(isPermanent(err)).toBe(true);
    }
  });

  it('refuses other schemes, credentials, queries and garbage', () => {
    expect(() => resolveBaseUrl('ftp://api.intercom.io')).toThrow(IntercomOptionsError);
    expect(() => resolveBaseUrl('https://user:secret@api.intercom.io')).toThrow(IntercomOptionsError);
    expect(() => resolveBaseUrl('https://api.intercom.io/?x=1')).toThrow(IntercomOptionsError);
    expect(() => resolveBaseUrl('mars')).toThrow(/'us', 'eu', 'au'/);
  });

  it('does not echo credentials found in a URL', () => {
    expect(() => resolveBaseUrl('https://user:s3cr3t-value@api.intercom.io')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cr3t-value') }),
    );
  });
});
