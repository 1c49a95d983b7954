import type { ChartCohort, ChartPanel, VegaLiteSpec } from './chart-parts.js';

/** vega's own padding, kept by a title placed at a fixed frame's left edge. */
const TITLE_INSET_PX = 5;

export interface PanelOptions {
  /** The widest a panel's title (its cohort label) may be before it is cut. */
  titleLimitPx: number;
  /**
   * The room around the plot, in px, when every panel must have one size whatever its labels (so
   * that panels side by side line up): the panel is then the plot's size plus this, and nothing
   * may be drawn outside it. Unset, a panel is as large as what it draws.
   */
  padding?: { left: number; top: number; right: number; bottom: number };
}

/**
 * The panels of a chart of small multiples, one per cohort, each its own spec (drawn as its own SVG,
 * so the page can wrap them into as many columns as its width holds, with CSS and no script).
 *
 * `spec` is the whole chart as written beside the page: a Vega-Lite facet by cohort (`facet`,
 * `columns`, `spec`, `resolve`), with the panels' options under `usermeta.panels` (which Vega-Lite
 * ignores), so that the page's panels can be made again from the file alone. A panel is that spec's
 * inner `spec` over the same `data` and `transform`, kept to one cohort (`cohort_key`, which the
 * transforms compute) and titled with its label: what the facet draws in that cell, its header as
 * its title.
 *
 * @example
 * const panels = facetPanels('top-events', { ...facet, usermeta: { panels: { titleLimitPx: 340 } } }, [{ cohort_key: 'tag:7', rank: 1, cohort_label: '1. VIP' }]);
 * // [{ name: 'top-events-1', spec: { ..., transform: [..., { filter: { field: 'cohort_key', equal: 'tag:7' } }], title: { text: '1. VIP', limit: 340 }, ... } }]
 */
export function facetPanels(name: string, spec: VegaLiteSpec, cohorts: readonly ChartCohort[]): ChartPanel[] {
  const {
    facet: _facet,
    columns: _columns,
    resolve: _resolve,
    usermeta,
    spec: inner,
    transform,
    config,
    ...outer
  } = spec as VegaLiteSpec & { spec: VegaLiteSpec; transform: unknown[]; usermeta: { panels: PanelOptions } };
  const options = usermeta.panels;
  const { padding } = options;
  // With a fixed frame the title starts at the panel's left edge, not the plot's.
  const frame = padding ? { autosize: { type: 'none' }, padding } : {};
  const titlePlace = padding ? { frame: 'group', dx: TITLE_INSET_PX - padding.left } : {};
  return cohorts.map((c) => ({
    name: `${name}-${c.rank}`,
    spec: {
      ...outer,
      // A predicate, not an expression: the key holds workspace text.
      transform: [...transform, { filter: { field: 'cohort_key', equal: c.cohort_key } }],
      title: { text: c.cohort_label, limit: options.titleLimitPx, ...titlePlace },
      ...frame,
      ...inner,
      config,
    },
  }));
}
