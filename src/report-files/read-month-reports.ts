/**
 * Finds the complete months of an output (YYYY-MM with a manifest.json, on disk or in a store) and
 * reads a file of one back, checking it against the manifest's size and SHA-256.
 */
import { createHash } from 'node:crypto';
import { MANIFEST_FILE } from '../report/columns.js';
import { ReportIntegrityError } from '../report/errors.js';
import type { MonthManifest } from '../report/manifest.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { readWorkspaceMarker, workspaceOfMonth } from './output-workspace.js';

export interface MonthReport {
  month: string;
  /** Where the month is, as people are shown it (`reports/2026-11`, `s3://bucket/prefix/2026-11`). */
  dir: string;
  manifest: MonthManifest;
  /** The output it was read from. */
  output: ReportOutput;
}

/**
 * Complete months, ascending. Months without a manifest (incomplete) are skipped, and so (by default)
 * is a month whose manifest names another workspace than the output's marker: the rebuilds read one
 * workspace's months only. `workspace: 'any'` lists them all (what the checks before a run look at).
 * Each call lists the output and reads every manifest: a run reads the list once per rebuild and hands
 * it to every writer that needs it.
 */
export async function listMonthReports(output: ReportOutput, options: { workspace?: 'marker' | 'any' } = {}): Promise<MonthReport[]> {
  const owner = options.workspace === 'any' ? null : await readWorkspaceMarker(output);
  const out: MonthReport[] = [];
  for (const month of await output.listMonthNames()) {
    const name = `${month}/${MANIFEST_FILE}`;
    const bytes = await output.read(name);
    if (bytes === null) continue;
    const manifestPath = output.describe(name);
    let manifest: MonthManifest;
    try {
      manifest = JSON.parse(bytes.toString('utf8')) as MonthManifest;
    } catch (cause) {
      throw new ReportIntegrityError(manifestPath, `${manifestPath} is not valid JSON`, { cause });
    }
    if (manifest?.month !== month || !Array.isArray(manifest.files)) {
      throw new ReportIntegrityError(manifestPath, `${manifestPath} does not describe month ${month}`);
    }
    const report: MonthReport = { month, dir: output.describe(month), manifest, output };
    const workspace = workspaceOfMonth(report);
    if (owner !== null && workspace !== null && workspace.id !== owner.id) continue;
    out.push(report);
  }
  return out;
}

function listed(report: MonthReport, name: string) {
  const entry = report.manifest.files.find((f) => f.name === name);
  if (!entry) {
    const path = report.output.describe(`${report.month}/${name}`);
    throw new ReportIntegrityError(path, `the manifest of ${report.month} lists no ${name}`);
  }
  return entry;
}

function changed(path: string): string {
  return `${path} does not match its manifest (size or SHA-256 differs): it was changed after writing`;
}

/** The text of one of the month's files, after checking its bytes against the manifest. */
export async function readReportFile(report: MonthReport, name: string): Promise<string> {
  const entry = listed(report, name);
  const path = report.output.describe(`${report.month}/${name}`);
  let bytes: Buffer | null;
  try {
    bytes = await report.output.read(`${report.month}/${name}`);
  } catch (cause) {
    throw new ReportIntegrityError(path, `${path} is listed in the manifest but cannot be read`, { cause });
  }
  if (bytes === null) throw new ReportIntegrityError(path, `${path} is listed in the manifest but cannot be read`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== entry.bytes || sha256 !== entry.sha256) throw new ReportIntegrityError(path, changed(path));
  return bytes.toString('utf8');
}

/** Checks one of the month's files against the manifest without reading it where the output can (a store). */
export async function verifyReportFile(report: MonthReport, name: string): Promise<void> {
  const entry = listed(report, name);
  const path = report.output.describe(`${report.month}/${name}`);
  const found = await report.output.verify(`${report.month}/${name}`, entry);
  if (found === 'missing') throw new ReportIntegrityError(path, `${path} is listed in the manifest but cannot be read`);
  if (found === 'differs') throw new ReportIntegrityError(path, changed(path));
}
