/** The file formats a report can be written in, and how a table's Parquet twin is named. */

export const REPORT_FORMATS = ['csv', 'parquet'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface TableWriteOptions {
  /** Always includes `csv`: trends and retention are rebuilt from the month folders' CSVs. */
  formats: readonly ReportFormat[];
  /** Guard workspace text in CSV cells; Parquet cells are never guarded. */
  formulaGuard: boolean;
}

export const DEFAULT_TABLE_WRITE_OPTIONS: TableWriteOptions = { formats: ['csv'], formulaGuard: true };

/** @example parquetName('cohort_summary.csv'); // "cohort_summary.parquet" */
export function parquetName(csvName: string): string {
  return csvName.replace(/\.csv$/, '.parquet');
}
