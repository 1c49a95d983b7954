/**
 * How far V8 lets the heap grow past what the last full collection kept alive. By default it may grow
 * up to 4× when collections are cheap — and a batch run's are: its long-lived part (the run store of a
 * single-process run: ~250 bytes per listed contact) sits beside a stream of short-lived event pages.
 * At 100k contacts that default held ~140 MB of dead pages in a 35–55 MB live heap (peak RSS 278 MB
 * against 186 MB with the cap below); at 1M, up to 4× a live heap of ~300 MB. Capping growth at 1.3× the live
 * heap costs a few more collections (a few ms each) and keeps RSS proportional to what the run holds.
 *
 * Set at start, before the heap has grown: V8 reads the flag at every collection. A `node
 * --heap-growing-percent=N` given on the command line wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 30;

/** Returns whether the cap was set (false when the command line already set one). */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
