/**
 * The conversations section of report.html, drawn from cohort_conversations.csv when the month folder
 * holds it. Each folder here is written by the real CSV writer from figures this file makes up; what
 * the page draws is read back from its SVG (each bar's aria-label, which is also its tooltip) and
 * compared with the CSV as parsed here.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMOUNTS_TABLE, CONVERSATIONS_TABLE, EVENTS_TABLE, SUMMARY_TABLE, type CohortConversationRow, type CohortSummaryRow } from '../../src/report/columns.js';
import { unguardFormula } from '../../src/report/guard-formula.js';
import { parseCsv } from '../../src/report-files/parse-csv.js';
import { writeTableFiles } from '../../src/report-files/write-table-files.js';
import { MONTH_CHART_COHORTS, writeMonthPage } from '../../src/report-html/index.js';
import { parseAriaLabel } from '../support/report-browser.js';

const MONTH = '2026-10';
const WINDOW = { start: '2026-10-01T00:00:00Z', end: '2026-11-01T00:00:00Z' };
const SPECS = ['charts/conversation-rates.vl.json', 'charts/conversation-counts.vl.json'];
const LINK = '<a href="cohort_conversations.csv">cohort_conversations.csv</a>';
const EMPTY_NOTE = '<p class="note">No member of a charted cohort opened a conversation this month.</p>';

/** A cohort as this test makes it up: its members, and per member who opened any, how many they opened. */
interface Cohort {
  type: 'segment' | 'tag';
  id: string;
  name: string;
  members: number;
  opened: number[];
  replied: number;
  replyTimes: number[];
}

const LONG_NAME = 'Enterprise customers in Europe, Middle East';

/** 22 cohorts in file order; by members, the last two are beyond the 20 charted, and both opened conversations. */
const COHORTS: Cohort[] = [
  { type: 'segment', id: 's01', name: '<script>alert(1)</script>', members: 120, opened: [1, 1, 2, 5, 3, 1], replied: 9, replyTimes: [60, 120, 300] },
  { type: 'segment', id: 's02', name: 'say "hi"', members: 80, opened: [1, 1, 1, 1], replied: 4, replyTimes: [] },
  { type: 'segment', id: 's03', name: 'Tom & Jerry', members: 60, opened: [], replied: 0, replyTimes: [] },
  { type: 'segment', id: 's04', name: '=1+1', members: 90, opened: [2, 2], replied: 1, replyTimes: [42] },
  { type: 'tag', id: 't01', name: LONG_NAME, members: 200, opened: [4, 4, 2, 1, 7, 1, 1, 1], replied: 20, replyTimes: [30, 45, 3600, 7200] },
  ...Array.from({ length: 15 }, (_, i): Cohort => {
    const opened = Array.from({ length: i % 5 }, (_, k) => 1 + k);
    return { type: 'tag', id: `t${String(i + 2).padStart(2, '0')}`, name: `tag ${i + 2}`, members: 50 - 2 * i, opened, replied: Math.min(i % 3, opened.length), replyTimes: [] };
  }),
  { type: 'tag', id: 't17', name: 'small one', members: 3, opened: [9], replied: 9, replyTimes: [5] },
  { type: 'tag', id: 't18', name: 'smaller one', members: 2, opened: [1], replied: 0, replyTimes: [] },
];

function summaryRow(c: Cohort): CohortSummaryRow {
  return {
    month: MONTH,
    cohort_type: c.type,
    cohort_id: c.id,
    cohort_name: c.name,
    members: c.members,
    members_reported: null,
    new_members: 0,
    active_members: 0,
    active_rate: c.members > 0 ? '0.0000' : null,
    events: 0,
    events_per_active: null,
    median_events_per_active: null,
    p90_events_per_active: null,
    avg_active_days: null,
    distinct_event_names: 0,
    top_event: null,
    active_days_1: 0,
    active_days_2_3: 0,
    active_days_4_7: 0,
    active_days_8_14: 0,
    active_days_15_plus: 0,
    lifecycle_new: null,
    lifecycle_returning: null,
    lifecycle_resurrecting: null,
    lifecycle_dormant: null,
    events_prev: null,
    active_members_prev: null,
    unsubscribed_members: 0,
  };
}

