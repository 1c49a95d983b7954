import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChartCohort } from '../../src/report-html/chart-parts.js';
import { facetPanels } from '../../src/report-html/facet-panels.js';
import { escapeHtml, renderChart } from '../../src/report-html/index.js';
import { rankCohorts } from '../../src/report-html/rank-cohorts.js';
import { writeMonthsFromRaw } from '../support/report-write.js';
import { sandboxRawData } from '../support/report-sandbox-data.js';

const bars = (names: string[]): Record<string, unknown> => ({
  data: { values: names.map((name, i) => ({ name, value: i + 1 })) },
  mark: 'bar',
  encoding: { y: { field: 'name', type: 'nominal' }, x: { field: 'value', type: 'quantitative' }, tooltip: [{ field: 'name' }, { field: 'value' }] },
});

describe('escapeHtml', () => {
  it('turns markup and quotes into entities and leaves other text alone', () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')">&amp; é`)).toBe('&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;amp; é');
  });
});

describe('rankCohorts', () => {
  it('ranks by members, most first, ties in file order, and charts only the first `limit`', () => {
    const rows = [
      { cohort_type: 'segment', cohort_id: 'a', cohort_name: 'A', members: '5' },
      { cohort_type: 'segment', cohort_id: 'b', cohort_name: "'=B", members: '9' },
      { cohort_type: 'tag', cohort_id: '1', cohort_name: 'A', members: '5' },
    ];
    expect(rankCohorts(rows, 2, true).map((c) => [c.cohort_key, c.rank, c.cohort_label, c.charted])).toEqual([
      ['segment:b', 1, '1. =B', true],
      ['segment:a', 2, '2. A', true],
      ['tag:1', 3, '3. A', false],
    ]);
  });

  it('keeps text as the file holds it when the files carry no formula guard', () => {
    const rows = [{ cohort_type: 'segment', cohort_id: "'=b", cohort_name: "'=B", members: '9' }];
    expect(rankCohorts(rows, 1, false).map((c) => [c.cohort_key, c.cohort_label])).toEqual([["segment:'=b", "1. '=B"]]);
  });
});

describe('renderChart', () => {
  it('gives the same bytes for the same spec, however many charts were drawn before', async () => {
    const spec = { ...bars(['a', 'b']), mark: { type: 'bar', clip: true } };
    const first = await renderChart(spec, 'one');
    await renderChart(bars(['x', 'y', 'z']), 'other');
    expect(await renderChart(spec, 'one')).toBe(first);
  });

  it("prefixes every id with the chart's name, so two charts in one page never share one", async () => {
    const svg = await renderChart({ ...bars(['a']), mark: { type: 'bar', clip: true } }, 'mine');
    const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^mine-/);
    for (const [, ref] of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref);
  });

  it('gives each mark a <title> equal to its aria-label, escaped like it', async () => {
    const svg = await renderChart(bars(['<b>"x"</b>', '&']), 'esc');
    const marks = [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar"[^>]*><title>([^<]*)<\/title><\/path>/g)];
    expect(marks.map((m) => m[2])).toEqual(marks.map((m) => m[1]));
    expect(marks.map((m) => m[1])).toEqual(['value: 1; name: &lt;b&gt;&quot;x&quot;&lt;/b&gt;', 'value: 2; name: &amp;']);
    expect(svg).not.toContain('<b>');
  });

  it('refuses a spec that would load anything', async () => {
    await expect(renderChart({ ...bars([]), data: { url: 'https://example.com/x.csv' } }, 'net')).rejects.toThrow(/inline rows only/);
    await expect(renderChart({ ...bars([]), data: { url: 'https://example.com/x.csv' } }, 'net')).rejects.toMatchObject({ code: 'REPORT_CHART_FAILED', chart: 'net' });
  });
});

describe('the chart specs written beside a month page', () => {
  let dir: string;
  const month = '2026-10';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'report-html-'));
    await writeMonthsFromRaw(dir, sandboxRawData({ contacts: 300, seed: 3, nowSec: Date.UTC(2026, 10, 20) / 1000 }), [month], 'UTC');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Renders a spec reading its CSV from the month's charts folder, as any Vega-Lite tool would. */
  async function renderFromDisk(spec: object): Promise<string> {
    const view = new vega.View(vega.parse(compile(spec as TopLevelSpec).spec), { renderer: 'none', loader: vega.loader({ baseURL: `${join(dir, month, 'charts')}/`, mode: 'file' }) });
    const svg = await view.toSVG();
    view.finalize();
    return svg;
  }

  /** An inlined SVG without what renderChart adds (titles, id prefixes), clip and gradient numbers aside. */
  const normalize = (svg: string, prefix: string): string =>
    svg
      .replace(/><title>[^<]*<\/title><\/\w+>/g, '/>')
      .replaceAll(`id="${prefix}-`, 'id="')
      .replaceAll(`url(#${prefix}-`, 'url(#')
      .replace(/(id="|url\(#)(clip|gradient_)\d+/g, '$1$2N');

  it('draw, reading the CSV from disk, exactly the chart inlined in report.html', async () => {
    const page = await readFile(join(dir, month, 'report.html'), 'utf8');
    for (const name of ['active-rate', 'lifecycle', 'stickiness', 'amounts']) {
      const spec = JSON.parse(await readFile(join(dir, month, 'charts', `${name}.vl.json`), 'utf8')) as TopLevelSpec;
      const fromFile = await renderFromDisk(spec);
      const inline = new RegExp(`<section id="${name}">[\\s\\S]*?(<svg[\\s\\S]*?</svg>)`).exec(page)?.[1];
      expect(inline, name).toBeDefined();
      expect(inline!.length, name).toBeGreaterThan(1000);
      expect(fromFile.replace(/(id="|url\(#)(clip|gradient_)\d+/g, '$1$2N'), name).toBe(normalize(inline!, name));
    }
  });

  it("draw the top events as panels, each exactly its cohort's cell of the facet written beside the page", async () => {
    const page = await readFile(join(dir, month, 'report.html'), 'utf8');
    const section = /<section id="top-events">[\s\S]*?<\/section>/.exec(page)![0];
    const inline = [...section.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    const spec = JSON.parse(await readFile(join(dir, month, 'charts', 'top-events.vl.json'), 'utf8')) as { transform: Array<{ lookup?: string; from?: { data: { values: ChartCohort[] } } }> };
    // The cohorts the facet draws, from the spec itself; a cohort without events has no cell and no panel.
    const cohorts = spec.transform.find((t) => t.lookup === 'cohort_key')!.from!.data.values;
    const panels: Array<{ name: string; svg: string }> = [];
    for (const panel of facetPanels('top-events', spec, cohorts)) {
      const svg = await renderFromDisk(panel.spec);
      if (svg.includes('aria-roledescription="bar"')) panels.push({ name: panel.name, svg });
    }
    expect(inline.length).toBeGreaterThan(5);
    expect(panels).toHaveLength(inline.length);
    panels.forEach((p, i) => expect(p.svg.replace(/(id="|url\(#)(clip|gradient_)\d+/g, '$1$2N'), p.name).toBe(normalize(inline[i]!, p.name)));
    // The same bars as the facet draws in one SVG.
    const bars = (svg: string): string[] => [...svg.matchAll(/aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="bar"/g)].map((m) => m[1]!).sort();
    expect(inline.flatMap(bars).sort()).toEqual(bars(await renderFromDisk(spec)));
  });
});
