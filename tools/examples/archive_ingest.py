#!/usr/bin/python3
"""Backfill a folder of exchange archives into liqdb through SQL.

The same job as `liqdb ingest`, done the way a Python user would: the standard
sqlite3 module loads the liqdb extension, declares the tables, and INSERTs the
rows of each archive file in one transaction (the extension writes a
transaction atomically, and skips rows already stored, so re-running the
script is safe and a failed file leaves nothing half-written).

    /usr/bin/python3 tools/examples/archive_ingest.py \
        --db data/liq.sqlite --store btc --ext build/liqdb archives/

Needs a Python whose sqlite3 can load extensions (Debian's /usr/bin/python3
can; some other builds lack enable_load_extension). Formats are recognised
from each file's first line: Tardis liquidations and derivative_ticker CSV,
Binance forceOrder and COIN-M liquidationSnapshot, Bybit and OKX liquidation
messages. Files may be plain, .gz or .bz2 (by content). For Hyperliquid polls
and zstd archives use `liqdb ingest`, which also does all of this ~10x faster.
"""

import argparse
import bz2
import csv
import gzip
import io
import json
import os
import sqlite3
import sys

# Contract values (samples/README.md): linear = base units per contract,
# inverse = USD per contract.
CONTRACTS = {
    ("okx", "BTC-USDT-SWAP"): ("linear", 0.01),
    ("okx", "ETH-USDT-SWAP"): ("linear", 0.1),
    ("okx", "BTC-USD-SWAP"): ("inverse", 100.0),
    ("okx", "ETH-USD-SWAP"): ("inverse", 10.0),
}
TARDIS_VENUES = {"binance-futures": "binance", "binance-delivery": "binance",
                 "okex-swap": "okx", "okex-futures": "okx"}


class BadLine(Exception):
    pass


def contract(exchange, symbol):
    """(kind, value) of an instrument quoted in contracts, or ("base", 1)."""
    if (exchange, symbol) in CONTRACTS:
        return CONTRACTS[(exchange, symbol)]
    if exchange == "binance" and "_" in symbol:
        return ("inverse", 100.0 if symbol.startswith("BTCUSD_") else 10.0)
    if exchange == "okx":
        raise BadLine("unknown contract size for instrument %s on okx" % symbol)
    if exchange == "bybit" and symbol.endswith("USD"):
        return ("inverse", 1.0)
    return ("base", 1.0)


def sized(exchange, symbol, size, price):
    """Venue-native size -> (qty in base units, notional in quote)."""
    kind, value = contract(exchange, symbol)
    if kind == "inverse":
        notional = size * value
        return notional / price, notional
    qty = size / round(1 / value) if kind == "linear" and value < 1 else size * value
    return qty, price * qty


def order_side(s):
    """A forced SELL closes a long."""
    s = s.lower()
    if s == "sell":
        return "long"
    if s == "buy":
        return "short"
    raise BadLine("bad side %r" % s)


# Each parser turns one line into (table, [rows]); rows match the table's columns.

def tardis_liquidations(line, ctx):
    f = line.split(",")
    if len(f) != 8:
        raise BadLine("expected 8 fields, got %d" % len(f))
    if f[0] == "exchange":
        return "liq", []
    ex = TARDIS_VENUES.get(f[0], f[0])
    price = float(f[6])
    qty, notional = sized(ex, f[1], float(f[7]), price)
    return "liq", [(int(f[2]), ex, f[1], order_side(f[5]), price, qty, notional)]


def tardis_ticker(line, ctx):
    f = line.split(",")
    if len(f) != 11:
        raise BadLine("expected 11 fields, got %d" % len(f))
    if f[0] == "exchange" or not f[10] or not f[7]:
        return "mkt", []
    ex = TARDIS_VENUES.get(f[0], f[0])
    mark = float(f[10])
    oi, _ = sized(ex, f[1], float(f[7]), mark)
    return "mkt", [(int(f[2]), ex, f[1], mark, oi)]


def binance_forceorder(line, ctx):
    m = json.loads(line)
    o = m.get("data", m)["o"]
    qty = float(o["z"])
    if qty == 0:
        return "liq", []
    price = float(o["ap"])
    qty, notional = sized("binance", o["s"], qty, price)
    return "liq", [(o["T"] * 1000, "binance", o["s"], order_side(o["S"]), price, qty, notional)]


def binance_snapshot(line, ctx):
    f = line.split(",")
    if len(f) != 10:
        raise BadLine("expected 10 fields, got %d" % len(f))
    if f[0] == "time" or f[7] != "FILLED" or line in ctx["seen"]:
        return "liq", []  # header, unfilled, or an exact repeat (these files repeat rows)
    ctx["seen"].add(line)
    price = float(f[6])
    qty, notional = sized("binance", ctx["symbol"], float(f[9]), price)
    return "liq", [(int(f[0]) * 1000, "binance", ctx["symbol"], order_side(f[1]), price, qty, notional)]


