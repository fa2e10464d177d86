// Queries over a Store: filtered row scans with pushdown, and the
// liquidation histograms (by time and by price).
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
#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb {

// The largest number of time buckets (or heatmap cells) one call may produce.
// A bigger grid is an InvalidArgument: it is a memory attack, not a query.
constexpr uint64_t kMaxGridCells = 2'000'000;

// Which rows a scan returns. Empty `exchanges`/`symbols` = all.
struct ScanFilter {
  Kind kind = Kind::kLiquidations;
  Timestamp from = kMinTimestamp;  // inclusive
  Timestamp to = kMaxTimestamp;    // exclusive
  std::vector<std::string> exchanges;
  std::vector<std::string> symbols;
  uint8_t side_mask = 3;           // bit 0 long, bit 1 short
  Cancellation* cancel = nullptr;  // asked while RowScanner::Next skips chunks (cancel.h); not owned
};

// The series ids a filter selects (empty filter lists = every series of the kind).
std::vector<uint32_t> SelectSeries(const Store& store, const ScanFilter& filter);

// One decoded block of rows of one series, already filtered by time and side.
struct ScanBlock {
  SeriesKey series;
  Columns rows;
  uint64_t chunk_id = 0;  // the chunk the rows come from
  // Row i's position in its chunk; empty when the block is the whole chunk
  // in order. (chunk_id, position) identifies a stored row until compaction.
  std::vector<uint32_t> position;
  uint32_t PositionOf(size_t i) const { return position.empty() ? static_cast<uint32_t>(i) : position[i]; }
};

// Streams the rows matching a filter, chunk by chunk (not globally
// time-sorted: overlapping chunks come one after the other).
class RowScanner {
 public:
  static Result<std::unique_ptr<RowScanner>> Open(const Store& store, const ScanFilter& filter,
                                                  ColumnMask mask = kAllColumns);
  // Fills `block` with the next non-empty block; false at the end.
  Result<bool> Next(ScanBlock* block);
  ~RowScanner();

 private:
  RowScanner() = default;
  ScanFilter filter_;
  WorkMeter meter_;
  ColumnMask mask_ = kAllColumns;
  std::unique_ptr<ChunkReader> reader_;
};

// Every row matching a filter of one series, merged into time order
// (ties keep storage order). For kernels that replay history.
Result<Columns> ReadSeriesSorted(const Store& store, Kind kind, uint32_t series_id, Timestamp from,
                                 Timestamp to);

// ---- liq_histogram -------------------------------------------------------

struct LiqHistogramSpec {
  Timestamp from = 0, to = 0;                   // [from, to)
  int64_t interval = 0;                         // µs, > 0; buckets aligned to multiples since the epoch
  std::vector<std::string> symbols, exchanges;  // empty = all
  Cancellation* cancel = nullptr;               // asked during long work (cancel.h); not owned
};

struct LiqHistogramRow {
  Timestamp bucket = 0;           // bucket start
  std::array<SideSums, 2> sides;  // indexed by Side
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

// ---- price bins ------------------------------------------------------------

// The bin index of a price: floor(price / step), except that a quotient
// within 1e-9 (relative) of an integer counts as that integer. In binary
// floating point 0.3 / 0.1 is 2.9999999999999996, and a person binning by
// hand puts 0.3 in the bin that starts at 0.3, not 0.2. The bin's lower
// edge is index × step. Every price-binned result (histograms, heatmaps,
// maps) uses this one rule.
inline double PriceBinIndex(double price, double step) {
  const double q = price / step;
  const double r = std::nearbyint(q);
  if (std::abs(q - r) <= 1e-9 * std::max(1.0, std::abs(r))) return r;
  return std::floor(q);
}

// ---- liq_price_histogram -------------------------------------------------

struct LiqPriceHistogramSpec {
  Timestamp from = 0, to = 0;
  double price_step = 0;  // > 0
  std::vector<std::string> symbols, exchanges;
  Cancellation* cancel = nullptr;  // asked during long work (cancel.h); not owned
};

struct LiqPriceHistogramRow {
  double price = 0;  // bin's lower edge floor(p / step) * step
  uint64_t long_count = 0, short_count = 0;
  double long_notional = 0, short_notional = 0;
};

Status ValidateLiqPriceHistogramSpec(const LiqPriceHistogramSpec& spec);
// Non-empty bins in ascending price. Fails before reading a row when the
// selected chunks' prices (zone maps) span more than kMaxGridCells bins.
Result<std::vector<LiqPriceHistogramRow>> LiqPriceHistogram(const Store& store,
                                                            const LiqPriceHistogramSpec& spec);

}  // namespace liqdb
