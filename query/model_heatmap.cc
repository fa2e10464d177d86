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
                   double price_step, bool track_age)
    : tiers_(std::move(tiers)),
      keep_(std::move(keep)),
      long_share_(long_share),
      mmr_(mmr),
      step_(price_step),
      track_age_(track_age) {
  if (keep_.empty()) keep_.assign(tiers_.size(), true);
}

namespace {
// Heap orders: the root is the level a sweep reaches first.
template <typename Level>
bool LowerPrice(const Level& a, const Level& b) {  // max-heap by price (longs)
  return a.price < b.price;
}
template <typename Level>
bool HigherPrice(const Level& a, const Level& b) {  // min-heap by price (shorts)
  return a.price > b.price;
}
}  // namespace

bool LiqModel::Leave(uint64_t id) {
  if (!track_age_) return true;
  if (!alive_[id]) return false;
  alive_[id] = false;
  return true;
}

void LiqModel::Sweep(double mark_price) {
  // Longs at or above the mark were liquidated: the top of the max-heap.
  while (!longs_.empty() && longs_.front().price >= mark_price) {
    const HeapLevel& l = longs_.front();
    if (Leave(l.id)) bins_.Remove(BinKey(l.price, step_), Side::kLong, l.raw);
    std::pop_heap(longs_.begin(), longs_.end(), LowerPrice<HeapLevel>);
    longs_.pop_back();
  }
  while (!shorts_.empty() && shorts_.front().price <= mark_price) {
    const HeapLevel& l = shorts_.front();
    if (Leave(l.id)) bins_.Remove(BinKey(l.price, step_), Side::kShort, l.raw);
    std::pop_heap(shorts_.begin(), shorts_.end(), HigherPrice<HeapLevel>);
    shorts_.pop_back();
  }
}

void LiqModel::Expire(Timestamp keep_from) {
  while (!opened_.empty() && opened_.front().opened < keep_from) {
    const AgedLevel& l = opened_.front();
    if (Leave(l.id)) bins_.Remove(BinKey(l.price, step_), l.side, l.raw);
    opened_.pop_front();
  }
}

void LiqModel::Rescale() {
  if (scale_ > 1e-100 && scale_ < 1e100) return;
  bins_.Clear();
  for (Side side : {Side::kLong, Side::kShort}) {
    for (HeapLevel& l : side == Side::kLong ? longs_ : shorts_) {
      l.raw *= scale_;
      if (!track_age_ || alive_[l.id]) bins_.Add(BinKey(l.price, step_), side, l.raw);
    }
  }
  for (AgedLevel& l : opened_) l.raw *= scale_;
  scale_ = 1;
}

Status LiqModel::Apply(Timestamp ts, double mark_price, double open_interest) {
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
        HeapLevel level{price, level_notional / scale_, 0};
        if (track_age_) {
          level.id = alive_.size();
          alive_.push_back(true);
          opened_.push_back(AgedLevel{ts, level.id, price, level.raw, side});
        }
        if (side == Side::kLong) {
          longs_.push_back(level);
          std::push_heap(longs_.begin(), longs_.end(), LowerPrice<HeapLevel>);
        } else {
          shorts_.push_back(level);
          std::push_heap(shorts_.begin(), shorts_.end(), HigherPrice<HeapLevel>);
        }
        bins_.Add(BinKey(price, step_), side, level.raw);
      }
    }
  } else if (open_interest < last_oi_) {
    if (open_interest <= 0) {
      // Everything closed: drop the levels rather than keep zero-notional ones.
      longs_.clear();
      shorts_.clear();
      opened_.clear();
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
              double step, std::optional<int64_t> max_age, Cancellation* cancel)
      : GridCursor(grid, "liq_heatmap_model", cancel),
        source_(std::move(source)),
        start_(start),
        model_(std::move(model)),
        max_age_(max_age) {
    step_ = step;
  }

 protected:
  Status AdvanceTo(Timestamp until) override {
    LIQDB_RETURN_IF_ERROR(Replay(until));
    // The state shown is at until's last µs: levels opened max_age or more
    // before it are gone.
    if (max_age_) model_.Expire(SaturatingSub(until, *max_age_));
    return Status::OK();
  }
  const BinTable& bins() const override { return model_.bins(); }
  double scale() const override { return model_.scale(); }

 private:
  // Applies the samples with ts < until.
  Status Replay(Timestamp until) {
    for (;;) {
      while (pos_ < block_.size()) {
        Timestamp ts = block_.ts[pos_];
        if (ts >= until) return Status::OK();
        if (ts >= start_) {
          // A sample opens up to two levels per tier.
          LIQDB_RETURN_IF_ERROR(meter_.Tick(1 + model_.tiers()));
          LIQDB_RETURN_IF_ERROR(model_.Apply(ts, block_.values[mkt_col::kMarkPrice][pos_],
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

  std::unique_ptr<SortedRowSource> source_;
  Timestamp start_;
  LiqModel model_;
  std::optional<int64_t> max_age_;
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
                                   spec.price_step, spec.model.max_age.has_value());
  Timestamp start = heatmap_internal::SaturatingSub(spec.from, spec.model.lookback);
  return std::unique_ptr<HeatmapCursor>(std::make_unique<heatmap_internal::ModelCursor>(
      grid, std::move(market), start, std::move(model), spec.price_step, spec.model.max_age, spec.cancel));
}

}  // namespace liqdb
