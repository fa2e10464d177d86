// Queries over a Store: the liquidation histograms (by time and by price).
// Row scans are in liqdb/scan.h.
//
// Results stream: a cursor yields one row per Next() so that callers (the
// SQLite extension's xNext) can stop between rows. Cursors hold a reference
// to the Store; the Store must outlive them.
//
// Thread-safety: a cursor is used by one thread at a time.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "liqdb/cancel.h"
#include "liqdb/price_bins.h"
#include "liqdb/scan.h"
#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb {

// The largest number of time buckets (or heatmap cells) one call may produce.
// A bigger grid is an InvalidArgument: it is a memory attack, not a query.
constexpr uint64_t kMaxGridCells = 2'000'000;

// ---- liq_histogram -------------------------------------------------------

struct LiqHistogramSpec {
  Timestamp from = 0, to = 0;                   // [from, to)
  int64_t interval = 0;                         // µs, > 0; buckets aligned to multiples since the epoch
  std::vector<std::string> symbols, exchanges;  // empty = all
  std::vector<std::string> coins;               // empty = all; CoinOf's spelling (liqdb/coin.h)
  Cancellation* cancel = nullptr;               // asked during long work (cancel.h); not owned
};

struct LiqHistogramRow {
  Timestamp bucket = 0;           // bucket start
  std::array<SideSums, 2> sides;  // indexed by Side; qty in coin units (stored qty × CoinOf's qty_factor)
};

// Checks a spec: to > from, interval > 0, bucket count <= kMaxGridCells.
Status ValidateLiqHistogramSpec(const LiqHistogramSpec& spec);

// Yields one row per bucket in range, zero-filled, in time order. Answers
// whole chunks from their zone map or per-minute rollup where the bucket
// layout allows, and decodes rows only where a chunk straddles a bucket edge
// at sub-minute resolution.
class LiqHistogramCursor {
 public:
  static Result<std::unique_ptr<LiqHistogramCursor>> Open(const Store& store, const LiqHistogramSpec& spec);
  virtual ~LiqHistogramCursor() = default;
  virtual Result<bool> Next(LiqHistogramRow* row) = 0;
};

// Convenience: the whole histogram as a vector.
Result<std::vector<LiqHistogramRow>> LiqHistogram(const Store& store, const LiqHistogramSpec& spec);

// ---- liq_breakdown ---------------------------------------------------------

struct LiqBreakdownSpec {
  Timestamp from = 0, to = 0;  // [from, to)
  // Empty = all. Coins are matched against CoinOf(exchange, symbol).coin
  // (liqdb/coin.h), so write them as it does ('BTC'; NormalizeCoin).
  std::vector<std::string> symbols, exchanges, coins;
  Cancellation* cancel = nullptr;  // asked during long work (cancel.h); not owned
};

// What answering a breakdown cost, chunk by chunk (tests, benchmarks).
struct LiqBreakdownWork {
  uint64_t from_header = 0;  // chunks inside the range: their zone map's sums
  uint64_t from_rollup = 0;  // edge chunks answered from a per-hour/minute rollup
  uint64_t decoded = 0;      // edge chunks whose rows were decoded
};

struct LiqBreakdownRow {
  SeriesKey series;
  std::string coin;               // CoinOf(series)
  double qty_factor = 1;          // coin units per stored quantity unit
  std::array<SideSums, 2> sides;  // indexed by Side; qty in coin units (stored qty × qty_factor)
};

Status ValidateLiqBreakdownSpec(const LiqBreakdownSpec& spec);
// One row per selected series with at least one liquidation in [from, to)
// (as a GROUP BY would), in (exchange, symbol) order. Chunks inside the
// range are summed from their zone maps; only the chunks an edge cuts are
// looked into, through their rollups when the edges fall on whole hours or
// minutes, else by decoding their rows. `work` (optional) counts each way.
Result<std::vector<LiqBreakdownRow>> LiqBreakdown(const Store& store, const LiqBreakdownSpec& spec,
                                                  LiqBreakdownWork* work = nullptr);

// ---- liq_price_histogram -------------------------------------------------

struct LiqPriceHistogramSpec {
  Timestamp from = 0, to = 0;
  double price_step = 0;  // > 0
  std::vector<std::string> symbols, exchanges;
  std::vector<std::string> coins;  // empty = all; CoinOf's spelling (liqdb/coin.h)
  Cancellation* cancel = nullptr;  // asked during long work (cancel.h); not owned
};

struct LiqPriceHistogramRow {
  double price = 0;  // bin's lower edge floor(p / step) * step
  uint64_t long_count = 0, short_count = 0;
  double long_notional = 0, short_notional = 0;
};

// What answering a price histogram cost, chunk by chunk (tests, benchmarks).
struct LiqPriceHistogramWork {
  uint64_t from_header = 0;  // chunks inside the range whose prices share one bin
  uint64_t from_rollup = 0;  // chunks answered from their price rollup
  uint64_t decoded = 0;      // chunks whose rows were decoded
};

Status ValidateLiqPriceHistogramSpec(const LiqPriceHistogramSpec& spec);
// Non-empty bins in ascending price. Fails before reading a row when the
// selected chunks' prices (zone maps) span more than kMaxGridCells bins.
// A chunk is read from its price rollup (store.h) when the range's edges cut
// none of its hour slots and price_step is a whole number of the rollup's
// step, else its rows are decoded. `work` (optional) counts each way.
Result<std::vector<LiqPriceHistogramRow>> LiqPriceHistogram(const Store& store,
                                                            const LiqPriceHistogramSpec& spec,
                                                            LiqPriceHistogramWork* work = nullptr);

}  // namespace liqdb
