/**
 * The windows one run needs: every reported month and the month before each (for the lifecycle and
 * `_prev` columns). Plain JSON, built once per run and passed to `foldEvent` and `summarizeCohorts`.
 */
import { ReportInputError } from './errors.js';
import { monthWindow, type MonthWindow } from './month-window.js';
import { parseMonth, previousMonth } from './months.js';

export interface ReportWindows {
  timeZone: string;
  /** The months the run reports, ascending, without duplicates. */
  reportMonths: string[];
  /** Every window needed (each reported month and its previous month), ascending by start, without duplicates. */
  windows: MonthWindow[];
}

/**
 * @example
 * createReportWindows(['2026-10'], 'Europe/Berlin').windows.map((w) => w.month); // ['2026-09', '2026-10']
 */
export function createReportWindows(months: readonly string[], timeZone: string): ReportWindows {
  if (months.length === 0) throw new ReportInputError('createReportWindows needs at least one month');
  for (const m of months) parseMonth(m);
  const reportMonths = [...new Set(months)].sort();
  const needed = new Set<string>();
  for (const m of reportMonths) {
    needed.add(previousMonth(m));
    needed.add(m);
  }
  const windows = [...needed].sort().map((m) => monthWindow(m, timeZone));
  return { timeZone, reportMonths, windows };
}

/** The window of `month`; throws when the run was not set up for it. */
export function findWindow(windows: ReportWindows, month: string): MonthWindow {
  const found = windows.windows.find((w) => w.month === month);
  if (!found) {
    throw new ReportInputError(`month ${month} is not among this run's windows (${windows.windows.map((w) => w.month).join(', ')})`);
  }
  return found;
}
