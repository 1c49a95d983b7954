/**
 * Workspace text (cohort, event and workspace names, set by any teammate in Intercom) and server answers
 * reach terminals and logs. Printed as they are, an escape sequence in them could set the window title,
 * write the clipboard or erase a line to forge output. `printable` shows every control character (C0,
 * DEL, C1) as a visible `\x1b`-style escape and every bidirectional override or line separator as a
 * `\u{202e}`-style one, so the text is shown, never obeyed. Everything else (accents, emoji, and the
 * backslash itself) is left as it is: applying `printable` twice changes nothing, so a message that
 * quotes already-printable text may be passed through it again at the edge.
 *
 * @example printable('VIP\x1b]0;pwned\x07'); // 'VIP\x1b]0;pwned\x07' as 18 visible characters
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

function escape(c: string): string {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** `printable`, in double quotes: a name that is empty or ends in spaces still reads as one name. */
export function quoted(text: string): string {
  return `"${printable(text).replace(/"/g, '\\"')}"`;
}

// What JSON.stringify leaves raw (it escapes only U+0000–U+001F): valid in a JSON string as \uXXXX.
const JSON_RAW_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * JSON text with the controls and bidi overrides JSON.stringify leaves raw written as `\u009b`-style
 * escapes: the same value once parsed, and only text on a terminal. Valid only on JSON text, where
 * such characters can stand only inside strings.
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_RAW_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
