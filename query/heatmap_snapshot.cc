// The snapshot heatmap (liq_heatmap): positions in force at each bucket's end,
// binned by liquidation price. One pass over the time-merged rows of every
// series; each row moves its position's contribution from its old bin to its
// new one, so a bucket costs its rows plus its non-empty cells.

#include <algorithm>
#include <string>

#include "query/heatmap_internal.h"

#include "liqdb/heatmap.h"

namespace liqdb {

namespace heatmap_internal {

uint32_t PositionReplay::AccountId(Series& s, const std::string& name) {
  auto [it, inserted] = s.account_ids.try_emplace(name, static_cast<uint32_t>(s.account_names.size()));
  if (inserted) s.account_names.push_back(name);
  return it->second;
}

Status PositionReplay::AddSeries(PositionSeriesInput input) {
  size_t index = series_.size();
  series_.emplace_back();
  Series& s = series_.back();
  s.key = std::move(input.key);
  s.skip_before = input.seed.until;
  s.source = std::move(input.rows);
  for (const PositionState& p : input.seed.positions) {
    if (!(p.size > 0)) continue;
    Apply(index, AccountId(s, p.account), p.side, p.ts, p.size, p.entry_price, p.leverage, p.liq_price);
  }
  LIQDB_ASSIGN_OR_RETURN(bool has_rows, Prime(index));
  if (has_rows) heap_.emplace(series_[index].block.ts[series_[index].pos], index);
  return Status::OK();
}

Result<bool> PositionReplay::Prime(size_t i) {
  Series& s = series_[i];
  for (;;) {
    if (s.done) return false;
    while (s.pos < s.block.size() && s.block.ts[s.pos] < s.skip_before) ++s.pos;
    if (s.pos < s.block.size()) return true;
    if (!s.source) {
      s.done = true;
      return false;
    }
    LIQDB_ASSIGN_OR_RETURN(bool more, s.source->NextBlock(&s.block));
    if (!more) {
      s.done = true;
      s.block.Clear();
      return false;
    }
    if (s.block.kind != Kind::kPositions || s.block.values.size() != pos_col::kCount ||
        s.block.side.size() != s.block.size() || s.block.account.size() != s.block.size()) {
      return Status::InvalidArgument(
          "snapshot heatmap: a row source yielded rows that are not "
          "positions");
    }
    s.pos = 0;
    s.block_accounts.resize(s.block.account_dict.size());
    for (size_t d = 0; d < s.block.account_dict.size(); ++d) {
      s.block_accounts[d] = AccountId(s, s.block.account_dict[d]);
    }
  }
}

void PositionReplay::Apply(size_t series, uint32_t account, Side side, Timestamp ts, double size,
                           double entry, double leverage, double liq) {
  std::vector<Entry>& positions = series_[series].positions;
  size_t index = static_cast<size_t>(account) * 2 + static_cast<size_t>(side);
  if (index >= positions.size()) positions.resize(std::max(index + 1, positions.size() * 2));
  Entry& e = positions[index];
  if (e.in_force && e.has_level) bins_.Remove(e.bin, side, e.notional);
  if (!(size > 0)) {
    e.in_force = false;  // closed
    e.has_level = false;
    return;
  }
  e.in_force = true;
  e.ts = ts;
  e.size = size;
  e.entry_price = entry;
  e.leverage = leverage;
  e.liq_price = liq;
  e.has_level = false;
  if (filter_.Accepts(leverage)) {
    std::optional<double> level = PositionLevel(entry, leverage, liq, side);
    if (level) {
      e.has_level = true;
      e.bin = BinKey(*level, step_);
      e.notional = size * *level;
      bins_.Add(e.bin, side, e.notional);
    }
  }
}

Status PositionReplay::AdvanceTo(Timestamp until) {
  while (!heap_.empty() && heap_.top().first < until) {
    size_t i = heap_.top().second;
    heap_.pop();
    Series& s = series_[i];
    // Apply this series' rows while it stays the earliest (ties across
    // series go to the lower index, which the heap already chose).
    Timestamp bound = heap_.empty() ? until : std::min(until, heap_.top().first);
    bool more = true;
    while (more) {
      if (meter_ != nullptr) LIQDB_RETURN_IF_ERROR(meter_->Tick());
      const Columns& b = s.block;
      size_t r = s.pos;
      Apply(i, s.block_accounts[b.account[r]], static_cast<Side>(b.side[r]), b.ts[r],
            b.values[pos_col::kSize][r], b.values[pos_col::kEntryPrice][r], b.values[pos_col::kLeverage][r],
            b.values[pos_col::kLiqPrice][r]);
      ++s.pos;
      LIQDB_ASSIGN_OR_RETURN(more, Prime(i));
      if (more && s.block.ts[s.pos] >= bound) break;
    }
    if (more) heap_.emplace(s.block.ts[s.pos], i);
  }
  return Status::OK();
}

PositionKeyframe PositionReplay::Keyframe(size_t index, Timestamp until) const {
  PositionKeyframe kf;
  kf.until = until;
  const Series& s = series_[index];
  for (size_t i = 0; i < s.positions.size(); ++i) {
    const Entry& e = s.positions[i];
    if (!e.in_force) continue;
    PositionState p;
    p.account = s.account_names[i / 2];
    p.side = static_cast<Side>(i % 2);
    p.ts = e.ts;
    p.size = e.size;
    p.entry_price = e.entry_price;
    p.leverage = e.leverage;
    p.liq_price = e.liq_price;
    kf.positions.push_back(std::move(p));
  }
  std::sort(kf.positions.begin(), kf.positions.end(), [](const PositionState& a, const PositionState& b) {
    return a.account != b.account ? a.account < b.account : a.side < b.side;
  });
  return kf;
}

namespace {

class SnapshotCursor : public GridCursor {
 public:
  SnapshotCursor(TimeGrid grid, LeverageFilter filter, double step, Cancellation* cancel)
      : GridCursor(grid, "liq_heatmap", cancel), replay_(std::move(filter), step, &meter_) {
    step_ = step;
  }
  PositionReplay* replay() { return &replay_; }

 protected:
  Status AdvanceTo(Timestamp until) override { return replay_.AdvanceTo(until); }
  const BinTable& bins() const override { return replay_.bins(); }

 private:
  PositionReplay replay_;
};

}  // namespace
}  // namespace heatmap_internal

Status ValidateSnapshotHeatmapSpec(const SnapshotHeatmapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(MakeTimeGrid(spec.from, spec.to, spec.interval).status());
  LIQDB_RETURN_IF_ERROR(heatmap_internal::ValidatePriceStep(spec.price_step));
  return heatmap_internal::ValidateLeverageBounds(spec.min_leverage, spec.max_leverage);
}

Result<std::unique_ptr<HeatmapCursor>> OpenSnapshotHeatmap(std::vector<PositionSeriesInput> series,
                                                           const SnapshotHeatmapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateSnapshotHeatmapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(TimeGrid grid, MakeTimeGrid(spec.from, spec.to, spec.interval));
  auto cursor = std::make_unique<heatmap_internal::SnapshotCursor>(
      grid, heatmap_internal::LeverageFilter{spec.min_leverage, spec.max_leverage}, spec.price_step,
      spec.cancel);
  for (PositionSeriesInput& s : series) {
    LIQDB_RETURN_IF_ERROR(cursor->replay()->AddSeries(std::move(s)));
  }
  return std::unique_ptr<HeatmapCursor>(std::move(cursor));
}

}  // namespace liqdb
