import { describe, expect, it } from 'vitest';
import { printable, quoted } from '../../src/shared/printable.js';

describe('printable', () => {
  it('shows every control character, escape sequence and bidi override as a visible escape', () => {
    const hostile = 'VIP\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\r\x1b[2KFAKE\u009b31m\u202egnp.exe\u2028';
    const shown = printable(hostile);
    // Nothing a terminal would obey is left: every code point is printable.
    for (const c of shown) expect(c.codePointAt(0)! >= 0x20 && c.codePointAt(0) !== 0x7f && !(c.codePointAt(0)! >= 0x80 && c.codePointAt(0)! <= 0x9f)).toBe(true);
    expect(shown).toBe('VIP\\u{1b}]0;pwned\\u{7}\\u{1b}]52;c;ZXZpbA==\\u{7}\\u{d}\\u{1b}[2KFAKE\\u{9b}31m\\u{202e}gnp.exe\\u{2028}');
  });

  it('leaves ordinary text, accents and emoji as they are', () => {
    expect(printable('Montréal — clients 👋 "VIP"')).toBe('Montréal — clients 👋 "VIP"');
    expect(quoted('say "hi"\n')).toBe('"say \\"hi\\"\\u{a}"');
  });
});
