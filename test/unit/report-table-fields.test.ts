import { describe, expect, it } from 'vitest';
import {
  AMOUNTS_COLUMNS,
  AMOUNTS_FILE,
  EVENTS_COLUMNS,
  EVENTS_FILE,
  RETENTION_COLUMNS,
  RETENTION_FILE,
  RETENTION_HISTORY_FILE,
  SUMMARY_COLUMNS,
  SUMMARY_FILE,
  TABLE_FIELDS,
  TRENDS_COLUMNS,
  TRENDS_FILE,
  tableFieldsOf,
} from '../../src/report/index.js';

describe('TABLE_FIELDS', () => {
  it('describes every column of every table, in column order, each with a kind and a description', () => {
    const columns: Record<string, readonly string[]> = {
      [SUMMARY_FILE]: SUMMARY_COLUMNS,
      [EVENTS_FILE]: EVENTS_COLUMNS,
      [AMOUNTS_FILE]: AMOUNTS_COLUMNS,
      [RETENTION_FILE]: RETENTION_COLUMNS,
      [RETENTION_HISTORY_FILE]: RETENTION_COLUMNS,
      [TRENDS_FILE]: TRENDS_COLUMNS,
    };
    expect(Object.keys(TABLE_FIELDS).sort()).toEqual(Object.keys(columns).sort());
    for (const [file, names] of Object.entries(columns)) {
      const fields = tableFieldsOf(file);
      expect(fields.map((f) => f.name), file).toEqual([...names]);
      for (const field of fields) {
        expect(field.description.length, `${file} ${field.name}`).toBeGreaterThan(10);
        if (field.kind === 'ratio') expect(field.decimals, `${file} ${field.name}`).toBeGreaterThanOrEqual(0);
      }
    }
    expect(tableFieldsOf('trends.parquet')).toBe(TABLE_FIELDS[TRENDS_FILE]);
    expect(() => tableFieldsOf('manifest.json')).toThrow(/not a report table/);
  });
});
