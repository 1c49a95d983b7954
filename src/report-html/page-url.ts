import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The file:// URL of a page, absolute, for a terminal line a person can click or paste.
 *
 * @example pageUrl('reports', 'index.html'); // "file:///home/me/reports/index.html"
 */
export function pageUrl(dir: string, file: string): string {
  return pathToFileURL(resolve(dir, file)).href;
}
