// Position keyframes: the positions of one series in force at a moment,
// their byte encoding, and rolling one forward over newer rows.
//
// Encoding (little-endian, version 1):
//   u8 version = 1
//   i64 until
//   varint count
//   count × { varint account_len, account bytes, u8 side, i64 ts,
//             f64 size, f64 entry_price, f64 leverage, f64 liq_price }
// NaN (NULL) doubles travel as their bits. Nothing may follow the last
// position. Integrity (checksums) is the storage layer's, like every value it
// keeps.

#include <cmath>

#include "query/heatmap_internal.h"
#include "storage/codec/bytes.h"

#include "liqdb/heatmap.h"

namespace liqdb {

namespace {
constexpr uint8_t kKeyframeVersion = 1;
}  // namespace

std::string EncodePositionKeyframe(const PositionKeyframe& keyframe) {
  std::string out;
  storage::ByteWriter w(&out);
  w.PutU8(kKeyframeVersion);
  w.PutU64(static_cast<uint64_t>(keyframe.until));
  w.PutVarint(keyframe.positions.size());
  for (const PositionState& p : keyframe.positions) {
    w.PutVarint(p.account.size());
    w.PutBytes(p.account);
    w.PutU8(static_cast<uint8_t>(p.side));
    w.PutU64(static_cast<uint64_t>(p.ts));
    w.PutF64(p.size);
    w.PutF64(p.entry_price);
    w.PutF64(p.leverage);
    w.PutF64(p.liq_price);
  }
  return out;
}

Result<PositionKeyframe> DecodePositionKeyframe(std::string_view bytes) {
  storage::ByteReader r(bytes);
  uint8_t version = 0;
  LIQDB_RETURN_IF_ERROR(r.GetU8(&version).WithContext("position keyframe"));
  if (version != kKeyframeVersion) {
    return Status::Corruption("position keyframe: unknown version " + std::to_string(version));
  }
  PositionKeyframe kf;
  uint64_t until = 0, count = 0;
  LIQDB_RETURN_IF_ERROR(r.GetU64(&until).WithContext("position keyframe"));
  LIQDB_RETURN_IF_ERROR(r.GetVarint(&count).WithContext("position keyframe"));
  kf.until = static_cast<Timestamp>(until);
  // Each position takes at least 42 bytes: a count beyond that is a lie that
  // must not drive a huge reserve().
  if (count > r.remaining() / 42) {
    return Status::Corruption("position keyframe: count " + std::to_string(count) +
                              " exceeds the bytes present");
  }
  kf.positions.resize(count);
  for (PositionState& p : kf.positions) {
    uint64_t len = 0;
    std::string_view account;
    uint8_t side = 0;
    uint64_t ts = 0;
    LIQDB_RETURN_IF_ERROR(r.GetVarint(&len).WithContext("position keyframe"));
    LIQDB_RETURN_IF_ERROR(r.GetBytes(len, &account).WithContext("position keyframe"));
    LIQDB_RETURN_IF_ERROR(r.GetU8(&side).WithContext("position keyframe"));
    if (side > 1) return Status::Corruption("position keyframe: bad side " + std::to_string(side));
    LIQDB_RETURN_IF_ERROR(r.GetU64(&ts).WithContext("position keyframe"));
    LIQDB_RETURN_IF_ERROR(r.GetF64(&p.size).WithContext("position keyframe"));
    LIQDB_RETURN_IF_ERROR(r.GetF64(&p.entry_price).WithContext("position keyframe"));
    LIQDB_RETURN_IF_ERROR(r.GetF64(&p.leverage).WithContext("position keyframe"));
    LIQDB_RETURN_IF_ERROR(r.GetF64(&p.liq_price).WithContext("position keyframe"));
    p.account.assign(account);
    p.side = static_cast<Side>(side);
    p.ts = static_cast<Timestamp>(ts);
    if (!(p.size > 0) || !std::isfinite(p.size)) {
      return Status::Corruption("position keyframe: position of '" + p.account + "' has size " +
                                std::to_string(p.size));
    }
  }
  if (r.remaining() != 0) {
    return Status::Corruption("position keyframe: " + std::to_string(r.remaining()) + " trailing bytes");
  }
  return kf;
}

Result<PositionKeyframe> AdvancePositionKeyframe(const PositionKeyframe& base, const Columns& rows,
                                                 Timestamp until) {
  if (until < base.until) {
    return Status::InvalidArgument("AdvancePositionKeyframe: until is before the base keyframe");
  }
  if (!rows.empty() && rows.kind != Kind::kPositions) {
    return Status::InvalidArgument("AdvancePositionKeyframe: rows are not positions");
  }
  // No filter and any step: only the in-force map matters here.
  heatmap_internal::PositionReplay replay(heatmap_internal::LeverageFilter{}, 1.0);
  PositionSeriesInput input;
  input.seed = base;
  if (!rows.empty()) input.rows = MemoryRowSource(rows);
  LIQDB_RETURN_IF_ERROR(replay.AddSeries(std::move(input)));
  LIQDB_RETURN_IF_ERROR(replay.AdvanceTo(until));
  return replay.Keyframe(0, until);
}

}  // namespace liqdb
