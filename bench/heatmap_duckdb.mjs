// The DuckDB side of bench/heatmap_duckdb.sh: the snapshot heatmap of one
// day as one plain SQL query, with 1 and with 2 threads.
//
//   node bench/heatmap_duckdb.mjs --csv POS.csv --db DUCK.db --from US --to US \
//       --interval US --step S [--reps R]
//
// Loads the positions CSV (as `liqdb export --kind positions` writes it) into
// a DuckDB file, then runs the heatmap: each row is in force from its ts until
// the next row of its (exchange, symbol, account, side) (LEAD), so a position
// counts in every bucket whose end e has ts < e <= next ts — the latest row
// with ts < e, as docs/sql.md defines a snapshot bucket; its level is
// liq_price or the linear formula (mmr 0.005), written out here on purpose.
// Prints one JSON line: load seconds, per thread count the median seconds,
// cells and total notional (the script compares them with liqdb's).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const k of ['csv', 'db', 'from', 'to', 'interval', 'step']) {
  if (args[k] === undefined) throw new Error(`--${k} is required`);
}
const reps = Number(args.reps ?? 3);
const modules = process.env.LIQDB_BENCH_NODE_MODULES;
if (!modules) throw new Error('set LIQDB_BENCH_NODE_MODULES to the folder holding @duckdb/node-api');
const require = createRequire(path.join(modules, 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

for (const f of [args.db, args.db + '.wal']) fs.rmSync(f, { force: true });
const instance = await DuckDBInstance.create(args.db, { threads: '2' });
const con = await instance.connect();
const t0 = performance.now();
await con.run(
  `CREATE TABLE p AS SELECT * FROM read_csv('${args.csv}', header = true, columns = {` +
    `'ts': 'BIGINT', 'exchange': 'VARCHAR', 'symbol': 'VARCHAR', 'account': 'VARCHAR', 'side': 'VARCHAR', ` +
    `'size': 'DOUBLE', 'entry_price': 'DOUBLE', 'leverage': 'DOUBLE', 'liq_price': 'DOUBLE'})`,
);
await con.run('CHECKPOINT');
const loadS = (performance.now() - t0) / 1000;

const from = BigInt(args.from), to = BigInt(args.to), interval = BigInt(args.interval);
const step = Number(args.step);
const sql = `
WITH r AS (
  SELECT side, size, ts,
    COALESCE(liq_price, CASE side WHEN 'long' THEN entry_price * (1 - 1.0 / leverage) / 0.995
                                  ELSE entry_price * (1 + 1.0 / leverage) / 1.005 END) AS lp,
    LEAD(ts) OVER (PARTITION BY exchange, symbol, account, side ORDER BY ts) AS nts
  FROM p WHERE ts < ${to}),
e AS (SELECT range AS bucket, range + ${interval} AS bucket_end FROM range(${from}, ${to}, ${interval}))
SELECT e.bucket, CAST(floor(r.lp / ${step}) AS BIGINT) AS bin,
  sum(CASE WHEN r.side = 'long' THEN r.size * r.lp ELSE 0 END) AS long_notional,
  sum(CASE WHEN r.side = 'short' THEN r.size * r.lp ELSE 0 END) AS short_notional
FROM r JOIN e ON r.ts < e.bucket_end AND (r.nts IS NULL OR r.nts >= e.bucket_end)
WHERE r.size > 0 AND r.lp > 0
GROUP BY 1, 2`;

const out = { load_s: loadS, version: (await con.runAndReadAll('SELECT version()')).getRows()[0][0] };
for (const threads of [1, 2]) {
  await con.run(`SET threads = ${threads}`);
  const times = [];
  let cells = 0, notional = 0;
  for (let i = 0; i < reps; ++i) {
    const t = performance.now();
    const rows = (await con.runAndReadAll(
      `SELECT count(*), sum(long_notional) + sum(short_notional) FROM (${sql})`)).getRows();
    times.push((performance.now() - t) / 1000);
    cells = Number(rows[0][0]);
    notional = Number(rows[0][1]);
  }
  times.sort((a, b) => a - b);
  out[`threads_${threads}`] = { median_s: times[Math.floor(times.length / 2)], cells, notional };
}
console.log(JSON.stringify(out));
