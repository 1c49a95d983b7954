/**
 * How the charts use their room: text measured as Chromium draws it, labels cut only at their limit,
 * a lifecycle axis that always shows its 0, amounts that are never added up, heatmap labels that fit
 * their cells, and the counts the pages print. The widths below were measured in Chromium
 * (getComputedTextLength, Liberation Sans, which Linux substitutes for Helvetica and Arial).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TABLE_WRITE_OPTIONS } from '../../src/report-files/report-formats.js';
import { parseCsv } from '../../src/report-files/parse-csv.js';
import { barLayout, legendLayout } from '../../src/report-html/chart-layout.js';
import { CHART_WIDTH_PX, withInlineRows, type ChartCohort } from '../../src/report-html/chart-parts.js';
import { countOf } from '../../src/report-html/count-of.js';
import { CELL_FONT_PX, CELL_LABEL_MAX_CHARS, CELL_WIDTH_PX, retentionChart } from '../../src/report-html/index-charts.js';
import { renderChart, writeIndexPage } from '../../src/report-html/index.js';
import { amountsChart, lifecycleChart } from '../../src/report-html/month-charts.js';
import { textWidth } from '../../src/report-html/text-width.js';
import { sandboxRawData } from '../support/report-sandbox-data.js';
import { writeMonthsFromRaw, writeTrendsIn, writeRetentionIn, writeIndexIn } from '../support/report-write.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const ENTITY: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
const decode = (text: string): string => text.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITY[e]!);

/** The label texts of the axis whose aria-label starts with `axis` ("X-axis", "Y-axis"). */
function axisLabels(svg: string, axis: string): string[] {
  const start = svg.indexOf(`aria-label="${axis}`);
  expect(start, axis).toBeGreaterThan(0);
  const group = svg.slice(start, svg.indexOf('role-axis-domain', start));
  return [...group.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]!));
}

const cohort = (i: number, name: string): ChartCohort => ({ cohort_key: `segment:s${i}`, rank: i, cohort_label: `${i}. ${name}` });

describe('textWidth', () => {
  it('gives the width Chromium draws Liberation Sans at, regular and bold, or a hair more where Chromium kerns', () => {
    const measured: Array<[string, number, boolean, number]> = [
      ['Paying customers', 12, false, 95.375],
      ['New sign-ups (last 100 days)', 12, false, 154.734375],
      ['Newsletter, weekly "digest"', 11, false, 131.3125],
      ['1. Enterprise customers in Europe, Middle East and Africa', 12, false, 307.484375],
      ['Paying customers', 12, true, 103.375],
      ['iiiiiiiiiiiiiiiiiiii', 12, true, 66.6875],
      ['WWWWWWWWWW', 12, false, 113.265625],
    ];
    for (const [text, size, bold, chromium] of measured) {
      const width = textWidth(text, size, { bold });
      // The table holds widths to 1/1000 em: a few hundredths of a px either way over a name.
      expect(width, text).toBeGreaterThanOrEqual(chromium - 0.1);
      expect(width, text).toBeLessThanOrEqual(chromium * 1.005);
    }
  });

  it('counts a character outside its table wide (a full em for CJK and emoji) and a combining mark as nothing', () => {
    expect(textWidth('漢字', 12)).toBe(24);
    expect(textWidth('🚀', 10)).toBe(10);
    expect(textWidth('e\u0301', 12)).toBeCloseTo(textWidth('e', 12), 6);
  });
});

describe('cutting labels', () => {
  const long = 'Customers who signed up through the partner programme in Europe, the Middle East and Africa in 2025';
  const spec = (labelLimit: number): Record<string, unknown> => ({
    data: { values: [{ name: long, value: 1 }, { name: 'short', value: 2 }] },
    mark: 'bar',
    encoding: { y: { field: 'name', type: 'nominal', title: null, axis: { labelLimit } }, x: { field: 'value', type: 'quantitative' } },
    config: { axis: { labelFontSize: 12 } },
  });

  it('cuts a label only at its labelLimit, keeping as much of it as fits', async () => {
    const shown = axisLabels(await renderChart(spec(300), 'cut'), 'Y-axis');
    const cut = shown.find((t) => t.endsWith('…'))!;
    expect(shown).toContain('short');
    expect(long.startsWith(cut.slice(0, -1))).toBe(true);
    expect(textWidth(cut, 12)).toBeLessThan(300);
    // One more character would not have fitted.
    const next = `${long.slice(0, cut.length)}…`;
    expect(textWidth(next, 12)).toBeGreaterThanOrEqual(300);
  });

  it('keeps a label whole when its limit is wider than it, and sizes the chart by what it drew', async () => {
    const limit = Math.ceil(textWidth(long, 12)) + 1;
    const svg = await renderChart(spec(limit), 'whole');
    expect(axisLabels(svg, 'Y-axis')).toContain(long);
    const width = Number(/<svg[^>]*\bwidth="(\d+)"/.exec(svg)![1]);
    const narrow = Number(/<svg[^>]*\bwidth="(\d+)"/.exec(await renderChart(spec(100), 'narrow'))![1]);
    expect(width - narrow).toBeGreaterThanOrEqual(limit - 100 - 2);
    expect(width - narrow).toBeLessThanOrEqual(limit - 100);
  });
});

