// The liquidation map (liq_map): the levels in force at one moment, binned by
// price, with the cumulative curves traders read before a move: cum_long at
// p is what a fall to p would liquidate (longs at or above p), cum_short at p
// what a rise to p would (shorts at or below p).

#include <cmath>
#include <map>

#include "query/heatmap_internal.h"

#include "liqdb/heatmap.h"

namespace liqdb {

namespace {

using heatmap_internal::BinSums;

// Turns summed bins (notionals already scaled) into rows with both curves.
std::vector<LiqMapRow> MapRows(const std::map<double, std::pair<double, double>>& bins, double step) {
  std::vector<LiqMapRow> rows;
  rows.reserve(bins.size());
  for (const auto& [key, sums] : bins) {
    LiqMapRow r;
    r.price = key * step;
    r.long_notional = sums.first;
    r.short_notional = sums.second;
    rows.push_back(r);
  }
  double below = 0;
  for (LiqMapRow& r : rows) {
    below += r.short_notional;
    r.cum_short = below;
  }
  double above = 0;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    above += it->long_notional;
    it->cum_long = above;
  }
  return rows;
}

void AddBins(const heatmap_internal::BinTable& table, double scale,
             std::map<double, std::pair<double, double>>* out) {
  for (const auto& [key, b] : table.bins()) {
    auto& sums = (*out)[key];
    sums.first += b.notional[0] * scale;
    sums.second += b.notional[1] * scale;
  }
}

}  // namespace

Status ValidateLiqMapSpec(const LiqMapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(heatmap_internal::ValidatePriceStep(spec.price_step));
  LIQDB_RETURN_IF_ERROR(heatmap_internal::ValidateLeverageBounds(spec.min_leverage, spec.max_leverage));
  return ValidateModelParams(spec.model);
}

Result<std::vector<LiqMapRow>> LiqMapOfPositions(std::vector<PositionSeriesInput> series,
                                                 const LiqMapSpec& spec, PositionLevelCounts* counts) {
  LIQDB_RETURN_IF_ERROR(ValidateLiqMapSpec(spec));
  WorkMeter meter(spec.cancel);
  heatmap_internal::PositionReplay replay(
      heatmap_internal::LeverageFilter{spec.min_leverage, spec.max_leverage}, spec.price_step, &meter);
  for (PositionSeriesInput& s : series) LIQDB_RETURN_IF_ERROR(replay.AddSeries(std::move(s)));
  // ts <= at is ts < at + 1.
  LIQDB_RETURN_IF_ERROR(replay.AdvanceTo(heatmap_internal::SaturatingAdd(spec.at, 1)));
  if (counts != nullptr) *counts = replay.counts();
  std::map<double, std::pair<double, double>> bins;
  AddBins(replay.bins(), 1, &bins);
  if (bins.size() > kMaxGridCells) return heatmap_internal::TooManyCellsReturned("liq_map");
  return MapRows(bins, spec.price_step);
}

Result<std::vector<LiqMapRow>> LiqMapOfMarket(std::vector<std::unique_ptr<SortedRowSource>> series,
                                              const LiqMapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateLiqMapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(std::vector<LeverageTier> tiers, ParseLeverageProfile(spec.model.leverage_profile));
  heatmap_internal::LeverageFilter filter{spec.min_leverage, spec.max_leverage};
  std::vector<bool> keep;
  bool any = false;
  for (const LeverageTier& t : tiers) {
    keep.push_back(filter.Accepts(t.leverage));
    any = any || keep.back();
  }
  if (!any) {
    return Status::InvalidArgument("the leverage filter keeps none of the tiers of profile '" +
                                   spec.model.leverage_profile + "'");
  }
  Timestamp start = heatmap_internal::SaturatingSub(spec.at, spec.model.lookback);
  std::map<double, std::pair<double, double>> bins;
  WorkMeter meter(spec.cancel);
  for (auto& source : series) {
    heatmap_internal::LiqModel model(tiers, keep, spec.model.long_share, spec.model.mmr, spec.price_step,
                                     spec.model.max_age.has_value());
    Columns block(Kind::kMarket);
    bool past = false;
    while (!past) {
      LIQDB_ASSIGN_OR_RETURN(bool more, source->NextBlock(&block));
      if (!more) break;
      if (block.kind != Kind::kMarket || block.values.size() != mkt_col::kCount) {
        return Status::InvalidArgument(
            "liq_map: a row source yielded rows that are not market "
            "samples");
      }
      for (size_t i = 0; i < block.size(); ++i) {
        if (block.ts[i] > spec.at) {
          past = true;
          break;
        }
        if (block.ts[i] < start) continue;
        LIQDB_RETURN_IF_ERROR(meter.Tick(1 + tiers.size()));
        LIQDB_RETURN_IF_ERROR(model.Apply(block.ts[i], block.values[mkt_col::kMarkPrice][i],
                                          block.values[mkt_col::kOpenInterest][i]));
      }
    }
    // The state shown is at `at`: levels opened max_age or more before it are gone.
    if (spec.model.max_age) {
      model.Expire(
          heatmap_internal::SaturatingAdd(heatmap_internal::SaturatingSub(spec.at, *spec.model.max_age), 1));
    }
    AddBins(model.bins(), model.scale(), &bins);
  }
  if (bins.size() > kMaxGridCells) return heatmap_internal::TooManyCellsReturned("liq_map");
  return MapRows(bins, spec.price_step);
}

}  // namespace liqdb
