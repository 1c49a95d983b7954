/** The pagers' progress guard on its own: what counts as a page with nothing new, and when a list fails. */
import { describe, expect, it } from 'vitest';
import { createProgressGuard, MAX_PAGES_WITHOUT_NEW_ITEMS } from '../../src/intercom/create-progress-guard.js';
import { PaginationStalledError } from '../../src/intercom/errors.js';

const about = { endpoint: 'contacts.search', subject: 'segment 9', item: 'contact' } as const;

describe('createProgressGuard', () => {
  it('allows three pages in a row with nothing new and fails the fourth', () => {
    expect(MAX_PAGES_WITHOUT_NEW_ITEMS).toBe(3);
    for (const remember of ['ids', 'fingerprints'] as const) {
      const guard = createProgressGuard({ ...about, remember });
      guard.beforeNextPage(['a', 'b']);
      guard.beforeNextPage([]);
      guard.beforeNextPage(['a']);
      guard.beforeNextPage(['b', 'a']);
      expect(() => guard.beforeNextPage([])).toThrow(PaginationStalledError);
    }
  });

  it('starts counting again after a page that brings one new id', () => {
    const guard = createProgressGuard({ ...about, remember: 'ids' });
    for (let round = 0; round < 10; round += 1) {
      guard.beforeNextPage([]);
      guard.beforeNextPage([]);
      guard.beforeNextPage([]);
      guard.beforeNextPage([`new-${round}`]);
    }
    expect(() => {
      guard.beforeNextPage(['new-0']);
      guard.beforeNextPage(['new-1']);
      guard.beforeNextPage(['new-2']);
      guard.beforeNextPage(['new-3']);
    }).toThrow(/answered 4 pages in a row that brought no contact not seen before in this list/);
  });

  it('names the endpoint and the subject on one line', () => {
    const guard = createProgressGuard({ ...about, remember: 'ids' });
    let message = '';
    try {
      for (let i = 0; i < 10; i += 1) guard.beforeNextPage([]);
    } catch (err) {
      message = (err as Error).message;
      expect((err as PaginationStalledError).code).toBe('INTERCOM_PAGINATION_STALLED');
      expect((err as PaginationStalledError).subject).toBe('segment 9');
    }
    expect(message).toMatch(/^Intercom contacts\.search \(segment 9\) answered 4 pages in a row .* \(after 4 pages\)/);
    expect(message).not.toContain('\n');
  });

  it('never takes a million distinct contact ids in pages of 150 for a stall (fingerprints)', () => {
    const guard = createProgressGuard({ ...about, remember: 'fingerprints' });
    const page: string[] = [];
    for (let i = 0; i < 1_000_000; i += 1) {
      page.push(`6762f0${i.toString(16).padStart(18, '0')}`);
      if (page.length === 150) guard.beforeNextPage(page.splice(0));
    }
    // And the same contacts again are nothing new.
    expect(() => {
      for (let p = 0; p < 4; p += 1) guard.beforeNextPage([`6762f0${p.toString(16).padStart(18, '0')}`]);
    }).toThrow(PaginationStalledError);
  });
});
