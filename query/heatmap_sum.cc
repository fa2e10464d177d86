// SumHeatmaps (liqdb/heatmap.h): a k-way merge of heatmap cursors by
// (bucket, price), adding cells that share a key. Prices of one grid are
// bin index × step computed the same way in every part, so equal bins are
// equal doubles.
#include <memory>
#include <vector>

#include "liqdb/heatmap.h"
#include "liqdb/query.h"

namespace liqdb {

namespace {

class SumCursor final : public HeatmapCursor {
 public:
  explicit SumCursor(std::vector<std::unique_ptr<HeatmapCursor>> parts) : parts_(std::move(parts)) {
    heads_.resize(parts_.size());
    live_.assign(parts_.size(), false);
  }

  Result<bool> Next(HeatmapCell* cell) override {
    if (!started_) {
      for (size_t i = 0; i < parts_.size(); ++i) LIQDB_RETURN_IF_ERROR(Advance(i));
      started_ = true;
    }
    // The least key among the parts' current cells (parts are few: a linear scan).
    int best = -1;
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (!live_[i]) continue;
      if (best < 0 || Less(heads_[i], heads_[best])) best = static_cast<int>(i);
    }
    if (best < 0) return false;
    if (++returned_ > kMaxGridCells) {
      return Status::InvalidArgument("the summed heatmap passes " + std::to_string(kMaxGridCells) +
                                     " cells (use a coarser interval or price_step, or a shorter range)");
    }
    HeatmapCell out = heads_[best];
    out.long_notional = out.short_notional = 0;
    out.positions = 0;
    for (size_t i = 0; i < parts_.size(); ++i) {
      if (!live_[i] || heads_[i].bucket != out.bucket || heads_[i].price != out.price) continue;
      out.long_notional += heads_[i].long_notional;
      out.short_notional += heads_[i].short_notional;
      out.positions += heads_[i].positions;
      LIQDB_RETURN_IF_ERROR(Advance(i));
    }
    *cell = out;
    return true;
  }

 private:
  static bool Less(const HeatmapCell& a, const HeatmapCell& b) {
    return a.bucket != b.bucket ? a.bucket < b.bucket : a.price < b.price;
  }

  Status Advance(size_t i) {
    auto more = parts_[i]->Next(&heads_[i]);
    if (!more.ok()) return more.status();
    live_[i] = *more;
    return Status::OK();
  }

  std::vector<std::unique_ptr<HeatmapCursor>> parts_;
  std::vector<HeatmapCell> heads_;
  std::vector<bool> live_;
  bool started_ = false;
  uint64_t returned_ = 0;
};

}  // namespace

std::unique_ptr<HeatmapCursor> SumHeatmaps(std::vector<std::unique_ptr<HeatmapCursor>> parts) {
  return std::make_unique<SumCursor>(std::move(parts));
}

}  // namespace liqdb
