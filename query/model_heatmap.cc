// The model heatmap (liq_heatmap_model): for venues that publish no
// positions, levels are inferred from open-interest changes (docs/sql.md):
// at each market sample, sweep the levels the mark price crossed, then open
// new levels per leverage tier when OI rose, or shrink every level in
// proportion when it fell.
//
// Proportional closes touch every level; doing that literally would make a
// month of 1 s samples O(samples × levels). Instead each level keeps a raw
// notional and the model one scale factor: a close multiplies the factor,
// an open divides the new notional by it.

#include <algorithm>
#include <cmath>
#include <string>

#include "query/heatmap_internal.h"

#include "liqdb/heatmap.h"
#include "liqdb/liq_price.h"

namespace liqdb {

namespace heatmap_internal {

LiqModel::LiqModel(std::vector<LeverageTier> tiers, std::vector<bool> keep, double long_share, double mmr,
                   double price_step)
    : tiers_(std::move(tiers)),
      keep_(std::move(keep)),
      long_share_(long_share),
      mmr_(mmr),
      step_(price_step) {
  if (keep_.empty()) keep_.assign(tiers_.size(), true);
}

namespace {
// Heap orders: the root is the level a sweep reaches first.
struct LowerPrice {  // max-heap by price (longs)
  bool operator()(const std::pair<double, double>& a, const std::pair<double, double>& b) const {
    return a.first < b.first;
  }
};
struct HigherPrice {  // min-heap by price (shorts)
  bool operator()(const std::pair<double, double>& a, const std::pair<double, double>& b) const {
    return a.first > b.first;
  }
};
}  // namespace

void LiqModel::Sweep(double mark_price) {
  // Longs at or above the mark were liquidated: the top of the max-heap.
  while (!longs_.empty() && longs_.front().first >= mark_price) {
    bins_.Remove(BinKey(longs_.front().first, step_), Side::kLong, longs_.front().second);
    std::pop_heap(longs_.begin(), longs_.end(), LowerPrice());
    longs_.pop_back();
  }
  while (!shorts_.empty() && shorts_.front().first <= mark_price) {
    bins_.Remove(BinKey(shorts_.front().first, step_), Side::kShort, shorts_.front().second);
    std::pop_heap(shorts_.begin(), shorts_.end(), HigherPrice());
    shorts_.pop_back();
  }
}

void LiqModel::Rescale() {
  if (scale_ > 1e-100 && scale_ < 1e100) return;
  bins_.Clear();
  for (auto& [price, raw] : longs_) {
    raw *= scale_;
    bins_.Add(BinKey(price, step_), Side::kLong, raw);
  }
  for (auto& [price, raw] : shorts_) {
    raw *= scale_;
    bins_.Add(BinKey(price, step_), Side::kShort, raw);
  }
  scale_ = 1;
}

Status LiqModel::Apply(double mark_price, double open_interest) {
  if (!has_baseline_) {
    // The first sample only sets the baseline OI.
    has_baseline_ = true;
    last_oi_ = open_interest;
    return Status::OK();
  }
  Sweep(mark_price);
  if (open_interest > last_oi_) {
    double notional = (open_interest - last_oi_) * mark_price;
    for (size_t t = 0; t < tiers_.size(); ++t) {
      if (!keep_[t]) continue;
      const LeverageTier& tier = tiers_[t];
      for (Side side : {Side::kLong, Side::kShort}) {
        double share = side == Side::kLong ? long_share_ : 1 - long_share_;
        double level_notional = notional * tier.weight * share;
        // A zero-notional level (weight 0, long_share 0 or 1) is no level.
        if (!(level_notional > 0)) continue;
        LIQDB_ASSIGN_OR_RETURN(double price,
                               LiqPrice(mark_price, tier.leverage, side, mmr_, Contract::kLinear));
        if (!(price > 0) || !std::isfinite(price)) continue;
        double raw = level_notional / scale_;
        if (side == Side::kLong) {
          longs_.emplace_back(price, raw);
          std::push_heap(longs_.begin(), longs_.end(), LowerPrice());
        } else {
          shorts_.emplace_back(price, raw);
          std::push_heap(shorts_.begin(), shorts_.end(), HigherPrice());
        }
        bins_.Add(BinKey(price, step_), side, raw);
      }
    }
  } else if (open_interest < last_oi_) {
    if (open_interest <= 0) {
      // Everything closed: drop the levels rather than keep zero-notional ones.
      longs_.clear();
      shorts_.clear();
      bins_.Clear();
      scale_ = 1;
    } else {
      scale_ *= open_interest / last_oi_;
      Rescale();
    }
  }
  last_oi_ = open_interest;
  return Status::OK();
}

namespace {

class ModelCursor : public GridCursor {
 public:
  ModelCursor(TimeGrid grid, std::unique_ptr<SortedRowSource> source, Timestamp start, LiqModel model,
              double step, Cancellation* cancel)
      : GridCursor(grid, "liq_heatmap_model", cancel),
        source_(std::move(source)),
        start_(start),
        model_(std::move(model)) {
    step_ = step;
  }

