// The Store side of the heatmap analytics: row sources that read one series
// window by window through ReadSeriesSorted, and the wrappers that select
// series, seed snapshot replays from keyframes and open the kernels. Kept
// apart from the kernels so those link (and are tested) without a store.

#include <algorithm>
#include <cmath>
#include <map>

#include "query/heatmap_internal.h"

#include "liqdb/heatmap.h"
#include "liqdb/liq_price.h"
#include "liqdb/query.h"

namespace liqdb {

namespace {

using heatmap_internal::SaturatingAdd;

// Reads aim at about kTargetRows rows: bounded memory however dense a series
// is (100k accounts updating every 10 minutes are 14M rows a day), and few
// calls for a sparse one. The window starts from the series' average density
// and adapts to what each read returns. One read is one uninterruptible
// step (decode and merge), so it is kept to a few tens of milliseconds: a
// query must stop within 0.2 s of sqlite3_interrupt (tvf_interrupt.h).
constexpr uint64_t kTargetRows = 1u << 18;
constexpr int64_t kMinReadWindow = kMicrosPerSecond;
constexpr int64_t kMaxReadWindow = 24LL * 3600 * kMicrosPerSecond;

// Keeps rows [begin, end) of a block (every column, the dictionary as is).
void KeepRows(Columns* c, size_t begin, size_t end) {
  auto keep = [&](auto& v) {
    if (v.empty()) return;
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(end), v.end());
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(begin));
  };
  keep(c->ts);
  keep(c->side);
  keep(c->account);
  for (auto& v : c->values) keep(v);
}

// Rows of one series in [from, to), in time order (ties in storage order),
// as ReadSeriesSorted would give them. A sealed series is a run of chunks
// that do not overlap in time: each chunk, decoded, is already a block in
// that order, so it is handed on as it is, without copying its rows into a
// merged window (a copy that interns every row's account string). From the
// first chunk that overlaps the next one (or the rows already handed on),
// the source falls back to merging windows through ReadSeriesSorted.
class StoreSource : public SortedRowSource {
 public:
  StoreSource(const Store& store, Kind kind, uint32_t series_id, Timestamp from, Timestamp to)
      : store_(store), kind_(kind), series_id_(series_id), next_(from), to_(to) {
    // Skip the empty stretches before the series' first and after its last
    // row (an unlisted series has no rows at all).
    bool listed = false;
    for (const SeriesInfo& info : store.ListSeries(kind)) {
      if (info.series_id != series_id) continue;
      listed = true;
      next_ = std::max(next_, info.min_ts);
      to_ = std::min(to_, SaturatingAdd(info.max_ts, 1));
      const double span = static_cast<double>(info.max_ts) - static_cast<double>(info.min_ts) + 1;
      if (info.rows > 0) window_ = ClampWindow(span * kTargetRows / static_cast<double>(info.rows));
    }
    if (!listed) to_ = next_;
  }

  Result<bool> NextBlock(Columns* block) override {
    if (direct_) {
      LIQDB_ASSIGN_OR_RETURN(bool handed, NextChunk(block));
      if (handed) return true;
    }
    return NextWindow(block);
  }

 private:
  // The next chunk as a block while chunks do not overlap; false (and
  // direct_ off, with next_ just past what was handed on) at the end or on
  // an overlap, when the windows take over from next_.
  Result<bool> NextChunk(Columns* block) {
    if (!reader_) {
      if (next_ >= to_) {
        direct_ = false;
        return false;
      }
      LIQDB_ASSIGN_OR_RETURN(reader_, store_.ReadChunks(kind_, {series_id_}, next_, to_));
    }
    bool overlap = false;
    while (reader_->Valid() && !overlap) {
      const ChunkMeta meta = reader_->meta();
      if (handed_ && meta.min_ts < next_) {  // overlaps what was handed on
        overlap = true;
        break;
      }
      Columns& rows = spare_;
      LIQDB_RETURN_IF_ERROR(reader_->Decode(kAllColumns, &rows));
      reader_->Next();
      // The next chunk must start after this one ends.
      overlap = (reader_->Valid() && reader_->meta().min_ts <= meta.max_ts) ||
                !std::is_sorted(rows.ts.begin(), rows.ts.end());
      if (overlap) break;
      const auto begin = std::lower_bound(rows.ts.begin(), rows.ts.end(), next_) - rows.ts.begin();
      const auto end = std::lower_bound(rows.ts.begin(), rows.ts.end(), to_) - rows.ts.begin();
      if (begin == end) continue;
      if (begin != 0 || end != static_cast<std::ptrdiff_t>(rows.size())) {
        KeepRows(&rows, static_cast<size_t>(begin), static_cast<size_t>(end));
      }
      next_ = SaturatingAdd(rows.ts.back(), 1);
      handed_ = true;
      std::swap(*block, spare_);
      return true;
    }
    // Every chunk handed on: nothing left. Otherwise the rest (from next_
    // on: nothing at or after it was handed on) goes through the windows.
    if (!overlap) next_ = to_;
    direct_ = false;
    reader_.reset();
    return false;
  }

