// Range sums of a liquidation chunk from its header, rollup or rows (range_sums.h).
#include "query/range_sums.h"

#include "liqdb/timeparse.h"

namespace liqdb::internal {

namespace {

void Add(SideSums* into, const SideSums& s) {
  into->count += s.count;
  into->qty += s.qty;
  into->notional += s.notional;
}

}  // namespace

bool RollupSlotCut(const ChunkMeta& m, Timestamp from, Timestamp to, int64_t resolution) {
  auto cut = [&](Timestamp edge) {
    if (edge % resolution == 0) return false;
    const Timestamp lo = AlignDown(edge, resolution);
    return m.max_ts >= lo && m.min_ts < lo + resolution;
  };
  return cut(from) || cut(to);
}

Status AddChunkInRange(ChunkReader* reader, Timestamp from, Timestamp to, std::array<SideSums, 2>* sums,
                       std::vector<RollupSlot>* rollup, Columns* rows, RangeSumWork* work) {
  const ChunkMeta& m = reader->meta();
  if (m.min_ts >= from && m.max_ts < to) {
    Add(&(*sums)[0], m.sides[0]);
    Add(&(*sums)[1], m.sides[1]);
    if (work) ++work->from_header;
    return Status::OK();
  }
  for (int64_t resolution : kRollupResolutions) {
    if (!HasRollup(m, resolution) || RollupSlotCut(m, from, to, resolution)) continue;
    LIQDB_RETURN_IF_ERROR(reader->ReadRollup(resolution, rollup));
    for (const RollupSlot& r : *rollup) {
      const Timestamp start = r.slot * resolution;
      if (start < from || start >= to) continue;  // whole slots: the edges are slot-aligned here
      Add(&(*sums)[0], r.sides[0]);
      Add(&(*sums)[1], r.sides[1]);
    }
    if (work) ++work->from_rollup;
    return Status::OK();
  }
  LIQDB_RETURN_IF_ERROR(
      reader->Decode(kMaskTs | kMaskSide | MaskValue(liq_col::kQty) | MaskValue(liq_col::kNotional), rows));
  const auto& qty = rows->values[liq_col::kQty];
  const auto& notional = rows->values[liq_col::kNotional];
  for (size_t i = 0; i < rows->size(); ++i) {
    if (rows->ts[i] < from || rows->ts[i] >= to) continue;
    SideSums& s = (*sums)[rows->side[i]];
    s.count++;
    s.qty += qty[i];
    s.notional += notional[i];
  }
  if (work) ++work->decoded;
  return Status::OK();
}

}  // namespace liqdb::internal
