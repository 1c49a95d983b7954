import { describe, expect, it } from 'vitest';
import {
  addAmounts,
  amountKey,
  parseAmountKey,
  createContactAccumulator,
  createReportWindows,
  finishContact,
  foldEvent,
  readMonetaryAmount,
  signupSec,
} from '../../src/report/index.js';
import type { ContactEvent } from '../../src/intercom/types.js';
import { monthStartByIntl } from '../support/report-edge-data.js';

const timeZone = 'Europe/Berlin';
const windows = createReportWindows(['2026-10'], timeZone);
const octStart = monthStartByIntl('2026-10', timeZone);
const novStart = monthStartByIntl('2026-11', timeZone);
const sepStart = monthStartByIntl('2026-09', timeZone);

function event(id: string, createdAtSec: number, name = 'signed-in', metadata: Record<string, unknown> = {}): ContactEvent {
  return { id, name, createdAtSec, metadata };
}

describe('foldEvent / finishContact', () => {
  it('counts an event at the first second of the month in M and one at the end in M+1 (not kept)', () => {
    const acc = createContactAccumulator();
    expect(foldEvent(acc, event('a', octStart), windows)).toBe(true);
    expect(foldEvent(acc, event('b', novStart - 1), windows)).toBe(true);
    expect(foldEvent(acc, event('c', octStart - 1), windows)).toBe(true);
    expect(foldEvent(acc, event('d', novStart), windows)).toBe(false);
    expect(foldEvent(acc, event('e', sepStart - 1), windows)).toBe(false);
    const stats = finishContact(acc);
    expect(stats.months['2026-10']!.events).toBe(2);
    expect(stats.months['2026-09']!.events).toBe(1);
    expect(Object.keys(stats.months).sort()).toEqual(['2026-09', '2026-10']);
  });

  it('counts an event id once even when pages repeat it', () => {
    const acc = createContactAccumulator();
    expect(foldEvent(acc, event('x', octStart + 10), windows)).toBe(true);
    expect(foldEvent(acc, event('x', octStart + 10), windows)).toBe(false);
    expect(foldEvent(acc, event('x', octStart + 10), windows)).toBe(false);
    expect(finishContact(acc).months['2026-10']!.events).toBe(1);
  });

  it('treats __proto__ and constructor as ordinary event ids, names and metadata keys', () => {
    const acc = createContactAccumulator();
    const meta: Record<string, unknown> = {};
    Object.defineProperty(meta, '__proto__', { value: { amount: 5, currency: 'EUR' }, enumerable: true });
    foldEvent(acc, event('__proto__', octStart + 1, '__proto__', meta), windows);
    foldEvent(acc, event('constructor', octStart + 2, 'constructor'), windows);
    expect(foldEvent(acc, event('__proto__', octStart + 1, '__proto__'), windows)).toBe(false);
    expect(foldEvent(acc, event('toString', octStart + 3, 'constructor'), windows)).toBe(true);
    const stats = JSON.parse(JSON.stringify(finishContact(acc))) as ReturnType<typeof finishContact>;
    const oct = stats.months['2026-10']!;
    expect(oct.events).toBe(3);
    expect(Object.keys(oct.names).sort()).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(oct.names, '__proto__')?.value).toEqual([1, octStart + 1, octStart + 1]);
    expect(oct.amounts[amountKey('__proto__', '__proto__', 'eur')]).toEqual([5, 1]);
  });

  it('counts the 25-hour day of the DST change as one active day', () => {
    // 2026-10-25 in Berlin: 00:30 local is 22:30 UTC the day before, 23:30 local is 22:30 UTC that day.
    const day25 = monthStartByIntl('2026-10', timeZone) + 24 * 86_400;
    const acc = createContactAccumulator();
    foldEvent(acc, event('early', day25 + 30 * 60), windows);
    foldEvent(acc, event('late', day25 + 24 * 3_600 + 30 * 60), windows);
    foldEvent(acc, event('next', day25 + 25 * 3_600 + 1), windows);
    expect(finishContact(acc).months['2026-10']!.activeDays).toBe(2);
  });

  it('keeps no raw events or seen ids in the finished stats', () => {
    const acc = createContactAccumulator();
    for (let i = 0; i < 50; i += 1) foldEvent(acc, event(`id-${i}`, octStart + i * 60, 'same'), windows);
    const stats = finishContact(acc);
    expect(JSON.stringify(stats)).not.toContain('id-');
    expect(stats.months['2026-10']).toEqual({ events: 50, activeDays: 1, names: { same: [50, octStart, octStart + 49 * 60] }, amounts: {} });
  });

  it('sums amounts beyond 2^53 exactly and lower-cases currencies', () => {
    const acc = createContactAccumulator();
    foldEvent(acc, event('a', octStart, 'whale', { big: { amount: 2 ** 62, currency: 'JPY' } }), windows);
    foldEvent(acc, event('b', octStart + 1, 'whale', { big: { amount: 2 ** 62, currency: 'jpy' } }), windows);
    foldEvent(acc, event('c', octStart + 2, 'whale', { big: { amount: -3, currency: 'jpy' } }), windows);
    expect(finishContact(acc).months['2026-10']!.amounts[amountKey('whale', 'big', 'jpy')]).toEqual([(2n ** 63n - 3n).toString(), 3]);
  });
});

