/** ISO 8601 strings at seconds precision, for cells and the manifest. */
import { TZDate } from '@date-fns/tz';

/**
 * @example formatIsoUtcSeconds(1_790_000_000); // "2026-09-21T14:13:20Z"
 */
export function formatIsoUtcSeconds(sec: number): string {
  return new Date(sec * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The instant as local time in `timeZone` with its offset (TZDate prints `+02:00`, never `Z`).
 *
 * @example formatIsoInZone(1_790_805_600, 'Europe/Berlin'); // "2026-10-01T00:00:00+02:00"
 */
export function formatIsoInZone(sec: number, timeZone: string): string {
  return new TZDate(sec * 1000, timeZone).toISOString().replace(/\.\d{3}(?=[+-]\d{2}:\d{2}$|Z$)/, '');
}
