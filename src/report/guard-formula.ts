/** First characters a spreadsheet may read as the start of a formula (METRICS.md, "Cells"), plus `\n`. */
const FORMULA_STARTS = new Set(['=', '+', '-', '@', '\t', '\r', '\n']);

/**
 * Prefixes `'` to workspace text that a spreadsheet could run as a formula. csv-stringify's own
 * `escape_formulas` misses a leading `\n` and also rewrites full-width forms METRICS.md does not
 * list, so the guard is ours.
 *
 * @example guardFormula('=HYPERLINK("x")'); // "'=HYPERLINK(\"x\")"
 */
export function guardFormula(text: string): string {
  return text.length > 0 && FORMULA_STARTS.has(text[0]!) ? `'${text}` : text;
}

/** The text `guardFormula` was given, for reading our own files back. */
export function unguardFormula(cell: string): string {
  return cell.length > 1 && cell[0] === "'" && FORMULA_STARTS.has(cell[1]!) ? cell.slice(1) : cell;
}
