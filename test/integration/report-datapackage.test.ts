/**
 * datapackage.json checked by the format's own JSON Schemas (the Frictionless Data Package v1
 * profiles, vendored in test/fixtures/frictionless) with Ajv, and then used as a reader would: every
 * file it lists is found with its bytes and hash, and every cell read back through the type its
 * field declares — CSV by Table Schema's casting rules, Parquet through DuckDB's column types.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import AjvModule from 'ajv-draft-04';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableWriteOptions } from '../../src/report-files/report-formats.js';
import { edgeRawData } from '../support/report-edge-data.js';
import { writeMonthsFromRaw, writeTrendsIn, writeRetentionIn, writeDataPackageIn } from '../support/report-write.js';
import { parseCsv } from '../../src/report-files/parse-csv.js';

interface Field {
  name: string;
  type: string;
  description: string;
  unit?: string;
  constraints?: { enum?: string[] };
}
interface Resource {
  name: string;
  path: string;
  profile: string;
  format: string;
  bytes: number;
  hash: string;
  schema: { fields: Field[]; missingValues: string[] };
}

// A CommonJS module whose class is both module.exports and its `default`; TypeScript types only the latter.
const Ajv = AjvModule.default;
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'frictionless');
const BOTH: TableWriteOptions = { formats: ['csv', 'parquet'], formulaGuard: true };

let tmp: string;
let instance: DuckDBInstance;
let db: DuckDBConnection;
let dataPackage: { resources: Resource[] } & Record<string, unknown>;

async function profile(name: string): Promise<object> {
  return JSON.parse(await readFile(join(FIXTURES, `${name}.json`), 'utf8')) as object;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'report-datapackage-'));
  instance = await DuckDBInstance.create(':memory:');
  db = await instance.connect();
  await db.run(`SET TimeZone = 'UTC'`);
  await writeMonthsFromRaw(tmp, edgeRawData('2026-10', 'Europe/Berlin'), ['2026-09', '2026-10'], 'Europe/Berlin', { output: BOTH });
  const trends = await writeTrendsIn(tmp, BOTH);
  const retention = await writeRetentionIn(tmp, BOTH);
  await writeDataPackageIn(tmp, { rootFiles: [...trends.files, ...retention.files], formulaGuard: true });
  dataPackage = JSON.parse(await readFile(join(tmp, 'datapackage.json'), 'utf8')) as typeof dataPackage;
});
afterAll(async () => {
  db?.closeSync();
  instance?.closeSync();
  await rm(tmp, { recursive: true, force: true });
});

/** Table Schema v1 casting of a CSV cell, per field type; a missing value is always allowed. */
function castsAs(field: Field, cell: string): boolean {
  if (cell === '') return true;
  if (field.constraints?.enum && !field.constraints.enum.includes(cell)) return false;
  switch (field.type) {
    case 'string':
      return true;
    case 'integer':
      return /^-?\d+$/.test(cell);
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(cell) && Number.isFinite(Number(cell));
    case 'yearmonth':
      return /^\d{4}-(0[1-9]|1[0-2])$/.test(cell);
    case 'datetime':
      return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(cell) && new Date(cell).toISOString() === cell.replace('Z', '.000Z');
    default:
      return false;
  }
}

/** The DuckDB column types a Parquet column of each declared type may have. */
function parquetTypeFits(field: Field, duckType: string): boolean {
  switch (field.type) {
    case 'string':
    case 'yearmonth':
      return duckType === 'VARCHAR';
    case 'integer':
      return duckType === 'BIGINT' || duckType === 'DECIMAL(38,0)';
    case 'number':
      return duckType.startsWith('DECIMAL(');
    case 'datetime':
      return duckType === 'TIMESTAMP WITH TIME ZONE';
    default:
      return false;
  }
}