  Result<bool> NextWindow(Columns* block) {
    while (next_ < to_) {
      Timestamp end = std::min(to_, SaturatingAdd(next_, window_));
      LIQDB_ASSIGN_OR_RETURN(Columns rows, ReadSeriesSorted(store_, kind_, series_id_, next_, end));
      next_ = end;
      // Denser or sparser than average here: resize the next window.
      if (rows.size() > 2 * kTargetRows) window_ = ClampWindow(window_ / 2.0);
      if (rows.size() < kTargetRows / 4) window_ = ClampWindow(window_ * 2.0);
      if (!rows.empty()) {
        *block = std::move(rows);
        return true;
      }
    }
    return false;
  }

  static int64_t ClampWindow(double w) {
    return static_cast<int64_t>(
        std::clamp(w, static_cast<double>(kMinReadWindow), static_cast<double>(kMaxReadWindow)));
  }

  const Store& store_;
  Kind kind_;
  uint32_t series_id_;
  Timestamp next_, to_;  // rows before next_ were handed on
  int64_t window_ = kMaxReadWindow;
  bool direct_ = true;
  bool handed_ = false;  // a block was handed on (next_ is past it)
  std::unique_ptr<ChunkReader> reader_;
  // What chunks decode into: swapped with the caller's spent block, so the
  // columns' memory is reused chunk after chunk instead of allocated (and
  // page-faulted) afresh.
  Columns spare_{kind_};
};

// The series of `kind` a filter selects, in (exchange, symbol) order.
std::vector<std::pair<uint32_t, SeriesKey>> Selected(const Store& store, Kind kind,
                                                     const std::vector<std::string>& symbols,
                                                     const std::vector<std::string>& exchanges,
                                                     const std::vector<std::string>& coins = {}) {
  ScanFilter filter;
  filter.kind = kind;
  filter.symbols = symbols;
  filter.exchanges = exchanges;
  filter.coins = coins;
  std::vector<uint32_t> ids = SelectSeries(store, filter);
  std::map<uint32_t, SeriesKey> keys;
  for (const SeriesInfo& info : store.ListSeries(kind)) keys[info.series_id] = info.key;
  std::vector<std::pair<uint32_t, SeriesKey>> out;
  for (uint32_t id : ids) out.emplace_back(id, keys[id]);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

// The lowest and highest price in the zone maps of the chunks of `ids` that
// meet [from, to) (NaN prices, from NULL entry prices, are skipped), or
// (inf, -inf) when there are none.
Result<std::pair<double, double>> PriceSpan(const Store& store, Kind kind, const std::vector<uint32_t>& ids,
                                            Timestamp from, Timestamp to, Cancellation* cancel) {
  std::pair<double, double> span{INFINITY, -INFINITY};
  if (ids.empty()) return span;
  WorkMeter meter(cancel);
  LIQDB_ASSIGN_OR_RETURN(std::unique_ptr<ChunkReader> r, store.ReadChunks(kind, ids, from, to));
  for (; r->Valid(); r->Next()) {
    LIQDB_RETURN_IF_ERROR(meter.Tick());
    span.first = std::fmin(span.first, r->meta().min_price);
    span.second = std::fmax(span.second, r->meta().max_price);
  }
  return span;
}

std::vector<uint32_t> IdsOf(const std::vector<std::pair<uint32_t, SeriesKey>>& series) {
  std::vector<uint32_t> ids;
  for (const auto& s : series) ids.push_back(s.first);
  return ids;
}

class CheckpointKeyframes : public KeyframeProvider {
 public:
  explicit CheckpointKeyframes(const Store& store) : store_(store) {}
  Result<std::optional<PositionKeyframe>> Find(uint32_t series_id, Timestamp at) const override {
    LIQDB_ASSIGN_OR_RETURN(std::optional<Store::Checkpoint> cp,
                           store_.LatestCheckpoint(Kind::kPositions, series_id, at));
    if (!cp) return std::optional<PositionKeyframe>();
    LIQDB_ASSIGN_OR_RETURN(PositionKeyframe kf, DecodePositionKeyframe(cp->state));
    if (kf.until != cp->at) {
      return Status::Corruption("position keyframe of series " + std::to_string(series_id) +
                                " says it is at " + std::to_string(kf.until) + " but is stored at " +
                                std::to_string(cp->at));
    }
    return std::optional<PositionKeyframe>(std::move(kf));
  }

 private:
  const Store& store_;
};

// Positions series seeded from the latest keyframe at or before `at`.
Result<std::vector<PositionSeriesInput>> PositionInputs(const Store& store,
                                                        const std::vector<std::string>& symbols,
                                                        const std::vector<std::string>& exchanges,
                                                        Timestamp at, Timestamp to,
                                                        const KeyframeProvider* keyframes) {
  CheckpointKeyframes own(store);
  if (!keyframes) keyframes = &own;
  std::vector<PositionSeriesInput> inputs;
  for (auto& [id, key] : Selected(store, Kind::kPositions, symbols, exchanges)) {
    PositionSeriesInput in;
    in.key = key;
    if (keyframes) {
      LIQDB_ASSIGN_OR_RETURN(std::optional<PositionKeyframe> kf, keyframes->Find(id, at));
      if (kf) in.seed = std::move(*kf);
    }
    in.rows = StoreRowSource(store, Kind::kPositions, id, in.seed.until, to);
    inputs.push_back(std::move(in));
  }
  return inputs;
}

}  // namespace

