/**
 * What one run covers, decided once from the command line and the clock: the months, the windows the
 * maths needs, how far back events must be fetched, and which months lack their previous month
 * because it lies past Intercom's 90-day event window. Bad months are refused here, before any call.
 */
import { classifyRetention } from '../report/classify-retention.js';
import { createReportWindows, findWindow, type ReportWindows } from '../report/create-report-windows.js';
import { lastCompleteMonth } from '../report/last-complete-month.js';
import { isMonth, monthsInRange } from '../report/months.js';
import { RunPlanError } from './errors.js';

export interface MonthPlan {
  month: string;
  /** W(M-1) starts past the event window: lifecycle and `_prev` columns stay empty. */
  previousBeyondRetention: boolean;
  /** W(M) itself starts past the event window (only with allowPartial). */
  beyondRetention: boolean;
}

export interface RunPlan {
  /** Deterministic: the same months and zone give the same id (BullMQ job ids, store keys). */
  runId: string;
  timeZone: string;
  months: MonthPlan[];
  windows: ReportWindows;
  /** Events older than this are of no use to any month of the run. */
  fetchFromSec: number;
}

export interface PlanRunInput {
  /** `YYYY-MM`, or `last` for the last month that has ended in `timeZone`; with `to`, the first month of a range. */
  from: string;
  to?: string | undefined;
  timeZone: string;
  nowSec: number;
  allowPartial: boolean;
}

function checkMonth(flag: string, value: string): void {
  if (!isMonth(value)) {
    throw new RunPlanError(`${flag} must be a month written YYYY-MM, such as 2026-10, or last for --month (got ${JSON.stringify(value)})`);
  }
}

export function planRun(request: PlanRunInput): RunPlan {
  const input =
    request.from === 'last' && request.to === undefined
      ? { ...request, from: lastCompleteMonth(request.nowSec * 1000, request.timeZone) }
      : request;
  const to = input.to ?? input.from;
  checkMonth(input.to === undefined ? '--month' : '--from', input.from);
  checkMonth('--to', to);
  if (to < input.from) throw new RunPlanError(`--from ${input.from} is after --to ${to}: give the earlier month first`);
  const months = monthsInRange(input.from, to);
  if (months.length > 24) throw new RunPlanError(`${months.length} months requested: at most 24 per run`);
  const windows = createReportWindows(months, input.timeZone);

  const plans: MonthPlan[] = months.map((month) => {
    const w = findWindow(windows, month);
    if (w.endSec > input.nowSec) {
      throw new RunPlanError(
        `month ${month} has not ended yet in ${input.timeZone} (it ends ${new Date(w.endSec * 1000).toISOString()}): ` +
          `reports cover complete months; ask for an earlier month`,
      );
    }
    const retention = classifyRetention(windows, month, input.nowSec);
    if (retention === 'month_beyond_retention' && !input.allowPartial) {
      throw new RunPlanError(
        `month ${month} starts more than 90 days ago, and Intercom lists only the last 90 days of events: ` +
          `its figures would be incomplete. Run it earlier next time (the schedule runs on the 1st), or pass --allow-partial to report what is still listable`,
      );
    }
    return {
      month,
      beyondRetention: retention === 'month_beyond_retention',
      previousBeyondRetention: retention !== 'complete',
    };
  });

  const first = windows.windows[0];
  if (!first) throw new RunPlanError('no month to run');
  const runId = `${months[0]}_${months[months.length - 1]}_${input.timeZone.replace(/[^A-Za-z0-9]+/g, '-')}`;
  return { runId, timeZone: input.timeZone, months: plans, windows, fetchFromSec: first.startSec };
}
