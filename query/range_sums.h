// Per-side sums of one liquidation chunk's rows in a time range, answered the
// cheapest way the chunk allows: its header when the whole chunk is inside
// the range, a rollup when the range's edges cut no rollup slot that holds
// rows, and decoding ts/side/qty/notional only otherwise. Shared by the
// kernels that sum liquidations per series over one range (liq_breakdown)
// and, for the slot test, liq_histogram.
//
// Thread-safety: as the ChunkReader passed in (one thread at a time).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb::internal {

// How a chunk was answered, for tests and benchmarks that check the work done.
struct RangeSumWork {
  uint64_t from_header = 0;  // chunks summed from the zone map alone
  uint64_t from_rollup = 0;  // chunks summed from a rollup
  uint64_t decoded = 0;      // chunks whose rows were decoded
};

// True when the chunk has rows in a `resolution` slot cut by `from` or `to`:
// that slot's rollup sums cannot say which of its rows are in range.
bool RollupSlotCut(const ChunkMeta& m, Timestamp from, Timestamp to, int64_t resolution);

// Adds the rows of the reader's current chunk with from <= ts < to to `sums`
// (indexed by Side). `rollup` and `rows` are scratch space kept by the caller.
Status AddChunkInRange(ChunkReader* reader, Timestamp from, Timestamp to, std::array<SideSums, 2>* sums,
                       std::vector<RollupSlot>* rollup, Columns* rows, RangeSumWork* work);

}  // namespace liqdb::internal