describe('amountKey / addAmounts', () => {
  it('round-trips keys whose parts hold colons, digits and the empty string', () => {
    const cases: Array<[string, string, string]> = [['order', 'price', 'eur'], ['3:a', '12:', ''], ['', '', ''], ['__proto__', 'constructor', 'x:1'], ['🚀', 'ключ', 'USD']];
    for (const [name, key, currency] of cases) {
      expect(parseAmountKey(amountKey(name, key, currency))).toEqual([name, key, currency]);
    }
    expect(amountKey('ab', 'c', 'd')).not.toBe(amountKey('a', 'bc', 'd'));
  });

  it('adds exactly, as a number while safe and a decimal string beyond', () => {
    expect(addAmounts(1, 2)).toBe(3);
    expect(addAmounts(Number.MAX_SAFE_INTEGER, 1)).toBe('9007199254740992');
    expect(addAmounts('9007199254740992', -1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(addAmounts(2n ** 62n, 2n ** 62n)).toBe((2n ** 63n).toString());
  });
});

describe('readMonetaryAmount', () => {
  it('takes only an object with an integer amount and a string currency', () => {
    expect(readMonetaryAmount({ amount: 1999, currency: 'EUR' })).toEqual({ amountMinor: 1999, currency: 'eur' });
    expect(readMonetaryAmount({ amount: 2 ** 60, currency: 'EUR' })).toEqual({ amountMinor: 2n ** 60n, currency: 'eur' });
    expect(readMonetaryAmount({ amount: 0, currency: '' })).toEqual({ amountMinor: 0, currency: '' });
    for (const bad of [{ amount: '19.99', currency: 'eur' }, { amount: 19.5, currency: 'eur' }, { amount: 100 }, { amount: 100, currency: 978 }, { currency: 'eur' }, null, 5, 'x', [1999, 'eur'], { amount: Number.NaN, currency: 'eur' }, { amount: Infinity, currency: 'eur' }]) {
      expect(readMonetaryAmount(bad)).toBeNull();
    }
  });
});

describe('signupSec', () => {
  it('falls back to created_at when signed_up_at is null or 0', () => {
    expect(signupSec({ createdAtSec: 100, signedUpAtSec: null })).toBe(100);
    expect(signupSec({ createdAtSec: 100, signedUpAtSec: 0 })).toBe(100);
    expect(signupSec({ createdAtSec: 100, signedUpAtSec: 50 })).toBe(50);
  });
});
