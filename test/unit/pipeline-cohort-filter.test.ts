import { describe, expect, it } from 'vitest';
import { matchesCohortFilter } from '../../src/pipeline/matches-cohort-filter.js';

const only = (...include: string[]) => ({ include, exclude: [] });

describe('matchesCohortFilter', () => {
  it('admits every cohort when nothing is included', () => {
    expect(matchesCohortFilter('anything', only())).toBe(true);
  });

  it('reads * as any run and ? as one character, case-insensitive, anchored at both ends', () => {
    expect(matchesCohortFilter('VIP users', only('vip*'))).toBe(true);
    expect(matchesCohortFilter('VIP', only('vip*'))).toBe(true);
    expect(matchesCohortFilter('the VIP users', only('vip*'))).toBe(false);
    expect(matchesCohortFilter('Plan A', only('plan ?'))).toBe(true);
    expect(matchesCohortFilter('Plan AB', only('plan ?'))).toBe(false);
  });

  it('lets exclude win over include', () => {
    expect(matchesCohortFilter('VIP test', { include: ['vip*'], exclude: ['*test*'] })).toBe(false);
    expect(matchesCohortFilter('VIP live', { include: ['vip*'], exclude: ['*test*'] })).toBe(true);
  });

  it.each([
    ['VIP [EU]*', 'vip [eu] accounts', 'vip e accounts'],
    ['{a,b}', '{a,b}', 'a'],
    ['!churned', '!churned', 'paying'],
    ['(beta)*', '(beta) testers', 'beta testers'],
    ['+(x)', '+(x)', 'x'],
    ['@(x)', '@(x)', 'x'],
    ['a.b', 'a.b', 'axb'],
    ['^$|\\', '^$|\\', ''],
  ])('takes every other character literally: %s matches %j, not %j', (pattern, name, other) => {
    expect(matchesCohortFilter(name, only(pattern))).toBe(true);
    expect(matchesCohortFilter(other, only(pattern))).toBe(false);
  });

  it('matches names that hold slashes, dots and line breaks (names, not paths)', () => {
    expect(matchesCohortFilter('EU / paying', only('eu*'))).toBe(true);
    expect(matchesCohortFilter('a/b', only('a?b'))).toBe(true);
    expect(matchesCohortFilter('x/../y', only('x*y'))).toBe(true);
    expect(matchesCohortFilter('.hidden', only('*'))).toBe(true);
    expect(matchesCohortFilter('two\nlines', only('two*'))).toBe(true);
  });
});