std::unique_ptr<KeyframeProvider> StoreKeyframes(const Store& store) {
  return std::make_unique<CheckpointKeyframes>(store);
}

Result<uint64_t> WritePositionKeyframes(Store& store, int64_t every) {
  if (every <= 0) {
    return Status::InvalidArgument("keyframe interval must be > 0 µs, got " + std::to_string(every));
  }
  CheckpointKeyframes existing(store);
  uint64_t written = 0;
  for (const SeriesInfo& info : store.ListSeries(Kind::kPositions)) {
    if (info.rows == 0) continue;
    LIQDB_ASSIGN_OR_RETURN(std::optional<PositionKeyframe> latest,
                           existing.Find(info.series_id, kMaxTimestamp));
    PositionSeriesInput input;
    input.key = info.key;
    if (latest) input.seed = std::move(*latest);
    // The first boundary after the seed (or after the first row).
    Timestamp base = latest ? input.seed.until : info.min_ts;
    Timestamp next = heatmap_internal::SaturatingAdd(heatmap_internal::FloorTo(base, every), every);
    if (next > info.max_ts) continue;  // nothing after the latest keyframe to fold in
    if ((static_cast<__int128>(info.max_ts) - next) / every >= 1'000'000) {
      return Status::InvalidArgument("a keyframe every " + std::to_string(every) +
                                     " µs would write over a million per series; use a longer "
                                     "interval");
    }
    input.rows = StoreRowSource(store, Kind::kPositions, info.series_id, input.seed.until,
                                SaturatingAdd(info.max_ts, 1));
    heatmap_internal::PositionReplay replay(heatmap_internal::LeverageFilter{}, 1.0);
    LIQDB_RETURN_IF_ERROR(replay.AddSeries(std::move(input)));
    for (Timestamp t = next; t <= info.max_ts; t = heatmap_internal::SaturatingAdd(t, every)) {
      LIQDB_RETURN_IF_ERROR(replay.AdvanceTo(t));
      LIQDB_RETURN_IF_ERROR(store.PutCheckpoint(Kind::kPositions, info.series_id, t,
                                                EncodePositionKeyframe(replay.Keyframe(0, t))));
      ++written;
      if (t == kMaxTimestamp) break;
    }
  }
  return written;
}

std::unique_ptr<SortedRowSource> StoreRowSource(const Store& store, Kind kind, uint32_t series_id,
                                                Timestamp from, Timestamp to) {
  return std::make_unique<StoreSource>(store, kind, series_id, from, to);
}

Result<std::unique_ptr<HeatmapCursor>> OpenSnapshotHeatmap(const Store& store,
                                                           const SnapshotHeatmapSpec& spec,
                                                           const KeyframeProvider* keyframes) {
  LIQDB_RETURN_IF_ERROR(ValidateSnapshotHeatmapSpec(spec));
  // The cell cap, before any row is read: buckets × the bins spanned by the
  // entry prices of every chunk that can hold a position in force (levels
  // sit around their entries; the cursor counts what lies beyond).
  LIQDB_ASSIGN_OR_RETURN(TimeGrid grid, MakeTimeGrid(spec.from, spec.to, spec.interval));
  LIQDB_ASSIGN_OR_RETURN(auto span,
                         PriceSpan(store, Kind::kPositions,
                                   IdsOf(Selected(store, Kind::kPositions, spec.symbols, spec.exchanges)),
                                   kMinTimestamp, spec.to, spec.cancel));
  LIQDB_RETURN_IF_ERROR(CheckGridCells("liq_heatmap", grid.buckets,
                                       PriceBinsBetween(span.first, span.second, spec.price_step)));
  // The first bucket's state is the seed: a keyframe at or before its start.
  Timestamp first = heatmap_internal::FloorTo(spec.from, spec.interval);
  LIQDB_ASSIGN_OR_RETURN(std::vector<PositionSeriesInput> inputs,
                         PositionInputs(store, spec.symbols, spec.exchanges, first, spec.to, keyframes));
  return OpenSnapshotHeatmap(std::move(inputs), spec);
}