describe('barLayout and legendLayout', () => {
  it('gives labels the room the widest needs, the plot the rest of the chart, and labels at most half', () => {
    const labels = ['1. VIP', '2. New sign-ups (last 100 days)'];
    const layout = barLayout(labels);
    expect(layout.labelLimitPx).toBe(Math.ceil(textWidth('2. New sign-ups (last 100 days)', 12)) + 1);
    expect(layout.plotWidthPx).toBe(CHART_WIDTH_PX - layout.labelLimitPx - 17);
    expect(barLayout(['x'.repeat(500)]).labelLimitPx).toBe(CHART_WIDTH_PX / 2);
  });

  it('puts a legend in as many columns as fit under the plot', () => {
    const labels = ['placed-order · price', 'refund-issued · refund', '-credit · credit', '+1 upgrade · price', 'upgraded-plan · price'];
    for (const plot of [200, 400, 785]) {
      const { columns, labelLimitPx } = legendLayout(labels, plot);
      expect(columns * (labelLimitPx + 26), String(plot)).toBeLessThanOrEqual(plot);
      expect(Math.max(...labels.map((l) => textWidth(l, 12)))).toBeLessThan(labelLimitPx);
    }
    expect(legendLayout(labels, 785).columns).toBe(5);
  });
});

describe('the lifecycle chart', () => {
  const cohorts = [cohort(1, 'Paying customers'), cohort(2, 'VIP')];
  const row = (i: number, counts: [number, number, number, number]): Record<string, string> => ({
    cohort_type: 'segment',
    cohort_id: `s${i}`,
    cohort_name: cohorts[i - 1]!.cohort_label.slice(3),
    lifecycle_new: String(counts[0]),
    lifecycle_returning: String(counts[1]),
    lifecycle_resurrecting: String(counts[2]),
    lifecycle_dormant: String(counts[3]),
  });
  const source = { columns: Object.keys(row(1, [0, 0, 0, 0])), guarded: false };

  it.each([
    ['dormant up to 67, active up to 240', [[6, 160, 70, 67], [3, 40, 10, 12]]],
    ['no dormant member', [[6, 16, 7, 0], [3, 4, 1, 0]]],
    ['only dormant members', [[0, 0, 0, 37], [0, 0, 0, 5]]],
    ['thousands', [[600, 16000, 7000, 6700], [300, 4000, 1000, 1200]]],
    ['a handful', [[1, 0, 0, 1], [0, 1, 0, 0]]],
  ] as const)('always labels 0 on its axis, and counts without minus signs: %s', async (_, counts) => {
    const records = counts.map((c, i) => row(i + 1, [...c] as [number, number, number, number]));
    const svg = await renderChart(withInlineRows(lifecycleChart(source, cohorts).spec, records), 'lifecycle');
    const ticks = axisLabels(svg, 'X-axis');
    expect(ticks).toContain('0');
    expect(ticks.join(' ')).not.toMatch(/[-−.]/);
    expect(svg).toContain('← dormant members · new, returning and resurrecting members →');
  });
});

describe('the amounts chart', () => {
  it('draws one bar per event name and metadata key from zero, never one on top of another', async () => {
    const rows = [
      ['placed-order', 'price', '300.00'],
      ['refund-issued', 'refund', '100.00'],
      ['-credit', 'credit', '50.00'],
    ].map(([event, key, amount]) => ({
      cohort_type: 'segment',
      cohort_id: 's1',
      cohort_name: 'Paying customers',
      event_name: event!,
      metadata_key: key!,
      currency: 'eur',
      amount: String(Number(amount) * 100),
      events: '3',
      amount_major: amount!,
    }));
    const source = { columns: Object.keys(rows[0]!), guarded: false };
    const definition = amountsChart(source, [cohort(1, 'Paying customers')], rows.map((r) => `${r.event_name} · ${r.metadata_key}`));
    const svg = await renderChart(withInlineRows(definition.spec, rows), 'amounts');
    const bars = [...svg.matchAll(/aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar" d="M([\d.]+),([\d.]+)h([\d.]+)/g)].map((m) => ({
      event: /event_name: ([^;]*);/.exec(m[1]!)![1]!,
      x: Number(m[2]),
      y: Number(m[3]),
      width: Number(m[4]),
    }));
    expect(bars.map((b) => b.event).sort()).toEqual(['-credit', 'placed-order', 'refund-issued']);
    for (const b of bars) expect(b.x, b.event).toBe(0);
    expect(new Set(bars.map((b) => b.y)).size).toBe(3);
    const width = (event: string): number => bars.find((b) => b.event === event)!.width;
    expect(width('placed-order') / width('refund-issued')).toBeCloseTo(3, 6);
    expect(width('refund-issued') / width('-credit')).toBeCloseTo(2, 6);
  });
});

