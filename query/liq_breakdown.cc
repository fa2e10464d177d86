// liq_breakdown: long/short count, qty (coin units) and notional per series
// over one time range, from chunk zone maps and rollups (query.h).
//
// A breakdown is a histogram with one bucket per series: every chunk wholly
// inside [from, to) contributes its header's per-side sums, so a day over
// 10M rows reads headers, not rows; only chunks cut by `from` or `to` go to
// range_sums.h's rollup-or-decode path.
#include <algorithm>
#include <map>

#include "query/range_sums.h"

#include "liqdb/coin.h"
#include "liqdb/query.h"
#include "liqdb/timeparse.h"

namespace liqdb {

Status ValidateLiqBreakdownSpec(const LiqBreakdownSpec& spec) {
  return ValidateTimeRange(spec.from, spec.to);
}

Result<std::vector<LiqBreakdownRow>> LiqBreakdown(const Store& store, const LiqBreakdownSpec& spec,
                                                  LiqBreakdownWork* work) {
  LIQDB_RETURN_IF_ERROR(ValidateLiqBreakdownSpec(spec));
  ScanFilter filter;
  filter.kind = Kind::kLiquidations;
  filter.symbols = spec.symbols;
  filter.exchanges = spec.exchanges;
  filter.coins = spec.coins;
  const std::vector<uint32_t> ids = SelectSeries(store, filter);
  std::vector<LiqBreakdownRow> out;
  if (ids.empty()) return out;
  std::map<uint32_t, std::array<SideSums, 2>> sums;
  std::map<uint32_t, SeriesKey> keys;
  LIQDB_ASSIGN_OR_RETURN(auto reader, store.ReadChunks(Kind::kLiquidations, ids, spec.from, spec.to));
  WorkMeter meter(spec.cancel);
  std::vector<RollupSlot> rollup;
  Columns rows(Kind::kLiquidations);
  internal::RangeSumWork counted;
  for (; reader->Valid(); reader->Next()) {
    LIQDB_RETURN_IF_ERROR(meter.Tick(1 + reader->meta().rows / 64));
    const uint32_t id = reader->meta().series_id;
    if (keys.find(id) == keys.end()) keys.emplace(id, reader->series());
    LIQDB_RETURN_IF_ERROR(
        internal::AddChunkInRange(reader.get(), spec.from, spec.to, &sums[id], &rollup, &rows, &counted));
  }
  if (work != nullptr) {
    work->from_header = counted.from_header;
    work->from_rollup = counted.from_rollup;
    work->decoded = counted.decoded;
  }
  for (const auto& [id, s] : sums) {
    if (s[0].count + s[1].count == 0) continue;
    LiqBreakdownRow row;
    row.series = keys[id];
    const CoinInfo coin = CoinOf(row.series.exchange, row.series.symbol);
    row.coin = coin.coin;
    row.qty_factor = coin.qty_factor;
    row.sides = s;
    for (SideSums& side : row.sides) side.qty *= coin.qty_factor;
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end(),
            [](const LiqBreakdownRow& a, const LiqBreakdownRow& b) { return a.series < b.series; });
  return out;
}

}  // namespace liqdb
