// The DuckDB side of bench/sql_bench.sh, and the table it prints.
//
//   node bench/duckdb_bench.mjs --dir DIR --ingest-seconds S --ingest-rows N
//
// Reads DIR/sql_results.json (written by build/bench/sql_bench: every query's
// text per engine, liqdb's and SQLite's medians and answer checks), loads
// DIR/liq.csv into a DuckDB file (DIR/duck.db, timed, 1 thread), runs each
// query with 1 and with 2 threads (one warm-up, then up to --reps runs or
// --budget seconds, median), checks that every engine gave the same answer
// (a mismatch is printed loudly and marked in the table) and prints one
// markdown table. DuckDB is a development-only dependency, resolved from
// $LIQDB_BENCH_NODE_MODULES (bench/sql_bench.sh installs it there, outside the
// source tree); liqdb never depends on it.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const dir = args.dir;
if (!dir) throw new Error('--dir DIR is required');
const reps = Number(args.reps ?? 5);
const budgetMs = Number(args.budget ?? 8) * 1000;
const modules = process.env.LIQDB_BENCH_NODE_MODULES;
if (!modules) throw new Error('set LIQDB_BENCH_NODE_MODULES to the folder holding @duckdb/node-api');
const require = createRequire(path.join(modules, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

const results = JSON.parse(fs.readFileSync(path.join(dir, 'sql_results.json'), 'utf8'));
const csv = path.join(dir, 'liq.csv');
const duckPath = path.join(dir, 'duck.db');
for (const f of [duckPath, duckPath + '.wal']) fs.rmSync(f, { force: true });

const instance = await DuckDBInstance.create(duckPath, { threads: '1' });
const con = await instance.connect();
const t0 = performance.now();
await con.run(
  `CREATE TABLE liq AS SELECT * FROM read_csv('${csv}', header = true, columns = {` +
    `'ts': 'BIGINT', 'exchange': 'VARCHAR', 'symbol': 'VARCHAR', 'side': 'VARCHAR', ` +
    `'price': 'DOUBLE', 'qty': 'DOUBLE', 'notional': 'DOUBLE'})`,
);
await con.run('CHECKPOINT');
const duckLoadS = (performance.now() - t0) / 1000;
const duckRows = Number((await con.runAndReadAll('SELECT count(*) FROM liq')).getRows()[0][0]);
const duckBytes = fs.statSync(duckPath).size;
const version = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];

const num = (v) => (v === null || v === undefined ? 0 : Number(v));
function check(rows, countCols, sumCols) {
  const c = { rows: 0, count: 0, sum: 0 };
  for (const r of rows) {
    let n = 0;
    for (const col of countCols) n += col < 0 ? 1 : num(r[col]);
    for (const col of sumCols) c.sum += num(r[col]);
    c.count += n;
    if (n > 0 || countCols.length === 0) c.rows++;
  }
  return c;
}

async function measure(q) {
  const first = check((await con.runAndReadAll(q.duckdb_sql)).getRows(), q.count_cols, q.sum_cols);
  const ms = [];
  const start = performance.now();
  while (ms.length === 0 || (ms.length < reps && performance.now() - start < budgetMs)) {
    const t = performance.now();
    await con.runAndReadAll(q.duckdb_sql);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  return { ms: ms.length % 2 ? ms[mid] : (ms[mid - 1] + ms[mid]) / 2, runs: ms.length, check: first };
}

for (const threads of [1, 2]) {
  await con.run(`SET threads = ${threads}`);
  for (const q of results.queries) {
    process.stderr.write(`duckdb_bench: ${q.id}, ${threads} thread(s) ...\n`);
    q[`duckdb${threads}`] = await measure(q);
  }
}

// Same answer everywhere: SQLite's plain table is the reference.
const same = (a, b) =>
  a.rows === b.rows &&
  Math.abs(a.count - b.count) <= 1e-9 * Math.max(1, Math.abs(b.count)) &&
  Math.abs(a.sum - b.sum) <= 1e-9 * Math.max(1, Math.abs(b.sum));
let mismatches = 0;
for (const q of results.queries) {
  for (const e of ['liqdb', 'duckdb1', 'duckdb2']) {
    if (!same(q[e].check, q.sqlite.check)) {
      mismatches++;
      q[e].mismatch = true;
      process.stderr.write(
        `\n*** MISMATCH: ${q.id} on ${e}: ${JSON.stringify(q[e].check)} vs SQLite ${JSON.stringify(q.sqlite.check)}\n\n`,
      );
    }
  }
}

const ms = (t) => {
  const v = t.ms;
  const s = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
  return `${Number(s).toLocaleString('en-US', { maximumFractionDigits: 3 })} ms${t.mismatch ? ' ≠' : ''}`;
};
const ratio = (a, b) => {
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
};
const out = [];
out.push(`| query | liqdb | SQLite + index | DuckDB 1 thread | DuckDB 2 threads | DuckDB 2 threads / liqdb |`);
out.push(`|---|---:|---:|---:|---:|---:|`);
for (const q of results.queries) {
  const note = q.id === 'count_big' ? ` (${q.sqlite.check.count} rows match)` : '';
  out.push(
    `| ${q.label}${note} | ${ms(q.liqdb)} | ${ms(q.sqlite)} | ${ms(q.duckdb1)} | ${ms(q.duckdb2)} | ${ratio(q.duckdb2.ms, q.liqdb.ms)} |`,
  );
}
const ingestRows = Number(args['ingest-rows']);
const ingestS = Number(args['ingest-seconds']);
const storeBytes = Number(args['store-bytes']);
const bpr = (b, n) => (b / n).toFixed(2);
out.push(
  `| bytes per row (whole store folder / database file) | ${bpr(storeBytes, ingestRows)} | ${bpr(results.sqlite_bytes, results.sqlite_rows)} | ${bpr(duckBytes, duckRows)} | — | ${ratio(duckBytes / duckRows, storeBytes / ingestRows)} smaller |`,
);
const mrows = (n, s) => `${(n / s / 1e6).toFixed(2)} M rows/s`;
out.push(
  `| load of the CSV, end to end (liqdb: \`liqdb ingest\`) | ${mrows(ingestRows, ingestS)} | ${mrows(results.sqlite_rows, results.sqlite_load_s)} | ${mrows(duckRows, duckLoadS)} | — | ${ratio(ingestRows / ingestS, duckRows / duckLoadS)} |`,
);
console.log(`\nDuckDB ${version}; ${duckRows.toLocaleString('en-US')} rows\n`);
console.log(out.join('\n'));
if (mismatches > 0) {
  console.log(`\n*** ${mismatches} answer(s) differ from SQLite's: see the MISMATCH lines above ***`);
  process.exitCode = 1;
}
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ ...results, duckLoadS, duckRows, duckBytes }, null, 1));
