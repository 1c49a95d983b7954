/**
 * Opens a report page from disk in Debian's headless Chromium (playwright-core drives the system
 * browser; nothing is downloaded) with every request blocked and recorded, and reads back what a
 * person sees: the table cells and each chart mark's aria-label (which is also its tooltip).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);

export interface PageBrowser {
  /**
   * Opens `path` in a window `widthPx` wide (1280 unless told); `requests` are every URL the page
   * asked for, blocked, the page itself excluded.
   */
  open(path: string, options?: { widthPx?: number }): Promise<{ page: Page; requests: string[]; dialogs: string[] }>;
  close(): Promise<void>;
}

export async function startPageBrowser(): Promise<PageBrowser> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'report-chromium-'));
  // A fresh profile each time (playwright passes it as --user-data-dir), offline, at 1280 px.
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    timeout: 30_000,
    viewport: { width: 1280, height: 900 },
    offline: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const pages: Page[] = [];
  return {
    async open(path, options = {}) {
      const page = await context.newPage();
      pages.push(page);
      if (options.widthPx !== undefined) await page.setViewportSize({ width: options.widthPx, height: 900 });
      const url = pathToFileURL(path).href;
      const requests: string[] = [];
      const dialogs: string[] = [];
      await page.route('**/*', (route) => {
        const asked = route.request().url();
        if (asked === url) return route.continue();
        requests.push(asked);
        return route.abort();
      });
      page.on('request', (request) => {
        if (request.url() !== url && !requests.includes(request.url())) requests.push(request.url());
      });
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
      return { page, requests, dialogs };
    },
    async close() {
      for (const p of pages) await p.close();
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** The aria-labels of the data marks (not axes, legends or titles) in the chart section `id`. */
export async function markLabels(page: Page, sectionId: string, roles: readonly string[]): Promise<string[]> {
  return page.$$eval(
    `section#${sectionId} svg [role="graphics-symbol"]`,
    (els, wanted) => els.filter((e) => wanted.includes(e.getAttribute('aria-roledescription') ?? '')).map((e) => e.getAttribute('aria-label') ?? ''),
    [...roles],
  );
}

/** The <title> (hover tooltip) texts of the same marks, in the same order. */
export async function markTitles(page: Page, sectionId: string, roles: readonly string[]): Promise<string[]> {
  return page.$$eval(
    `section#${sectionId} svg [role="graphics-symbol"]`,
    (els, wanted) => els.filter((e) => wanted.includes(e.getAttribute('aria-roledescription') ?? '')).map((e) => e.querySelector('title')?.textContent ?? ''),
    [...roles],
  );
}

/**
 * "key: value; key: value" as Vega-Lite writes an aria-label, read back for the `keys` asked for.
 * Values may hold "; " themselves (workspace text), so a pair starts only where a known key does.
 */
export function parseAriaLabel(label: string, keys: readonly string[]): Record<string, string> {
  const known = [...new Set([...keys, ...[...label.matchAll(/(?:^|; )([a-z_ ]+): /g)].map((m) => m[1]!)])];
  const escaped = known.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const starts = [...label.matchAll(new RegExp(`(?:^|; )(${escaped}): `, 'g'))];
  const out: Record<string, string> = {};
  starts.forEach((m, i) => {
    const from = m.index! + m[0].length;
    const to = i + 1 < starts.length ? starts[i + 1]!.index! : label.length;
    if (keys.includes(m[1]!)) out[m[1]!] = label.slice(from, to);
  });
  return out;
}

/** The headline table: one object per row, keyed by each cell's data-column. */
export async function tableRows(page: Page): Promise<Array<Record<string, string>>> {
  return page.$$eval('table#cohorts tbody tr', (rows) =>
    rows.map((row) => Object.fromEntries([...row.querySelectorAll('td')].map((td) => [td.dataset.column ?? '', td.textContent ?? '']))),
  );
}

/** A box on the page, in CSS px. */
export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** A piece of text as a chart draws it, measured in the page. */
export interface DrawnText {
  /** The id of the chart's section. */
  section: string;
  /** Which SVG of the section it is in (a chart of panels has one per panel). */
  svg: number;
  /** vega's role for it: axis-label, axis-title, title-text, legend-label, legend-title, mark (a text mark), … */
  role: string;
  /** For an axis's text, "X" or "Y". */
  axis: string | null;
  text: string;
  /** The size the reader sees: the font size times the scale the SVG is drawn at. */
  fontPx: number;
  box: Box;
  svgBox: Box;
  /** The SVG's drawn width over its own: below 1 where the page is narrower than the chart. */
  scale: number;
}

/** Every text of every chart on the page, with its drawn size and place. */
export async function drawnTexts(page: Page): Promise<DrawnText[]> {
  return page.$$eval('section svg', (svgs) =>
    svgs.flatMap((svg) => {
      const section = svg.closest('section')?.id ?? '';
      const index = [...(svg.closest('section')?.querySelectorAll('svg') ?? [])].indexOf(svg);
      const svgRect = svg.getBoundingClientRect();
      const scale = svgRect.width / Number(svg.getAttribute('width'));
      const asBox = (r: Box) => ({ left: r.left, right: r.right, top: r.top, bottom: r.bottom });
      // The page's own function; the tests compile without the DOM's types.
      const styleOf = (globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle;
      return [...svg.querySelectorAll('text')]
        .filter((t) => (t.textContent ?? '') !== '')
        .map((t) => {
          const group = t.closest('g[class^="mark-text"]')?.getAttribute('class') ?? '';
          const axisLabel = t.closest('[aria-roledescription="axis"]')?.getAttribute('aria-label') ?? '';
          return {
            section,
            svg: index,
            role: /role-([a-z-]+)/.exec(group)?.[1] ?? '',
            axis: /^([XY])-axis/.exec(axisLabel)?.[1] ?? null,
            text: t.textContent ?? '',
            fontPx: parseFloat(styleOf(t).fontSize) * scale,
            box: asBox(t.getBoundingClientRect()),
            svgBox: asBox(svgRect),
            scale,
          };
        });
    }),
  );
}

/** The boxes of a section's data marks of one kind (`rect mark` for heatmap cells, `bar`), per SVG. */
export async function markBoxes(page: Page, sectionId: string, role: string): Promise<Array<Box & { svg: number }>> {
  return page.$$eval(
    `section#${sectionId} svg`,
    (svgs, wanted) =>
      svgs.flatMap((svg, index) =>
        [...svg.querySelectorAll(`[aria-roledescription="${wanted}"]`)].map((e) => {
          const r = e.getBoundingClientRect();
          return { svg: index, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
        }),
      ),
    role,
  );
}
