/**
 * `npm run bench [-- SCENARIO ...] [--json] [--quick]`
 *
 * Runs the named scenarios (every scenario in ./scenarios when none is named). Each scenario measures
 * its contenders side by side in this one run and returns rows; rows print as a table, or with --json
 * one JSON object per line (each with a `scenario` field).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext, BenchRow, BenchScenario } from './bench-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const scenarioDir = join(here, 'scenarios');

function available(): string[] {
  return readdirSync(scenarioDir)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
    .map((f) => f.slice(0, -3))
    .sort();
}

function printTable(rows: BenchRow[]): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string =>
    v === undefined || v === null ? '' : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(columns.map((c) => cell(r[c]))));
  console.log('');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const known = available();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    console.error(`unknown scenario ${unknown.join(', ')}; available: ${known.join(', ')}`);
    process.exit(2);
  }
  const ctx: BenchContext = {
    json,
    quick,
    log: (msg) => {
      if (!json) console.error(msg);
    },
  };
  for (const name of names.length > 0 ? names : known) {
    const mod = (await import(pathToFileURL(join(scenarioDir, `${name}.ts`)).href)) as { default: BenchScenario };
    ctx.log(`# scenario ${name}`);
    const rows = await mod.default(ctx);
    if (json) for (const r of rows) console.log(JSON.stringify(r));
    else printTable(rows);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
