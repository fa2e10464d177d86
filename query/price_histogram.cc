// liq_price_histogram: liquidation count and notional per price bin, longs
// and shorts apart. A chunk wholly inside the time range whose prices all
// fall in one bin is answered from its header; one whose hour slots the
// range does not cut, from its price rollup when the step allows
// (liqdb/price_bins.h); any other is decoded.
//
// Bins are a dense array over the bin indexes the zone maps allow (the cell
// cap bounds it), so a row costs its bin index and two adds, not a tree
// lookup. A bin sums its rows in scan order, a rollup cell's rows summed
// first where a chunk is read from its rollup.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "query/heatmap_internal.h"
#include "query/range_sums.h"

#include "liqdb/heatmap.h"
#include "liqdb/query.h"
#include "liqdb/timeparse.h"

namespace liqdb {

namespace {
std::string PriceText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

constexpr size_t kBlock = 1024;

struct Sums {
  uint64_t count[2] = {0, 0};  // indexed by side: 0 long, 1 short
  double notional[2] = {0, 0};
};

// Sums per bin index: dense over [first, first + size), a map for anything
// outside (a price beyond its chunk's zone map; never written, but a
// damaged header must not become an out-of-bounds write).
class Bins {
 public:
  Bins(double first, uint64_t size) : first_(first), dense_(size) {}
  Sums& At(double index) {
    const double offset = index - first_;
    if (offset >= 0 && offset < static_cast<double>(dense_.size()))
      return dense_[static_cast<size_t>(offset)];
    return outside_[index];
  }
  // Non-empty bins in ascending price.
  std::vector<LiqPriceHistogramRow> Rows(double step) const {
    std::vector<std::pair<double, const Sums*>> all;
    for (size_t i = 0; i < dense_.size(); ++i) {
      if (dense_[i].count[0] + dense_[i].count[1] > 0)
        all.emplace_back(first_ + static_cast<double>(i), &dense_[i]);
    }
    for (const auto& [index, s] : outside_) all.emplace_back(index, &s);
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<LiqPriceHistogramRow> out;
    out.reserve(all.size());
    for (const auto& [index, s] : all) {
      LiqPriceHistogramRow row;
      row.price = index * step;
      row.long_count = s->count[0];
      row.short_count = s->count[1];
      row.long_notional = s->notional[0];
      row.short_notional = s->notional[1];
      out.push_back(row);
    }
    return out;
  }

