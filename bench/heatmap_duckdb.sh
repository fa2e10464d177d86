#!/usr/bin/env bash
# The snapshot heatmap against DuckDB (1 and 2 threads), same rows, same run:
# one day of 100,000 accounts at 5 m x $50 (bench/heatmap_bench's store),
# liqdb's `liq_heatmap` through the extension in SQLite against the same
# heatmap as one plain DuckDB query (bench/heatmap_duckdb.mjs). Prints one
# markdown table and checks that both give the same cells and notional.
#
#   bash bench/heatmap_duckdb.sh [--dir D] [--build B] [--reps R]
#
# --dir    work folder (default /tmp/liqdb-heatmap-bench): pos/ (the store,
#          built by `heatmap_bench --sqlite-buckets 0` when missing, about
#          2 minutes), pos.csv (`liqdb export` of it), duck.db
# --build  the CMake build folder (default: build)
# --reps   runs per engine and thread count, median (default 3)
# DuckDB comes from `npm install @duckdb/node-api` into $LIQDB_BENCH_CACHE
# (default ~/.cache/liqdb-bench), outside the source tree.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
dir=/tmp/liqdb-heatmap-bench
build="$root/build"
reps=3
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "heatmap_duckdb.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
cache="${LIQDB_BENCH_CACHE:-$HOME/.cache/liqdb-bench}"
# The measured day and grid: heatmap_bench's (kDayStart, kInterval, kStep).
from=1709251200000000
to=$((from + 86400000000))
interval=300000000
step=50

if [[ ! -x "$build/liqdb" || ! -f "$build/liqdb.so" || ! -x "$build/bench/heatmap_bench" ]]; then
  ninja -C "$build" liqdb liqdb_ext heatmap_bench
fi
if [[ ! -d "$cache/node_modules/@duckdb/node-api" ]]; then
  mkdir -p "$cache"
  (cd "$cache" && { [[ -f package.json ]] || npm init -y >/dev/null; } && npm install --no-audit --no-fund @duckdb/node-api)
fi
commit="$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . 2>/dev/null || echo ' (+ uncommitted changes)')"
mkdir -p "$dir"
if [[ ! -d "$dir/pos" ]]; then
  echo "building the positions store in $dir/pos ..." >&2
  "$build/bench/heatmap_bench" --sqlite-buckets 0 --days-model 0 --dir "$dir" >&2
fi
if [[ ! -f "$dir/pos.csv" || "$dir/pos" -nt "$dir/pos.csv" ]]; then
  "$build/liqdb" export --store "$dir/pos" --kind positions -o "$dir/pos.csv" >&2
fi

# liqdb: the table-valued function through the sqlite3 C API (Python's
# sqlite3 module of the system Python, which can load extensions).
liqdb_json="$(/usr/bin/python3 - "$build/liqdb.so" "$dir/pos" "$from" "$to" "$step" "$reps" <<'EOF'
import json, sqlite3, sys, time
ext, store, frm, to, step, reps = sys.argv[1:]
db = sqlite3.connect(":memory:")
db.enable_load_extension(True)
db.load_extension(ext)
db.execute(f"CREATE VIRTUAL TABLE temp.pos USING liqdb(store='{store}', kind='positions')")
q = (f"SELECT count(*), total(long_notional) + total(short_notional) "
     f"FROM liq_heatmap('pos', {frm}, {to}, '5m', {step})")
db.execute(q).fetchone()  # warm-up
times, cpu = [], []
for _ in range(int(reps)):
    t, c = time.perf_counter(), time.process_time()
    cells, notional = db.execute(q).fetchone()
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
times.sort(); cpu.sort()
print(json.dumps({"median_s": times[len(times) // 2], "cpu_s": cpu[len(cpu) // 2],
                  "cells": cells, "notional": notional}))
EOF
)"
duck_json="$(LIQDB_BENCH_NODE_MODULES="$cache/node_modules" node "$here/heatmap_duckdb.mjs" --csv "$dir/pos.csv" \
  --db "$dir/duck.db" --from "$from" --to "$to" --interval "$interval" --step "$step" --reps "$reps")"

/usr/bin/python3 - "$liqdb_json" "$duck_json" <<'EOF'
import json, sys
l, d = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"DuckDB {d['version']} loaded the positions CSV in {d['load_s']:.1f} s")
print()
print("| snapshot heatmap, 1 day, 100,000 accounts, 5 m x $50 | liqdb | DuckDB 1 thread | DuckDB 2 threads | DuckDB 2 threads / liqdb |")
print("|---|---:|---:|---:|---:|")
d1, d2 = d["threads_1"], d["threads_2"]
print(f"| time (median) | {l['median_s']:.2f} s (CPU {l['cpu_s']:.2f} s) | {d1['median_s']:.1f} s | "
      f"{d2['median_s']:.1f} s | {d2['median_s'] / l['median_s']:.1f}x |")
print(f"| cells | {l['cells']:,} | {d1['cells']:,} | {d2['cells']:,} | |")
print(f"| notional | {l['notional']:.6e} | {d1['notional']:.6e} | {d2['notional']:.6e} | |")
ok = all(x["cells"] == l["cells"] and abs(x["notional"] - l["notional"]) <= 1e-9 * abs(l["notional"])
         for x in (d1, d2))
print()
print("answers agree (cells equal, notional within 1e-9 relative)" if ok else
      "MISMATCH: liqdb and DuckDB disagree (see the table)")
EOF
echo
echo "liqdb source at $commit when the run started (binaries from $build), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
