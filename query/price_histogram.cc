// liq_price_histogram: liquidation count and notional per price bin, longs
// and shorts apart. A chunk wholly inside the time range whose prices all
// fall in one bin is answered from its header.
#include <cmath>
#include <map>

#include "liqdb/query.h"
#include "liqdb/timeparse.h"

namespace liqdb {

Status ValidateLiqPriceHistogramSpec(const LiqPriceHistogramSpec& spec) {
  if (!(spec.price_step > 0) || !std::isfinite(spec.price_step)) {
    return Status::InvalidArgument("price_step must be a number > 0");
  }
  if (spec.from >= spec.to) {
    return Status::InvalidArgument("from (" + FormatTime(spec.from) + ") must be before to (" +
                                   FormatTime(spec.to) + ")");
  }
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
  std::map<double, LiqPriceHistogramRow> bins;
  auto bin_of = [&](double price) { return PriceBinIndex(price, spec.price_step) * spec.price_step; };
  if (!ids.empty()) {
    auto reader = store.ReadChunks(Kind::kLiquidations, ids, spec.from, spec.to);
    if (!reader.ok()) return reader.status();
    std::unique_ptr<ChunkReader> r = std::move(reader).value();
    Columns rows(Kind::kLiquidations);
    for (; r->Valid(); r->Next()) {
      const ChunkMeta& m = r->meta();
      if (m.min_ts >= spec.from && m.max_ts < spec.to && bin_of(m.min_price) == bin_of(m.max_price)) {
        LiqPriceHistogramRow& b = bins[bin_of(m.min_price)];
        b.long_count += m.sides[0].count;
        b.long_notional += m.sides[0].notional;
        b.short_count += m.sides[1].count;
        b.short_notional += m.sides[1].notional;
        continue;
      }
      LIQDB_RETURN_IF_ERROR(r->Decode(kMaskTs | kMaskSide | MaskValue(liq_col::kPrice) |
                                          MaskValue(liq_col::kNotional),
                                      &rows));
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
