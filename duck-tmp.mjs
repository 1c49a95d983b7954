import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
for (const f of process.argv.slice(2)) { try { const r = await c.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${f}')`); console.log(f, r.getRowObjectsJson().map(x=>x.column_name+':'+x.column_type).join(' ')); const r2 = await c.runAndReadAll(`SELECT * FROM read_parquet('${f}') LIMIT 1`); console.log(r2.getRowObjectsJson()); } catch (e) { console.log(f, String(e).slice(0,100)); } }
