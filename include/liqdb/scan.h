// Row scans with pushdown: which series, chunks and rows a filter selects.
//
// Results stream: RowScanner yields one block of decoded rows per Next() so
// that callers (the SQLite extension's xNext) can stop between blocks.
// Scanners hold a reference to the Store; the Store must outlive them.
//
// Thread-safety: a scanner is used by one thread at a time.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "liqdb/cancel.h"
#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb {

// A constraint on value column `column` of the kind: lo <= v <= hi, with a
// strict bound where *_open says so. NULL (a NaN) matches no range, as NULL
// compares true with nothing in SQL.
struct ValueRange {
  int column = 0;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;
  bool Contains(double v) const { return (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi); }
};

// Which rows a scan returns. Empty `exchanges`/`symbols`/`coins` = all;
// coins are matched against CoinOf(exchange, symbol) (liqdb/coin.h).
struct ScanFilter {
  Kind kind = Kind::kLiquidations;
  Timestamp from = kMinTimestamp;  // inclusive
  Timestamp to = kMaxTimestamp;    // exclusive
  std::vector<std::string> exchanges;
  std::vector<std::string> symbols;
  std::vector<std::string> coins;
  uint8_t side_mask = 3;                 // bit 0 long, bit 1 short
  std::vector<ValueRange> value_ranges;  // all must hold
  // Series-major order: series by (exchange, symbol), each one's rows in ts
  // order (ties in storage order), overlapping chunks merged. Otherwise
  // blocks come chunk by chunk in order of their first ts, series mixed.
  bool ordered = false;
  // Time order across series: the rows of every selected series merged by
  // ts (ties: series in (exchange, symbol) order, then storage order), each
  // block a run of one series. Kinds without accounts only (liquidations,
  // market); implies the series' own chunks are merged as for `ordered`.
  bool time_ordered = false;
  // With `ordered`, kinds with a side: each series' rows in two runs, every
  // long row (in ts order) and then every short one, so that rows sharing
  // (exchange, symbol, side) are adjacent. Each run reads the series' chunks
  // again (those without a row of its side are skipped by their headers).
  bool side_runs = false;
  Cancellation* cancel = nullptr;  // asked while RowScanner::Next skips chunks (cancel.h); not owned
};

// The series ids a filter selects (empty filter lists = every series of the
// kind), in (exchange, symbol) order.
std::vector<uint32_t> SelectSeries(const Store& store, const ScanFilter& filter);

// One block of rows of one series, already filtered by every part of the
// filter: decoded columns, those of the mask (and those the filter needed).
// Columns::size() counts timestamps, so a block scanned with a mask without
// kMaskTs says its row count in `rows_without_ts`; with no other column
// either, a chunk whose every row matches is only that count: nothing was
// read but the header.
struct ScanBlock {
  SeriesKey series;
  Columns rows;
  uint32_t rows_without_ts = 0;
  uint64_t chunk_id = 0;  // the chunk the rows come from
  // Row i's position in its chunk; empty when the block is the whole chunk
  // in order. (chunk, position) identifies a stored row until compaction.
  std::vector<uint32_t> position;
  // Row i's chunk, when the block merges overlapping chunks (ordered scans).
  std::vector<uint64_t> row_chunk;
  size_t size() const { return rows_without_ts != 0 ? rows_without_ts : rows.size(); }
  uint32_t PositionOf(size_t i) const { return position.empty() ? static_cast<uint32_t>(i) : position[i]; }
  uint64_t ChunkOf(size_t i) const { return row_chunk.empty() ? chunk_id : row_chunk[i]; }
};

// Streams the rows matching a filter, block by block. Chunks whose zone map
// (time range, side counts, value ranges) rules out every row are skipped
// without reading them; the others are decoded (only the columns in `mask`
// plus those the filter needs) and filtered with branch-free loops over the
// decoded columns.
class RowScanner {
 public:
  static Result<std::unique_ptr<RowScanner>> Open(const Store& store, const ScanFilter& filter,
                                                  ColumnMask mask = kAllColumns);
  // Fills `block` with the next non-empty block; false at the end.
  Result<bool> Next(ScanBlock* block);
  ~RowScanner();

 private:
  RowScanner() = default;
  // What one chunk contributes: false when the zone map rules it out, else
  // `block` holds its matching rows (possibly none).
  Result<bool> ReadChunk(ScanBlock* block);
  // ReadChunk for a chunk whose notional, constrained by `notional`, is
  // price × qty: qty first, price only at the rows qty leaves possible.
  Status ReadProductChunk(ScanBlock* block, ColumnMask mask, bool inside, bool side_filter,
                          const std::vector<const ValueRange*>& ranges, const ValueRange& notional);
  // ReadProductChunk where only a few large lots can reach the notional's
  // lower bound and the qty column stores them apart (DecodeValuesAbove):
  // just those rows are read. False where the column cannot say.
  Result<bool> ReadLargeLots(ScanBlock* block, const std::vector<const ValueRange*>& ranges,
                             const ValueRange& notional);
  // keep_ for the n rows of a decoded chunk: 1 where the time range (unless
  // the chunk is `inside` it) and the side filter let a row through.
  uint8_t* StartKeep(const Columns& rows, size_t n, bool inside, bool side_filter);
  // price_at_ = the prices of the first c rows of candidates_.
  Status ReadPricesAt(size_t c);
  Status OpenNextSeries();
  // Time-ordered scans: the next run of one series from the merge.
  Result<bool> NextMerged(ScanBlock* block);

  // One series' ordered scan feeding the time-ordered merge.
  struct MergeInput {
    std::unique_ptr<RowScanner> scan;  // null once it ran out
    ScanBlock block;
    size_t pos = 0;  // next row of block
  };

  const Store* store_ = nullptr;
  ScanFilter filter_;
  WorkMeter meter_;
  ColumnMask mask_ = kAllColumns;
  // Ordered scans: the series (and, for side runs, the side) still to read.
  struct SeriesPass {
    uint32_t series = 0;
    uint8_t side_mask = 3;
  };
  std::vector<SeriesPass> series_;
  size_t next_series_ = 0;
  std::unique_ptr<ChunkReader> reader_;
  std::vector<uint8_t> keep_;         // ReadChunk's row selection
  Columns scratch_;                   // ReadChunk decodes filtered chunks here
  std::vector<uint32_t> positions_;   // and selects their rows here
  std::vector<MergeInput> merge_;     // time-ordered scans: one per series, in series order
  std::vector<uint32_t> candidates_;  // ReadProductChunk: rows qty leaves possible,
  std::vector<double> price_at_;      // their prices
  Columns prices_;                    // or the whole price column, when most rows are left
  std::vector<uint32_t> large_rows_;  // ReadLargeLots: the rows above the qty bound,
  std::vector<double> large_qty_;     // their qty
};

// Every row matching a filter of one series, merged into time order
// (ties keep storage order). For kernels that replay history.
Result<Columns> ReadSeriesSorted(const Store& store, Kind kind, uint32_t series_id, Timestamp from,
                                 Timestamp to);

}  // namespace liqdb