/** The row METRICS.md defines for these figures. */
function conversationRow(c: Cohort): CohortConversationRow {
  const opened = c.opened.reduce((a, b) => a + b, 0);
  const times = [...c.replyTimes].sort((a, b) => a - b);
  const mid = times.length / 2;
  const median = times.length === 0 ? null : (times.length % 2 === 1 ? times[Math.floor(mid)]! : (times[mid - 1]! + times[mid]!) / 2).toFixed(2);
  return {
    month: MONTH,
    cohort_type: c.type,
    cohort_id: c.id,
    cohort_name: c.name,
    members: c.members,
    conversations_opened: opened,
    members_opened: c.opened.length,
    opened_1: c.opened.filter((n) => n === 1).length,
    opened_2_3: c.opened.filter((n) => n === 2 || n === 3).length,
    opened_4_plus: c.opened.filter((n) => n >= 4).length,
    opened_per_100_members: c.members > 0 ? ((opened * 100) / c.members).toFixed(2) : null,
    replied: c.replied,
    reply_rate: opened > 0 ? (c.replied / opened).toFixed(4) : null,
    median_reply_seconds: median,
    p90_reply_seconds: times.length > 0 ? times[Math.ceil(0.9 * times.length) - 1]! : null,
    rated: 0,
    avg_rating: null,
    reopened: 0,
  };
}

/** A month folder with the tables writeMonthPage reads (no events, no amounts), and cohort_conversations.csv unless told. */
async function monthFolder(cohorts: readonly Cohort[], options: { conversations: boolean; formulaGuard: boolean }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'report-html-conversations-'));
  const output = { formats: ['csv'] as const, formulaGuard: options.formulaGuard };
  await writeTableFiles(dir, SUMMARY_TABLE, cohorts.map(summaryRow), output);
  await writeTableFiles(dir, EVENTS_TABLE, [], output);
  await writeTableFiles(dir, AMOUNTS_TABLE, [], output);
  if (options.conversations) await writeTableFiles(dir, CONVERSATIONS_TABLE, cohorts.map(conversationRow), output);
  return dir;
}

async function writePage(dir: string, formulaGuard = true): Promise<{ page: string; files: Awaited<ReturnType<typeof writeMonthPage>> }> {
  const files = await writeMonthPage(dir, { month: MONTH, timeZone: 'UTC', window: WINDOW, warnings: [], formulaGuard });
  return { page: await readFile(join(dir, 'report.html'), 'utf8'), files };
}

type Row = Record<string, string>;

async function readCsv(dir: string, file: string): Promise<Row[]> {
  const [header, ...rows] = parseCsv(await readFile(join(dir, file), 'utf8'));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

/** The first 20 cohorts by members, most first, ties in file order: counted here, not by rankCohorts. */
function chartedOf(rows: Row[]): Row[] {
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => Number(b.r.members) - Number(a.r.members) || a.i - b.i)
    .slice(0, MONTH_CHART_COHORTS)
    .map(({ r }) => r);
}

function sectionOf(page: string, id: string): string {
  const start = page.indexOf(`<section id="${id}">`);
  expect(start, id).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('\n</section>', start));
}

/** The whole conversations section, its two chart sections included: it comes last before the table. */
function conversationsSection(page: string): string {
  const start = page.indexOf('<section id="conversations">');
  expect(start).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('<section id="table">'));
}

const ENTITY: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const decode = (text: string): string => text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITY[e]!);

/** The aria-labels of the bars in one chart section, decoded and read back for `keys`. */
function barLabels(page: string, id: string, keys: readonly string[]): Array<Record<string, string>> {
  const svg = sectionOf(page, id);
  return [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar"/g)].map((m) => parseAriaLabel(decode(m[1]!), keys));
}

/** The text of every <text> element in one chart section, decoded. */
function svgTexts(page: string, id: string): string[] {
  return [...sectionOf(page, id).matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]!));
}

