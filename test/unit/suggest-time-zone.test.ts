import { describe, expect, it } from 'vitest';
import { suggestTimeZone } from '../../src/shared/suggest-time-zone.js';

describe('suggestTimeZone', () => {
  it.each([
    ['Europe/Berln', 'Europe/Berlin'],
    ['europe/berlin', 'Europe/Berlin'],
    ['America/New_Yrok', 'America/New_York'],
    ['Asia/Tokio', 'Asia/Tokyo'],
    ['Australia/Euclaa', 'Australia/Eucla'],
  ])('suggests %s → %s', (typed, meant) => {
    expect(suggestTimeZone(typed)).toBe(meant);
  });

  it('suggests nothing for a name far from every zone, or too short to guess from', () => {
    expect(suggestTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(suggestTimeZone('XY')).toBeNull();
  });

  it('only ever suggests a zone Intl accepts', () => {
    for (const typed of ['Europe/Berln', 'Pacific/Aukland', 'UTX']) {
      const near = suggestTimeZone(typed);
      if (near !== null) expect(() => new Intl.DateTimeFormat('en-US', { timeZone: near })).not.toThrow();
    }
  });
});
