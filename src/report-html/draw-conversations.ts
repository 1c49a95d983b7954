/**
 * The month page's conversations section, from DIR/cohort_conversations.csv. The run writes that file
 * only when conversations are reported (`report.conversations`); without it there is no section, no
 * spec and no link, and the page is byte for byte the page of a month without conversations.
 */
import { join } from 'node:path';
import { CONVERSATIONS_FILE } from '../report/columns.js';
import { readTextIfExists } from '../report-files/read-text-if-exists.js';
import { readText, type ChartCohort } from './chart-parts.js';
import { conversationCountsChart, conversationLayout, conversationRatesChart } from './conversation-charts.js';
import { csvRecords } from './csv-records.js';
import { drawCharts, type DrawnCharts } from './draw-charts.js';
import { escapeHtml } from './escape-html.js';

/** The columns the section reads; the file has more (METRICS.md, cohort_conversations.csv). */
const READ_COLUMNS = [
  'cohort_type',
  'cohort_id',
  'cohort_name',
  'members',
  'conversations_opened',
  'members_opened',
  'opened_1',
  'opened_2_3',
  'opened_4_plus',
  'opened_per_100_members',
  'replied',
  'reply_rate',
  'median_reply_seconds',
] as const;

/** What the figures count, in plain words: shown above the charts, also when they are empty. */
const COUNTED =
  'Counted: conversations created this month whose author was a member of the cohort (a user, lead or contact). ' +
  'Conversations started by an admin, a team, a bot, a campaign or an automated message count nowhere; ' +
  'a member of several cohorts counts in each.';

const EMPTY_NOTE = 'No member of a charted cohort opened a conversation this month.';

export interface DrawnConversations extends DrawnCharts {
  /** The nav link to the CSV. */
  link: string;
}

/**
 * Reads DIR/cohort_conversations.csv and draws its charts for the `charted` cohorts; null (and
 * nothing written) when the file is absent.
 *
 * @example
 * const conversations = await drawConversations(tmpDir, { charted, guarded: true });
 * if (conversations) body.push(...conversations.sections);
 */
export async function drawConversations(dir: string, options: { charted: readonly ChartCohort[]; guarded: boolean }): Promise<DrawnConversations | null> {
  const csv = await readTextIfExists(join(dir, CONVERSATIONS_FILE));
  if (csv === null) return null;
  const table = csvRecords(csv, CONVERSATIONS_FILE, READ_COLUMNS);
  const { charted, guarded } = options;
  const text = readText(guarded);
  const chartedKeys = new Set(charted.map((c) => c.cohort_key));
  const records = table.records.filter((r) => chartedKeys.has(`${r.cohort_type}:${text(r.cohort_id)}`));
  const anyOpened = records.some((r) => Number(r.conversations_opened) > 0);
  const source = { columns: table.columns, guarded };
  // The specs need a cohort's key, rank and label only, not its summary row.
  const cohorts = charted.map(({ cohort_key, rank, cohort_label }) => ({ cohort_key, rank, cohort_label }));
  const layout = conversationLayout(cohorts);
  const drawn = await drawCharts(dir, [
    {
      definition: conversationRatesChart(source, cohorts, layout),
      records,
      emptyNote: anyOpened ? null : EMPTY_NOTE,
      caption:
        'Left: conversations_opened × 100 / members. Right: replied / conversations_opened, where replied means an admin answered ' +
        '(Intercom\'s first_admin_reply_at is set); a cohort whose members opened none has no rate.',
      heading: 'h3',
    },
    {
      definition: conversationCountsChart(source, cohorts, layout),
      records,
      emptyNote: anyOpened ? null : EMPTY_NOTE,
      caption: 'Each bar is a cohort\'s members who opened at least one conversation (100%), split by how many they opened.',
      heading: 'h3',
    },
  ]);
  const section = [
    '<section id="conversations">',
    '<h2>Conversations opened by members</h2>',
    `<p class="meta">${escapeHtml(COUNTED)} Every cohort's figures: <a href="${CONVERSATIONS_FILE}">${CONVERSATIONS_FILE}</a>.</p>`,
    ...drawn.sections,
    '</section>',
  ].join('\n');
  return { sections: [section], files: drawn.files, link: `<a href="${CONVERSATIONS_FILE}">${CONVERSATIONS_FILE}</a>` };
}
