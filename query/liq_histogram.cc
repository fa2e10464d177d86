// liq_histogram: long/short count, qty and notional per time bucket.
//
// Chunks come in min_ts order. Each is answered the cheapest way its shape
// allows: from the header's per-side sums when the whole chunk falls in one
// bucket, from the per-hour or per-minute rollup when buckets are whole hours
// or minutes (so every slot lies inside one bucket), and by decoding ts/side/qty/notional only
// otherwise. A bucket is emitted as soon as no unprocessed chunk can reach
// it, so results stream and a caller can stop between rows.
#include <algorithm>
#include <unordered_map>

#include "query/range_sums.h"

#include "liqdb/coin.h"
#include "liqdb/query.h"
#include "liqdb/timeparse.h"

namespace liqdb {

namespace {

// Buckets from AlignDown(from) to AlignDown(to - 1), counted in unsigned
// arithmetic so that extreme ranges cannot wrap.
uint64_t BucketCount(const LiqHistogramSpec& spec) {
  const uint64_t first = static_cast<uint64_t>(AlignDown(spec.from, spec.interval));
  const uint64_t last = static_cast<uint64_t>(AlignDown(spec.to - 1, spec.interval));
  return (last - first) / static_cast<uint64_t>(spec.interval) + 1;
}

class LiqHistogramCursorImpl final : public LiqHistogramCursor {
 public:
  LiqHistogramCursorImpl(const LiqHistogramSpec& spec, std::unique_ptr<ChunkReader> reader)
      : spec_(spec), reader_(std::move(reader)), meter_(spec.cancel) {
    first_bucket_ = AlignDown(spec.from, spec.interval);
    buckets_.resize(BucketCount(spec));
  }

  Result<bool> Next(LiqHistogramRow* row) override {
    if (next_emit_ >= buckets_.size()) return false;
    // Unsigned: idx × interval may exceed int64 while first + idx × interval does not.
    const Timestamp bucket =
        static_cast<Timestamp>(static_cast<uint64_t>(first_bucket_) +
                               static_cast<uint64_t>(next_emit_) * static_cast<uint64_t>(spec_.interval));
    const Timestamp bucket_end =
        bucket > kMaxTimestamp - spec_.interval ? kMaxTimestamp : bucket + spec_.interval;
    // Fold chunks in until none left can touch this bucket.
    while (reader_ && reader_->Valid() && reader_->meta().min_ts < bucket_end) {
      LIQDB_RETURN_IF_ERROR(meter_.Tick(1 + reader_->meta().rows / 64));
      LIQDB_RETURN_IF_ERROR(AddChunk());
      reader_->Next();
    }
    row->bucket = bucket;
    row->sides = buckets_[next_emit_];
    ++next_emit_;
    return true;
  }

 private:
  // Unsigned: the span between two extreme timestamps overflows int64.
  size_t BucketOf(Timestamp ts) const {
    return static_cast<size_t>(
        (static_cast<uint64_t>(AlignDown(ts, spec_.interval)) - static_cast<uint64_t>(first_bucket_)) /
        static_cast<uint64_t>(spec_.interval));
  }
  bool InRange(Timestamp ts) const { return ts >= spec_.from && ts < spec_.to; }

  // Coin units per stored qty unit of the current chunk's series (liqdb/coin.h).
  double QtyFactor() {
    const uint32_t id = reader_->meta().series_id;
    auto it = factors_.find(id);
    if (it == factors_.end()) {
      const SeriesKey& key = reader_->series();
      it = factors_.emplace(id, CoinOf(key.exchange, key.symbol).qty_factor).first;
    }
    return it->second;
  }

  void AddScaled(std::array<SideSums, 2>* into, const std::array<SideSums, 2>& s, double factor) {
    for (int side = 0; side < 2; ++side) {
      (*into)[side].count += s[side].count;
      (*into)[side].qty += s[side].qty * factor;
      (*into)[side].notional += s[side].notional;
    }
  }

