// Patched frame-of-reference: width choice, packing and the block reader
// (see patched_frame.h, docs/codecs.md).
#include "storage/codec/patched_frame.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace liqdb::storage {

namespace {

size_t HeaderBytes(const Frame& f) {
  return VarintLength(ZigZagEncode(static_cast<int64_t>(f.min))) + VarintLength(f.divisor) + 1;
}

}  // namespace

PatchedFrame ChoosePatchedFrame(const Frame& plain, const uint64_t* offsets, size_t n) {
  PatchedFrame pf;
  pf.frame = plain;
  pf.plain_bytes = HeaderBytes(plain) + PackedBytes(n, plain.width);
  pf.bytes = pf.plain_bytes;
  if (n < 2 * kMaxPatchShare || plain.width == 0) return pf;
  // How many offsets need exactly b bits: every width's cost follows from it.
  std::array<size_t, 65> at_width{};
  for (size_t i = 0; i < n; ++i) ++at_width[static_cast<size_t>(BitWidth(offsets[i]))];
  size_t patches = 0;
  for (int w = plain.width - 1; w >= 0; --w) {
    patches += at_width[static_cast<size_t>(w) + 1];
    if (patches > n / kMaxPatchShare) break;
    // A patch holds offset >> w: ceil((b - w) / 7) varint bytes for a b-bit
    // offset. Its position gap is costed at the mean gap, which is close for
    // the scattered bursts that patches are for.
    size_t high = 0;
    for (int b = w + 1; b <= plain.width; ++b) {
      high += at_width[static_cast<size_t>(b)] * static_cast<size_t>((b - w + 6) / 7);
    }
    const size_t gaps = patches * VarintLength(n / patches);
    const size_t bytes = HeaderBytes(plain) + PackedBytes(n, w) + VarintLength(patches) + gaps + high;
    if (bytes < pf.bytes) {
      pf.bytes = bytes;
      pf.patches = patches;
      pf.frame.width = w;
    }
  }
  return pf;
}

void PatchedFramePack(const PatchedFrame& pf, const uint64_t* offsets, size_t n, ByteWriter* out) {
  const int w = pf.frame.width;
  PutFrame(pf.frame, out);
  BitPack(offsets, n, w, out);  // drops the bits above w: the patches keep them
  const uint64_t limit = w == 64 ? ~uint64_t{0} : (uint64_t{1} << w) - 1;
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += offsets[i] > limit ? 1 : 0;
  out->PutVarint(count);
  size_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    if (offsets[i] <= limit) continue;
    out->PutVarint(i - next);
    out->PutVarint(offsets[i] >> w);
    next = i + 1;
  }
}

Status PatchedFrameReader::Open(ByteReader* in, size_t n, const char* codec) {
  codec_ = codec;
  if (n > kMaxCodecRows) return Status::Corruption(std::string(codec) + ": absurd row count");
  LIQDB_RETURN_IF_ERROR(GetFrame(in, codec, &frame_));
  std::string_view packed;
  if (!in->GetBytes(PackedBytes(n, frame_.width), &packed).ok()) {
    return Status::Corruption(std::string(codec) + ": truncated block");
  }
  packed_ = ByteReader(packed);
  packed_bytes_ = packed;
  n_ = n;
  done_ = 0;
  next_patch_ = 0;
  uint64_t count = 0;
  if (!in->GetVarint(&count).ok()) return Status::Corruption(std::string(codec) + ": truncated block");
  // A patch takes at least 2 bytes: a lying count fails before any work.
  if (count > n || count > in->remaining() / 2) {
    return Status::Corruption(std::string(codec) + ": patch count out of range");
  }
  if (count > 0 && frame_.width == 64) {
    return Status::Corruption(std::string(codec) + ": patches on a 64-bit frame");
  }
  // Read up front, in one tight loop: applying them is then a few
  // instructions each, where reading them block by block cost a tenth of
  // a column's decoding.
  position_.resize(count);
  high_.resize(count);
  size_t next = 0;  // the smallest position the next patch may have
  for (size_t i = 0; i < count; ++i) {
    uint64_t gap = 0;
    if (!in->GetVarint(&gap).ok() || !in->GetVarint(&high_[i]).ok()) {
      return Status::Corruption(std::string(codec) + ": truncated patch");
    }
    if (gap >= n - next) return Status::Corruption(std::string(codec) + ": patch position out of range");
    // An offset that fits the width is never a patch: one encoding per column.
    if (high_[i] == 0) return Status::Corruption(std::string(codec) + ": patch without high bits");
    position_[i] = static_cast<uint32_t>(next + gap);
    next = position_[i] + 1;
  }
  return Status::OK();
}

Status PatchedFrameReader::Next(size_t m, uint64_t* out, int* width) {
  if (m > n_ - done_) return Status::Corruption(std::string(codec_) + ": read past the block");
  LIQDB_RETURN_IF_ERROR(BitUnpack(&packed_, m, frame_.width, out).WithContext(codec_));
  const size_t end = done_ + m;
  const int w = frame_.width;
  uint64_t high_bits = 0;
  // Wrapping shift: a corrupt patch gives a wrong value, never UB (w < 64 here).
  for (; next_patch_ < position_.size() && position_[next_patch_] < end; ++next_patch_) {
    out[position_[next_patch_] - done_] |= high_[next_patch_] << w;
    high_bits |= high_[next_patch_];
  }
  *width = high_bits == 0 ? w : std::min(64, w + BitWidth(high_bits));
  done_ = end;
  return Status::OK();
}

uint64_t PatchedFrameReader::LowBitsAt(size_t i) const {
  const int w = frame_.width;
  if (w == 0 || i >= n_) return 0;
  const uint64_t bit = static_cast<uint64_t>(i) * static_cast<uint64_t>(w);
  const size_t byte = static_cast<size_t>(bit / 8);
  // The value's bits lie in at most 9 bytes from `byte` (w < 64 with patches;
  // a 64-bit value at a bit offset of up to 7 spans 9).
  unsigned char b[16] = {};
  std::memcpy(b, packed_bytes_.data() + byte, std::min<size_t>(9, packed_bytes_.size() - byte));
  unsigned __int128 v = 0;
  for (int j = 8; j >= 0; --j) v = (v << 8) | b[j];
  v >>= bit % 8;
  return w == 64 ? static_cast<uint64_t>(v) : static_cast<uint64_t>(v) & ((uint64_t{1} << w) - 1);
}

Status PatchedFrameReader::Finish() const {
  if (done_ != n_) return Status::Corruption(std::string(codec_) + ": block not read to its end");
  return Status::OK();
}

}  // namespace liqdb::storage
