// Liquidation cascades (liq_cascades): liquidations of the selected series,
// merged in time order, grouped while the gap between consecutive events is
// <= max_gap; a group is reported when its long + short notional reaches
// min_notional. Streams: memory is one block per series plus one group.

#include <cmath>
#include <queue>
#include <string>

#include "query/heatmap_internal.h"

#include "liqdb/heatmap.h"
#include "liqdb/timeparse.h"

namespace liqdb {

namespace {

class CascadeCursorImpl : public CascadeCursor {
 public:
  CascadeCursorImpl(std::vector<std::unique_ptr<SortedRowSource>> series, const CascadeSpec& spec)
      : spec_(spec), meter_(spec.cancel), series_(series.size()) {
    for (size_t i = 0; i < series.size(); ++i) series_[i].source = std::move(series[i]);
  }

  Status Init() {
    for (size_t i = 0; i < series_.size(); ++i) {
      LIQDB_ASSIGN_OR_RETURN(bool has, Prime(i));
      if (has) heap_.emplace(series_[i].block.ts[series_[i].pos], i);
    }
    return Status::OK();
  }

  Result<bool> Next(CascadeRow* row) override {
    while (!heap_.empty()) {
      // Groups below min_notional are skipped here: a call may go through
      // many events before it has a row.
      LIQDB_RETURN_IF_ERROR(meter_.Tick());
      size_t i = heap_.top().second;
      heap_.pop();
      Series& s = series_[i];
      const Columns& b = s.block;
      Timestamp ts = b.ts[s.pos];
      double price = b.values[liq_col::kPrice][s.pos];
      double notional = b.values[liq_col::kNotional][s.pos];
      Side side = static_cast<Side>(b.side[s.pos]);
      ++s.pos;
      LIQDB_ASSIGN_OR_RETURN(bool more, Prime(i));
      if (more) heap_.emplace(s.block.ts[s.pos], i);

      bool emitted = false;
      // ts >= last_ts (time order), so the unsigned difference cannot wrap.
      if (open_ && static_cast<uint64_t>(ts) - static_cast<uint64_t>(group_.last_ts) >
                       static_cast<uint64_t>(spec_.max_gap)) {
        emitted = Close(row);
      }
      if (!open_) {
        open_ = true;
        group_ = CascadeRow{};
        group_.first_ts = ts;
        group_.first_price = price;
      }
      group_.last_ts = ts;
      group_.last_price = price;
      ++group_.events;
      (side == Side::kLong ? group_.long_notional : group_.short_notional) += notional;
      if (emitted) return true;
    }
    return open_ && Close(row);
  }

 private:
  struct Series {
    std::unique_ptr<SortedRowSource> source;
    Columns block;
    size_t pos = 0;
  };

  // Positions series i on its next event within [from, to); false at end.
  Result<bool> Prime(size_t i) {
    Series& s = series_[i];
    for (;;) {
      while (s.pos < s.block.size() && s.block.ts[s.pos] < spec_.from) ++s.pos;
      if (s.pos < s.block.size()) return s.block.ts[s.pos] < spec_.to;
      if (!s.source) return false;
      LIQDB_ASSIGN_OR_RETURN(bool more, s.source->NextBlock(&s.block));
      if (!more) {
        s.source.reset();
        s.block.Clear();
        return false;
      }
      if (s.block.kind != Kind::kLiquidations || s.block.values.size() != liq_col::kCount ||
          s.block.side.size() != s.block.size()) {
        return Status::InvalidArgument(
            "liq_cascades: a row source yielded rows that are not "
            "liquidations");
      }
      s.pos = 0;
    }
  }

  // Ends the open group; true (and fills *row) when it is a cascade.
  bool Close(CascadeRow* row) {
    open_ = false;
    if (group_.long_notional + group_.short_notional >= spec_.min_notional) {
      *row = group_;
      return true;
    }
    return false;
  }

  CascadeSpec spec_;
  WorkMeter meter_;
  std::vector<Series> series_;
  using HeapItem = std::pair<Timestamp, size_t>;  // ties: lower series index first
  std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<HeapItem>> heap_;
  bool open_ = false;
  CascadeRow group_;
};

}  // namespace

Status ValidateCascadeSpec(const CascadeSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateTimeRange(spec.from, spec.to));
  if (spec.max_gap < 0) {
    return Status::InvalidArgument("max_gap must be >= 0 µs, got " + std::to_string(spec.max_gap));
  }
  if (!std::isfinite(spec.min_notional) || spec.min_notional < 0) {
    return Status::InvalidArgument("min_notional must be a finite number >= 0, got " +
                                   heatmap_internal::NumberText(spec.min_notional));
  }
  return Status::OK();
}

Result<std::unique_ptr<CascadeCursor>> OpenCascades(std::vector<std::unique_ptr<SortedRowSource>> series,
                                                    const CascadeSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateCascadeSpec(spec));
  auto cursor = std::make_unique<CascadeCursorImpl>(std::move(series), spec);
  LIQDB_RETURN_IF_ERROR(cursor->Init());
  return std::unique_ptr<CascadeCursor>(std::move(cursor));
}

}  // namespace liqdb