  Status AddChunk() {
    const ChunkMeta& m = reader_->meta();
    const double factor = QtyFactor();
    const bool inside = m.min_ts >= spec_.from && m.max_ts < spec_.to;
    if (inside && AlignDown(m.min_ts, spec_.interval) == AlignDown(m.max_ts, spec_.interval)) {
      AddScaled(&buckets_[BucketOf(m.min_ts)], m.sides, factor);
      return Status::OK();
    }
    for (int64_t resolution : kRollupResolutions) {
      if (!HasRollup(m, resolution) || spec_.interval % resolution != 0 ||
          internal::RollupSlotCut(m, spec_.from, spec_.to, resolution)) {
        continue;
      }
      LIQDB_RETURN_IF_ERROR(reader_->ReadRollup(resolution, &rollup_));
      for (const RollupSlot& r : rollup_) {
        const Timestamp start = r.slot * resolution;
        if (!InRange(start)) continue;  // whole slots: the range edges are slot-aligned here
        AddScaled(&buckets_[BucketOf(start)], r.sides, factor);
      }
      return Status::OK();
    }
    LIQDB_RETURN_IF_ERROR(reader_->Decode(
        kMaskTs | kMaskSide | MaskValue(liq_col::kQty) | MaskValue(liq_col::kNotional), &rows_));
    const auto& qty = rows_.values[liq_col::kQty];
    const auto& notional = rows_.values[liq_col::kNotional];
    for (size_t i = 0; i < rows_.size(); ++i) {
      if (!InRange(rows_.ts[i])) continue;
      SideSums& s = buckets_[BucketOf(rows_.ts[i])][rows_.side[i]];
      s.count++;
      s.qty += qty[i] * factor;
      s.notional += notional[i];
    }
    return Status::OK();
  }

  LiqHistogramSpec spec_;
  std::unique_ptr<ChunkReader> reader_;
  WorkMeter meter_;
  Timestamp first_bucket_ = 0;
  std::vector<std::array<SideSums, 2>> buckets_;
  size_t next_emit_ = 0;
  std::vector<RollupSlot> rollup_;
  Columns rows_{Kind::kLiquidations};
  std::unordered_map<uint32_t, double> factors_;
};

}  // namespace

Status ValidateLiqHistogramSpec(const LiqHistogramSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateTimeRange(spec.from, spec.to));
  if (spec.interval <= 0) return Status::InvalidArgument("interval must be > 0");
  const uint64_t buckets = BucketCount(spec);
  if (buckets > kMaxGridCells) {
    return Status::InvalidArgument("the histogram would have " + std::to_string(buckets) +
                                   " buckets; the limit is " + std::to_string(kMaxGridCells) +
                                   " (use a longer interval or a shorter range)");
  }
  return Status::OK();
}

Result<std::unique_ptr<LiqHistogramCursor>> LiqHistogramCursor::Open(const Store& store,
                                                                     const LiqHistogramSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateLiqHistogramSpec(spec));
  ScanFilter filter;
  filter.kind = Kind::kLiquidations;
  filter.symbols = spec.symbols;
  filter.exchanges = spec.exchanges;
  filter.coins = spec.coins;
  std::vector<uint32_t> ids = SelectSeries(store, filter);
  std::unique_ptr<ChunkReader> reader;
  if (!ids.empty()) {
    auto r = store.ReadChunks(Kind::kLiquidations, ids, spec.from, spec.to);
    if (!r.ok()) return r.status();
    reader = std::move(r).value();
  }
  return std::unique_ptr<LiqHistogramCursor>(new LiqHistogramCursorImpl(spec, std::move(reader)));
}

Result<std::vector<LiqHistogramRow>> LiqHistogram(const Store& store, const LiqHistogramSpec& spec) {
  auto cursor = LiqHistogramCursor::Open(store, spec);
  if (!cursor.ok()) return cursor.status();
  std::vector<LiqHistogramRow> rows;
  LiqHistogramRow row;
  while (true) {
    auto more = (*cursor)->Next(&row);
    if (!more.ok()) return more.status();
    if (!*more) break;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace liqdb