Result<std::unique_ptr<HeatmapCursor>> OpenModelHeatmap(const Store& store, const ModelHeatmapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateModelHeatmapSpec(spec));
  if (spec.symbol.empty() || spec.exchange.empty()) {
    return Status::InvalidArgument("liq_heatmap_model needs one series: give symbol and exchange");
  }
  Timestamp start = heatmap_internal::SaturatingSub(spec.from, spec.model.lookback);
  const auto selected = Selected(store, Kind::kMarket, {spec.symbol}, {spec.exchange});
  // The cell cap, before any sample is read: buckets × the bins where the
  // tiers' levels of the mark prices in [start, to) can fall. A linear
  // level is the mark times a factor per tier and side (LiqPrice of 1).
  LIQDB_ASSIGN_OR_RETURN(TimeGrid grid, MakeTimeGrid(spec.from, spec.to, spec.interval));
  LIQDB_ASSIGN_OR_RETURN(auto marks,
                         PriceSpan(store, Kind::kMarket, IdsOf(selected), start, spec.to, spec.cancel));
  LIQDB_ASSIGN_OR_RETURN(std::vector<LeverageTier> tiers, ParseLeverageProfile(spec.model.leverage_profile));
  double low_factor = INFINITY, high_factor = -INFINITY;
  for (const LeverageTier& t : tiers) {
    for (Side side : {Side::kLong, Side::kShort}) {
      Result<double> f = LiqPrice(1.0, t.leverage, side, spec.model.mmr, Contract::kLinear);
      if (!f.ok()) continue;
      low_factor = std::fmin(low_factor, *f);
      high_factor = std::fmax(high_factor, *f);
    }
  }
  LIQDB_RETURN_IF_ERROR(CheckGridCells(
      "liq_heatmap_model", grid.buckets,
      PriceBinsBetween(marks.first * low_factor, marks.second * high_factor, spec.price_step)));
  std::unique_ptr<SortedRowSource> source = MemoryRowSource(Columns(Kind::kMarket));
  for (auto& [id, key] : selected) {
    source = StoreRowSource(store, Kind::kMarket, id, start, spec.to);
  }
  return OpenModelHeatmap(std::move(source), spec);
}

Result<std::vector<LiqMapRow>> LiqMap(const Store& store, Kind kind, const LiqMapSpec& spec,
                                      const KeyframeProvider* keyframes, PositionLevelCounts* counts) {
  LIQDB_RETURN_IF_ERROR(ValidateLiqMapSpec(spec));
  Timestamp end = SaturatingAdd(spec.at, 1);
  if (kind == Kind::kPositions) {
    LIQDB_ASSIGN_OR_RETURN(std::vector<PositionSeriesInput> inputs,
                           PositionInputs(store, spec.symbols, spec.exchanges, spec.at, end, keyframes));
    return LiqMapOfPositions(std::move(inputs), spec, counts);
  }
  if (kind == Kind::kMarket) {
    Timestamp start = heatmap_internal::SaturatingSub(spec.at, spec.model.lookback);
    std::vector<std::unique_ptr<SortedRowSource>> sources;
    for (auto& [id, key] : Selected(store, Kind::kMarket, spec.symbols, spec.exchanges)) {
      sources.push_back(StoreRowSource(store, Kind::kMarket, id, start, end));
    }
    return LiqMapOfMarket(std::move(sources), spec);
  }
  return Status::InvalidArgument(std::string("liq_map needs a positions or a market source, not ") +
                                 KindName(kind));
}

Result<std::unique_ptr<CascadeCursor>> OpenCascades(const Store& store, const CascadeSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateCascadeSpec(spec));
  std::vector<std::unique_ptr<SortedRowSource>> sources;
  for (auto& [id, key] : Selected(store, Kind::kLiquidations, spec.symbols, spec.exchanges, spec.coins)) {
    sources.push_back(StoreRowSource(store, Kind::kLiquidations, id, spec.from, spec.to));
  }
  return OpenCascades(std::move(sources), spec);
}

}  // namespace liqdb
