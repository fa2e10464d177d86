#!/usr/bin/env bash
# Regenerates the seed corpus in tests/fuzz/corpus/ (committed; a few
# hundred KB at most): encoder output for the codec and chunk targets (from
# make_seeds.cc, built in the fuzz build), the sample records of
# tests/data/samples for the ingest target (first byte = format, as
# ingest_fuzz.cc reads it; plus compressed copies), gap records (from
# make_seeds.cc), and hand-written texts for the time, leverage-profile and
# URL parsers.
#
#   bash tests/fuzz/make_corpus.sh [BUILD_DIR]     # default build-fuzz
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BUILD_DIR=${1:-build-fuzz}
OUT=tests/fuzz/corpus
SAMPLES=tests/data/samples

cmake --build "$BUILD_DIR" --target liqdb_fuzz_seeds
rm -rf "$OUT"
"$BUILD_DIR"/tests/fuzz/liqdb_fuzz_seeds "$OUT"

# ingest: "\xNN" + file, NN the index in ingest_fuzz.cc's kFormats.
mkdir -p "$OUT/ingest"
seed() {  # seed NAME FORMAT_INDEX < content
  { printf "\\x$(printf %02x "$2")"; cat; } >"$OUT/ingest/seed-$1"
}
i=1
for f in tardis-liquidations.csv tardis-derivative-ticker.csv binance-forceorder.jsonl \
  binance-liquidation-snapshot.csv bybit-liquidation.jsonl okx-liquidation-orders.jsonl \
  hyperliquid-clearinghouse.jsonl; do
  seed "${f%.*}" "$i" <"$SAMPLES/$f"
  head -n 3 "$SAMPLES/$f" | seed "auto-${f%.*}" 8
  i=$((i + 1))
done
# The formats after auto in kFormats (9 on).
i=9
for f in binance-mark-price.jsonl bybit-ticker.jsonl okx-mark-price.jsonl; do
  seed "${f%.*}" "$i" <"$SAMPLES/$f"
  head -n 3 "$SAMPLES/$f" | seed "auto-${f%.*}" 8
  i=$((i + 1))
done
seed liqdb-raw 14 <"$SAMPLES/liqdb-raw.jsonl"
head -n 3 "$SAMPLES/liqdb-raw.jsonl" | seed auto-liqdb-raw 8
printf 'ts,exchange,symbol,side,price,qty,notional\n1718000001230000,binance,BTCUSDT,long,67012.3,0.25,16753.075\n1718000001683000,okx,ETH-USDT-SWAP,short,3549.9,3.412,\n' |
  seed csv-liquidations 0
printf '1718000004567000,hyperliquid,BTC,0xabc,long,0.5,66000.5,10,60123.4\n1718000004567000,hyperliquid,ETH,0xabc,short,0,3500,,\n' |
  seed csv-positions 0
printf 'ts,exchange,symbol,mark_price,open_interest\n1718000000000000,binance,BTCUSDT,67018.9,81234.567\n' |
  seed csv-market 0
head -n 4 "$SAMPLES/tardis-liquidations.csv" | gzip -9n | seed gzip 1
head -n 4 "$SAMPLES/binance-forceorder.jsonl" | zstd -q -19 | seed zstd 3
head -n 4 "$SAMPLES/okx-liquidation-orders.jsonl" | bzip2 -9 | seed bzip2 6
# Two checksummed zstd frames, as a raw archive writes them (one per flush).
{ head -n 3 "$SAMPLES/liqdb-raw.jsonl" | zstd -q -19 --check
  tail -n 3 "$SAMPLES/liqdb-raw.jsonl" | zstd -q -19 --check; } | seed zstd-frames 14

# timeparse: time text, newline, interval text.
mkdir -p "$OUT/timeparse"
n=0
while IFS= read -r line; do
  printf '%b' "$line" >"$OUT/timeparse/seed-$n"
  n=$((n + 1))
done <<'TEXTS'
2024-03-01\n5m
2024-03-01T12:00:00.250+05:30\n1.5h
2024-02-29 23:59:59Z\n1w
1718000000000000\n500ms
-9223372036854775808\n1
0000-01-01\n0.000001s
9999-12-31T23:59:59.999999Z\n1d
2024-06-10t08:30-0130\n90 min
 2024-06-10T08:30:15,5 \n4h
TEXTS

# leverage_profile: profiles as users write them.
mkdir -p "$OUT/leverage_profile"
n=0
while IFS= read -r line; do
  printf '%s' "$line" >"$OUT/leverage_profile/seed-$n"
  n=$((n + 1))
done <<'TEXTS'
10:0.3,25:0.25,50:0.25,100:0.2
10:1
 2:0.5 , 100:0.5
1.5:1e-300,3:0,125:2.5e-1
TEXTS

# url: endpoints as users give them to --endpoint, and the venues' own.
mkdir -p "$OUT/url"
n=0
while IFS= read -r line; do
  printf '%s' "$line" >"$OUT/url/seed-$n"
  n=$((n + 1))
done <<'TEXTS'
wss://fstream.binance.com/market/ws/!forceOrder@arr
wss://ws.okx.com:8443/ws/v5/public
https://api.hyperliquid.xyz/info
ws://127.0.0.1:9001
HTTP://[::1]:8080/path?q=1
ws://localhost?x=y
https://api.bybit.com:443/v5/market/instruments-info?category=linear&limit=1000
TEXTS
# The url target's first finding: a host with ':' and ']' outside brackets.
printf 'HTTP://\xa48::-1]:8000/p' >"$OUT/url/seed-finding-bare-colon-host"

du -sh "$OUT"
