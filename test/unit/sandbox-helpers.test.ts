import { describe, expect, it } from 'vitest';
import { acceptsJson, decodeSearchCursor, encodeSearchCursor, endpointOf } from '../../src/sandbox/index.js';

describe('acceptsJson', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/*', true],
    ['*/*', true],
    ['text/html, application/json;q=0.5', true],
    ['text/html', false],
    ['application/xml', false],
    ['application/json;q=0', false],
  ])('%s admits JSON: %s', (accept, expected) => {
    expect(acceptsJson(accept)).toBe(expected);
  });
});

describe('search cursors', () => {
  it('round-trip the contact id and look like Intercom’s base64 JSON cursors', () => {
    const cursor = encodeSearchCursor(1_734_537_820, '6762f25c1bb69f9f2193bc22');
    expect(cursor.startsWith('WzE3')).toBe(true);
    expect(decodeSearchCursor(cursor)).toBe('6762f25c1bb69f9f2193bc22');
  });

  it('reject strings that are not cursors the sandbox issued', () => {
    expect(decodeSearchCursor('not a cursor')).toBeNull();
    expect(decodeSearchCursor(Buffer.from('{"a":1}').toString('base64'))).toBeNull();
  });
});

describe('endpointOf', () => {
  it('classifies by method and path', () => {
    expect(endpointOf('GET', '/segments')).toBe('segments');
    expect(endpointOf('POST', '/contacts/search')).toBe('contacts.search');
    expect(endpointOf('GET', '/contacts/search')).toBe('other');
    expect(endpointOf('GET', '/events')).toBe('events');
    expect(endpointOf('GET', '/tags/1')).toBe('other');
  });
});
