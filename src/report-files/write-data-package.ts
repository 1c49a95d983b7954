/**
 * OUT/datapackage.json: a Frictionless Data Package (v1) describing every table file of the output
 * — each complete month's CSV and Parquet files and the root trends and retention tables —
 * with every field's type, unit and a one-line description from METRICS.md, so `new_members` and
 * `lifecycle_new`, or `members` and `members_reported`, are explained where the data is. Rebuilt
 * with trends.csv, atomically; no timestamp, so the same files give the same bytes.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_PACKAGE_FILE, REPORT_TABLES, type WorkspaceTextColumn } from '../report/columns.js';
import type { ManifestFile } from '../report/manifest.js';
import type { MonthReport } from './read-month-reports.js';
import type { ReportOutput } from '../report-output/report-output.js';
import { syncPath } from './sync-path.js';
import type { FieldKind, TableField } from '../report/table-spec.js';

const FRICTIONLESS_TYPES: Record<FieldKind, { type: string }> = {
  text: { type: 'string' },
  label: { type: 'string' },
  month: { type: 'yearmonth' },
  count: { type: 'integer' },
  amount: { type: 'integer' },
  major_amount: { type: 'number' },
  ratio: { type: 'number' },
  instant: { type: 'datetime' },
};

/** Every workspace-text column, in the order the note has always named them: one left out (or one too many) fails typecheck. */
const GUARDED_COLUMNS = {
  cohort_id: true,
  cohort_name: true,
  event_name: true,
  top_event: true,
  metadata_key: true,
  currency: true,
} satisfies Record<WorkspaceTextColumn, true>;

const GUARD_NOTE = `Workspace text (${Object.keys(GUARDED_COLUMNS).join(', ')}) that begins with =, +, -, @, a tab, CR or LF carries a leading ' (formula guard).`;

function schemaOf(fields: readonly TableField[]) {
  return {
    fields: fields.map((field) => ({
      name: field.name,
      ...FRICTIONLESS_TYPES[field.kind],
      description: field.description,
      ...(field.unit !== undefined ? { unit: field.unit } : {}),
      ...(field.kind === 'ratio' ? { decimals: field.decimals } : {}),
      ...(field.name === 'cohort_type' ? { constraints: { enum: ['segment', 'tag'] } } : {}),
    })),
    missingValues: [''],
  };
}

/** The resource of one table file; null for a file that is not a table. */
function resourceOf(path: string, file: ManifestFile, formulaGuard: boolean) {
  const csvName = file.name.replace(/\.parquet$/, '.csv');
  const table = REPORT_TABLES.find((t) => t.file === csvName);
  if (table === undefined) return null;
  const parquet = file.name !== csvName;
  const common = {
    name: path.toLowerCase(),
    path,
    description: `${table.description} ${file.rows} rows.${!parquet && formulaGuard ? ` ${GUARD_NOTE}` : ''}`,
    bytes: file.bytes,
    hash: `sha256:${file.sha256}`,
    schema: schemaOf(table.fields),
  };
  return parquet
    ? { ...common, profile: 'data-resource', format: 'parquet', mediatype: 'application/vnd.apache.parquet' }
    : {
        ...common,
        profile: 'tabular-data-resource',
        format: 'csv',
        mediatype: 'text/csv',
        encoding: 'utf-8',
        dialect: { delimiter: ',', lineTerminator: '\n', quoteChar: '"', doubleQuote: true, header: true },
      };
}

export interface DataPackageInput {
  /** The root tables just rebuilt (trends, retention: CSV and Parquet entries), as writeRootTable returned them. */
  rootFiles: readonly ManifestFile[];
  /** Whether the root CSVs carry the formula guard. */
  formulaGuard: boolean;
}

/**
 * @example
 * await writeDataPackage(out, months, { rootFiles: [...trends.files, ...retention.files], formulaGuard: true });
 */
export async function writeDataPackage(output: ReportOutput, reports: readonly MonthReport[], input: DataPackageInput): Promise<string> {
  const resources = [];
  for (const report of reports) {
    for (const file of report.manifest.files) {
      const resource = resourceOf(`${report.month}/${file.name}`, file, report.manifest.formula_guard !== false);
      if (resource !== null) resources.push(resource);
    }
  }
  for (const file of input.rootFiles) {
    const resource = resourceOf(file.name, file, input.formulaGuard);
    if (resource !== null) resources.push(resource);
  }
  const dataPackage = {
    profile: 'data-package',
    name: 'cohort-reports',
    title: 'Cohort behaviour reports from an Intercom workspace',
    description:
      'Monthly cohort reports (one folder per month, YYYY-MM/) with trends.csv and retention.csv across months. ' +
      'Definitions: docs/METRICS.md of cohort-reports. Ratios are fractions (0–1) unless their unit says percent; amounts are in minor units, amount_major in major units.',
    resources,
  };
  const staged = await output.stageRoot();
  try {
    const path = join(staged.dir, DATA_PACKAGE_FILE);
    await writeFile(path, `${JSON.stringify(dataPackage, null, 2)}\n`, { flag: 'wx' });
    await syncPath(path);
    await staged.publish([DATA_PACKAGE_FILE]);
  } catch (err) {
    await staged.discard();
    throw err;
  }
  return output.describe(DATA_PACKAGE_FILE);
}
