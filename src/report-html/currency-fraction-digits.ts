/**
 * Digits after the decimal point of a currency's major unit, by the runtime's Intl (CLDR), as
 * METRICS.md defines amount_major: usd 2, jpy 0, bhd 3. Null when the code is not a currency Intl
 * knows.
 *
 * @example currencyFractionDigits('jpy'); // 0
 */
export function currencyFractionDigits(currency: string): number | null {
  const code = currency.toUpperCase();
  if (!Intl.supportedValuesOf('currency').includes(code)) return null;
  return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? null;
}
