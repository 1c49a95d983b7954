/**
 * The report pages: report.html in each month folder and index.html across months, each chart a
 * Vega-Lite spec (charts/*.vl.json, reading the CSV) rendered to static SVG at write time.
 */
export { writeMonthPage, MONTH_PAGE_FILE, MONTH_CHART_COHORTS, type MonthPageFacts } from './write-month-page.js';
export { writeIndexPage, TREND_CHART_COHORTS, RETENTION_CHART_COHORTS } from './write-index-page.js';
export { INDEX_FILE } from './index-file.js';
export { CHARTS_DIR } from './draw-charts.js';
export { preloadChartEngines, renderChart } from './render-chart.js';
export { escapeHtml } from './escape-html.js';
export { pageUrl } from './page-url.js';
