/**
 * Workspace text (cohort, event and workspace names, set by any teammate in Intercom) and server answers
 * reach terminals and logs. Printed as they are, an escape sequence in them could set the window title,
 * write the clipboard or erase a line to forge output. `printable` shows every control character (C0,
 * DEL, C1) and every bidirectional override as a visible `\u{…}` escape, so the text is shown, never obeyed.
 *
 * @example printable('VIP\x1b]0;pwned\x07'); // 'VIP\u{1b}]0;pwned\u{7}'
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/** `printable`, in double quotes: a name that is empty or ends in spaces still reads as one name. */
export function quoted(text: string): string {
  return `"${printable(text).replace(/"/g, '\\"')}"`;
}
