/**
 * Finds the complete month folders of an output directory (DIR/YYYY-MM with a manifest.json) and
 * reads a file of one back, checking it against the manifest's size and SHA-256.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE } from '../report/columns.js';
import { ReportIntegrityError } from '../report/errors.js';
import type { MonthManifest } from '../report/manifest.js';
import { isMonth } from '../report/months.js';
import { readWorkspaceMarker, workspaceOfMonth } from './output-workspace.js';
import { isCode } from './sync-path.js';

export interface MonthReportOnDisk {
  month: string;
  dir: string;
  manifest: MonthManifest;
}

/**
 * Complete month folders, ascending by month. Folders without a manifest (incomplete) and hidden
 * temporaries are skipped, and so (by default) is a month whose manifest names another workspace than
 * the folder's marker: the rebuilds read one workspace's months only. `workspace: 'any'` lists them all
 * (what the checks before a run look at).
 */
export async function listMonthReports(outDir: string, options: { workspace?: 'marker' | 'any' } = {}): Promise<MonthReportOnDisk[]> {
  const owner = options.workspace === 'any' ? null : await readWorkspaceMarker(outDir);
  let entries;
  try {
    entries = await readdir(outDir, { withFileTypes: true });
  } catch (err) {
    if (isCode(err, 'ENOENT')) return [];
    throw err;
  }
  const months = entries.filter((e) => e.isDirectory() && isMonth(e.name)).map((e) => e.name).sort();
  const out: MonthReportOnDisk[] = [];
  for (const month of months) {
    const dir = join(outDir, month);
    const manifestPath = join(dir, MANIFEST_FILE);
    let text: string;
    try {
      text = await readFile(manifestPath, 'utf8');
    } catch (err) {
      if (isCode(err, 'ENOENT')) continue;
      throw err;
    }
    let manifest: MonthManifest;
    try {
      manifest = JSON.parse(text) as MonthManifest;
    } catch (cause) {
      throw new ReportIntegrityError(manifestPath, `${manifestPath} is not valid JSON`, { cause });
    }
    if (manifest?.month !== month || !Array.isArray(manifest.files)) {
      throw new ReportIntegrityError(manifestPath, `${manifestPath} does not describe month ${month}`);
    }
    const report = { month, dir, manifest };
    const workspace = workspaceOfMonth(report);
    if (owner !== null && workspace !== null && workspace.id !== owner.id) continue;
    out.push(report);
  }
  return out;
}

/** The text of one of the month's files, after checking its bytes against the manifest. */
export async function readReportFile(report: MonthReportOnDisk, name: string): Promise<string> {
  const path = join(report.dir, name);
  const entry = report.manifest.files.find((f) => f.name === name);
  if (!entry) throw new ReportIntegrityError(path, `the manifest of ${report.month} lists no ${name}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new ReportIntegrityError(path, `${path} is listed in the manifest but cannot be read`, { cause });
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== entry.bytes || sha256 !== entry.sha256) {
    throw new ReportIntegrityError(path, `${path} does not match its manifest (size or SHA-256 differs): it was changed after writing`);
  }
  return bytes.toString('utf8');
}
