/**
 * The report pages as a person meets them: the real CLI writes two months of a sandbox workspace
 * (whose names include HTML and script injections), twice; headless Chromium opens each page from
 * disk with every request blocked. What the pages show — table cells, each chart mark's aria-label
 * and tooltip — is compared with the CSVs next to them, read independently here.
 */
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unguardFormula } from '../../src/report/index.js';
import { parseCsv } from '../../src/report-files/parse-csv.js';
import { generateWorkspace } from '../../src/sandbox/index.js';
import { listFiles, runCli, type CliResult } from '../support/e2e-cli.js';
import { lastEndedMonth } from '../support/e2e-reference.js';
import { startE2eSandbox, type E2eSandbox } from '../support/e2e-sandbox.js';
import {
  drawnTexts,
  HAS_CHROMIUM,
  markBoxes,
  markLabels,
  markTitles,
  parseAriaLabel,
  startPageBrowser,
  tableRows,
  type DrawnText,
  type PageBrowser,
} from '../support/report-browser.js';
import { outputFolderFiles } from '../support/report-pages.js';
import { writeIndexIn } from '../support/report-write.js';
import { monthBefore } from '../support/report-reference.js';

/** Names a page must show as text: each would become an element or end a script if pasted as HTML. */
const INJECTIONS = {
  segment: '<img src=x onerror=alert(1)>',
  tag: '</script><script>alert(2)</script>',
  event: '<svg onload=alert(3)><circle r="9"/></svg>',
  key: '"><iframe src="https://example.com/x"></iframe>',
};
const CHARTED = 20;
/** Longer than any chart has room for: cut, and cut where its room ends. */
const LONG_NAME = 'Customers who signed up through the partner programme in Europe, the Middle East and Africa, then upgraded within 30 days';

type Row = Record<string, string>;

