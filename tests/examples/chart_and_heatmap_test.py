#!/usr/bin/python3
"""CTest `python_example`: tools/examples/chart_and_heatmap.py on a small store.

Generates one day of BTCUSDT/binance data with the built `liqdb gen`, runs the
example headless, and checks that
  - the chart it read covers the day in 24 hourly buckets starting at
    2024-03-01T00:00:00+00:00 (UTC timestamps) and holds as many liquidations,
    and as much long and short notional, as plain SQL over the rows says;
  - the PNG exists, has the figure's size and is not blank: a good share of
    its pixels are coloured (bars, heatmap cells), which an empty figure with
    only axes, ticks and titles (black/grey on white) does not have; the
    check is shown to reject such a figure;
  - a range before any data is an error and writes no PNG.
"""

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--cli", required=True)
parser.add_argument("--ext", required=True)
parser.add_argument("--script", required=True)
parser.add_argument("--work", required=True)
args = parser.parse_args()

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def colourful_share(path):
    """Share of pixels that are clearly coloured (not white, grey or black)."""
    img = Image.open(path).convert("RGB")
    pixels = list(img.getdata())
    coloured = sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60)
    return img.size, coloured / len(pixels), len(set(pixels))


shutil.rmtree(args.work, ignore_errors=True)
os.makedirs(args.work)
store = os.path.join(args.work, "store")
subprocess.run([args.cli, "gen", "--store", store, "--days", "1", "--events", "5000", "--positions", "5000",
                "--accounts", "200", "--symbols", "BTCUSDT", "--exchanges", "binance", "--market-interval",
                "1m", "--quiet"], check=True)

# The values to expect, from plain SQL over the stored rows (not the histogram).
con = sqlite3.connect(":memory:")
con.enable_load_extension(True)
con.load_extension(args.ext)
con.execute(f"CREATE VIRTUAL TABLE liq USING liqdb(store='{store}', kind='liquidations', mode='readonly')")
count, long_sum, short_sum = con.execute(
    "SELECT count(*), total(CASE side WHEN 'long' THEN notional END), total(CASE side WHEN 'short' THEN notional END)"
    " FROM liq WHERE symbol = 'BTCUSDT' AND exchange = 'binance'"
    " AND ts >= '2024-03-01' AND ts < '2024-03-02'").fetchone()
con.close()
check(count > 1000, f"the generated day holds liquidations ({count})")

png = os.path.join(args.work, "out.png")
run = subprocess.run([sys.executable, args.script, "--store", store, "--ext", args.ext, "--symbol", "BTCUSDT",
                      "--exchange", "binance", "--from", "2024-03-01", "--to", "2024-03-02", "-o", png],
                     cwd=args.work, capture_output=True, text=True)
print(run.stdout + run.stderr)
check(run.returncode == 0, "the example runs")
m = re.search(r"chart: (\d+) buckets from (\S+), (\d+) liquidations, long notional ([\d.]+), "
              r"short notional ([\d.]+)", run.stdout)
check(m is not None, "the example reports the chart it read")
if m:
    check(m.group(1) == "24", f"24 hourly buckets ({m.group(1)})")
    check(m.group(2) == "2024-03-01T00:00:00+00:00", f"the first bucket is midnight UTC ({m.group(2)})")
    check(int(m.group(3)) == count, f"liquidations {m.group(3)} = SQL count {count}")
    for got, want, side in ((float(m.group(4)), long_sum, "long"), (float(m.group(5)), short_sum, "short")):
        check(abs(got - want) <= 0.01 + 1e-9 * want, f"{side} notional {got:.2f} = SQL sum {want:.2f}")
m = re.search(r"heatmap: (\d+) cells", run.stdout)
check(m is not None and int(m.group(1)) > 0, "the heatmap has cells")

check(os.path.isfile(png), "the PNG exists")
if os.path.isfile(png):
    with open(png, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "it is a PNG")
    size, share, colours = colourful_share(png)
    check(size == (1200, 900), f"the figure's size ({size})")
    check(share > 0.03, f"{share:.1%} of its pixels are coloured")
    check(colours > 100, f"{colours} distinct colours")

# The blank check must be able to fail: an empty figure laid out like the
# example's (two panels, titles, labels) has no coloured pixels to speak of.
blank = os.path.join(args.work, "blank.png")
fig, axes = plt.subplots(2, 1, figsize=(12, 9), layout="constrained")
for ax in axes:
    ax.set_title("BTCUSDT binance: nothing")
    ax.set_ylabel("notional")
fig.savefig(blank, dpi=100)
_, blank_share, _ = colourful_share(blank)
check(blank_share <= 0.03, f"an empty figure is rejected ({blank_share:.1%} coloured)")

# No data in range: an error naming the range, no picture. (Before the data:
# after it the heatmap still shows the positions left open.)
empty_png = os.path.join(args.work, "empty.png")
run = subprocess.run([sys.executable, args.script, "--store", store, "--ext", args.ext, "--from", "2023-01-01",
                      "--to", "2023-01-02", "-o", empty_png], cwd=args.work, capture_output=True, text=True)
check(run.returncode != 0 and "nothing to draw" in run.stderr, f"an empty range fails: {run.stderr.strip()}")
check(not os.path.exists(empty_png), "and writes no PNG")

sys.exit(1 if failures else 0)
