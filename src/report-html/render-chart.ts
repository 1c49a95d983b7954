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
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { ReportInputError } from '../report/errors.js';
import type { VegaLiteSpec } from './chart-parts.js';
import { ChartRenderError } from './errors.js';

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
  const textMetrics = (vega as unknown as { textMetrics: { width: unknown; estimateWidth: unknown } }).textMetrics;
  textMetrics.width = textMetrics.estimateWidth;
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
