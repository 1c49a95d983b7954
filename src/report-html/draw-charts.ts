import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withInlineRows, type ChartDefinition } from './chart-parts.js';
import type { CsvRecord } from './csv-records.js';
import { chartSection } from './page-layout.js';
import { renderChart } from './render-chart.js';
import { writeTextFile } from './write-text-file.js';

export const CHARTS_DIR = 'charts';

export interface ChartToDraw {
  definition: ChartDefinition;
  records: CsvRecord[];
  /** Shown instead of the chart when set: there is nothing to draw. */
  emptyNote: string | null;
  caption: string;
  /** The section's heading element; h2 unless the charts sit in a section of their own. */
  heading?: 'h2' | 'h3';
}

export interface DrawnCharts {
  /** One HTML section per chart, in order. */
  sections: string[];
  /** The spec files written, relative to `dir`, with their size and SHA-256. */
  files: Array<{ name: string; bytes: number; sha256: string }>;
}

/**
 * Writes DIR/charts/<name>.vl.json for every chart (the spec reading its CSV by URL) and renders
 * each to SVG from the same rows inline, so the chart on the page is what the spec draws from the file.
 * A chart with panels is drawn panel by panel, each from the same rows (facetPanels).
 */
export async function drawCharts(dir: string, charts: readonly ChartToDraw[]): Promise<DrawnCharts> {
  await mkdir(join(dir, CHARTS_DIR), { recursive: true });
  const sections: string[] = [];
  const files: DrawnCharts['files'] = [];
  for (const chart of charts) {
    const { definition } = chart;
    const specPath = `${CHARTS_DIR}/${definition.name}.vl.json`;
    files.push({ name: specPath, ...(await writeTextFile(join(dir, specPath), `${JSON.stringify(definition.spec, null, 2)}\n`)) });
    let svg: string | string[] | null = null;
    if (chart.emptyNote === null && definition.panels) {
      svg = [];
      for (const panel of definition.panels) svg.push(await renderChart(withInlineRows(panel.spec, chart.records), panel.name));
    } else if (chart.emptyNote === null) {
      svg = await renderChart(withInlineRows(definition.spec, chart.records), definition.name);
    }
    sections.push(
      chartSection({
        id: definition.name,
        title: definition.title,
        svg,
        emptyNote: chart.emptyNote ?? '',
        caption: chart.caption,
        specPath,
        csvPath: definition.file,
        ...(chart.heading ? { heading: chart.heading } : {}),
      }),
    );
  }
  return { sections, files };
}
