/**
 * A count and what it counts, in English: thousands grouped with commas (never the machine's
 * locale, so the page's bytes are the data's), the noun in the plural unless the count is 1.
 *
 * @example countOf(3172, 'membership'); // '3,172 memberships'
 * @example countOf(1, 'cohort'); // '1 cohort'
 */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  const digits = String(Math.abs(Math.trunc(count))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${count < 0 ? '-' : ''}${digits} ${count === 1 ? noun : plural}`;
}
