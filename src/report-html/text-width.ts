/**
 * The width of chart text, as the browser will draw it. The charts name "Helvetica, Arial,
 * sans-serif": Helvetica, Arial and Liberation Sans (what Linux substitutes for both) share one set
 * of advance widths, written down below (1/1000 em, measured in Chromium). A table rather than
 * node-canvas keeps the SVG bytes independent of the machine's fonts, and rather than vega's own
 * estimate (0.8 em per character, about half again a real name's width) lets a label use the room it
 * is given instead of being cut at two thirds of it.
 *
 * Characters outside the table are counted wide (East Asian wide and emoji 1 em, others 2/3 em), so
 * text in another script is over-measured, never drawn past its room.
 */

const ASCII_FROM = 0x20;
const LATIN_FROM = 0xa0;

/** U+0020–U+007E. */
const REGULAR_ASCII = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667,
  722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556,
  278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const BOLD_ASCII = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722,
  722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556,
  333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
/** U+00A0–U+017F (Latin-1 Supplement and Latin Extended-A). */
const REGULAR_LATIN = [
  278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 0, 737, 552, 400, 549, 333, 333, 333, 576, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667,
  667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889,
  500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556, 556, 556, 556, 556, 556, 549, 611, 556, 556, 556, 556, 500, 556, 500, 667, 556, 667, 556, 667, 556, 722, 500, 722, 500,
  722, 500, 722, 500, 722, 615, 722, 556, 667, 556, 667, 556, 667, 556, 667, 556, 667, 556, 778, 556, 778, 556, 778, 556, 778, 556, 722, 556, 722, 556, 278, 278, 278, 278, 278,
  278, 278, 222, 278, 278, 735, 444, 500, 222, 667, 500, 500, 556, 222, 556, 222, 556, 292, 556, 334, 556, 222, 722, 556, 722, 556, 722, 556, 604, 723, 556, 778, 556, 778, 556,
  778, 556, 1000, 944, 722, 333, 722, 333, 722, 333, 667, 500, 667, 500, 667, 500, 667, 500, 611, 278, 611, 375, 611, 278, 722, 556, 722, 556, 722, 556, 722, 556, 722, 556, 722,
  556, 944, 722, 667, 500, 667, 611, 500, 611, 500, 611, 500, 222,
];
const BOLD_LATIN = [
  278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 0, 737, 552, 400, 549, 333, 333, 333, 576, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722,
  722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, 556, 556, 556, 556, 556, 556, 889,
  556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611, 611, 611, 611, 611, 611, 549, 611, 611, 611, 611, 611, 556, 611, 556, 722, 556, 722, 556, 722, 556, 722, 556, 722, 556,
  722, 556, 722, 556, 722, 719, 722, 611, 667, 556, 667, 556, 667, 556, 667, 556, 667, 556, 778, 611, 778, 611, 778, 611, 778, 611, 722, 611, 722, 611, 278, 278, 278, 278, 278,
  278, 278, 278, 278, 278, 785, 556, 556, 278, 722, 556, 556, 611, 278, 611, 278, 611, 385, 611, 479, 611, 278, 722, 611, 722, 611, 722, 611, 708, 723, 611, 778, 611, 778, 611,
  778, 611, 1000, 944, 722, 389, 722, 389, 722, 389, 667, 556, 667, 556, 667, 556, 667, 556, 611, 333, 611, 479, 611, 333, 722, 611, 722, 611, 722, 611, 722, 611, 722, 611, 722,
  611, 944, 778, 667, 556, 667, 611, 500, 611, 500, 611, 500, 278,
];
/** Punctuation and symbols the pages and common names use: [regular, bold]. */
const PUNCTUATION: ReadonlyMap<number, readonly [number, number]> = new Map([
  [0x2013, [556, 556]], // –
  [0x2014, [1000, 1000]], // —
  [0x2018, [222, 278]], // ‘
  [0x2019, [222, 278]], // ’
  [0x201a, [222, 278]], // ‚
  [0x201c, [333, 500]], // “
  [0x201d, [333, 500]], // ”
  [0x201e, [333, 500]], // „
  [0x2020, [556, 556]], // †
  [0x2021, [556, 556]], // ‡
  [0x2022, [350, 350]], // •
  [0x2026, [1000, 1000]], // …
  [0x2030, [1000, 1000]], // ‰
  [0x2039, [333, 333]], // ‹
  [0x203a, [333, 333]], // ›
  [0x20ac, [556, 556]], // €
  [0x2122, [1000, 1000]], // ™
  [0x2190, [1000, 1000]], // ←
  [0x2192, [1000, 1000]], // →
  [0x2212, [584, 584]], // −
]);

/** Marks drawn over the previous character, and the invisible format characters. */
function isZeroWidth(cp: number): boolean {
  return (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0xfeff;
}

/** East Asian wide and fullwidth forms, and emoji: a full em. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f000 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function advance(cp: number, bold: boolean): number {
  if (cp >= ASCII_FROM && cp < ASCII_FROM + REGULAR_ASCII.length) return (bold ? BOLD_ASCII : REGULAR_ASCII)[cp - ASCII_FROM]!;
  if (cp >= LATIN_FROM && cp < LATIN_FROM + REGULAR_LATIN.length) return (bold ? BOLD_LATIN : REGULAR_LATIN)[cp - LATIN_FROM]!;
  const punctuation = PUNCTUATION.get(cp);
  if (punctuation) return punctuation[bold ? 1 : 0];
  if (cp < ASCII_FROM || isZeroWidth(cp)) return 0;
  return isWide(cp) ? 1000 : 667;
}

/**
 * The width in px of `text` drawn at `fontSizePx` in the charts' font, kerning left out (it only
 * narrows text, so the result is never short).
 *
 * @example textWidth('Paying customers', 12); // 95.364 (Chromium draws 95.375)
 */
export function textWidth(text: string, fontSizePx: number, options: { bold?: boolean } = {}): number {
  const bold = options.bold ?? false;
  let units = 0;
  for (const ch of text) units += advance(ch.codePointAt(0)!, bold);
  return (units * fontSizePx) / 1000;
}
