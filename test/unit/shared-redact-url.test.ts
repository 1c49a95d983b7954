/**
 * Every form in which a Redis URL carries a credential that ioredis uses: the userinfo and any query
 * key (ioredis's parseURL turns each query key into a connection option, so `?password=` logs in as
 * surely as `:password@`). The forms are read back through ioredis's own parser to prove the secret
 * masked is the one it would send.
 */
import { describe, expect, it } from 'vitest';
import { parseURL } from 'ioredis/built/utils/index.js';
import { isCredentialKey, redactCredentials, redactUrl } from '../../src/shared/redact-url.js';

const SECRET = 'S3cr3t-p4ss';

const FORMS: Array<[url: string, shown: string]> = [
  [`redis://:${SECRET}@127.0.0.1:6390`, 'redis://:***@127.0.0.1:6390'],
  [`redis://app:${SECRET}@127.0.0.1:6390/2`, 'redis://app:***@127.0.0.1:6390/2'],
  [`redis://127.0.0.1:6390/?password=${SECRET}`, 'redis://127.0.0.1:6390/?password=***'],
  [`redis://127.0.0.1:6390/?username=app&password=${SECRET}`, 'redis://127.0.0.1:6390/?username=app&password=***'],
  [`rediss://app:${SECRET}@redis.example:6380/0?tls=1`, 'rediss://app:***@redis.example:6380/0?tls=1'],
  [`rediss://redis.example:6380/?password=${SECRET}&db=3`, 'rediss://redis.example:6380/?password=***&db=3'],
  [`redis://127.0.0.1:6390/?sentinelPassword=${SECRET}`, 'redis://127.0.0.1:6390/?sentinelPassword=***'],
  [`redis://127.0.0.1:6390/?Password=${SECRET}`, 'redis://127.0.0.1:6390/?Password=***'],
  // Percent-encoded, in the userinfo and in the key and value.
  [`redis://:S3cr%40t%2Fp4ss@127.0.0.1:6390`, 'redis://:***@127.0.0.1:6390'],
  [`redis://127.0.0.1:6390/?pass%77ord=S3cr%26t`, 'redis://127.0.0.1:6390/?pass%77ord=***'],
  // An unencoded @ in the password: the userinfo ends at the last one, as URL parsers read it.
  [`redis://:p@ss${SECRET}@127.0.0.1:6390`, 'redis://:***@127.0.0.1:6390'],
  // A user name alone: some clients read it as the password.
  [`redis://${SECRET}@127.0.0.1:6390`, 'redis://***@127.0.0.1:6390'],
];

describe('redactUrl', () => {
  it.each(FORMS)('%s is shown as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('masks exactly what ioredis would send as a credential', () => {
    for (const [url] of FORMS) {
      const options = parseURL(url) as Record<string, unknown>;
      const secrets = [options.password, options.sentinelPassword, options.Password].filter((v): v is string => typeof v === 'string' && v !== '');
      const userOnly = options.password === '' && typeof options.username === 'string' ? [options.username] : [];
      const shown = redactUrl(url);
      for (const s of [...secrets, ...userOnly]) {
        expect(shown, url).not.toContain(s);
        expect(shown, url).not.toContain(encodeURIComponent(s));
      }
      expect(secrets.length + userOnly.length, url).toBeGreaterThan(0);
    }
  });

  it('keeps a URL without credentials as it is, and shows none of a URL it cannot read', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('rediss://redis.example:6380/1?db=1&family=6')).toBe('rediss://redis.example:6380/1?db=1&family=6');
    expect(redactUrl(`redis://:pa/ss${SECRET}@h`)).toBe('the configured URL');
    expect(redactUrl(`not a url ${SECRET}`)).toBe('the configured URL');
  });
});

describe('redactCredentials', () => {
  it('masks every URL in free text and keeps the rest byte for byte', () => {
    const text = `cannot reach Redis at redis://h:1/?username=u&password=${SECRET} (ECONNREFUSED); also "rediss://u:${SECRET}@h2" and (redis://:${SECRET}@h3)`;
    expect(redactCredentials(text)).toBe('cannot reach Redis at redis://h:1/?username=u&password=*** (ECONNREFUSED); also "rediss://u:***@h2" and (redis://:***@h3)');
  });

  it('leaves text without a credential alone, stack frames with an @ in their path included', () => {
    const frame = 'at run (file:///app/node_modules/@duckdb/node-api/lib/index.js:12:3) https://api.intercom.io/contacts?per_page=150';
    expect(redactCredentials(frame)).toBe(frame);
    expect(redactCredentials('no url here, password=x')).toBe('no url here, password=x');
  });
});

describe('isCredentialKey', () => {
  it('names the credential keys and leaves the connection settings', () => {
    for (const key of ['password', 'Password', 'sentinelPassword', 'pass', 'pwd', 'auth', 'access_token', 'secret', 'pass%77ord']) expect(isCredentialKey(key), key).toBe(true);
    for (const key of ['username', 'db', 'family', 'tls', 'keyPrefix', 'name']) expect(isCredentialKey(key), key).toBe(false);
  });
});
