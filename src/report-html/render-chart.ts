/**
 * A Vega-Lite spec to static SVG, in Node, at write time: vega-lite compiles it, vega's headless
 * View renders it (`toSVG()`, no canvas and no DOM). The bytes depend on the spec alone:
 * - text is measured by `textWidth` (the charts' font's own advance widths, written down), never
 *   by node-canvas, even where that happens to be installed (it would make widths depend on the
 *   machine's fonts), nor by vega's estimate (which cuts labels at two thirds of their room);
 * - vega numbers clip paths and gradients from module-wide counters: they are reset before every
 *   render, renders run one at a time, and the ids get the chart's own prefix so that several
 *   charts inlined in one page never share one;
 * - the loader refuses every URL: a chart is drawn from the inline rows it is given, nothing else.
 * Every mark that carries an aria-label (Vega-Lite writes one from the tooltip channel) also gets an
 * SVG <title> with the same text: the browser shows it as the mark's tooltip with no script.
 */
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from '../report/errors.js';
import type { VegaLiteSpec } from './chart-parts.js';
import { ChartRenderError } from './errors.js';
import { textWidth } from './text-width.js';

let queue: Promise<unknown> = Promise.resolve();

type Engines = { vega: typeof Vega; compile: typeof import('vega-lite').compile };
let engines: Promise<Engines> | undefined;

/**
 * vega and vega-lite are loaded on the first chart, not at import: every command imports the
 * pipeline, and only the ones that write reports draw.
 */
function loadEngines(): Promise<Engines> {
  engines ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, compile: vegaLite.compile }));
  return engines;
}

/**
 * Loads the chart engines now (~0.15 s of CPU) instead of at the first chart: a run calls it while it
 * waits on the rate limit, so the engines are ready when the reports are written and the run's end
 * is that much shorter. A failure here is left to the first chart, which reports it.
 */
export function preloadChartEngines(): void {
  loadEngines().catch(() => {
    engines = undefined;
  });
}

/** A loader that loads nothing and remembers what was asked: vega only logs a failed load and draws on. */
function refusingLoader(vega: typeof Vega, refused: string[]): Vega.Loader {
  const loader = vega.loader();
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri);
    return Promise.reject(new Error(`refused ${uri}`));
  };
  loader.load = refuse;
  loader.sanitize = refuse;
  return loader;
}

/** A text item as vega hands it to its measurer. */
interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

/**
 * vega's measurer: the width of `text` as drawn, never more than the item's `limit`. vega asks it
 * for two things with one signature: while cutting a label to its limit (the width of each
 * candidate, compared with the limit less the ellipsis) and for the bounds of the label it drew.
 * Capping at the limit answers both: a candidate at or past the limit still does not fit, and a
 * label that was cut is as wide as its limit at most.
 */
function chartTextWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize == null ? 11 : Number(item.fontSize) || 0;
  const line = text == null ? '' : String(text).trim();
  if (size <= 0 || line === '') return 0;
  const weight = item.fontWeight;
  const bold = weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
  const width = textWidth(line, size, { bold });
  return item.limit !== undefined && item.limit > 0 ? Math.min(width, item.limit) : width;
}

const MARK_WITH_LABEL = /<(path|rect|line|circle|text|image)\b([^>]*?\baria-label="([^"]*)"[^>]*?\brole="graphics-symbol"[^>]*?\baria-roledescription="(?!axis"|legend"|title")[^"]*"[^>]*?)\/>/g;

function finishSvg(svg: string, idPrefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${idPrefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${idPrefix}-${id})`)
    .replace(MARK_WITH_LABEL, (_, tag: string, attrs: string, label: string) => `<${tag}${attrs}><title>${label}</title></${tag}>`);
}

async function renderNow(spec: VegaLiteSpec, idPrefix: string): Promise<string> {
  const { vega, compile } = await loadEngines();
  // vega-scenegraph's text measurer, which vega re-exports but its typings do not declare.
  const textMetrics = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics;
  textMetrics.width = chartTextWidth;
  vega.resetSVGDefIds();
  const refused: string[] = [];
  const errors: string[] = [];
  // vega logs a failed load or expression and draws on; a chart with an error must fail the write instead.
  const logger = vega.logger(vega.Error);
  logger.error = (...args: readonly unknown[]) => {
    errors.push(args.map(String).join(' '));
    return logger;
  };
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none', loader: refusingLoader(vega, refused), logger });
  try {
    const svg = await view.toSVG();
    if (refused.length > 0) throw new ChartRenderError(idPrefix, `chart ${idPrefix} asked to load ${refused.join(', ')}: charts are drawn from inline rows only`);
    if (errors.length > 0) throw new ChartRenderError(idPrefix, `chart ${idPrefix} failed to render: ${errors.join('; ')}`);
    return finishSvg(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/**
 * @example
 * const svg = await renderChart({ data: { values }, mark: 'bar', encoding }, 'active-rate');
 */
export function renderChart(spec: VegaLiteSpec, idPrefix: string): Promise<string> {
  if (!/^[a-z][a-z0-9-]*$/.test(idPrefix)) throw new ReportInputError(`renderChart: idPrefix must be lower-case letters, digits and dashes, got ${idPrefix}`);
  const run = queue.then(() => renderNow(spec, idPrefix));
  queue = run.catch(() => undefined);
  return run;
}
