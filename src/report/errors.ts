/**
 * Typed errors of the report area. Every one carries a stable `code`; none is retryable, since each
 * names a mistake in the input or on disk that a second attempt would meet again.
 */

export type ReportErrorCode =
  | 'REPORT_INVALID_INPUT'
  | 'REPORT_ROW_ORDER'
  | 'REPORT_INTEGRITY';

export class ReportError extends Error {
  readonly code: ReportErrorCode;

  constructor(code: ReportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A month, time zone, number or row that does not satisfy the contract of the function it was passed to. */
export class ReportInputError extends ReportError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REPORT_INVALID_INPUT', message, options);
  }
}

/** Rows handed to the writer are not in the order METRICS.md prescribes (or repeat a key). */
export class RowOrderError extends ReportError {
  readonly file: string;
  readonly rowIndex: number;

  constructor(file: string, rowIndex: number, message: string) {
    super('REPORT_ROW_ORDER', message);
    this.file = file;
    this.rowIndex = rowIndex;
  }
}

/** A month folder on disk whose files do not match its manifest, or whose manifest is unreadable. */
export class ReportIntegrityError extends ReportError {
  readonly path: string;

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('REPORT_INTEGRITY', message, options);
    this.path = path;
  }
}