function readCsvRows(text: string): Row[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

/** Cohorts by members, most first, ties in file order; the first 20 are charted. */
function byMembers(rows: Row[]): Row[] {
  return rows.map((r, i) => ({ r, i })).sort((a, b) => Number(b.r.members) - Number(a.r.members) || a.i - b.i).map(({ r }) => r);
}

const key = (r: Row): string => `${r.cohort_type}:${unguardFormula(r.cohort_id!)}`;
const sortJson = (list: object[]): string[] => list.map((o) => JSON.stringify(o, Object.keys(o).sort())).sort();

let sb: E2eSandbox;
let tmp: string;
let months: string[];
let runA: CliResult;
let browser: PageBrowser;
/** Contacts that are members of at least one cohort, counted from the workspace itself. */
let memberContacts: number;
const outA = (): string => join(tmp, 'a');
const outB = (): string => join(tmp, 'b');
/** The last of the two months alone. */
const outOne = (): string => join(tmp, 'one');

beforeAll(async () => {
  const clockMs = Math.floor(Date.now() / 1000) * 1000;
  const workspace = generateWorkspace({ contacts: 300, seed: 21, nowSec: clockMs / 1000 });
  workspace.segments[0]!.name = INJECTIONS.segment;
  workspace.segments[1]!.name = LONG_NAME;
  workspace.tags[0]!.name = INJECTIONS.tag;
  memberContacts = new Set([...workspace.membersByCohort.values()].flat()).size;
  const renamed = [...workspace.eventsByContact.values()].flat()[0]!.event_name;
  for (const list of workspace.eventsByContact.values()) {
    for (const e of list) {
      if (e.event_name === renamed) e.event_name = INJECTIONS.event;
      const md = e.metadata as Record<string, unknown> | undefined;
      for (const k of Object.keys(md ?? {})) {
        const v = md![k] as { amount?: unknown; currency?: unknown } | null;
        if (v && typeof v === 'object' && typeof v.amount === 'number' && typeof v.currency === 'string') {
          md![INJECTIONS.key] = v;
          delete md![k];
          break;
        }
      }
    }
  }
  sb = await startE2eSandbox({ workspace, clockMs });
  tmp = await mkdtemp(join(tmpdir(), 'report-pages-'));
  const month = lastEndedMonth(clockMs / 1000, 'UTC');
  months = [monthBefore(month), month];
  for (const out of [outA(), outB()]) {
    sb.freshRun();
    const result = await runCli(['run', '--from', months[0]!, '--to', months[1]!, '--out', out], { ...sb.env, LOG_LEVEL: 'warn' });
    expect(result.code, result.stderr).toBe(0);
    if (out === outA()) runA = result;
  }
  sb.freshRun();
  const one = await runCli(['run', '--month', months[1]!, '--out', outOne()], { ...sb.env, LOG_LEVEL: 'warn' });
  expect(one.code, one.stderr).toBe(0);
  if (HAS_CHROMIUM) browser = await startPageBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sb?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('report pages written by a run', () => {
  it("ends the run's output with the index page's file:// URL", () => {
    expect(runA.stdout.trimEnd().split('\n').at(-1)).toBe(`open ${pathToFileURL(join(outA(), 'index.html')).href}`);
  });

  it('writes report.html and its chart specs into each month folder, listed in its manifest, and index.html at the root', async () => {
    expect(await listFiles(outA())).toEqual(outputFolderFiles(months));
    for (const m of months) {
      const manifest = JSON.parse(await readFile(join(outA(), m, 'manifest.json'), 'utf8')) as { files: Array<{ name: string }> };
      expect(manifest.files.map((f) => f.name)).toEqual(expect.arrayContaining(['report.html', 'charts/lifecycle.vl.json']));
    }
  });

  it('writes byte-identical pages and specs for two runs of the same data', async () => {
    // manifest.json, run_results.json and the workspace marker hold the run's own times; everything else is the data's.
    const files = (await listFiles(outA())).filter((f) => !f.endsWith('manifest.json') && f !== 'run_results.json' && f !== '.cohort-reports-workspace.json');
    expect(files.filter((f) => f.endsWith('.html'))).toHaveLength(months.length + 1);
    for (const f of files) expect((await readFile(join(outA(), f))).equals(await readFile(join(outB(), f))), f).toBe(true);
  });

  it('keeps every chart spec reading its CSV beside the page', async () => {
    for (const m of months) {
      for (const [spec, csv] of [['lifecycle', 'cohort_summary.csv'], ['top-events', 'cohort_events.csv'], ['amounts', 'cohort_amounts.csv']]) {
        const json = JSON.parse(await readFile(join(outA(), m, 'charts', `${spec}.vl.json`), 'utf8')) as { data: { url: string; format: { type: string } } };
        expect(json.data).toMatchObject({ url: `../${csv}`, format: { type: 'csv' } });
      }
    }
  });
});

describe.skipIf(!HAS_CHROMIUM)('in headless Chromium (needs /usr/bin/chromium)', () => {
  const month = (): string => months[1]!;
  let summary: Row[];
  let monthPage: { page: Page; requests: string[]; dialogs: string[] };

  beforeAll(async () => {
    summary = readCsvRows(await readFile(join(outA(), month(), 'cohort_summary.csv'), 'utf8'));
    monthPage = await browser.open(join(outA(), month(), 'report.html'));
  });

  it('opens the month page from disk with no request of any kind and no dialog', () => {
    expect(monthPage.requests).toEqual([]);
    expect(monthPage.dialogs).toEqual([]);
  });

  it('shows every cohort in the table, by members, with the values of cohort_summary.csv', async () => {
    const expected = byMembers(summary).map((r, i) => ({
      rank: String(i + 1),
      cohort_name: unguardFormula(r.cohort_name!),
      cohort_type: r.cohort_type!,
      cohort_id: unguardFormula(r.cohort_id!),
      members: r.members!,
      active_members: r.active_members!,
      active_rate: r.active_rate!,
      events_per_active: r.events_per_active!,
      lifecycle_new: r.lifecycle_new!,
      lifecycle_returning: r.lifecycle_returning!,
      lifecycle_resurrecting: r.lifecycle_resurrecting!,
      lifecycle_dormant: r.lifecycle_dormant!,
    }));
    expect(await tableRows(monthPage.page)).toEqual(expected);
  });

  it("draws one active-rate bar per charted cohort, its aria-label and tooltip holding the CSV's values", async () => {
    const keys = ['cohort_name', 'members', 'active_members', 'active_rate'];
    const charted = byMembers(summary).slice(0, CHARTED).filter((r) => r.active_rate !== '');
    const labels = await markLabels(monthPage.page, 'active-rate', ['bar']);
    expect(await markTitles(monthPage.page, 'active-rate', ['bar'])).toEqual(labels);
    expect(sortJson(labels.map((l) => parseAriaLabel(l, keys)))).toEqual(
      sortJson(charted.map((r) => ({ cohort_name: unguardFormula(r.cohort_name!), members: r.members, active_members: r.active_members, active_rate: r.active_rate }))),
    );
  });

  it('draws lifecycle and stickiness as one bar per cohort and column, with the counts of the CSV', async () => {
    const charted = byMembers(summary).slice(0, CHARTED);
    const lifecycle = ['lifecycle_new', 'lifecycle_returning', 'lifecycle_resurrecting', 'lifecycle_dormant'];
    const sticky = ['active_days_1', 'active_days_2_3', 'active_days_4_7', 'active_days_8_14', 'active_days_15_plus'];
    const expectBars = (columns: string[], keep: (v: string) => boolean) =>
      sortJson(charted.flatMap((r) => columns.filter((c) => keep(r[c]!)).map((c) => ({ cohort_name: unguardFormula(r.cohort_name!), column: c, count: r[c] }))));
    const read = async (id: string) => sortJson((await markLabels(monthPage.page, id, ['bar'])).map((l) => parseAriaLabel(l, ['cohort_name', 'column', 'count'])));
    expect(await read('lifecycle')).toEqual(expectBars(lifecycle, (v) => v !== ''));
    expect(await read('stickiness')).toEqual(expectBars(sticky, (v) => Number(v) > 0));
    // Dormant bars lie left of zero, the others right of it: every dormant bar ends where the others start.
    const boxes = await monthPage.page.$$eval('section#lifecycle svg [aria-roledescription="bar"]', (els) =>
      els.map((e) => {
        const box = (e as unknown as { getBBox(): { x: number; width: number } }).getBBox();
        return { dormant: (e.getAttribute('aria-label') ?? '').includes('column: lifecycle_dormant'), left: box.x, right: box.x + box.width, width: box.width };
      }),
    );
    const dormant = boxes.filter((b) => b.dormant && b.width > 0);
    const active = boxes.filter((b) => !b.dormant && b.width > 0);
    expect(dormant.length).toBeGreaterThan(0);
    expect(Math.max(...dormant.map((b) => b.right))).toBeLessThanOrEqual(Math.min(...active.map((b) => b.left)) + 0.01);
  });

  it("draws each charted cohort's top 5 events and every amount in major units, as the CSVs hold them", async () => {
    const chartedKeys = new Set(byMembers(summary).slice(0, CHARTED).map(key));
    const events = readCsvRows(await readFile(join(outA(), month(), 'cohort_events.csv'), 'utf8')).filter((r) => chartedKeys.has(key(r)));
    const seen = new Map<string, number>();
    const top = events.filter((r) => {
      const n = (seen.get(key(r)) ?? 0) + 1;
      seen.set(key(r), n);
      return n <= 5;
    });
    const eventKeys = ['cohort_name', 'event_name', 'events', 'members', 'member_share'];
    const pick = (r: Row, ks: string[]) => Object.fromEntries(ks.map((k) => [k, ['cohort_name', 'event_name', 'metadata_key', 'currency'].includes(k) ? unguardFormula(r[k]!) : r[k]]));
    expect(sortJson((await markLabels(monthPage.page, 'top-events', ['bar'])).map((l) => parseAriaLabel(l, eventKeys)))).toEqual(sortJson(top.map((r) => pick(r, eventKeys))));

    const amounts = readCsvRows(await readFile(join(outA(), month(), 'cohort_amounts.csv'), 'utf8')).filter((r) => chartedKeys.has(key(r)));
    // A currency Intl does not know has no amount_major, so no bar.
    const known = amounts.filter((r) => r.amount_major !== '');
    expect(known.length).toBeGreaterThan(0);
    const amountKeys = ['cohort_name', 'event_name', 'metadata_key', 'currency', 'amount_major', 'events'];
    const expected = known.map((r) => pick(r, amountKeys));
    expect(sortJson((await markLabels(monthPage.page, 'amounts', ['bar'])).map((l) => parseAriaLabel(l, amountKeys)))).toEqual(sortJson(expected));
  });

  it('shows HTML in workspace text as text, in the table and inside the SVG, and creates no element from it', async () => {
    const { page } = monthPage;
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain(INJECTIONS.segment);
    expect(text).toContain(INJECTIONS.tag);
    const svgText = await page.$$eval('svg title, svg text', (els) => els.map((e) => e.textContent ?? '').join('\n'));
    expect(svgText).toContain(INJECTIONS.event);
    expect(svgText).toContain(INJECTIONS.key);
    const aria = await page.$$eval('svg [aria-label]', (els) => els.map((e) => e.getAttribute('aria-label')).join('\n'));
    expect(aria).toContain(INJECTIONS.segment);
    const created = {
      elements: await page.$$eval('img, script, iframe, object, embed, svg svg, circle', (els) => els.length),
      handlers: await page.$$eval('*', (els) => els.filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length),
    };
    expect(created).toEqual({ elements: 0, handlers: 0 });
  });

  it('opens the index page with no request, one line point per charted cohort and month of trends.csv, and links to each month', async () => {
    const { page, requests, dialogs } = await browser.open(join(outA(), 'index.html'));
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    const trends = readCsvRows(await readFile(join(outA(), 'trends.csv'), 'utf8'));
    const latest = new Map<string, Row>();
    for (const r of trends) if ((latest.get(key(r))?.month ?? '') < r.month!) latest.set(key(r), r);
    const charted = new Set(byMembers([...latest.values()]).slice(0, 10).map(key));
    const keys = ['cohort_name', 'month', 'members', 'active_members', 'active_rate'];
    const expected = (field: string) =>
      sortJson(trends.filter((r) => charted.has(key(r)) && r[field] !== '').map((r) => ({ cohort_name: unguardFormula(r.cohort_name!), month: r.month, members: r.members, active_members: r.active_members, active_rate: r.active_rate })));
    const read = async (id: string) => sortJson((await markLabels(page, id, ['point'])).map((l) => parseAriaLabel(l, keys)));
    expect(await read('active-members')).toEqual(expected('active_members'));
    expect(await read('active-rate-trend')).toEqual(expected('active_rate'));
    const links = await page.$$eval('section#months a', (as) => as.map((a) => a.getAttribute('href')));
    expect(links).toEqual(months.map((m) => `${m}/report.html`));

    // The retention heatmaps: one cell per retention.csv row of the 6 cohorts with the most members,
    // months since signup 0 to 11 and signup months from 11 months before the latest one.
    const retention = readCsvRows(await readFile(join(outA(), 'retention.csv'), 'utf8'));
    const heat = new Set(byMembers([...latest.values()]).slice(0, 6).map(key));
    const oldest = monthsBack(months[1]!, 11);
    const cellKeys = ['cohort_name', 'signup_month', 'months_since_signup', 'members', 'active_members', 'active_rate'];
    const cells = retention
      .filter((r) => heat.has(key(r)) && Number(r.months_since_signup) <= 11 && r.signup_month! >= oldest && r.active_rate !== '')
      .map((r) => Object.fromEntries(cellKeys.map((k) => [k, k === 'cohort_name' ? unguardFormula(r[k]!) : r[k]])));
    // Both months' diagonals, several signup months each.
    expect(new Set(cells.map((c) => c.months_since_signup)).size).toBeGreaterThan(3);
    expect(cells.some((c) => c.months_since_signup === '1')).toBe(true);
    expect(sortJson((await markLabels(page, 'retention', ['rect mark'])).map((l) => parseAriaLabel(l, cellKeys)))).toEqual(sortJson(cells));
  });

  it('says there is no retention data yet when retention.csv is missing, and draws no heatmap', async () => {
    const dir = join(tmp, 'without-retention');
    await cp(outA(), dir, { recursive: true });
    await rm(join(dir, 'retention.csv'));
    await writeIndexIn(dir);
    const { page, requests } = await browser.open(join(dir, 'index.html'));
    expect(requests).toEqual([]);
    expect(await page.textContent('section#retention')).toContain('No retention data yet');
    expect(await markLabels(page, 'retention', ['rect mark'])).toEqual([]);
  });

  it('renders both pages at 1280 px and for print, and writes a screenshot of each', async () => {
    const shots = screenshotDir();
    await mkdir(shots, { recursive: true });
    for (const [name, path] of [['month', join(outA(), month(), 'report.html')], ['index', join(outA(), 'index.html')]] as const) {
      const { page } = await browser.open(path);
      const width = await page.$eval('html', (html) => html.scrollWidth);
      expect(width, `${name} page fits 1280 px`).toBeLessThanOrEqual(1280);
      await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
      const png = await readFile(join(shots, `${name}.png`));
      expect(png.readUInt32BE(16)).toBe(1280);
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({ format: 'A4', printBackground: true });
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    }
  });
});

describe.skipIf(!HAS_CHROMIUM)('read at 800 and 1400 px in headless Chromium (needs /usr/bin/chromium)', () => {
  /** Labels as the charts number them ("3. name"), by rank, from the CSV rows ranked here. */
  const labelsByRank = (rows: Row[]): Map<string, string> => new Map(byMembers(rows).map((r, i) => [String(i + 1), `${i + 1}. ${unguardFormula(r.cohort_name!)}`]));
  const width = (t: DrawnText): number => t.box.right - t.box.left;
  /** vega's padding around a chart (5 px), as drawn. */
  const pad = (t: DrawnText): number => 5 * t.scale;

  /**
   * `t` shows `full`, or as much of it as its room holds: cut only with "…", and then filling the
   * room but for the ellipsis and one character (2.5 em at most).
   */
  function expectLabel(t: DrawnText, full: string, roomPx: number): void {
    if (t.text === full) return;
    expect(t.text.endsWith('…'), `${t.section}: ${t.text} is ${full}`).toBe(true);
    expect(full.startsWith(t.text.slice(0, -1)), `${t.section}: ${t.text} begins ${full}`).toBe(true);
    expect(width(t), `${t.section}: ${t.text} fills its ${roomPx.toFixed(0)} px`).toBeGreaterThanOrEqual(roomPx - 2.5 * t.fontPx);
  }

  /** The room of a label right-aligned at an axis: from the chart's left edge (inside vega's padding) to the label's end. */
  const roomLeftOf = (t: DrawnText): number => t.box.right - t.svgBox.left - pad(t);
  /** The room of a title starting at `t`'s left: to the chart's right edge. */
  const roomRightOf = (t: DrawnText): number => t.svgBox.right - t.box.left - pad(t);

  function expectReadable(texts: DrawnText[], widthPx: number): void {
    expect(texts.length).toBeGreaterThan(100);
    for (const t of texts) {
      expect(t.fontPx, `${t.section}: "${t.text}" at ${widthPx} px`).toBeGreaterThanOrEqual(10);
      const inside = t.box.left >= t.svgBox.left - 0.5 && t.box.right <= t.svgBox.right + 0.5 && t.box.top >= t.svgBox.top - 0.5 && t.box.bottom <= t.svgBox.bottom + 0.5;
      expect(inside, `${t.section}: "${t.text}" inside its chart at ${widthPx} px`).toBe(true);
    }
  }

  for (const widthPx of [800, 1400]) {
    describe(`at ${widthPx} px`, () => {
      const month = (): string => months[1]!;
      let page: Page;
      let texts: DrawnText[];
      let summary: Row[];

      beforeAll(async () => {
        ({ page } = await browser.open(join(outA(), month(), 'report.html'), { widthPx }));
        texts = await drawnTexts(page);
        summary = readCsvRows(await readFile(join(outA(), month(), 'cohort_summary.csv'), 'utf8'));
      });

      it('fits the month page in the window, with every chart text at least 10 px and inside its chart', async () => {
        expect(await page.$eval('html', (html) => html.scrollWidth)).toBeLessThanOrEqual(widthPx);
        expectReadable(texts, widthPx);
      });

      it("labels each cohort's bars with its name, cut only where the chart has no more room", () => {
        const labels = labelsByRank(summary);
        const cohortAxes = ['active-rate', 'lifecycle', 'stickiness', 'amounts', 'conversation-rates', 'conversation-counts'];
        const drawn = texts.filter((t) => cohortAxes.includes(t.section) && t.role === 'axis-label' && t.axis === 'Y');
        expect(new Set(drawn.map((t) => t.section))).toEqual(new Set(cohortAxes));
        for (const t of drawn) expectLabel(t, labels.get(/^(\d+)\. /.exec(t.text)![1]!)!, roomLeftOf(t));
        // The long name is cut, everywhere at the same place, and every other name is whole.
        const long = drawn.filter((t) => t.text !== labels.get(/^(\d+)\. /.exec(t.text)![1]!));
        expect(long.length).toBeGreaterThanOrEqual(5);
        expect(new Set(long.map((t) => t.text)).size).toBe(1);
        expect(labels.get(/^(\d+)\. /.exec(long[0]!.text)![1]!)).toContain(LONG_NAME);
        // Half the chart's width for the labels.
        expect(width(long[0]!)).toBeGreaterThan(0.4 * (long[0]!.svgBox.right - long[0]!.svgBox.left));
      });

      it('draws the top events as panels of one size, three to a row at 1400 px and two at 800, names cut only where their room ends', async () => {
        const boxes = await page.$$eval('section#top-events svg', (svgs) => svgs.map((s) => s.getBoundingClientRect()).map((r) => ({ left: r.left, top: r.top, width: r.width })));
        expect(boxes.length).toBeGreaterThan(6);
        expect(new Set(boxes.map((b) => b.width.toFixed(1))).size).toBe(1);
        const perRow = boxes.filter((b) => Math.abs(b.top - boxes[0]!.top) < 1).length;
        expect(perRow).toBe(widthPx === 1400 ? 3 : 2);
        expect(new Set(boxes.map((b) => b.left.toFixed(1))).size).toBe(perRow);

        const labels = labelsByRank(summary);
        const titles = texts.filter((t) => t.section === 'top-events' && t.role === 'title-text');
        expect(titles).toHaveLength(boxes.length);
        for (const t of titles) expectLabel(t, labels.get(/^(\d+)\. /.exec(t.text)![1]!)!, roomRightOf(t));
        const names = new Set(readCsvRows(await readFile(join(outA(), month(), 'cohort_events.csv'), 'utf8')).map((r) => unguardFormula(r.event_name!)));
        const events = texts.filter((t) => t.section === 'top-events' && t.role === 'axis-label' && t.axis === 'Y');
        for (const t of events) expectLabel(t, names.has(t.text) ? t.text : [...names].find((n) => n.startsWith(t.text.slice(0, -1)))!, roomLeftOf(t));
        // The injected event name is longer than a panel has room for.
        expect(events.some((t) => t.text.endsWith('…') && INJECTIONS.event.startsWith(t.text.slice(0, -1)))).toBe(true);
      });

      it('reads the lifecycle axis from 0 both ways, its title saying which way is which', () => {
        const axis = texts.filter((t) => t.section === 'lifecycle' && t.axis === 'X');
        const ticks = axis.filter((t) => t.role === 'axis-label').map((t) => t.text);
        expect(ticks).toContain('0');
        expect(ticks.join(' ')).not.toMatch(/[-−]/);
        expect(axis.find((t) => t.role === 'axis-title')?.text).toBe('← dormant members · new, returning and resurrecting members →');
      });

      for (const [label, out] of [
        ['two months', outA],
        ['one month', outOne],
      ] as const) {
        it(`fits index.html of ${label} in the window, says what its counts count, and keeps heatmap labels inside their cells`, async () => {
          const opened = await browser.open(join(out(), 'index.html'), { widthPx });
          expect(opened.requests).toEqual([]);
          expect(await opened.page.$eval('html', (html) => html.scrollWidth)).toBeLessThanOrEqual(widthPx);
          const index = await drawnTexts(opened.page);
          expectReadable(index, widthPx);

          const written = label === 'one month' ? [months[1]!] : months;
          const items = await opened.page.$$eval('section#months li', (lis) => lis.map((li) => li.textContent ?? ''));
          const expected = [];
          for (const m of written) {
            const rows = readCsvRows(await readFile(join(out(), m, 'cohort_summary.csv'), 'utf8'));
            const memberships = rows.reduce((n, r) => n + Number(r.members), 0);
            expected.push(`${m}: ${rows.length} cohorts, ${memberships.toLocaleString('en-US')} memberships of ${memberContacts.toLocaleString('en-US')} contacts`);
          }
          expect(items).toEqual(expected);

          for (const id of ['active-members', 'active-rate-trend']) {
            const section = (await opened.page.textContent(`section#${id}`)) ?? '';
            if (label === 'one month') {
              expect(await markLabels(opened.page, id, ['point']), id).toEqual([]);
              expect(section).toContain(`One month so far (${months[1]}): the lines start with a second month.`);
            } else {
              expect((await markLabels(opened.page, id, ['point'])).length, id).toBeGreaterThan(10);
            }
          }

          // Every cell label lies inside the cell it labels; a cell whose rate would not fit ("100%")
          // has none, its tooltip giving the rate as every cell's does.
          const cells = await markBoxes(opened.page, 'retention', 'rect mark');
          const cellLabels = index.filter((t) => t.section === 'retention' && t.role === 'mark');
          const rates = (await markLabels(opened.page, 'retention', ['rect mark'])).map((l) => Number(parseAriaLabel(l, ['active_rate']).active_rate));
          expect(rates).toHaveLength(cells.length);
          expect(cellLabels.length).toBeGreaterThan(10);
          expect(cellLabels.length).toBe(rates.filter((r) => Math.round(r * 100) < 100).length);
          expect(cellLabels.every((t) => /^\d{1,2}%$/.test(t.text))).toBe(true);
          for (const t of cellLabels) {
            const x = (t.box.left + t.box.right) / 2;
            const y = (t.box.top + t.box.bottom) / 2;
            const cell = cells.find((c) => c.svg === t.svg && c.left <= x && x <= c.right && c.top <= y && y <= c.bottom);
            expect(cell, `cell of ${t.text}`).toBeDefined();
            expect(t.box.left >= cell!.left && t.box.right <= cell!.right && t.box.top >= cell!.top - 0.5 && t.box.bottom <= cell!.bottom + 0.5, `${t.text} inside its cell`).toBe(true);
          }
          const trends = readCsvRows(await readFile(join(out(), 'trends.csv'), 'utf8'));
          const latest = new Map<string, Row>();
          for (const r of trends) if ((latest.get(key(r))?.month ?? '') < r.month!) latest.set(key(r), r);
          const labels = labelsByRank([...latest.values()]);
          for (const t of index.filter((x) => x.section === 'retention' && x.role === 'title-text')) expectLabel(t, labels.get(/^(\d+)\. /.exec(t.text)![1]!)!, roomRightOf(t));

          const shots = screenshotDir();
          await mkdir(shots, { recursive: true });
          await opened.page.screenshot({ path: join(shots, `index-${label.replace(' ', '-')}-${widthPx}.png`), fullPage: true });
        });
      }

      it('writes a screenshot of the month page', async () => {
        const shots = screenshotDir();
        await mkdir(shots, { recursive: true });
        await page.screenshot({ path: join(shots, `month-${widthPx}.png`), fullPage: true });
        expect((await readFile(join(shots, `month-${widthPx}.png`))).readUInt32BE(16)).toBe(widthPx);
      });
    });
  }
});

function monthsBack(month: string, count: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - count;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Where screenshots go: REPORT_SCREENSHOT_DIR when set (to look at them), else the test's folder. */
function screenshotDir(): string {
  return process.env.REPORT_SCREENSHOT_DIR ?? join(tmp, 'screenshots');
}
