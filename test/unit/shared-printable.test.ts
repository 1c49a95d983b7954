import { describe, expect, it } from 'vitest';
import { escapeJsonText, printable, quoted } from '../../src/shared/printable.js';

/** Whether a terminal would only print `text`: no C0, DEL, C1, bidi override or line separator left. */
const onlyText = (text: string): boolean => ![...text].some((c) => /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u.test(c));

describe('printable', () => {
  it('shows every control character, escape sequence and bidi override as a visible escape', () => {
    const hostile = 'VIP\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\r\x1b[2KFAKE\u009b31m\u007f\u202egnp.exe\u2028';
    const shown = printable(hostile);
    expect(onlyText(shown)).toBe(true);
    expect(shown).toBe('VIP\\x1b]0;pwned\\x07\\x1b]52;c;ZXZpbA==\\x07\\x0d\\x1b[2KFAKE\\x9b31m\\x7f\\u{202e}gnp.exe\\u{2028}');
  });

  it('escapes each of the 65 C0, DEL and C1 code points as \\xHH', () => {
    for (let code = 0; code <= 0x9f; code += 1) {
      if (code >= 0x20 && code < 0x7f) continue;
      expect(printable(String.fromCharCode(code))).toBe(`\\x${code.toString(16).padStart(2, '0')}`);
    }
  });

  it('leaves ordinary text, accents and emoji as they are, and changes nothing when applied twice', () => {
    expect(printable('Montréal — clients 👋 "VIP"')).toBe('Montréal — clients 👋 "VIP"');
    expect(quoted('say "hi"\n')).toBe('"say \\"hi\\"\\x0a"');
    const once = printable('a\x1bb\u202ec');
    expect(printable(once)).toBe(once);
  });
});

describe('escapeJsonText', () => {
  it('writes what JSON.stringify leaves raw (C1, DEL, bidi) as \\u escapes: the same value once parsed, only text on a terminal', () => {
    const value = { name: 'a\u009b2Jb\u007fc\u202ed\u2028e\x1b[31m' };
    const json = escapeJsonText(JSON.stringify(value));
    expect(onlyText(json)).toBe(true);
    expect(json).toBe('{"name":"a\\u009b2Jb\\u007fc\\u202ed\\u2028e\\u001b[31m"}');
    expect(JSON.parse(json)).toEqual(value);
  });
});
