/**
 * What "the reports are identical bar timing fields" means for the fault suites, in one place:
 * every CSV and page of every month, trends.csv, retention.csv and the index page byte for byte, and each month's manifest.json deep-equal once
 * `timing` and the request counters under `totals` (api_calls, responses_429, retries) are removed —
 * those describe how the run went, not the data (see src/report/manifest.ts). Everything else in the
 * manifest (totals of the data, warnings such as members_missing, files with their SHA-256) must agree.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listFiles } from './e2e-cli.js';
import type { ExpectedReports } from './e2e-reference.js';
import { INDEX_PAGE_FILES, MONTH_PAGE_FILES_WITH_CONVERSATIONS } from './report-pages.js';

export const MONTH_FILES = ['cohort_amounts.csv', 'cohort_conversations.csv', 'cohort_events.csv', 'cohort_retention.csv', 'cohort_summary.csv', 'manifest.json', ...MONTH_PAGE_FILES_WITH_CONVERSATIONS] as const;
/** The files rebuilt at the output root from every month folder. */
export const ROOT_FILES = ['trends.csv', 'retention.csv', ...INDEX_PAGE_FILES] as const;
/** Manifest totals that count requests: they differ between a run with faults and one without. */
export const REQUEST_COUNTER_FIELDS = ['api_calls', 'responses_429', 'retries'] as const;

export interface RunOutput {
  /** Every file of the months asked for and trends.csv (relative path → bytes); manifests excluded. */
  files: Map<string, Buffer>;
  /** Per month, manifest.json without `timing` and without the request counters. */
  manifests: Map<string, Record<string, unknown>>;
  /** Per month, manifest.json as written (for the request counters and warnings). */
  rawManifests: Map<string, ManifestFacts>;
  /** Every path under the folder, hidden ones included (to spot leftovers such as a journal). */
  listing: string[];
}

export interface ManifestFacts {
  totals: Record<string, number>;
  warnings: Array<{ name: string; count: number }>;
}

/** The manifest as two runs of the same data must agree on it. */
export function comparableManifest(text: string): Record<string, unknown> {
  const manifest = JSON.parse(text) as Record<string, unknown> & { totals: Record<string, unknown> };
  const { timing: _timing, ...rest } = manifest;
  // requests_lower_bound, like the counters, says how the run went, not what the data is.
  if (Array.isArray(rest.warnings)) rest.warnings = (rest.warnings as Array<{ name: string }>).filter((w) => w.name !== 'requests_lower_bound');
  const totals = { ...manifest.totals };
  for (const field of REQUEST_COUNTER_FIELDS) {
    if (!(field in totals)) throw new Error(`manifest totals have no ${field}: the comparison would hide a renamed field`);
    delete totals[field];
  }
  return { ...rest, totals };
}

/** Reads what a run wrote for `months` into `outDir`. Missing files throw (ENOENT names the path). */
export async function readRunOutput(outDir: string, months: readonly string[]): Promise<RunOutput> {
  const files = new Map<string, Buffer>();
  const manifests = new Map<string, Record<string, unknown>>();
  const rawManifests = new Map<string, ManifestFacts>();
  for (const month of months) {
    for (const name of MONTH_FILES) {
      const bytes = await readFile(join(outDir, month, name));
      if (name === 'manifest.json') {
        manifests.set(month, comparableManifest(bytes.toString('utf8')));
        rawManifests.set(month, JSON.parse(bytes.toString('utf8')) as ManifestFacts);
      } else {
        files.set(`${month}/${name}`, bytes);
      }
    }
  }
  for (const name of ROOT_FILES) files.set(name, await readFile(join(outDir, name)));
  return { files, manifests, rawManifests, listing: await listFiles(outDir) };
}

/** The first line in which two texts differ, for a readable failure. */
function firstDifference(a: Buffer | undefined, r: Buffer | undefined): string {
  if (a === undefined || r === undefined) return a === undefined ? ' (missing)' : ' (not in the reference)';
  const al = a.toString('utf8').split('\n');
  const rl = r.toString('utf8').split('\n');
  const i = al.findIndex((line, k) => line !== rl[k]);
  const at = i === -1 ? al.length : i;
  return ` at line ${at + 1}:\n  got       ${al[at] ?? '(end)'}\n  reference ${rl[at] ?? '(end)'}`;
}

/**
 * The differences between two runs' output, as readable lines ([] when identical): a file missing or
 * with other bytes, a manifest that disagrees outside timing and the request counters, or a month
 * folder holding other files.
 */
export function diffRunOutputs(actual: RunOutput, reference: RunOutput, options: { months: readonly string[]; compareRootTables?: boolean }): string[] {
  const diffs: string[] = [];
  for (const month of options.months) {
    const inFolder = (o: RunOutput): string[] => o.listing.filter((p) => p.startsWith(`${month}/`));
    if (JSON.stringify(inFolder(actual)) !== JSON.stringify(inFolder(reference))) {
      diffs.push(`${month}/ holds [${inFolder(actual).join(', ')}], the reference [${inFolder(reference).join(', ')}]`);
    }
    for (const name of MONTH_FILES) {
      if (name === 'manifest.json') continue;
      const path = `${month}/${name}`;
      const a = actual.files.get(path);
      const r = reference.files.get(path);
      if (a === undefined || r === undefined || !a.equals(r)) diffs.push(`${path} differs${firstDifference(a, r)}`);
    }
    const a = JSON.stringify(actual.manifests.get(month));
    const r = JSON.stringify(reference.manifests.get(month));
    if (a !== r) diffs.push(`${month}/manifest.json differs outside timing and request counters:\n  got       ${a}\n  reference ${r}`);
  }
  if (options.compareRootTables !== false) {
    for (const name of ROOT_FILES) {
      const a = actual.files.get(name);
      const r = reference.files.get(name);
      if (a === undefined || r === undefined || !a.equals(r)) diffs.push(`${name} differs${firstDifference(a, r)}`);
    }
  }
  return diffs;
}

/**
 * The differences between a run's CSVs and the independent reference computed from the sandbox's
 * ground truth (test/support/e2e-reference.ts), and between its manifest warnings and the expected
 * ones (with `membersMissing`, the members_missing count too). [] when they agree.
 */
export function diffFromIndependentReference(
  actual: RunOutput,
  expected: ExpectedReports,
  options: { membersMissing?: number } = {},
): string[] {
  const diffs: string[] = [];
  for (const [path, text] of expected.files) {
    const bytes = actual.files.get(path);
    if (bytes === undefined || bytes.toString('utf8') !== text) diffs.push(`${path} differs from the independent reference`);
  }
  for (const [month, names] of expected.warnings) {
    const warnings = actual.rawManifests.get(month)?.warnings ?? [];
    const missing = options.membersMissing ?? 0;
    const want = [...names, ...(missing > 0 ? ['members_missing'] : [])].sort();
    const got = warnings.map((w) => w.name).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) diffs.push(`${month} warnings [${got.join(', ')}], expected [${want.join(', ')}]`);
    const count = warnings.find((w) => w.name === 'members_missing')?.count ?? 0;
    if (count !== missing) diffs.push(`${month} members_missing ${count}, expected ${missing}`);
  }
  return diffs;
}
