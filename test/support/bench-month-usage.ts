/**
 * Preloaded (`node --import tsx --import <this file> …`, env BENCH_MONTH_USAGE=1) into every process
 * the `month` benchmark starts: when the process exits it writes one line to stderr with its own peak
 * resident set size (getrusage ru_maxrss, kB) and CPU time, which the benchmark reads back
 * (readUsageLine). Written with writeSync so the line is out before the process is gone.
 */
import { writeSync } from 'node:fs';

export const USAGE_MARKER = '__bench_month_usage__ ';

export interface ProcessUsage {
  pid: number;
  maxRssKb: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

/** The usage line in a process's stderr, or null when it died without writing one (killed). */
export function readUsageLine(stderr: string): ProcessUsage | null {
  const at = stderr.lastIndexOf(USAGE_MARKER);
  if (at < 0) return null;
  const end = stderr.indexOf('\n', at);
  return JSON.parse(stderr.slice(at + USAGE_MARKER.length, end < 0 ? undefined : end)) as ProcessUsage;
}

// Only when preloaded; the benchmark imports this module for readUsageLine, and must not report itself.
if (process.env.BENCH_MONTH_USAGE === '1') {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage: ProcessUsage = { pid: process.pid, maxRssKb: u.maxRSS, cpuUserUs: u.userCPUTime, cpuSystemUs: u.systemCPUTime };
    writeSync(2, `\n${USAGE_MARKER}${JSON.stringify(usage)}\n`);
  });
}