def bybit(line, ctx):
    data = json.loads(line)["data"]
    rows = []
    for d in data if isinstance(data, list) else [data]:
        side = {"Buy": "long", "Sell": "short"}[d.get("S", d.get("side"))]  # position side
        sym = d.get("s", d.get("symbol"))
        price = float(d.get("p", d.get("price")))
        qty, notional = sized("bybit", sym, float(d.get("v", d.get("size"))), price)
        rows.append((int(d.get("T", d.get("updatedTime"))) * 1000, "bybit", sym, side, price, qty, notional))
    return "liq", rows


def okx(line, ctx):
    rows = []
    for inst in json.loads(line)["data"]:
        for d in inst["details"]:
            side = d["posSide"] if d["posSide"] in ("long", "short") else order_side(d["side"])
            price = float(d["bkPx"])
            qty, notional = sized("okx", inst["instId"], float(d["sz"]), price)
            rows.append((int(d["ts"]) * 1000, "okx", inst["instId"], side, price, qty, notional))
    return "liq", rows


def sniff(first):
    if first.startswith("exchange,symbol,timestamp,local_timestamp,id,"):
        return tardis_liquidations
    if first.startswith("exchange,symbol,timestamp,local_timestamp,funding_timestamp"):
        return tardis_ticker
    if first.startswith("time,side,order_type") or first.count(",") == 9:
        return binance_snapshot
    if '"forceOrder"' in first:
        return binance_forceorder
    if '"allLiquidation.' in first or '"liquidation.' in first:
        return bybit
    if '"liquidation-orders"' in first:
        return okx
    return None


def open_text(path):
    with open(path, "rb") as raw:
        head = raw.read(4)
    if head[:2] == b"\x1f\x8b":
        return gzip.open(path, "rt", newline="")
    if head[:3] == b"BZh":
        return bz2.open(path, "rt", newline="")
    if head == b"\x28\xb5\x2f\xfd":
        raise BadLine("zstd: Python's standard library cannot read it; use `liqdb ingest`")
    return io.open(path, "r", newline="")


def ingest_file(con, path, totals, max_errors):
    with open_text(path) as f:
        lines = f.read().splitlines()
    parse = sniff(next((l for l in lines if l.strip()), ""))
    if parse is None:
        raise BadLine("unknown format")
    ctx = {"seen": set(), "symbol": os.path.basename(path).split("-liquidationSnapshot")[0]}
    before = con.total_changes
    con.execute("BEGIN")
    try:
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            totals["lines"] += 1
            try:
                table, rows = parse(line, ctx)
                for row in rows:
                    con.execute("INSERT INTO %s VALUES (%s)" % (table, ",".join("?" * len(row))), row)
                    totals["rows"] += 1
            except (BadLine, ValueError, KeyError, TypeError, IndexError, sqlite3.Error) as e:
                totals["rejected"] += 1
                if totals["rejected"] <= max_errors:
                    print("%s:%d: %s" % (path, n, e), file=sys.stderr)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    totals["files"] += 1
    return con.total_changes - before


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="SQLite file holding the table declarations")
    ap.add_argument("--store", required=True, help="liqdb store folder (relative to the db's folder)")
    ap.add_argument("--ext", default="build/liqdb", help="path of the liqdb extension (without .so)")
    ap.add_argument("--max-errors", type=int, default=20)
    ap.add_argument("paths", nargs="+", help="archive files or folders")
    a = ap.parse_args()

    con = sqlite3.connect(a.db, isolation_level=None)
    con.enable_load_extension(True)
    con.load_extension(a.ext)
    for table, kind in (("liq", "liquidations"), ("mkt", "market")):
        con.execute("CREATE VIRTUAL TABLE IF NOT EXISTS %s USING liqdb(store='%s', kind='%s')"
                    % (table, a.store.replace("'", "''"), kind))
    # The tables may have been declared by an earlier run: writing into them from
    # SQL needs this connection's explicit consent (README, "Untrusted files").
    con.execute("SELECT liqdb_allow_writes()")

    files = []
    for p in a.paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(d, n) for d, _, ns in os.walk(p) for n in ns)
        else:
            files.append(p)
    totals = {"files": 0, "lines": 0, "rows": 0, "rejected": 0}
    for path in files:
        try:
            ingest_file(con, path, totals, a.max_errors)
        except BadLine as e:
            totals["rejected"] += 1
            print("%s: %s" % (path, e), file=sys.stderr)
    print("%(files)d files, %(lines)d lines, %(rows)d rows inserted (rows already stored are skipped),"
          " %(rejected)d rejected" % totals)
    return 3 if totals["rejected"] else 0


if __name__ == "__main__":
    sys.exit(main())
