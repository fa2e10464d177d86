// liq_price_histogram: liquidation count and notional per price bin, longs
// and shorts apart. A chunk wholly inside the time range whose prices all
// fall in one bin is answered from its header.
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

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
}  // namespace

Status ValidateLiqPriceHistogramSpec(const LiqPriceHistogramSpec& spec) {
  if (!(spec.price_step > 0) || !std::isfinite(spec.price_step)) {
    return Status::InvalidArgument("price_step must be a number > 0");
  }
  LIQDB_RETURN_IF_ERROR(ValidateTimeRange(spec.from, spec.to));
  return Status::OK();
}

Result<std::vector<LiqPriceHistogramRow>> LiqPriceHistogram(const Store& store,
                                                            const LiqPriceHistogramSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateLiqPriceHistogramSpec(spec));
  ScanFilter filter;
  filter.kind = Kind::kLiquidations;
  filter.from = spec.from;
  filter.to = spec.to;
  filter.symbols = spec.symbols;
  filter.exchanges = spec.exchanges;
  std::vector<uint32_t> ids = SelectSeries(store, filter);
  WorkMeter meter(spec.cancel);
  std::map<double, LiqPriceHistogramRow> bins;
  auto bin_of = [&](double price) { return PriceBinIndex(price, spec.price_step) * spec.price_step; };
  if (!ids.empty()) {
    auto reader = store.ReadChunks(Kind::kLiquidations, ids, spec.from, spec.to);
    if (!reader.ok()) return reader.status();
    std::unique_ptr<ChunkReader> r = std::move(reader).value();
    // The cell cap, before any row is decoded: the bins between the lowest
    // and highest price of the chunks read (their zone maps).
    double low = INFINITY, high = -INFINITY;
    {
      auto headers = store.ReadChunks(Kind::kLiquidations, ids, spec.from, spec.to);
      if (!headers.ok()) return headers.status();
      for (std::unique_ptr<ChunkReader> h = std::move(headers).value(); h->Valid(); h->Next()) {
        LIQDB_RETURN_IF_ERROR(meter.Tick());
        low = std::fmin(low, h->meta().min_price);
        high = std::fmax(high, h->meta().max_price);
      }
    }
    const uint64_t bin_count = PriceBinsBetween(low, high, spec.price_step);
    if (bin_count > kMaxGridCells) {
      return Status::InvalidArgument(
          "liq_price_histogram: prices from " + PriceText(low) + " to " + PriceText(high) + " span " +
          std::to_string(bin_count) + " bins of " + PriceText(spec.price_step) + ", more than the " +
          std::to_string(kMaxGridCells) + " one call may return; use a coarser price_step");
    }
    Columns rows(Kind::kLiquidations);
    for (; r->Valid(); r->Next()) {
      const ChunkMeta& m = r->meta();
      LIQDB_RETURN_IF_ERROR(meter.Tick(1 + m.rows / 64));
      if (m.min_ts >= spec.from && m.max_ts < spec.to && bin_of(m.min_price) == bin_of(m.max_price)) {
        LiqPriceHistogramRow& b = bins[bin_of(m.min_price)];
        b.long_count += m.sides[0].count;
        b.long_notional += m.sides[0].notional;
        b.short_count += m.sides[1].count;
        b.short_notional += m.sides[1].notional;
        continue;
      }
      LIQDB_RETURN_IF_ERROR(
          r->Decode(kMaskTs | kMaskSide | MaskValue(liq_col::kPrice) | MaskValue(liq_col::kNotional), &rows));
      const auto& price = rows.values[liq_col::kPrice];
      const auto& notional = rows.values[liq_col::kNotional];
      for (size_t i = 0; i < rows.size(); ++i) {
        if (rows.ts[i] < spec.from || rows.ts[i] >= spec.to) continue;
        LiqPriceHistogramRow& b = bins[bin_of(price[i])];
        if (rows.side[i] == 0) {
          b.long_count++;
          b.long_notional += notional[i];
        } else {
          b.short_count++;
          b.short_notional += notional[i];
        }
      }
    }
  }
  std::vector<LiqPriceHistogramRow> out;
  out.reserve(bins.size());
  for (auto& [price, row] : bins) {
    row.price = price;
    out.push_back(row);
  }
  return out;
}

}  // namespace liqdb
