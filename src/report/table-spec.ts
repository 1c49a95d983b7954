/**
 * How a report table is described: ONE spec per table gives each field (name, kind, unit, one-line
 * description, whether it may be empty) and the row order, and everything else is derived from it —
 * the column list, the row type, the comparator that checks the order, and the columns of workspace
 * text the formula guard applies to. The tables themselves are in columns.ts.
 */
import { compareText } from './compare-text.js';

/**
 * - `text`: text from the workspace (formula-guarded in CSV when the guard is on); ids are text too.
 * - `label`: text of our own (cohort_type).
 * - `month`: `YYYY-MM`.
 * - `count`: a whole number that fits INT64.
 * - `amount`: a whole number of minor currency units, exact at any size.
 * - `major_amount`: a decimal in the currency's major unit, at most MAJOR_AMOUNT_SCALE fraction digits.
 * - `ratio`: a decimal written with exactly `decimals` fraction digits.
 * - `instant`: an instant, `YYYY-MM-DDTHH:MM:SSZ`.
 */
export type FieldKind = 'text' | 'label' | 'month' | 'count' | 'amount' | 'major_amount' | 'ratio' | 'instant';

interface FieldBase<Name extends string> {
  name: Name;
  /** What one unit of the value is (members, events, a fraction 0–1, percent, minor units…). */
  unit?: string;
  description: string;
  /** The cell may be empty: null in the row. */
  empty?: true;
}

/** A ratio also says how many fraction digits it is written with (`decimals`). */
export type TableField<Name extends string = string> =
  | (FieldBase<Name> & { kind: Exclude<FieldKind, 'ratio'> })
  | (FieldBase<Name> & { kind: 'ratio'; decimals: number });

/** The fraction digits Parquet keeps for amount_major: CLDR gives no currency more than 4. */
export const MAJOR_AMOUNT_SCALE = 4;

/** A row of a table with these fields: counts are numbers, everything else text (ratios already formatted); null is an empty cell. */
export type RowOf<Fields extends readonly TableField[]> = {
  [F in Fields[number] as F['name']]: (F extends { kind: 'count' } ? number : string) | (F extends { empty: true } ? null : never);
};

/** A field name (ascending), or `{ descending: name }` for a count ordered from the largest. */
export type OrderKey<Name extends string> = Name | { descending: Name };

export interface TableSpec<Row> {
  /** The CSV's name; its Parquet twin is parquetName(file). */
  file: string;
  /** One line for datapackage.json. */
  description: string;
  /** In column order. */
  fields: readonly TableField[];
  columns: ReadonlyArray<keyof Row & string>;
  /** The file's row order: negative when `a` comes first. Rows out of it fail the write. */
  compare: (a: Row, b: Row) => number;
  /** The `text` columns: workspace text, formula-guarded in CSV. */
  workspaceText: ReadonlySet<string>;
}

/** Counts compare as numbers, everything else in JavaScript's string order (compareText). */
function comparatorOf<Row>(fields: readonly TableField[], order: ReadonlyArray<OrderKey<string>>): (a: Row, b: Row) => number {
  const keys = order.map((key) => {
    const name = typeof key === 'string' ? key : key.descending;
    return { name, sign: typeof key === 'string' ? 1 : -1, numeric: fields.find((f) => f.name === name)?.kind === 'count' };
  });
  return (a, b) => {
    for (const { name, sign, numeric } of keys) {
      const x = (a as Record<string, unknown>)[name];
      const y = (b as Record<string, unknown>)[name];
      const c = numeric ? (x as number) - (y as number) : compareText(x as string, y as string);
      if (c !== 0) return sign * c;
    }
    return 0;
  };
}

/**
 * @example
 * const TABLE = defineTable({ file: 'x.csv', description: '…', fields: [count('members', 'members', '…')], order: [{ descending: 'members' }] });
 * type XRow = RowOf<typeof TABLE.fields>; // { members: number }
 */
export function defineTable<const Fields extends readonly TableField[]>(spec: {
  file: string;
  description: string;
  fields: Fields;
  order: ReadonlyArray<OrderKey<Fields[number]['name']>>;
}): TableSpec<RowOf<Fields>> & { fields: Fields } {
  const { file, description, fields, order } = spec;
  return {
    file,
    description,
    fields,
    columns: fields.map((f) => f.name as keyof RowOf<Fields> & string),
    compare: comparatorOf(fields, order),
    workspaceText: new Set(fields.filter((f) => f.kind === 'text').map((f) => f.name)),
  };
}

/** A field of `kind` (a ratio: see `ratio`). */
export const field = <const Name extends string, const Kind extends Exclude<FieldKind, 'ratio'>>(name: Name, kind: Kind, description: string, unit?: string) => ({
  name,
  kind,
  unit,
  description,
});

export const count = <const Name extends string>(name: Name, unit: string, description: string) => field(name, 'count', description, unit);

export const ratio = <const Name extends string>(name: Name, decimals: number, unit: string, description: string) =>
  ({ name, kind: 'ratio', decimals, unit, description }) as const;

/** `field` whose cell may be empty (null in the row). */
export const orEmpty = <const F extends TableField>(f: F): F & { empty: true } => ({ ...f, empty: true });
