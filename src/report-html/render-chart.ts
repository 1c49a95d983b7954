/**
 * A Vega-Lite spec to static SVG, in Node, at write time: vega-lite compiles it, vega's headless
 * View renders it (`toSVG()`, no canvas and no DOM). The bytes depend on the spec alone:
 * - text is measured by vega's estimate, never by node-canvas, even where that happens to be
 *   installed (it would make widths depend on the machine's fonts);
 * - vega numbers clip paths and gradients from module-wide counters: they are reset before every
 *   render, renders run one at a time, and the ids get the chart's own prefix so that several
 *   charts inlined in one page never share one;
 * - the loader refuses every URL: a chart is drawn from the inline rows it is given, nothing else.
 * Every mark that carries an aria-label (Vega-Lite writes one from the tooltip channel) also gets an
 * SVG <title> with the same text: the browser shows it as the mark's tooltip with no script.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { VegaLiteSpec } from './chart-parts.js';

let queue: Promise<unknown> = Promise.resolve();

/** vega-scenegraph's text measurer, which vega re-exports but its typings do not declare. */
const textMetrics = (vega as unknown as { textMetrics: { width: unknown; estimateWidth: unknown } }).textMetrics;

function refusingLoader(): vega.Loader {
  const loader = vega.loader();
  const refuse = (uri: string): Promise<never> => Promise.reject(new Error(`a chart asked to load ${uri}: charts are drawn from inline rows only`));
  loader.load = refuse;
  loader.sanitize = refuse;
  return loader;
}

const MARK_WITH_LABEL = /<(path|rect|line|circle|text|image)\b([^>]*?\baria-label="([^"]*)"[^>]*?\brole="graphics-symbol"[^>]*?\baria-roledescription="(?!axis"|legend"|title")[^"]*"[^>]*?)\/>/g;

function finishSvg(svg: string, idPrefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${idPrefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${idPrefix}-${id})`)
    .replace(MARK_WITH_LABEL, (_, tag: string, attrs: string, label: string) => `<${tag}${attrs}><title>${label}</title></${tag}>`);
}

async function renderNow(spec: VegaLiteSpec, idPrefix: string): Promise<string> {
  textMetrics.width = textMetrics.estimateWidth;
  vega.resetSVGDefIds();
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none', loader: refusingLoader() });
  try {
    return finishSvg(await view.toSVG(), idPrefix);
  } finally {
    view.finalize();
  }
}

/**
 * @example
 * const svg = await renderChart({ data: { values }, mark: 'bar', encoding }, 'active-rate');
 */
export function renderChart(spec: VegaLiteSpec, idPrefix: string): Promise<string> {
  if (!/^[a-z][a-z0-9-]*$/.test(idPrefix)) throw new Error(`renderChart: idPrefix must be lower-case letters, digits and dashes, got ${idPrefix}`);
  const run = queue.then(() => renderNow(spec, idPrefix));
  queue = run.catch(() => undefined);
  return run;
}