describe('datapackage.json', () => {
  it('is a valid Data Package, each resource valid for its profile, by the Frictionless JSON Schemas', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validatePackage = ajv.compile(await profile('data-package'));
    expect(validatePackage(dataPackage), JSON.stringify(validatePackage.errors)).toBe(true);
    const byProfile = {
      'data-resource': ajv.compile(await profile('data-resource')),
      'tabular-data-resource': ajv.compile(await profile('tabular-data-resource')),
    };
    for (const resource of dataPackage.resources) {
      const validate = byProfile[resource.profile as keyof typeof byProfile];
      expect(validate, resource.profile).toBeDefined();
      expect(validate!(resource), `${resource.path}: ${JSON.stringify(validate!.errors)}`).toBe(true);
    }
    // The validator does catch a broken package (it is not accepting everything).
    expect(validatePackage({ ...dataPackage, resources: [{ name: 'Bad Name!', path: 'x.csv' }] })).toBe(false);
  });

  it('lists every table file of the output folder, with its bytes and hash, each field with a type and a description', async () => {
    // Tables only: the pages (report.html, index.html, charts/) are no data resources.
    const isTable = (name: string): boolean => /\.(csv|parquet)$/.test(name);
    const onDisk: string[] = [];
    for (const entry of await readdir(tmp, { withFileTypes: true })) {
      if (entry.isDirectory()) for (const f of await readdir(join(tmp, entry.name))) if (isTable(f)) onDisk.push(`${entry.name}/${f}`);
      if (entry.isFile() && isTable(entry.name)) onDisk.push(entry.name);
    }
    expect(dataPackage.resources.map((r) => r.path).sort()).toEqual(onDisk.sort());
    expect(onDisk).toHaveLength(2 * 8 + 4);
    for (const resource of dataPackage.resources) {
      const bytes = await readFile(join(tmp, resource.path));
      expect(resource.bytes).toBe(bytes.length);
      expect(resource.hash).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
      for (const field of resource.schema.fields) expect(field.description.length, `${resource.path} ${field.name}`).toBeGreaterThan(10);
    }
    const summary = dataPackage.resources.find((r) => r.path === '2026-10/cohort_summary.csv')!;
    const describe = (name: string): string => summary.schema.fields.find((f) => f.name === name)!.description;
    expect(describe('new_members')).not.toBe(describe('lifecycle_new'));
    expect(describe('members')).not.toBe(describe('members_reported'));
    const amounts = dataPackage.resources.find((r) => r.path === '2026-10/cohort_amounts.csv')!;
    expect(amounts.schema.fields.find((f) => f.name === 'amount')!.unit).toMatch(/minor/);
    expect(summary.schema.fields.find((f) => f.name === 'active_rate')!.unit).toMatch(/fraction/);
  });

  it('declares types every cell of every CSV casts to, with the header in field order', async () => {
    let cells = 0;
    for (const resource of dataPackage.resources.filter((r) => r.format === 'csv')) {
      const [header, ...records] = parseCsv(await readFile(join(tmp, resource.path), 'utf8'));
      expect(header).toEqual(resource.schema.fields.map((f) => f.name));
      for (const record of records) {
        resource.schema.fields.forEach((field, i) => {
          const ok = castsAs(field, record[i]!);
          if (!ok) expect.fail(`${resource.path} ${field.name} (${field.type}): ${JSON.stringify(record[i])}`);
          cells += 1;
        });
      }
    }
    expect(cells).toBeGreaterThan(1000);
  });

  it('declares types every Parquet column is read back in', async () => {
    for (const resource of dataPackage.resources.filter((r) => r.format === 'parquet')) {
      const reader = await db.runAndReadAll(`SELECT * FROM read_parquet('${join(tmp, resource.path).replace(/'/g, "''")}')`);
      expect(reader.columnNames()).toEqual(resource.schema.fields.map((f) => f.name));
      reader.columnTypes().forEach((type, i) => {
        const field = resource.schema.fields[i]!;
        expect(parquetTypeFits(field, String(type)), `${resource.path} ${field.name}: ${field.type} read as ${String(type)}`).toBe(true);
      });
      for (const field of resource.schema.fields.filter((f) => f.type === 'yearmonth')) {
        const bad = await db.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM read_parquet('${join(tmp, resource.path)}') WHERE NOT regexp_matches(${field.name}, '^[0-9]{4}-(0[1-9]|1[0-2])$')`,
        );
        expect(bad.getRowObjectsJson()).toEqual([{ n: 0 }]);
      }
    }
  });
});
