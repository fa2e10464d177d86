#!/usr/bin/env bash
# liqdb against an indexed SQLite table and DuckDB (1 and 2 threads), same
# rows, same run: the ad-hoc SQL and liquidation-function queries of issue 8,
# bytes per row and load speed. Prints one markdown table.
#
#   bash bench/sql_bench.sh [--rows N] [--dir D] [--build B] [--reps R] [--budget S]
#
# --rows   liquidations to generate (default 10000000): 64% of them on BTC
#          (binance, bybit, okx; BTCUSDT gets about half of all rows), the
#          rest over 26 other symbols on the same venues: 81 series, 30 days.
# --dir    work folder (default /tmp/liqdb-sql-bench): liq.csv is generated
#          once per --rows and reused; store/, duck.db are rebuilt every run,
#          sqlite.db whenever liq.csv changes.
# --build  the CMake build folder holding liqdb, liqdb.so, bench/sql_bench
#          (default: build); targets are built if missing.
# DuckDB comes from `npm install @duckdb/node-api` into $LIQDB_BENCH_CACHE
# (default ~/.cache/liqdb-bench), outside the source tree; the only network
# access is that npm install, once.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
rows=10000000
dir=/tmp/liqdb-sql-bench
build="$root/build"
reps=5
budget=8
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --budget) budget="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "sql_bench.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
cache="${LIQDB_BENCH_CACHE:-$HOME/.cache/liqdb-bench}"

if [[ ! -x "$build/liqdb" || ! -f "$build/liqdb.so" || ! -x "$build/bench/sql_bench" ]]; then
  ninja -C "$build" liqdb liqdb_ext sql_bench
fi
if [[ ! -d "$cache/node_modules/@duckdb/node-api" ]]; then
  mkdir -p "$cache"
  (cd "$cache" && { [[ -f package.json ]] || npm init -y >/dev/null; } && npm install --no-audit --no-fund @duckdb/node-api)
fi

# The commit the figures are from (taken now: the tree may move during the run).
commit="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . 2>/dev/null || echo ' (+ uncommitted changes)')"
mkdir -p "$dir"
csv="$dir/liq.csv"
if [[ ! -f "$csv" || "$(cat "$dir/liq.csv.rows" 2>/dev/null)" != "$rows" ]]; then
  echo "generating $rows liquidations into $csv ..." >&2
  others="ETHUSDT,SOLUSDT,XRPUSDT,DOGEUSDT,BNBUSDT,ADAUSDT,AVAXUSDT,LINKUSDT,DOTUSDT,LTCUSDT,BCHUSDT,TRXUSDT"
  others+=",NEARUSDT,UNIUSDT,ATOMUSDT,APTUSDT,ARBUSDT,OPUSDT,FILUSDT,ETCUSDT,SUIUSDT,INJUSDT,TIAUSDT,WIFUSDT"
  others+=",AAVEUSDT,SEIUSDT"
  # Two runs of one seed share the market-wide story; a symbol's path depends
  # only on (seed, symbol), so this is one archive with BTC weighted up.
  common=(--kind liquidations --days 30 --from 2024-03-01 --positions 0 --seed 42 --quiet)
  "$build/liqdb" gen --csv "$dir/btc.csv" --events $((rows * 64 / 100)) --symbols BTCUSDT "${common[@]}"
  "$build/liqdb" gen --csv "$dir/others.csv" --events $((rows - rows * 64 / 100)) --symbols "$others" "${common[@]}"
  { cat "$dir/btc.csv"; tail -n +2 "$dir/others.csv"; } > "$csv"
  rm -f "$dir/btc.csv" "$dir/others.csv" "$dir/sqlite.db"
  echo "$rows" > "$dir/liq.csv.rows"
fi

# liqdb: `liqdb ingest` of the CSV into a fresh store, end to end.
rm -rf "$dir/store" "$dir/liqdb.sqlite"
start=$(date +%s.%N)
"$build/liqdb" ingest --store "$dir/store" "$csv" > "$dir/ingest.txt"
end=$(date +%s.%N)
cat "$dir/ingest.txt" >&2
ingest_s=$(echo "$end - $start" | bc -l)
ingest_rows=$(($(wc -l < "$csv") - 1))
store_bytes=$(du -sb "$dir/store" | cut -f1)
"$build/liqdb" stats --store "$dir/store" | tail -3 >&2

"$build/bench/sql_bench" --dir "$dir" --reps "$reps" --budget "$budget" --ext "$build/liqdb.so"
LIQDB_BENCH_NODE_MODULES="$cache/node_modules" node "$here/duckdb_bench.mjs" --dir "$dir" --reps "$reps" \
  --budget "$budget" --ingest-seconds "$ingest_s" --ingest-rows "$ingest_rows" --store-bytes "$store_bytes"
echo
echo "liqdb source at $commit when the run started (binaries from $build), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
