// Bit-packing: the integer layer under every column codec. n values of
// `width` bits each are laid end to end, least significant bit first, in
// ceil(n * width / 8) bytes; a width of 0 (all values zero after
// frame-of-reference) takes no bytes at all. Unpacking is the hot path of
// scans, so it works on groups of eight values (eight values of w bits are
// exactly w bytes) with the width fixed at compile time.
//
// Also here: zigzag, which maps small signed integers to small unsigned ones
// before they are packed.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "liqdb/status.h"
#include "storage/codec/bytes.h"

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

// The largest row count a decoder accepts: a block claiming more is corrupt.
constexpr size_t kMaxCodecRows = size_t{1} << 24;

}  // namespace liqdb::storage
