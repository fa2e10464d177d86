#!/usr/bin/python3
"""The liquidation chart and the liquidation heatmap of one instrument, in pandas and matplotlib.

A notebook-style walk-through (each `# %%` cell runs on its own in Jupyter,
VS Code or Spyder; the whole file runs as a script): load the liqdb extension
into Python's sqlite3, declare the store's tables, read `liq_histogram` (what
was liquidated, longs vs shorts per bucket) and `liq_heatmap` (where open
positions would be liquidated, per bucket and price bin) into DataFrames with
UTC timestamps, and draw both into one PNG.

    /usr/bin/python3 tools/examples/chart_and_heatmap.py --store demo-data/store \
        --ext build/liqdb --symbol BTCUSDT --exchange binance \
        --from 2024-03-01 --to 2024-03-03 -o chart_and_heatmap.png

Needs Debian's python3-pandas and python3-matplotlib, and a Python whose
sqlite3 can load extensions (Debian's /usr/bin/python3 can). Draws with the
Agg backend, so it runs without a display.
"""

# %% Settings: command-line arguments when run as a script, defaults in a notebook.
import argparse
import os
import sqlite3
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot
import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--store", default="demo-data/store", help="liqdb store folder")
parser.add_argument("--ext", default="build/liqdb", help="the extension, without .so")
parser.add_argument("--symbol", default="BTCUSDT")
parser.add_argument("--exchange", default="binance", help="one venue ('' = all venues)")
parser.add_argument("--from", dest="start", default="2024-03-01", help="ISO-8601, UTC")
parser.add_argument("--to", dest="end", default="2024-03-02", help="ISO-8601, UTC (exclusive)")
parser.add_argument("--chart-interval", default="1h", help="liquidation chart bucket")
parser.add_argument("--heatmap-interval", default="15m", help="heatmap bucket")
parser.add_argument("--price-step", type=float, default=100.0, help="heatmap price bin")
parser.add_argument("-o", "--out", default="chart_and_heatmap.png", help="PNG to write")
# In a notebook sys.argv belongs to the kernel: take the defaults there.
args = parser.parse_args([] if "ipykernel" in sys.modules else None)
exchange = args.exchange or None  # NULL = every venue

# %% Connect: an in-memory database, the extension, the store's tables.
# The declarations live in this throwaway database; mode='readonly' takes no
# lock, so this works while a writer (`liqdb ingest`) runs on the store.
con = sqlite3.connect(":memory:")
con.enable_load_extension(True)
con.load_extension(args.ext)
con.enable_load_extension(False)
store = os.path.abspath(args.store)  # a relative store= would be relative to the working directory
if not os.path.isdir(store):
    sys.exit(f"no store folder at {store}")
store_sql = store.replace("'", "''")
for table, kind in (("liq", "liquidations"), ("pos", "positions"), ("mkt", "market")):
    con.execute(f"CREATE VIRTUAL TABLE {table} USING liqdb(store='{store_sql}', kind='{kind}', mode='readonly')")


def utc(us):
    """liqdb's times (integer µs since the epoch, UTC) as tz-aware pandas timestamps."""
    return pd.to_datetime(us, unit="us", utc=True)


# %% The liquidation chart: one row per bucket, zero-filled, longs and shorts.
chart = pd.read_sql(
    "SELECT * FROM liq_histogram('liq', ?, ?, ?, ?, ?)",
    con,
    params=(args.start, args.end, args.chart_interval, args.symbol, exchange),
)
chart["bucket"] = utc(chart["bucket"])
chart = chart.set_index("bucket")
liquidations = int(chart["long_count"].sum() + chart["short_count"].sum())
print(
    f"chart: {len(chart)} buckets from {chart.index[0].isoformat()}, {liquidations} liquidations, "
    f"long notional {chart['long_notional'].sum():.2f}, short notional {chart['short_notional'].sum():.2f}"
)