 private:
  double first_;
  std::vector<Sums> dense_;
  std::map<double, Sums> outside_;
};

// Adds a chunk's price rollup into `bins`; price_step is a whole number k
// of its step (checked by the caller), so rollup bin b lands in bin
// floor(b / k). The range's edges cut none of the chunk's hour slots, so a
// slot is in range exactly when its start is.
void AddPriceRollup(const PriceRollup& rollup, const LiqPriceHistogramSpec& spec, bool inside, Bins* bins) {
  const int64_t k = PriceRollupRatio(rollup.step, spec.price_step);
  // Bins ascend within a slot, so a cell lands where the one before did or
  // in the next bin up: the division (tens of cycles, once a bin at k = 2)
  // only where a cell jumps further, at a new slot.
  int64_t first = 1, key = 0;
  Sums* b = nullptr;
  const size_t m = rollup.size();
  const int64_t* slot = rollup.slot.data();
  const int64_t* bin = rollup.bin.data();
  const int64_t* longs = rollup.count[0].data();
  const int64_t* shorts = rollup.count[1].data();
  const double* long_notional = rollup.notional[0].data();
  const double* short_notional = rollup.notional[1].data();
  for (size_t i = 0; i < m; ++i) {
    if (!inside) {
      const Timestamp start = slot[i] * kRollupHour;
      if (start < spec.from || start >= spec.to) continue;
    }
    if (b == nullptr || bin[i] < first || bin[i] - first >= k) {
      if (b != nullptr && bin[i] - first >= k && bin[i] - first < 2 * k) {
        ++key;
        first += k;
      } else {
        key = bin[i] / k;
        if (bin[i] % k != 0 && bin[i] < 0) --key;  // floor, for a damaged negative bin
        first = key * k;
      }
      b = &bins->At(static_cast<double>(key));
    }
    b->count[0] += static_cast<uint64_t>(longs[i]);
    b->count[1] += static_cast<uint64_t>(shorts[i]);
    b->notional[0] += long_notional[i];
    b->notional[1] += short_notional[i];
  }
}

}  // namespace

Status ValidateLiqPriceHistogramSpec(const LiqPriceHistogramSpec& spec) {
  if (!(spec.price_step > 0) || !std::isfinite(spec.price_step)) {
    return Status::InvalidArgument("price_step must be a number > 0");
  }
  LIQDB_RETURN_IF_ERROR(ValidateTimeRange(spec.from, spec.to));
  return Status::OK();
}

Result<std::vector<LiqPriceHistogramRow>> LiqPriceHistogram(const Store& store,
                                                            const LiqPriceHistogramSpec& spec,
                                                            LiqPriceHistogramWork* work) {
  LiqPriceHistogramWork unused;
  if (work == nullptr) work = &unused;
  LIQDB_RETURN_IF_ERROR(ValidateLiqPriceHistogramSpec(spec));
  ScanFilter filter;
  filter.kind = Kind::kLiquidations;
  filter.from = spec.from;
  filter.to = spec.to;
  filter.symbols = spec.symbols;
  filter.exchanges = spec.exchanges;
  filter.coins = spec.coins;
  std::vector<uint32_t> ids = SelectSeries(store, filter);
  WorkMeter meter(spec.cancel);
  if (ids.empty()) return std::vector<LiqPriceHistogramRow>();
  const double step = spec.price_step;
  auto reader = store.ReadChunks(Kind::kLiquidations, ids, spec.from, spec.to);
  if (!reader.ok()) return reader.status();
  std::unique_ptr<ChunkReader> r = std::move(reader).value();
  // The cell cap, before any row is decoded: the bins between the lowest
  // and highest price of the chunks read (their zone maps).
  double low = INFINITY, high = -INFINITY;
  for (; r->Valid(); r->Next()) {
    LIQDB_RETURN_IF_ERROR(meter.Tick());
    low = std::fmin(low, r->meta().min_price);
    high = std::fmax(high, r->meta().max_price);
  }
  r->Rewind();
  const uint64_t bin_count = PriceBinsBetween(low, high, step);
  if (bin_count > kMaxGridCells) {
    return Status::InvalidArgument("liq_price_histogram: prices from " + PriceText(low) + " to " +
                                   PriceText(high) + " span " + std::to_string(bin_count) + " bins of " +
                                   PriceText(step) + ", more than the " + std::to_string(kMaxGridCells) +
                                   " one call may return; use a coarser price_step");
  }
  Bins bins(bin_count > 0 ? PriceBinIndex(low, step) : 0, bin_count);
  Columns rows(Kind::kLiquidations);
  PriceRollup by_price;
  for (; r->Valid(); r->Next()) {
    const ChunkMeta& m = r->meta();
    LIQDB_RETURN_IF_ERROR(meter.Tick(1 + m.rows / 64));
    const bool inside = m.min_ts >= spec.from && m.max_ts < spec.to;
    const double first_bin = PriceBinIndex(m.min_price, step);
    if (inside && first_bin == PriceBinIndex(m.max_price, step)) {
      Sums& b = bins.At(first_bin);
      for (int s = 0; s < 2; ++s) {
        b.count[s] += m.sides[s].count;
        b.notional[s] += m.sides[s].notional;
      }
      ++work->from_header;
      continue;
    }
    if (m.has_price_rollup && PriceRollupRatio(PriceRollupStep(m.min_price, m.max_price), step) > 0 &&
        !internal::RollupSlotCut(m, spec.from, spec.to, kRollupHour)) {
      LIQDB_RETURN_IF_ERROR(r->ReadPriceRollup(&by_price));
      AddPriceRollup(by_price, spec, inside, &bins);
      ++work->from_rollup;
      continue;
    }
    ++work->decoded;
    // The times only where the chunk straddles an end of the range.
    LIQDB_RETURN_IF_ERROR(r->Decode(
        (inside ? 0 : kMaskTs) | kMaskSide | MaskValue(liq_col::kPrice) | MaskValue(liq_col::kNotional),
        &rows));
    const double* price = rows.values[liq_col::kPrice].data();
    const double* notional = rows.values[liq_col::kNotional].data();
    const uint8_t* side = rows.side.data();
    const Timestamp* ts = rows.ts.data();
    const size_t n = m.rows;  // rows.size() counts timestamps
    // Bin keys a block at a time (packed), then the sums (serial), straight
    // into the bins: keeping a run of one bin and side in registers instead
    // measured 1.2-1.5x slower (its branch on every change of bin or side
    // mispredicts; the store-to-load round trip it avoids is cheap here).
    double keys[kBlock];
    for (size_t at = 0; at < n; at += kBlock) {
      const size_t m = std::min(kBlock, n - at);
      heatmap_internal::BinKeys(price + at, m, step, keys);
      for (size_t j = 0; j < m; ++j) {
        const size_t i = at + j;
        // A chunk wholly inside the range needs no per-row time test.
        if (!inside && (ts[i] < spec.from || ts[i] >= spec.to)) continue;
        const int s = side[i] != 0 ? 1 : 0;
        Sums& b = bins.At(keys[j]);
        ++b.count[s];
        b.notional[s] += notional[i];
      }
    }
  }
  return bins.Rows(step);
}

}  // namespace liqdb