const sorted = (list: Array<Record<string, string>>): string[] => list.map((o) => JSON.stringify(o, Object.keys(o).sort())).sort();
const pick = (r: Row, keys: readonly string[]): Row => Object.fromEntries(keys.map((k) => [k, k === 'cohort_name' ? unguardFormula(r[k]!) : r[k]!]));

const dirs: string[] = [];
async function folder(cohorts: readonly Cohort[], options: { conversations: boolean; formulaGuard: boolean }): Promise<string> {
  const dir = await monthFolder(cohorts, options);
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('the conversations section of report.html', () => {
  let withFile: string;
  let page: string;
  let files: Awaited<ReturnType<typeof writeMonthPage>>;
  let rows: Row[];

  beforeAll(async () => {
    withFile = await folder(COHORTS, { conversations: true, formulaGuard: true });
    ({ page, files } = await writePage(withFile));
    rows = await readCsv(withFile, 'cohort_conversations.csv');
  });

  it('is there, with its link in the nav and a plain account of what is counted, when the folder holds cohort_conversations.csv', () => {
    expect(page).toContain('<section id="conversations">');
    expect(/<nav>.*<\/nav>/.exec(page)?.[0]).toContain(LINK);
    const intro = conversationsSection(page);
    expect(intro).toContain('conversations created this month whose author was a member of the cohort (a user, lead or contact)');
    expect(intro).toContain('started by an admin, a team, a bot, a campaign or an automated message count nowhere');
    for (const id of ['conversation-rates', 'conversation-counts']) expect(sectionOf(page, id)).toContain('<svg');
  });

  it('is absent, link and specs too, without the file, and the page is then byte for byte the page of the same folder without it', async () => {
    const without = await folder(COHORTS, { conversations: false, formulaGuard: true });
    const bare = await writePage(without);
    expect(bare.page.toLowerCase()).not.toContain('conversation');
    expect(bare.files.map((f) => f.name)).toEqual(['report.html', ...['active-rate', 'lifecycle', 'stickiness', 'top-events', 'amounts'].map((n) => `charts/${n}.vl.json`)]);
    expect((await readdir(join(without, 'charts'))).sort()).toEqual(['active-rate.vl.json', 'amounts.vl.json', 'lifecycle.vl.json', 'stickiness.vl.json', 'top-events.vl.json']);
    // The page with the file is that page plus the link and the section, nothing else.
    const start = page.indexOf('<section id="conversations">');
    const end = page.indexOf('<section id="table">');
    expect(page.slice(0, start).replace(LINK, '') + page.slice(end)).toBe(bare.page);
    // The other charts' specs are the same files.
    for (const f of bare.files.slice(1)) expect(await readFile(join(withFile, f.name), 'utf8'), f.name).toBe(await readFile(join(without, f.name), 'utf8'));
  });

  it('lists both spec files among the files written, with their size and SHA-256', async () => {
    for (const name of SPECS) {
      const bytes = await readFile(join(withFile, name));
      expect(files).toContainEqual({ name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    expect(files.map((f) => f.name).slice(-2)).toEqual(SPECS);
  });

  it('writes the same bytes for the same folder twice', async () => {
    const again = await folder(COHORTS, { conversations: true, formulaGuard: true });
    const second = await writePage(again);
    expect(second.page).toBe(page);
    expect(second.files).toEqual(files);
    for (const name of SPECS) expect(await readFile(join(again, name), 'utf8')).toBe(await readFile(join(withFile, name), 'utf8'));
  });

  it('keeps each spec reading cohort_conversations.csv beside the page, and drawing from it exactly the chart inlined', async () => {
    for (const name of ['conversation-rates', 'conversation-counts']) {
      const spec = JSON.parse(await readFile(join(withFile, 'charts', `${name}.vl.json`), 'utf8')) as TopLevelSpec & { data: unknown };
      expect(spec.data).toMatchObject({ url: '../cohort_conversations.csv', format: { type: 'csv' } });
      const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', loader: vega.loader({ baseURL: `${join(withFile, 'charts')}/`, mode: 'file' }) });
      const fromFile = await view.toSVG();
      view.finalize();
      const inline = /<svg[\s\S]*?<\/svg>/.exec(sectionOf(page, name))![0];
      // Undo what renderChart adds (titles, id prefixes); the rest must be the same bytes.
      const normalized = inline.replace(/><title>[^<]*<\/title><\/\w+>/g, '/>').replaceAll(`id="${name}-`, 'id="').replaceAll(`url(#${name}-`, 'url(#');
      expect(normalized.length, name).toBeGreaterThan(1000);
      expect(fromFile.replace(/(id="|url\(#)(clip|gradient_)\d+/g, '$1$2N'), name).toBe(normalized.replace(/(id="|url\(#)(clip|gradient_)\d+/g, '$1$2N'));
    }
  });

  it("draws conversations per 100 members and the reply rate of each charted cohort with the CSV's figures, and nothing of the others", () => {
    const charted = chartedOf(rows);
    expect(charted.map((r) => r.cohort_id)).not.toContain('t17');
    const perHundred = ['cohort_name', 'members', 'conversations_opened', 'opened_per_100_members'];
    const reply = ['cohort_name', 'conversations_opened', 'replied', 'reply_rate', 'median_reply_seconds'];
    const bars = barLabels(page, 'conversation-rates', [...new Set([...perHundred, ...reply])]);
    expect(sorted(bars.filter((b) => 'opened_per_100_members' in b).map((b) => pick(b, perHundred)))).toEqual(
      sorted(charted.filter((r) => r.opened_per_100_members !== '').map((r) => pick(r, perHundred))),
    );
    expect(sorted(bars.filter((b) => 'reply_rate' in b).map((b) => pick(b, reply)))).toEqual(sorted(charted.filter((r) => r.reply_rate !== '').map((r) => pick(r, reply))));
    // The figure beside each bar: the file's own text per 100 members, the reply rate as a percentage.
    const texts = svgTexts(page, 'conversation-rates');
    for (const r of charted) expect(texts).toContain(r.opened_per_100_members);
    expect(texts).toContain('69.2%'); // 9 of the 13 conversations of <script>alert(1)</script>
    expect(texts.filter((t) => t === 'none opened')).toHaveLength(charted.filter((r) => r.reply_rate === '').length);
    expect(texts.some((t) => t.includes('small one'))).toBe(false);
  });

  it('splits the members of each charted cohort who opened conversations into 1, 2–3 and 4 or more, as the CSV counts them', () => {
    const keys = ['cohort_name', 'members_opened', 'column', 'count'];
    const expected = chartedOf(rows).flatMap((r) =>
      ['opened_1', 'opened_2_3', 'opened_4_plus'].filter((c) => Number(r[c]) > 0).map((c) => ({ cohort_name: unguardFormula(r.cohort_name!), members_opened: r.members_opened!, column: c, count: r[c]! })),
    );
    expect(expected.length).toBeGreaterThan(20);
    expect(sorted(barLabels(page, 'conversation-counts', keys))).toEqual(sorted(expected));
  });

  it('shows hostile cohort names as text, and without the formula guard the CSV carries', () => {
    const csvNames = rows.map((r) => r.cohort_name);
    expect(csvNames).toContain("'=1+1");
    expect(page).not.toMatch(/<script|Tom & Jerry/);
    expect(page).not.toContain("'=1+1");
    const rates = svgTexts(page, 'conversation-rates');
    const counts = svgTexts(page, 'conversation-counts');
    // Ranked by members: 200, 120, 90, 80, 60; the last opened nothing, so it has no bar in the split.
    for (const label of ['2. <script>alert(1)</script>', '3. =1+1', '4. say "hi"', '5. Tom & Jerry']) expect(rates, label).toContain(label);
    for (const label of ['2. <script>alert(1)</script>', '3. =1+1', '4. say "hi"']) expect(counts, label).toContain(label);
    expect(counts).not.toContain('5. Tom & Jerry');
    // A quote is left as it is only in element text, where it cannot end anything.
    const rawQuotes = page.split('say "hi"').length - 1;
    expect(rawQuotes).toBe(page.split('>4. say "hi"</text>').length - 1);
    expect(sectionOf(page, 'conversation-rates')).toContain('cohort_name: &lt;script&gt;alert(1)&lt;/script&gt;; members: 120; conversations_opened: 13; opened_per_100_members: 10.83"');
    expect(sectionOf(page, 'conversation-rates')).toContain('cohort_name: say &quot;hi&quot;;');
  });

  it('shows long names whole, as every chart with a bar per cohort does', () => {
    const label = `1. ${LONG_NAME}`;
    for (const id of ['conversation-rates', 'conversation-counts', 'active-rate']) expect(svgTexts(page, id), id).toContain(label);
  });
});

describe('the conversations section with nothing or little to draw', () => {
  it('shows a note instead of each chart when no charted cohort opened a conversation, even if a cohort beyond them did', async () => {
    const quiet = COHORTS.map((c): Cohort => (c.id === 't17' ? c : { ...c, opened: [], replied: 0, replyTimes: [] }));
    const dir = await folder(quiet, { conversations: true, formulaGuard: true });
    const { page, files } = await writePage(dir);
    const section = conversationsSection(page);
    expect(section).not.toContain('<svg');
    expect(section.split(EMPTY_NOTE)).toHaveLength(3);
    expect(section).toContain('whose author was a member of the cohort');
    expect(page).toContain(LINK);
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(SPECS));
  });

  it('keeps the row of a cohort with no members, none opened or no reply time, with the empty cells as the file has them', async () => {
    const edge: Cohort[] = [
      { type: 'segment', id: 'a', name: '=y', members: 10, opened: [], replied: 0, replyTimes: [] },
      { type: 'segment', id: 'b', name: 'no reply time', members: 5, opened: [2], replied: 1, replyTimes: [] },
      { type: 'segment', id: 'c', name: 'nobody', members: 0, opened: [], replied: 0, replyTimes: [] },
    ];
    const dir = await folder(edge, { conversations: true, formulaGuard: false });
    const { page } = await writePage(dir, false);
    const rows = await readCsv(dir, 'cohort_conversations.csv');
    expect(rows.map((r) => [r.cohort_name, r.opened_per_100_members, r.reply_rate, r.median_reply_seconds])).toEqual([
      ['=y', '0.00', '', ''],
      ['no reply time', '40.00', '0.5000', ''],
      ['nobody', '', '', ''],
    ]);
    const section = sectionOf(page, 'conversation-rates');
    expect(section).not.toContain('null');
    const texts = svgTexts(page, 'conversation-rates');
    expect(texts).toEqual(expect.arrayContaining(['1. =y', '2. no reply time', '3. nobody', '0.00', '40.00', '50.0%', 'no members']));
    expect(texts.filter((t) => t === 'none opened')).toHaveLength(2);
    const keys = ['cohort_name', 'reply_rate', 'median_reply_seconds', 'opened_per_100_members'];
    expect(sorted(barLabels(page, 'conversation-rates', keys))).toEqual(
      sorted([
        { cohort_name: '=y', opened_per_100_members: '0.00' },
        { cohort_name: 'no reply time', opened_per_100_members: '40.00' },
        { cohort_name: 'no reply time', reply_rate: '0.5000', median_reply_seconds: '' },
      ]),
    );
    expect(barLabels(page, 'conversation-counts', ['cohort_name', 'column', 'count'])).toEqual([{ cohort_name: 'no reply time', column: 'opened_2_3', count: '1' }]);
  });
});
