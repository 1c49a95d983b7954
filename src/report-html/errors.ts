/** A chart that could not be drawn from its inline rows: the page (and so the month folder) is not written. */
export class ChartRenderError extends Error {
  readonly code = 'REPORT_CHART_FAILED';
  constructor(
    readonly chart: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChartRenderError';
  }
}
