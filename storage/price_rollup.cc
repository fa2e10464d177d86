// The price rollup part (see price_rollup.h, docs/format.md).
#include "storage/price_rollup.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "storage/chunk_format.h"
#include "storage/codec/bitpack.h"
#include "storage/codec/bytes.h"
#include "storage/codec/ts_codec.h"
#include "storage/keys.h"

#include "liqdb/price_bins.h"

namespace liqdb::storage {

namespace {

struct CellSums {
  std::array<uint64_t, 2> count{};
  std::array<double, 2> notional{};
};

}  // namespace

bool BuildPriceRollup(const Columns& rows, PriceRollup* out) {
  out->Resize(0);
  const size_t n = rows.size();
  if (n == 0 || rows.kind != Kind::kLiquidations) return false;
  const std::vector<double>& price = rows.values[liq_col::kPrice];
  const std::vector<double>& notional = rows.values[liq_col::kNotional];
  // A NaN fails both comparisons and is passed over (ClearPriceBin refuses
  // it below); written so, the loop compiles to min/max instructions.
  double low = INFINITY, high = -INFINITY;
  for (double p : price) {
    low = p < low ? p : low;
    high = p > high ? p : high;
  }
  if (!(low > 0) || !std::isfinite(high)) return false;
  const double step = PriceRollupStep(low, high);
  if (step == 0) return false;
  // One slot's cells are summed densely over the chunk's bins (a margin of
  // one each side for bins that snap up), then listed in bin order.
  const int64_t base = static_cast<int64_t>(std::floor(low / step)) - 1;
  const size_t width = static_cast<size_t>(static_cast<int64_t>(std::floor(high / step)) - base + 2);
  std::vector<CellSums> sums(width);
  std::vector<uint32_t> touched;
  const size_t max_cells = n / kMinRowsPerPriceCell;
  RollupSlotCursor cursor(kRollupHour);
  int64_t slot = cursor.SlotOf(rows.ts[0]);
  auto flush = [&] {
    std::sort(touched.begin(), touched.end());
    for (uint32_t at : touched) {
      out->slot.push_back(slot);
      out->bin.push_back(base + at);
      for (int side = 0; side < 2; ++side) {
        out->count[side].push_back(static_cast<int64_t>(sums[at].count[side]));
        out->notional[side].push_back(sums[at].notional[side]);
      }
      sums[at] = CellSums{};
    }
    touched.clear();
  };
  for (size_t i = 0; i < n; ++i) {
    int64_t bin = 0;
    if (!ClearPriceBin(price[i], step, &bin)) return false;
    const int64_t row_slot = cursor.SlotOf(rows.ts[i]);
    if (row_slot != slot) {
      flush();
      if (out->size() > max_cells) return false;
      slot = row_slot;
    }
    const int64_t at = bin - base;
    if (at < 0 || at >= static_cast<int64_t>(width)) return false;
    CellSums& c = sums[static_cast<size_t>(at)];
    if (c.count[0] + c.count[1] == 0) touched.push_back(static_cast<uint32_t>(at));
    const int side = rows.side[i] != 0 ? 1 : 0;
    ++c.count[side];
    c.notional[side] += notional[i];
  }
  flush();
  if (out->size() > max_cells) return false;
  out->step = step;
  return true;
}

std::string EncodePriceRollupPart(const PriceRollup& rollup) {
  std::string out;
  ByteWriter w(&out);
  w.PutF64(rollup.step);
  const size_t m = rollup.size();
  w.PutVarint(m);
  EncodeTimestamps(rollup.slot.data(), m, &w);
  EncodeTimestamps(rollup.bin.data(), m, &w);
  for (int side = 0; side < 2; ++side) {
    EncodeTimestamps(rollup.count[side].data(), m, &w);
    // Sums of many notionals are not decimal: the double codec would pick
    // XOR, which saves about a byte a value and decodes bit by bit.
    w.PutRaw(rollup.notional[side].data(), m * sizeof(double));
  }
  return SealPart(kPartRollupPrice, std::move(out));
}

Status DecodePriceRollupPart(std::string_view value, PriceRollup* out, const ChunkMeta* header) {
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(kPartRollupPrice, value, &payload));
  ByteReader r(payload);
  LIQDB_RETURN_IF_ERROR(r.GetF64(&out->step));
  if (!(out->step > 0) || !std::isfinite(out->step)) return Status::Corruption("price rollup: bad step");
  if (header != nullptr && out->step != PriceRollupStep(header->min_price, header->max_price)) {
    return Status::Corruption("price rollup step disagrees with the header's prices");
  }
  uint64_t m = 0;
  LIQDB_RETURN_IF_ERROR(r.GetVarint(&m));
  if (m == 0 || m > kMaxCodecRows)
    return Status::Corruption("price rollup: absurd cell count " + std::to_string(m));
  out->Resize(m);
  LIQDB_RETURN_IF_ERROR(DecodeTimestamps(&r, m, out->slot.data()));
  LIQDB_RETURN_IF_ERROR(DecodeTimestamps(&r, m, out->bin.data()));
  for (int side = 0; side < 2; ++side) {
    LIQDB_RETURN_IF_ERROR(DecodeTimestamps(&r, m, out->count[side].data()));
    LIQDB_RETURN_IF_ERROR(r.GetRaw(out->notional[side].data(), m * sizeof(double)));
  }
  if (r.remaining() != 0) return Status::Corruption("price rollup: trailing bytes");
  // One pass for every per-cell rule, without branches (& of bools, not
  // &&): the checks are rarely false and the cells number about a thousand
  // a chunk. Without a header the bounds admit every cell.
  int64_t first_slot = INT64_MIN, last_slot = INT64_MAX;
  int64_t low_bin = INT64_MIN, high_bin = INT64_MAX;
  if (header != nullptr) {
    first_slot = RollupSlotOf(header->min_ts, kRollupHour);
    last_slot = RollupSlotOf(header->max_ts, kRollupHour);
    // Within a bin of the header's prices (a price on a bin edge may land
    // either side of it); a damaged header's prices need not give an int64.
    const double low = std::floor(header->min_price / out->step) - 1;
    const double high = std::floor(header->max_price / out->step) + 1;
    constexpr double kLimit = 0x1p62;
    if (!(low > -kLimit && high < kLimit && low <= high)) {
      return Status::Corruption("price rollup cell outside the chunk's hours or prices");
    }
    low_bin = static_cast<int64_t>(low);
    high_bin = static_cast<int64_t>(high);
  }
  const int64_t *slot = out->slot.data(), *bin = out->bin.data();
  const int64_t *longs = out->count[0].data(), *shorts = out->count[1].data();
  bool ordered = true, counted = true, inside = true;
  uint64_t long_rows = 0, short_rows = 0;
  for (size_t i = 0; i < m; ++i) {
    if (i > 0) ordered &= slot[i] > slot[i - 1] || (slot[i] == slot[i - 1] && bin[i] > bin[i - 1]);
    counted &= longs[i] >= 0 && shorts[i] >= 0 && longs[i] + shorts[i] > 0;
    inside &= slot[i] >= first_slot && slot[i] <= last_slot && bin[i] >= low_bin && bin[i] <= high_bin;
    long_rows += static_cast<uint64_t>(longs[i]);
    short_rows += static_cast<uint64_t>(shorts[i]);
  }
  if (!ordered) return Status::Corruption("price rollup: cells out of order");
  if (!counted) return Status::Corruption("price rollup: a negative count or an empty cell");
  if (!inside) return Status::Corruption("price rollup cell outside the chunk's hours or prices");
  if (header != nullptr && (long_rows != header->sides[0].count || short_rows != header->sides[1].count)) {
    return Status::Corruption("price rollup disagrees with the header");
  }
  return Status::OK();
}

}  // namespace liqdb::storage
