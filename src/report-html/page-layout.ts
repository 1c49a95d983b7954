/**
 * The frame of both pages: one HTML document with its CSS inline and no script. The
 * Content-Security-Policy forbids every fetch and every script, so even a page opened from a
 * server could not reach the network; links only navigate.
 */
import { escapeHtml } from './escape-html.js';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 24px 20px 48px; font: 14px/1.45 Helvetica, Arial, sans-serif; color: #111827; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 6px; padding-top: 8px; border-top: 1px solid #e5e7eb; }
p { margin: 6px 0; max-width: 900px; }
.meta { color: #4b5563; }
.note { background: #f3f4f6; border-left: 3px solid #9ca3af; padding: 6px 10px; }
.warning { background: #fef3c7; border-left: 3px solid #d97706; padding: 6px 10px; }
figure { margin: 8px 0 0; }
figure svg { display: block; max-width: 100%; height: auto; }
.panels { display: flex; flex-wrap: wrap; gap: 12px 20px; align-items: flex-start; }
.panels svg { min-width: 0; }
figcaption { color: #4b5563; font-size: 12px; margin-top: 4px; }
nav a { margin-right: 14px; }
.table-box { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12.5px; margin-top: 8px; width: 100%; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f9fafb; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.text { overflow-wrap: anywhere; }
td.name { min-width: 10em; }
td.id { min-width: 8em; font-size: 11.5px; }
tr.charted td:first-child { font-weight: 600; }
ul.months { display: grid; grid-template-columns: repeat(auto-fill, minmax(26em, 1fr)); gap: 2px 28px; padding-left: 18px; }
@media (max-width: 960px) {
  th, th.num { white-space: normal; }
  th, td { padding: 3px 4px; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { break-after: avoid; }
  figure, tr, .panels svg { break-inside: avoid; }
  .table-box { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  thead { display: table-header-group; }
}
`;

export interface PageOptions {
  title: string;
  /** Trusted HTML: every piece of workspace text in it was escaped by escapeHtml. */
  body: string;
}

export function renderPage({ title, body }: PageOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/**
 * A chart section: heading, the inline SVG (or a note when there is nothing to draw) and its spec's
 * link. `heading` is h3 for a chart inside a section of its own (the conversations); h2 otherwise.
 * A chart of panels (several SVGs) lays them out in rows that wrap: as many columns as the page holds.
 */
export function chartSection(options: {
  id: string;
  title: string;
  svg: string | readonly string[] | null;
  emptyNote: string;
  caption: string;
  specPath: string;
  csvPath: string;
  heading?: 'h2' | 'h3';
}): string {
  const h = options.heading ?? 'h2';
  const figure =
    options.svg === null
      ? `<p class="note">${escapeHtml(options.emptyNote)}</p>`
      : `<figure>${typeof options.svg === 'string' ? options.svg : `<div class="panels">\n${options.svg.join('\n')}\n</div>`}<figcaption>${escapeHtml(options.caption)} Vega-Lite spec: <a href="${escapeHtml(options.specPath)}">${escapeHtml(options.specPath)}</a> (reads <a href="${escapeHtml(options.csvPath)}">${escapeHtml(options.csvPath)}</a>).</figcaption></figure>`;
  return `<section id="${options.id}">\n<${h}>${escapeHtml(options.title)}</${h}>\n${figure}\n</section>`;
}
