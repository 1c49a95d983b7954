/**
 * How a chart shares its width between labels and plot. Labels get the room the widest of them
 * needs, measured as the browser will draw it (textWidth), up to a cap; the plot gets the rest, so a
 * chart keeps its width whatever its labels and a short name leaves a wide plot.
 */
import { CHART_WIDTH_PX, FONT_PX } from './chart-parts.js';
import { textWidth } from './text-width.js';

/** From a y axis to its labels' right edge: its ticks (5 px) and label padding (2 px). */
export const AXIS_LABEL_OFFSET_PX = 5 + 2;
/** Around a plot: vega's padding (5 px each side) and the y axis's offset to its labels. */
const FRAME_PX = 2 * 5 + AXIS_LABEL_OFFSET_PX;
/** What a legend entry adds to its label: the symbol, its offset, and the padding between columns. */
const LEGEND_ENTRY_PX = 16 + 10;

export interface BarLayout {
  /** The y axis's labelLimit: a label is cut (with "…") only when it would reach it. */
  labelLimitPx: number;
  plotWidthPx: number;
}

/**
 * The labelLimit that shows the widest of `labels` whole (vega cuts a label whose width is not below
 * its limit), capped at `maxPx`.
 *
 * @example labelLimitFor(['1. VIP', '2. Paying customers'], 400); // 110
 */
export function labelLimitFor(labels: readonly string[], maxPx: number, options: { fontPx?: number; bold?: boolean } = {}): number {
  const fontPx = options.fontPx ?? FONT_PX;
  const widest = Math.max(0, ...labels.map((l) => textWidth(l.trim(), fontPx, { bold: options.bold ?? false })));
  return Math.min(Math.ceil(widest) + 1, maxPx);
}

/**
 * A chart of `widthPx` (CHART_WIDTH_PX unless told) with labels left of the plot; `besidePx` is
 * taken by something else beside them (a facet's row headers). Labels may take up to `labelShare`
 * of the width (half unless told).
 *
 * @example barLayout(['1. VIP']); // { labelLimitPx: 34, plotWidthPx: 789 }
 */
export function barLayout(labels: readonly string[], options: { widthPx?: number; besidePx?: number; labelShare?: number } = {}): BarLayout {
  const widthPx = (options.widthPx ?? CHART_WIDTH_PX) - (options.besidePx ?? 0);
  const labelLimitPx = labelLimitFor(labels, Math.floor(widthPx * (options.labelShare ?? 0.5)));
  return { labelLimitPx, plotWidthPx: widthPx - labelLimitPx - FRAME_PX };
}

/**
 * Columns for a legend of `labels` under a plot `plotWidthPx` wide (a bottom legend starts at the
 * plot's left edge), so that it is never wider than the plot, and the labelLimit that goes with them.
 *
 * @example legendLayout(['new', 'returning', 'resurrecting', 'dormant'], 600); // { columns: 4, labelLimitPx: 65 }
 */
export function legendLayout(labels: readonly string[], plotWidthPx: number): { columns: number; labelLimitPx: number } {
  const labelLimitPx = labelLimitFor(labels, Math.max(40, plotWidthPx - LEGEND_ENTRY_PX));
  const columns = Math.max(1, Math.min(labels.length, Math.floor(plotWidthPx / (labelLimitPx + LEGEND_ENTRY_PX))));
  return { columns, labelLimitPx };
}