# %% The heatmap: non-empty (bucket, price bin) cells of notional that would be liquidated there.
cells = pd.read_sql(
    "SELECT * FROM liq_heatmap('pos', ?, ?, ?, ?, ?, ?)",
    con,
    params=(args.start, args.end, args.heatmap_interval, args.price_step, args.symbol, exchange),
)
cells["bucket"] = utc(cells["bucket"])
cells["notional"] = cells["long_notional"] + cells["short_notional"]
print(f"heatmap: {len(cells)} cells, {cells['notional'].sum():.2f} notional")
if liquidations == 0 and cells.empty:
    sys.exit(f"nothing to draw: no liquidations or positions of {args.symbol} in [{args.start}, {args.end})")

# A regular price bin × bucket grid: every bin between the lowest and the
# highest, every bucket between the first and the last; empty cells are NaN
# (drawn transparent). pandas reads liqdb's interval spellings ('15m', '1h',
# '1d', '500ms') the same way.
step = pd.Timedelta(args.heatmap_interval)
cells["bin"] = (cells["price"] / args.price_step).round().astype("int64")  # price = bin × step
grid = cells.pivot_table(index="bin", columns="bucket", values="notional", aggfunc="sum")
if not grid.empty:
    grid = grid.reindex(index=range(grid.index.min(), grid.index.max() + 1),
                        columns=pd.date_range(grid.columns.min(), grid.columns.max(), freq=step))

# The mark price over the same range, one average per heatmap bucket (in SQL,
# so only a few rows reach Python), to draw across the heatmap.
step_us = step // pd.Timedelta(microseconds=1)
mark_sql = ("SELECT ts / ? * ? AS bucket, avg(mark_price) AS mark FROM mkt "
            "WHERE symbol = ? AND ts >= ? AND ts < ?" + (" AND exchange = ?" if exchange else "") +
            " GROUP BY 1 ORDER BY 1")
mark_params = [step_us, step_us, args.symbol, args.start, args.end] + ([exchange] if exchange else [])
mark = pd.read_sql(mark_sql, con, params=mark_params)
mark["bucket"] = utc(mark["bucket"]) + step / 2  # drawn at the middle of its bucket

# %% Draw: the chart above (longs up, shorts down), the heatmap below, one time axis.
fig, (ax_chart, ax_heat) = plt.subplots(2, 1, figsize=(12, 9), sharex=True, height_ratios=(1, 2),
                                        layout="constrained")
venue = exchange or "all venues"
width = (chart.index[1] - chart.index[0]) * 0.9 if len(chart) > 1 else pd.Timedelta(args.chart_interval)
ax_chart.bar(chart.index, chart["long_notional"], width=width, align="edge", color="#d62728",
             label="longs liquidated")
ax_chart.bar(chart.index, -chart["short_notional"], width=width, align="edge", color="#2ca02c",
             label="shorts liquidated")
ax_chart.axhline(0, color="black", linewidth=0.5)
ax_chart.set_ylabel("notional (quote)")
ax_chart.set_title(f"{args.symbol} {venue}: liquidations per {args.chart_interval} (UTC)")
ax_chart.legend(loc="upper left")

if not grid.empty:
    positive = grid[grid > 0]
    norm = mcolors.LogNorm(vmin=positive.min().min(), vmax=positive.max().max())
    # Cell edges: each bucket's start and each bin's lower edge, plus one more of each.
    x = list(grid.columns) + [grid.columns[-1] + step]
    y = [b * args.price_step for b in list(grid.index) + [grid.index[-1] + 1]]
    mesh = ax_heat.pcolormesh(x, y, grid.values, norm=norm, cmap="inferno", shading="flat")
    fig.colorbar(mesh, ax=ax_heat, label="notional that would be liquidated")
if not mark.empty:
    ax_heat.plot(mark["bucket"], mark["mark"], color="#1f77b4", linewidth=1.2, label="mark price")
    ax_heat.legend(loc="upper left")
    # Levels far from the price matter little and squash the picture: show ±25 %.
    ax_heat.set_ylim(mark["mark"].min() * 0.75, mark["mark"].max() * 1.25)
ax_heat.set_ylabel("price")
ax_heat.set_xlabel("time (UTC)")
ax_heat.set_title(f"{args.symbol} {venue}: liquidation heatmap, {args.heatmap_interval} × {args.price_step:g}")
fig.autofmt_xdate()
fig.savefig(args.out, dpi=100)
print(f"wrote {args.out}")
