// Timestamp column codec: delta / delta-of-delta + frame-of-reference +
// bit-packing (see ts_codec.h, docs/codecs.md).
#include "storage/codec/ts_codec.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "storage/codec/bitpack.h"
#include "storage/codec/patched_frame.h"

namespace liqdb::storage {

namespace {

// Mode byte values. Stored on disk: never renumber.
constexpr uint8_t kTsDelta = 1;         // first, frame, packed deltas
constexpr uint8_t kTsDeltaOfDelta = 2;  // first, first delta, frame, packed deltas of deltas
constexpr uint8_t kTsDeltaPatched = 3;  // first, patched frame over the deltas

Status Truncated() {
  return Status::Corruption("ts codec: truncated block");
}

// Values are unpacked a block at a time, straight into the output, and the
// frame and the prefix sum are applied in one pass while the block is still
// in L1 (a multiple of 8, so every block but the last is byte aligned).
constexpr size_t kBlock = 1024;

// Unpacks m packed values of frame f into u[0..m) and turns them into
// running sums (FramePrefixSum).
Status UnpackPrefix(ByteReader* in, const Frame& f, size_t m, uint64_t* acc, uint64_t* u) {
  LIQDB_RETURN_IF_ERROR(BitUnpack(in, m, f.width, u).WithContext("ts codec"));
  FramePrefixSum(f, m, acc, u);
  return Status::OK();
}

}  // namespace

void EncodeTimestamps(const int64_t* ts, size_t n, ByteWriter* out) {
  if (n == 0) {
    out->PutU8(kTsDelta);
    return;
  }
  // deltas[i - 1] = ts[i] - ts[i - 1]; dods[i - 2] = deltas[i - 1] - deltas[i - 2].
  std::vector<uint64_t> deltas(n - 1);
  for (size_t i = 1; i < n; ++i)
    deltas[i - 1] = static_cast<uint64_t>(ts[i]) - static_cast<uint64_t>(ts[i - 1]);
  std::vector<uint64_t> dods(n > 2 ? n - 2 : 0);
  for (size_t i = 0; i < dods.size(); ++i) dods[i] = deltas[i + 1] - deltas[i];

  const Frame fd = ChooseFrame(deltas.data(), deltas.size());
  const Frame fdd = ChooseFrame(dods.data(), dods.size());
  std::vector<uint64_t> offsets(deltas.size());
  FrameOffsets(fd, deltas.data(), deltas.size(), offsets.data());
  const PatchedFrame pfd = ChoosePatchedFrame(fd, offsets.data(), offsets.size());
  // Compare packed bits; the few header bytes rarely decide, and a tie goes
  // to plain delta, which decodes with one prefix sum instead of two.
  const uint64_t delta_bits = static_cast<uint64_t>(fd.width) * deltas.size();
  const uint64_t dod_bits = static_cast<uint64_t>(fdd.width) * dods.size() + 64;
  const uint64_t patched_bits = delta_bits - 8 * static_cast<uint64_t>(pfd.plain_bytes - pfd.bytes);
  if (n > 2 && dod_bits < delta_bits && (pfd.patches == 0 || dod_bits < patched_bits)) {
    out->PutU8(kTsDeltaOfDelta);
    out->PutU64(static_cast<uint64_t>(ts[0]));
    out->PutVarint(ZigZagEncode(static_cast<int64_t>(deltas[0])));
    PutFrame(fdd, out);
    FramePack(fdd, dods.data(), dods.size(), out);
  } else if (pfd.patches > 0) {
    out->PutU8(kTsDeltaPatched);
    out->PutU64(static_cast<uint64_t>(ts[0]));
    PatchedFramePack(pfd, offsets.data(), offsets.size(), out);
  } else {
    out->PutU8(kTsDelta);
    out->PutU64(static_cast<uint64_t>(ts[0]));
    PutFrame(fd, out);
    FramePack(fd, deltas.data(), deltas.size(), out);
  }
}

Status DecodeTimestamps(ByteReader* in, size_t n, int64_t* out) {
  if (n > kMaxCodecRows) return Status::Corruption("ts codec: absurd row count");
  uint8_t mode = 0;
  if (!in->GetU8(&mode).ok()) return Truncated();
  if (mode != kTsDelta && mode != kTsDeltaOfDelta && mode != kTsDeltaPatched) {
    return Status::Corruption("ts codec: unknown mode " + std::to_string(mode));
  }
  if (n == 0) return Status::OK();
  uint64_t first = 0;
  if (!in->GetU64(&first).ok()) return Truncated();
  // int64_t and uint64_t may alias, so the packed values are unpacked into
  // `out` itself and turned into timestamps in place.
  uint64_t* u = reinterpret_cast<uint64_t*>(out);
  u[0] = first;
  if (mode == kTsDeltaPatched) {
    PatchedFrameReader deltas;
    LIQDB_RETURN_IF_ERROR(deltas.Open(in, n - 1, "ts codec"));
    uint64_t acc = first;
    for (size_t i = 1; i < n; i += kBlock) {
      const size_t m = std::min(kBlock, n - i);
      int width = 0;
      LIQDB_RETURN_IF_ERROR(deltas.Next(m, u + i, &width));
      FramePrefixSum(deltas.frame(), m, &acc, u + i);
    }
    return deltas.Finish();
  }
  if (mode == kTsDelta) {
    Frame f;
    LIQDB_RETURN_IF_ERROR(GetFrame(in, "ts codec", &f));
    uint64_t acc = first;
    for (size_t i = 1; i < n; i += kBlock) {
      LIQDB_RETURN_IF_ERROR(UnpackPrefix(in, f, std::min(kBlock, n - i), &acc, u + i));
    }
    return Status::OK();
  }
  uint64_t zz = 0;
  if (!in->GetVarint(&zz).ok()) return Truncated();
  uint64_t delta = static_cast<uint64_t>(ZigZagDecode(zz));
  if (n == 1) return Status::Corruption("ts codec: delta-of-delta block for one row");
  Frame f;
  LIQDB_RETURN_IF_ERROR(GetFrame(in, "ts codec", &f));
  uint64_t acc = first + delta;
  u[1] = acc;
  for (size_t i = 2; i < n; i += kBlock) {
    // The deltas are running sums of the unpacked values; the timestamps
    // running sums of the deltas.
    const size_t m = std::min(kBlock, n - i);
    LIQDB_RETURN_IF_ERROR(UnpackPrefix(in, f, m, &delta, u + i));
    for (size_t j = i; j < i + m; ++j) u[j] = acc += u[j];
  }
  return Status::OK();
}

}  // namespace liqdb::storage