 protected:
  Status AdvanceTo(Timestamp until) override {
    for (;;) {
      while (pos_ < block_.size()) {
        Timestamp ts = block_.ts[pos_];
        if (ts >= until) return Status::OK();
        if (ts >= start_) {
          // A sample opens up to two levels per tier.
          LIQDB_RETURN_IF_ERROR(meter_.Tick(1 + model_.tiers()));
          LIQDB_RETURN_IF_ERROR(model_.Apply(block_.values[mkt_col::kMarkPrice][pos_],
                                             block_.values[mkt_col::kOpenInterest][pos_]));
        }
        ++pos_;
      }
      if (done_) return Status::OK();
      LIQDB_ASSIGN_OR_RETURN(bool more, source_->NextBlock(&block_));
      pos_ = 0;
      if (!more) {
        done_ = true;
        block_.Clear();
        return Status::OK();
      }
      if (block_.kind != Kind::kMarket || block_.values.size() != mkt_col::kCount) {
        return Status::InvalidArgument(
            "model heatmap: a row source yielded rows that are not "
            "market samples");
      }
    }
  }
  const BinTable& bins() const override { return model_.bins(); }
  double scale() const override { return model_.scale(); }

 private:
  std::unique_ptr<SortedRowSource> source_;
  Timestamp start_;
  LiqModel model_;
  Columns block_{Kind::kMarket};
  size_t pos_ = 0;
  bool done_ = false;
};

}  // namespace
}  // namespace heatmap_internal

Status ValidateModelHeatmapSpec(const ModelHeatmapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(MakeTimeGrid(spec.from, spec.to, spec.interval).status());
  LIQDB_RETURN_IF_ERROR(heatmap_internal::ValidatePriceStep(spec.price_step));
  return ValidateModelParams(spec.model);
}

Result<std::unique_ptr<HeatmapCursor>> OpenModelHeatmap(std::unique_ptr<SortedRowSource> market,
                                                        const ModelHeatmapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateModelHeatmapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(TimeGrid grid, MakeTimeGrid(spec.from, spec.to, spec.interval));
  LIQDB_ASSIGN_OR_RETURN(std::vector<LeverageTier> tiers, ParseLeverageProfile(spec.model.leverage_profile));
  heatmap_internal::LiqModel model(std::move(tiers), {}, spec.model.long_share, spec.model.mmr,
                                   spec.price_step);
  Timestamp start = heatmap_internal::SaturatingSub(spec.from, spec.model.lookback);
  return std::unique_ptr<HeatmapCursor>(std::make_unique<heatmap_internal::ModelCursor>(
      grid, std::move(market), start, std::move(model), spec.price_step, spec.cancel));
}

}  // namespace liqdb