describe('the retention heatmap', () => {
  it('labels a cell only with a rate that fits in it ("42%", not "100%"), in 10 px at least', () => {
    expect(CELL_FONT_PX).toBeGreaterThanOrEqual(10);
    expect(CELL_LABEL_MAX_CHARS).toBe(3);
    expect(textWidth('99%', CELL_FONT_PX)).toBeLessThan(CELL_WIDTH_PX - 2);
    expect(textWidth('100%', CELL_FONT_PX)).toBeGreaterThan(CELL_WIDTH_PX - 2);
  });

  it('draws every cell, and writes the rate in those whose label fits, the tooltip keeping every rate', async () => {
    const rates = ['1.0000', '0.4200', '0.0500', '0.9960', '0.9940'];
    const rows = rates.map((rate, i) => ({
      cohort_type: 'segment',
      cohort_id: 's1',
      cohort_name: 'VIP',
      signup_month: `2026-0${i + 1}`,
      months_since_signup: String(9 - i),
      members: '50',
      active_members: '21',
      active_rate: rate,
    }));
    const spec = retentionChart({ columns: Object.keys(rows[0]!), guarded: false }, [cohort(1, 'VIP')], '2026-10');
    const svg = await renderChart(withInlineRows(spec.panels![0]!.spec, rows), 'retention-1');
    const cells = [...svg.matchAll(/aria-roledescription="rect mark"/g)];
    expect(cells).toHaveLength(5);
    for (const rate of rates) expect(svg).toContain(`active_rate: ${rate}`);
    const labels = [...svg.matchAll(/<text\b[^>]*font-size="10px"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels.sort()).toEqual(['42%', '5%', '99%']);
  });
});

describe('countOf', () => {
  it('groups thousands with commas and says the plural unless the count is 1', () => {
    expect(countOf(3172, 'membership')).toBe('3,172 memberships');
    expect(countOf(1, 'cohort')).toBe('1 cohort');
    expect(countOf(0, 'contact')).toBe('0 contacts');
    expect(countOf(1234567, 'contact')).toBe('1,234,567 contacts');
  });
});

describe('index.html', () => {
  const raw = sandboxRawData({ contacts: 300, seed: 5, nowSec: Date.UTC(2026, 10, 20) / 1000 });

  async function outputFolder(months: string[]): Promise<{ dir: string; page: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'report-html-layout-'));
    dirs.push(dir);
    await writeMonthsFromRaw(dir, raw, months, 'UTC');
    await writeTrendsIn(dir);
    await writeRetentionIn(dir, DEFAULT_TABLE_WRITE_OPTIONS);
    await writeIndexIn(dir);
    return { dir, page: await readFile(join(dir, 'index.html'), 'utf8') };
  }

  it("says what each month's figures count: cohorts, memberships summed over cohorts, and distinct contacts, from its files", async () => {
    const { dir, page } = await outputFolder(['2026-09', '2026-10']);
    for (const month of ['2026-09', '2026-10']) {
      const [header, ...rows] = parseCsv(await readFile(join(dir, month, 'cohort_summary.csv'), 'utf8'));
      const members = rows.reduce((s, r) => s + Number(r[header!.indexOf('members')]), 0);
      const manifest = JSON.parse(await readFile(join(dir, month, 'manifest.json'), 'utf8')) as { totals: { unique_contacts: number } };
      const grouped = (n: number): string => n.toLocaleString('en-US');
      expect(members).toBeGreaterThan(rows.length);
      expect(page).toContain(`>${month}: ${rows.length} cohorts, ${grouped(members)} memberships of ${grouped(manifest.totals.unique_contacts)} contacts</a>`);
    }
    expect(page).toContain('2 months, 2026-09 to 2026-10;');
    expect(page).not.toContain('One month so far');
    for (const id of ['active-members', 'active-rate-trend']) expect(page.slice(page.indexOf(`<section id="${id}">`)).split('</section>')[0]).toContain('<svg');
  });

  it('explains the lines over months instead of drawing a column of dots while there is one month', async () => {
    const { page } = await outputFolder(['2026-10']);
    expect(page).toContain('1 month (2026-10);');
    for (const id of ['active-members', 'active-rate-trend']) {
      const section = page.slice(page.indexOf(`<section id="${id}">`)).split('</section>')[0]!;
      expect(section, id).not.toContain('<svg');
      expect(section, id).toContain('One month so far (2026-10): the lines start with a second month.');
    }
    // The retention diagonal of the one month is drawn.
    expect(page.slice(page.indexOf('<section id="retention">'))).toContain('<svg');
  });
});
