// Patched frame-of-reference (PFOR; Zukowski et al., "Super-Scalar RAM-CPU
// Cache Compression", ICDE 2006): a Frame whose packed width is chosen below
// the widest offset, so that a few large values (a burst after a quiet
// minute, an outlier lot) no longer widen every row. Each value keeps its low
// `width` bits in the packed stream; a value whose offset needs more keeps
// the rest, offset >> width, as a patch after it.
//
// On disk (docs/codecs.md): the frame (zz(min), divisor, width), the packed
// low bits of n offsets, the patch count varint, then per patch the position
// gap varint and the high bits varint. The reader takes the packed bits as
// a view (their length follows from n and the width), reads the patches
// into a list, then unpacks block by block, ORing in each block's patches.
//
// Thread-safety: free functions and a reader without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "storage/codec/bitpack.h"
#include "storage/codec/bytes.h"

#include "liqdb/status.h"

namespace liqdb::storage {

struct PatchedFrame {
  Frame frame;             // the plain frame's min and divisor; width = the packed low bits
  size_t patches = 0;      // values whose offset needs more than frame.width bits
  size_t bytes = 0;        // estimated encoded size, frame header included
  size_t plain_bytes = 0;  // the same for the plain frame (header and packed bits)
};

// The width that makes the patched encoding of offsets[0..n) smallest, for
// offsets (FrameOffsets) in the plain frame `plain` (ChooseFrame). At most
// one value in kMaxPatchShare becomes a patch: patches are read one at a
// time (a varint pair each), and with one in 8 the real liquidation chunks
// of bench/decode_bench decoded at 0.5-0.75 G values/s instead of 1-1.5 G,
// for 8 % fewer bytes than one in 32. `patches == 0` (and frame == plain)
// when patching does not pay.
PatchedFrame ChoosePatchedFrame(const Frame& plain, const uint64_t* offsets, size_t n);
constexpr size_t kMaxPatchShare = 32;

// Writes pf's frame, the low bits and the patches of offsets[0..n).
void PatchedFramePack(const PatchedFrame& pf, const uint64_t* offsets, size_t n, ByteWriter* out);

// Reads what PatchedFramePack wrote, a block at a time.
class PatchedFrameReader {
 public:
  // Reads the frame, takes the packed bytes of n values and reads and checks
  // every patch (at most one in kMaxPatchShare values when the encoder wrote
  // them; a block claiming more is still bounded by its bytes).
  Status Open(ByteReader* in, size_t n, const char* codec);
  const Frame& frame() const { return frame_; }
  // The next m offsets ((v - min) / divisor, patches applied) into out[0..m);
  // m is a multiple of 8 except for the last block. *width is the bits the
  // block's offsets may need: frame().width, or more where a patch fell.
  Status Next(size_t m, uint64_t* out, int* width);
  // Corruption unless all n values were read.
  Status Finish() const;
  // The patches Open read: positions (ascending) and high bits (offset >> width).
  const std::vector<uint32_t>& patch_positions() const { return position_; }
  const std::vector<uint64_t>& patch_high() const { return high_; }
  // The packed low bits of value i < n, without unpacking the others (a
  // caller that wants only a few rows: the patches, say).
  uint64_t LowBitsAt(size_t i) const;

 private:
  const char* codec_ = "";
  Frame frame_;
  ByteReader packed_{nullptr, 0};
  std::string_view packed_bytes_;  // all of the packed low bits, for LowBitsAt
  size_t n_ = 0;
  size_t done_ = 0;                 // values handed out so far
  std::vector<uint32_t> position_;  // of each patch, ascending
  std::vector<uint64_t> high_;      // its offset >> width
  size_t next_patch_ = 0;           // the first patch not applied yet
};

}  // namespace liqdb::storage
