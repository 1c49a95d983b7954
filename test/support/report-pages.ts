/**
 * The page files a complete output folder holds besides its tables, as the tests expect them (written
 * down here, not read from src/): a month folder's report.html with its chart specs, and the root's
 * index.html with its own.
 */
export const MONTH_PAGE_FILES = [
  'charts/active-rate.vl.json',
  'charts/amounts.vl.json',
  'charts/lifecycle.vl.json',
  'charts/stickiness.vl.json',
  'charts/top-events.vl.json',
  'report.html',
] as const;

export const INDEX_PAGE_FILES = ['charts/active-members.vl.json', 'charts/active-rate-trend.vl.json', 'charts/retention.vl.json', 'index.html'] as const;

/** The page files of a month with cohort_conversations.csv (report.conversations, the default), sorted. */
export const MONTH_PAGE_FILES_WITH_CONVERSATIONS = [...MONTH_PAGE_FILES, 'charts/conversation-counts.vl.json', 'charts/conversation-rates.vl.json'].sort();

/** Every file of month folder `month`, relative to the output folder, sorted; with conversations unless told otherwise. */
export function monthFolderFiles(month: string, options: { conversations?: boolean } = {}): string[] {
  const base = ['cohort_amounts.csv', 'cohort_events.csv', 'cohort_retention.csv', 'cohort_summary.csv', 'manifest.json'];
  const files = options.conversations === false ? [...base, ...MONTH_PAGE_FILES] : [...base, 'cohort_conversations.csv', ...MONTH_PAGE_FILES_WITH_CONVERSATIONS];
  return files.map((f) => `${month}/${f}`).sort();
}

/** Every file a run of `months` (CSV only) leaves in its output folder (no journal; the workspace marker), sorted. */
export function outputFolderFiles(months: readonly string[], options: { conversations?: boolean } = {}): string[] {
  return [
    ...months.flatMap((month) => monthFolderFiles(month, options)),
    '.cohort-reports-workspace.json',
    'datapackage.json',
    'retention.csv',
    'run_results.json',
    'trends.csv',
    ...INDEX_PAGE_FILES,
  ].sort();
}
