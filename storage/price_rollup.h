// The price rollup part of a liquidation chunk: per-side count and notional
// per (hour slot, price bin) cell, built when a chunk is encoded and read by
// price histograms over whole hours (docs/format.md, "Price rollup part").
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb::storage {

// The rollup of `rows` (a liquidation chunk's, sorted by ts) into `out`, or
// false when the chunk gets none: no step keeps its prices within
// kPriceRollupMaxBins bins and ClearPriceBin's bounds, a row's bin is not
// clear of the snap edge, or the rows average fewer than
// kMinRowsPerPriceCell per cell.
bool BuildPriceRollup(const Columns& rows, PriceRollup* out);

std::string EncodePriceRollupPart(const PriceRollup& rollup);
// Checks the checksum, the step (finite, > 0) and that cells ascend by
// (slot, bin) and hold at least one row each. With `header` (the chunk's
// meta), also in the same pass: the step is the one its prices give, every
// cell lies within its hours and prices, and each side's counts add up to
// its header's, so that a histogram reading the rollup instead of the rows
// sees the same rows.
Status DecodePriceRollupPart(std::string_view value, PriceRollup* out, const ChunkMeta* header = nullptr);

}  // namespace liqdb::storage
