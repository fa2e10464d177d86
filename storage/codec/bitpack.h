// Bit-packing: the integer layer under every column codec. n values of
// `width` bits each are laid end to end, least significant bit first, in
// ceil(n * width / 8) bytes; a width of 0 (all values zero after
// frame-of-reference) takes no bytes at all. Unpacking is the hot path of
// scans, so it works on groups of eight values (eight values of w bits are
// exactly w bytes) with the width fixed at compile time.
//
// Also here: frame-of-reference, the step before packing that every integer
// column takes (subtract the minimum, divide by the common divisor), and
// zigzag, which maps small signed integers to small unsigned ones.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "storage/codec/bytes.h"

#include "liqdb/status.h"

namespace liqdb::storage {

// Number of bits needed to hold max_value: 0 for 0, 64 for values >= 2^63.
int BitWidth(uint64_t max_value);

// Bytes that BitPack writes for n values of `width` bits.
inline size_t PackedBytes(size_t n, int width) {
  return (n / 8) * static_cast<size_t>(width) + ((n % 8) * static_cast<size_t>(width) + 7) / 8;
}

// Appends n values of `width` bits (0..64) to out. Bits of a value above
// `width` are dropped, so the caller must have chosen width >= BitWidth(max).
void BitPack(const uint64_t* values, size_t n, int width, ByteWriter* out);

// Reads what BitPack(values, n, width) wrote into out[0..n). Corruption if
// width is not in 0..64, n is absurd or the reader holds too few bytes.
Status BitUnpack(ByteReader* in, size_t n, int width, uint64_t* out);

// Zigzag: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ... ; defined for every int64.
inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// Frame-of-reference over int64 values carried as uint64 bit patterns: a
// value v is stored as (v - min) / divisor in `width` bits. Arithmetic wraps
// modulo 2^64, so any int64 sequence has a frame. The divisor is the GCD of
// the offsets: timestamps that exchanges give in ms are µs multiples of 1000,
// prices on a 0.5 tick are decimal multiples of 5.
// On disk: zigzag(min) varint, divisor varint, width byte (docs/codecs.md).
struct Frame {
  uint64_t min = 0;      // bits of the int64 minimum
  uint64_t divisor = 1;  // >= 1
  int width = 0;         // bits per packed value, 0..64
};

// The narrowest frame for values[0..n).
Frame ChooseFrame(const uint64_t* values, size_t n);
void PutFrame(const Frame& frame, ByteWriter* out);
// Corruption (naming `codec`) on a short header, width > 64 or divisor 0.
Status GetFrame(ByteReader* in, const char* codec, Frame* frame);
// out[i] = (values[i] - min) / divisor, the offsets FramePack packs; `frame`
// must come from ChooseFrame over these values (the division is exact).
void FrameOffsets(const Frame& frame, const uint64_t* values, size_t n, uint64_t* out);
// Packs values[0..n) in `frame` (the caller writes the frame first).
void FramePack(const Frame& frame, const uint64_t* values, size_t n, ByteWriter* out);
// Offsets back to values in place: x[i] = x[i] * divisor + min.
void FrameValues(const Frame& frame, size_t n, uint64_t* x);
// Offsets of deltas back to running sums in place, from *acc:
// x[i] = *acc += x[i] * divisor + min; *acc ends as the last sum.
void FramePrefixSum(const Frame& frame, size_t n, uint64_t* acc, uint64_t* x);
// Unpacks n values of `frame` into out[0..n).
Status FrameUnpack(const Frame& frame, ByteReader* in, size_t n, uint64_t* out);

// The largest row count a decoder accepts: a block claiming more is corrupt.
constexpr size_t kMaxCodecRows = size_t{1} << 24;

}  // namespace liqdb::storage
