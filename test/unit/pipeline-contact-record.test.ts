import { describe, expect, it } from 'vitest';
import { decodeMember, decodeResult, encodeMember, encodeResult, inCohort, joinRecord, memberSeq, splitRecord } from '../../src/pipeline/contact-record.js';
import type { Member } from '../../src/intercom/types.js';
import type { ContactResult } from '../../src/pipeline/run-store.js';
import type { ContactStats } from '../../src/report/contact-stats.js';
import { createRecord, setOwn } from '../../src/report/own-record.js';

function stats(): ContactStats {
  const names = createRecord<[number, number, number]>();
  setOwn(names, 'signed-in', [3, 1_793_500_000, 1_794_000_000]);
  setOwn(names, '__proto__', [1, 1_793_600_000, 1_793_600_000]);
  setOwn(names, 'report, "quarterly" | 🚀', [2, 1_793_000_000, 1_793_000_001]);
  const amounts = createRecord<[number | string, number]>();
  setOwn(amounts, '12:placed-order6:amounteur', ['123456789012345678901234', 2]);
  setOwn(amounts, '12:placed-order5:pricejpy', [-5, 1]);
  return {
    months: {
      '2026-11': { events: 6, activeDays: 4, names, amounts },
      '2026-10': { events: 1, activeDays: 1, names: Object.assign(createRecord<[number, number, number]>(), { x: [1, 1_790_000_000, 1_790_000_000] as [number, number, number] }), amounts: createRecord() },
    },
  };
}

describe('contact records', () => {
  it('give back every result exactly: packed ContactStats, missing', () => {
    const results: ContactResult[] = [
      { kind: 'ok', stats: stats(), eventsFetched: 12 },
      { kind: 'ok', stats: { months: {} }, eventsFetched: 0 },
      { kind: 'missing' },
    ];
    for (const r of results) expect(decodeResult(encodeResult(r))).toStrictEqual(r.kind === 'ok' ? { ...r } : r);
    expect(encodeResult(results[0]!)[0]).toBe('c');
    expect(decodeResult('')).toBeNull();
  });

  it('give back members, nulls, odd seconds and unsubscribed ones included, and ignore a registration number', () => {
    const members: Member[] = [
      { id: 'a', role: 'lead', createdAtSec: 1_700_000_000, signedUpAtSec: null, unsubscribedFromEmails: false },
      { id: 'b', role: 'user', createdAtSec: 1_700_000_000, signedUpAtSec: 1_699_000_000, unsubscribedFromEmails: false },
      { id: 'c', role: 'user', createdAtSec: 1.5, signedUpAtSec: 2.25, unsubscribedFromEmails: false },
      { id: 'd', role: 'user', createdAtSec: 1_700_000_000, signedUpAtSec: 1_700_000_060, unsubscribedFromEmails: true },
      { id: 'e', role: 'lead', createdAtSec: 1_700_000_000, signedUpAtSec: null, unsubscribedFromEmails: true },
    ];
    for (const m of members) {
      expect(decodeMember(m.id, encodeMember(m))).toStrictEqual(m);
      expect(decodeMember(m.id, `${encodeMember(m)},42`)).toStrictEqual(m);
      expect(memberSeq(`${encodeMember(m)},42`)).toBe(42);
    }
    // The flag costs no room: the role letter, upper-cased.
    expect(members.map(encodeMember)).toEqual(['l1700000000,', 'u1700000000,-1000000', 'u1.5,~2.25', 'U1700000000,60', 'L1700000000,']);
  });

  it('split and join with any text in the result, and tell cohort indexes apart', () => {
    const record = { cohorts: '1,12', member: 'u1,2', result: encodeResult({ kind: 'ok', stats: stats(), eventsFetched: 1 }) };
    expect(splitRecord(joinRecord(record))).toEqual(record);
    expect(inCohort('1,12', '12')).toBe(true);
    expect(inCohort('1,12', '2')).toBe(false);
    expect(inCohort('', '0')).toBe(false);
  });
});
