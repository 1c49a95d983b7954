/**
 * Intercom lists events of the last 90 days only. For a month M this says whether the run can see
 * all of W(M) and W(M-1) (METRICS.md, "Time").
 */
import { findWindow, type ReportWindows } from './create-report-windows.js';
import { previousMonth } from './months.js';

export const EVENT_RETENTION_DAYS = 90;

/**
 * - `complete`: both windows start within the retention period.
 * - `previous_month_beyond_retention`: only W(M-1) starts earlier: lifecycle and `_prev` columns are
 *   left empty and the manifest carries the warning of that name.
 * - `month_beyond_retention`: W(M) itself starts earlier: the run refuses unless partial data is allowed.
 *
 * "More than 90 days before the run" is strict: a window starting exactly 90 days before is complete.
 *
 * @example
 * classifyRetention(windows, '2026-10', nowSec); // 'complete'
 */
export function classifyRetention(
  windows: ReportWindows,
  month: string,
  nowSec: number,
  retentionDays: number = EVENT_RETENTION_DAYS,
): 'complete' | 'previous_month_beyond_retention' | 'month_beyond_retention' {
  const oldestListableSec = nowSec - retentionDays * 86_400;
  if (findWindow(windows, month).startSec < oldestListableSec) return 'month_beyond_retention';
  if (findWindow(windows, previousMonth(month)).startSec < oldestListableSec) return 'previous_month_beyond_retention';
  return 'complete';
}
