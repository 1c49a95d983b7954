/**
 * The report maths: events → per-contact figures → per-cohort rows, the CSV columns, field types and
 * the manifest's shape. Pure: nothing here touches the file system, reads a clock, the environment or
 * the network (test/unit/import-directions.test.ts checks it); src/report-files/ writes the rows.
 */
export { monthWindow, assertTimeZone, type MonthWindow } from './month-window.js';
export { addMonths, formatMonth, isMonth, monthsBetween, monthsInRange, parseMonth, previousMonth, type MonthParts } from './months.js';
export { monthOfInstant } from './month-of-instant.js';
export { createReportWindows, findWindow, type ReportWindows } from './create-report-windows.js';
export { classifyRetention, EVENT_RETENTION_DAYS } from './classify-retention.js';
export {
  addAmounts,
  amountKey,
  parseAmountKey,
  type AmountStats,
  type ContactMonthStats,
  type ContactStats,
  type NameStats,
} from './contact-stats.js';
export { createContactAccumulator, finishContact, foldEvent, type ContactAccumulator } from './contact-accumulator.js';
export { readMonetaryAmount, type MonetaryAmount } from './read-monetary-amount.js';
export { signupSec } from './signup-sec.js';
export { addMember, createCohortAccumulator, type CohortAccumulator } from './cohort-accumulator.js';
export { finishCohort, type CohortRows, type FinishCohortOptions } from './finish-cohort.js';
export {
  createContactConversations,
  foldConversation,
  openedBy,
  type ContactConversations,
  type ConversationFacts,
} from './contact-conversations.js';
export {
  addConversationMember,
  createConversationAccumulator,
  finishConversations,
  type ConversationAccumulator,
} from './conversation-accumulator.js';
export { summarizeCohorts, type CohortMonth, type ListedMember, type SummarizeCohortsOptions } from './summarize-cohorts.js';
export { summarizeTrends, type TrendInput } from './summarize-trends.js';
export { compareText } from './compare-text.js';
export { compareCohorts, sortCohorts } from './sort-cohorts.js';
export { formatRatio } from './format-ratio.js';
export { currencyDigits, formatAmountMajor } from './format-amount-major.js';
export { MAJOR_AMOUNT_SCALE, type FieldKind, type TableField, type TableSpec } from './table-spec.js';
export { formatIsoInZone, formatIsoUtcSeconds } from './format-iso.js';
export { guardFormula, unguardFormula } from './guard-formula.js';
export {
  AMOUNTS_COLUMNS,
  AMOUNTS_FILE,
  AMOUNTS_TABLE,
  CONVERSATIONS_COLUMNS,
  CONVERSATIONS_FILE,
  CONVERSATIONS_TABLE,
  DATA_PACKAGE_FILE,
  EVENTS_COLUMNS,
  EVENTS_FILE,
  EVENTS_TABLE,
  MANIFEST_FILE,
  REPORT_TABLES,
  RETENTION_COLUMNS,
  RETENTION_FILE,
  RETENTION_HISTORY_FILE,
  RETENTION_HISTORY_TABLE,
  RETENTION_TABLE,
  SUMMARY_COLUMNS,
  SUMMARY_FILE,
  SUMMARY_TABLE,
  TRENDS_COLUMNS,
  TRENDS_FILE,
  TRENDS_TABLE,
  type CohortAmountRow,
  type CohortConversationRow,
  type CohortEventRow,
  type CohortRetentionRow,
  type CohortSummaryRow,
  type TrendRow,
  type WorkspaceTextColumn,
} from './columns.js';
export {
  MANIFEST_FORMAT,
  WARNING_MEMBERS_MISSING,
  WARNING_PREVIOUS_MONTH_BEYOND_RETENTION,
  WARNING_MONTH_BEYOND_RETENTION,
  manifestWithoutTiming,
  type ManifestFile,
  type TableFile,
  type MonthManifest,
  type ReportTotals,
  type ReportWarning,
} from './manifest.js';
export { ReportError, ReportInputError, ReportIntegrityError, RowOrderError, type ReportErrorCode } from './errors.js';
