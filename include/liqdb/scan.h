// Row scans with pushdown: which series, chunks and rows a filter selects.
//
// Results stream: RowScanner yields one block of decoded rows per Next() so
// that callers (the SQLite extension's xNext) can stop between blocks.
// Scanners hold a reference to the Store; the Store must outlive them.
//
// Thread-safety: a scanner is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "liqdb/cancel.h"
#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb {

// Which rows a scan returns. Empty `exchanges`/`symbols`/`coins` = all;
// coins are matched against CoinOf(exchange, symbol) (liqdb/coin.h).
struct ScanFilter {
  Kind kind = Kind::kLiquidations;
  Timestamp from = kMinTimestamp;  // inclusive
  Timestamp to = kMaxTimestamp;    // exclusive
  std::vector<std::string> exchanges;
  std::vector<std::string> symbols;
  std::vector<std::string> coins;
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

}  // namespace liqdb
