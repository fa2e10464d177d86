#!/usr/bin/env bash
# The liqdb demo: sets up and builds (tools/setup.sh), generates a month of
# synthetic liquidations, positions and market samples into demo-data/store,
# declares them as tables in demo-data/liqdb.sqlite, runs the headline
# queries, draws the pictures, and says how to open the file yourself.
#
#   bash tools/demo.sh
#
# DEMO_EVENTS, DEMO_POSITIONS, DEMO_DAYS and DEMO_SEED override the sizes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/setup.sh

BUILD_DIR=${LIQDB_BUILD_DIR:-build}
LIQDB="./${BUILD_DIR}/liqdb"
EXT="./${BUILD_DIR}/liqdb"  # sqlite3 adds .so itself
DATA=demo-data
DB="$DATA/liqdb.sqlite"
DAYS=${DEMO_DAYS:-30}
EVENTS=${DEMO_EVENTS:-3000000}
POSITIONS=${DEMO_POSITIONS:-1000000}
SEED=${DEMO_SEED:-7}

# A fresh store each run: the demo is deterministic and re-runnable.
rm -rf "$DATA/store" "$DB" "$DATA"/*.png
mkdir -p "$DATA"

echo
echo "==> generating $DAYS days from 2024-03-01: ~$EVENTS liquidations, ~$POSITIONS position updates,"
echo "    market samples every 10 s; binance, bybit, okx x BTC, ETH, SOL"
"$LIQDB" gen --store "$DATA/store" --from 2024-03-01 --days "$DAYS" --events "$EVENTS" \
  --positions "$POSITIONS" --market-interval 10s --seed "$SEED"
echo
"$LIQDB" stats --store "$DATA/store"

echo
echo "==> declaring the tables in $DB (store path relative to the .sqlite file)"
sqlite3 "$DB" <<SQL
.load $EXT
CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations');
CREATE VIRTUAL TABLE pos USING liqdb(store='store', kind='positions');
CREATE VIRTUAL TABLE mkt USING liqdb(store='store', kind='market');
SQL

# sqlite3 with the extension loaded, reading SQL from stdin.
q() { sqlite3 -cmd ".load $EXT" "$@" "$DB"; }
# Whether the extension provides a table-valued function (later ones may not
# be built yet).
has_function() { [[ $(q -batch -noheader <<<"SELECT count(*) FROM pragma_module_list WHERE name='$1';") == 1 ]]; }

# The day with the most BTCUSDT liquidation notional: where the story is.
DAY=$(q -batch -noheader <<SQL
SELECT bucket FROM liq_histogram('liq', '2024-03-01', strftime('%Y-%m-%d', '2024-03-01', '+$DAYS days'), '1d', 'BTCUSDT')
ORDER BY long_notional + short_notional DESC LIMIT 1;
SQL
)
DAY_END=$((DAY + 86400000000))
WEEK_FROM=$((DAY - 3 * 86400000000))
WEEK_TO=$((DAY + 4 * 86400000000))
day_text() { date -u -d "@$(($1 / 1000000))" +%Y-%m-%d; }

echo
echo "==> hourly liquidations of BTC on every venue (binance + bybit + okx) on its busiest day, $(day_text "$DAY")"
echo "    SELECT * FROM liq_histogram('liq', '$(day_text "$DAY")', '$(day_text "$DAY_END")', '1h') WHERE coin = 'BTC'"
q <<SQL
.mode box
SELECT strftime('%H:%M', bucket / 1000000, 'unixepoch') AS hour,
       printf('%,d', long_count) AS longs,
       printf('%,d', CAST(long_notional AS INTEGER)) AS "longs USD",
       printf('%,d', short_count) AS shorts,
       printf('%,d', CAST(short_notional AS INTEGER)) AS "shorts USD",
       substr('████████████████████████████████████████', 1,
              CAST(40 * (long_notional + short_notional) /
                   max(1, max(long_notional + short_notional) OVER ()) AS INTEGER)) AS volume
FROM liq_histogram('liq', $DAY, $DAY_END, '1h') WHERE coin = 'BTC';
SQL

if has_function liq_breakdown; then
  echo
  echo "==> the same day per venue and instrument, from the chunk summaries"
  echo "    SELECT * FROM liq_breakdown('liq', '$(day_text "$DAY")', '$(day_text "$DAY_END")') WHERE coin = 'BTC'"
  q <<SQL
.mode box
SELECT exchange, symbol,
       printf('%,d', long_count) AS longs,
       printf('%,d', CAST(long_notional AS INTEGER)) AS "longs USD",
       printf('%,d', short_count) AS shorts,
       printf('%,d', CAST(short_notional AS INTEGER)) AS "shorts USD"
FROM liq_breakdown('liq', $DAY, $DAY_END) WHERE coin = 'BTC';
SQL
fi

echo
echo "==> where BTCUSDT liquidations happened, by price, over the week $(day_text "$WEEK_FROM") .. $(day_text "$WEEK_TO")"
echo "    SELECT * FROM liq_price_histogram('liq', '$(day_text "$WEEK_FROM")', '$(day_text "$WEEK_TO")', 500, 'BTCUSDT')"
q <<SQL
.mode box
SELECT printf('%,d', CAST(price AS INTEGER)) AS "price from",
       printf('%,d', long_count) AS longs,
       printf('%,d', CAST(long_notional AS INTEGER)) AS "longs USD",
       printf('%,d', short_count) AS shorts,
       printf('%,d', CAST(short_notional AS INTEGER)) AS "shorts USD",
       substr('████████████████████████████████████████', 1,
              CAST(40 * (long_notional + short_notional) /
                   max(1, max(long_notional + short_notional) OVER ()) AS INTEGER)) AS volume
FROM liq_price_histogram('liq', $WEEK_FROM, $WEEK_TO, 500, 'BTCUSDT')
ORDER BY price DESC;
SQL

if has_function liq_cascades; then
  echo
  echo "==> the five biggest BTCUSDT cascades that week (fills at most 2 s apart, >= \$1M)"
  q <<SQL
.mode box
SELECT strftime('%Y-%m-%d %H:%M:%S', first_ts / 1000000, 'unixepoch') AS start,
       printf('%.0f s', (last_ts - first_ts) / 1e6) AS lasted,
       printf('%,d', events) AS fills,
       printf('%,d', CAST(long_notional AS INTEGER)) AS "longs USD",
       printf('%,d', CAST(short_notional AS INTEGER)) AS "shorts USD",
       printf('%,.1f -> %,.1f', first_price, last_price) AS price
FROM liq_cascades('liq', $WEEK_FROM, $WEEK_TO, '2s', 1000000, 'BTCUSDT')
ORDER BY long_notional + short_notional DESC LIMIT 5;
SQL
fi

if has_function liq_map; then
  echo
  echo "==> liquidation map of binance BTCUSDT positions at the start of that day: the biggest levels"
  q <<SQL
.mode box
SELECT printf('%,d', CAST(price AS INTEGER)) AS price,
       printf('%,d', CAST(long_notional AS INTEGER)) AS "longs USD",
       printf('%,d', CAST(short_notional AS INTEGER)) AS "shorts USD",
       printf('%,d', CAST(cum_long AS INTEGER)) AS "longs wiped if price falls here",
       printf('%,d', CAST(cum_short AS INTEGER)) AS "shorts wiped if price rises here"
FROM liq_map('pos', $DAY, 250, 'BTCUSDT', 'binance')
ORDER BY long_notional + short_notional DESC LIMIT 12;
SQL
fi

echo
if "$LIQDB" render --help >/dev/null 2>&1; then
  echo "==> drawing pictures next to $DB"
  # Heatmap and chart over the week; the map at the start of the busiest day.
  "$LIQDB" render heatmap --store "$DATA/store" --symbol BTCUSDT --exchange binance \
    --from "$WEEK_FROM" --to "$WEEK_TO" -o "$DATA/heatmap.png" || echo "(render heatmap failed)"
  "$LIQDB" render chart --store "$DATA/store" --coin BTC \
    --from "$WEEK_FROM" --to "$WEEK_TO" --interval 1h -o "$DATA/chart.png" || echo "(render chart failed)"
  "$LIQDB" render map --store "$DATA/store" --symbol BTCUSDT --exchange binance \
    --at "$DAY" -o "$DATA/map.png" || echo "(render map failed)"
  ls -l "$DATA"/*.png 2>/dev/null || true
else
  echo "(liqdb render is not built yet: no pictures this time)"
fi

ABS_DB=$(realpath "$DB")
ABS_EXT=$(realpath "./${BUILD_DIR}")/liqdb
cat <<EOF

==> done. The tables live on in $DB:

  sqlite3 $DB -cmd '.load $EXT'
    sqlite> .tables
    sqlite> SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h', 'BTCUSDT');
    sqlite> SELECT * FROM liq WHERE symbol = 'ETHUSDT' AND side = 'short' LIMIT 10;

  Python (Debian's /usr/bin/python3; some other Pythons, e.g. pyenv or macOS
  builds, lack enable_load_extension):

  /usr/bin/python3 - <<'PY'
  import sqlite3
  con = sqlite3.connect("$ABS_DB")
  con.enable_load_extension(True)
  con.load_extension("$ABS_EXT")
  for row in con.execute("SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '4h', 'BTCUSDT')"):
      print(row)
  PY

  The command line: $LIQDB --help   (stats, verify, ingest, render, ...)
EOF
