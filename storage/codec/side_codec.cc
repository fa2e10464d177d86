// Side column codec: bitmap or run-length (see side_codec.h, docs/codecs.md).
#include "storage/codec/side_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "storage/codec/bitpack.h"

namespace liqdb::storage {

namespace {

// Mode byte values. Stored on disk: never renumber.
constexpr uint8_t kSideBitmap = 1;  // ceil(n/8) bytes, row i in bit i % 8 of byte i / 8
constexpr uint8_t kSideRuns = 2;    // first value byte, run count varint, run lengths varints

Status Truncated() {
  return Status::Corruption("side codec: truncated block");
}

// kSpread[b] holds the eight bits of byte b as eight bytes 0/1, low bit
// first: a bitmap byte becomes eight sides with one 8-byte store.
constexpr auto kSpread = [] {
  std::array<uint64_t, 256> t{};
  for (int b = 0; b < 256; ++b) {
    for (int i = 0; i < 8; ++i) t[b] |= static_cast<uint64_t>((b >> i) & 1) << (8 * i);
  }
  return t;
}();

}  // namespace

namespace {

// The bitmap byte of sides[0..8): bit i is row i (any nonzero side is 1).
// Each byte becomes 0 or 1 (its high bit set when any bit is), then one
// multiply gathers the eight bytes' low bits into the top byte: byte i's bit
// lands on bit 56 + i, and no two partial products overlap.
inline uint8_t PackEight(const uint8_t* sides) {
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7Full;
  uint64_t x;
  std::memcpy(&x, sides, 8);
  const uint64_t nonzero = ((((x & kLow7) + kLow7) | x) >> 7) & 0x0101010101010101ull;
  return static_cast<uint8_t>((nonzero * 0x0102040810204080ull) >> 56);
}

// Calls f(row) for every row i in 1..n-1 whose side differs from row i - 1,
// in order, reading the bitmap 64 rows at a time; returns how many.
template <typename F>
size_t ForEachChange(const uint8_t* bitmap, size_t n, F&& f) {
  const size_t bytes = (n + 7) / 8;
  size_t count = 0;
  uint64_t carry = bitmap[0] & 1;  // row 0 compared with itself: no change
  for (size_t k = 0; k * 64 < n; ++k) {
    uint64_t w = 0;
    std::memcpy(&w, bitmap + k * 8, std::min<size_t>(8, bytes - k * 8));
    uint64_t x = w ^ ((w << 1) | carry);
    carry = w >> 63;
    if (n - k * 64 < 64) x &= (uint64_t{1} << (n - k * 64)) - 1;
    count += static_cast<size_t>(std::popcount(x));
    for (; x != 0; x &= x - 1) f(k * 64 + static_cast<size_t>(std::countr_zero(x)));
  }
  return count;
}

}  // namespace

void EncodeSides(const uint8_t* sides, size_t n, ByteWriter* out) {
  // The bitmap is written first; runs replace it when they are smaller. A
  // run takes at least a byte, so runs can only win with fewer runs than
  // bitmap bytes, and only then are their lengths looked at.
  const size_t bitmap_bytes = (n + 7) / 8;
  std::string* buf = out->buffer();
  const size_t start = buf->size();
  buf->resize(start + 1 + bitmap_bytes, '\0');
  (*buf)[start] = static_cast<char>(kSideBitmap);
  uint8_t* p = reinterpret_cast<uint8_t*>(buf->data()) + start + 1;
  for (size_t j = 0; j < n / 8; ++j) p[j] = PackEight(sides + 8 * j);
  for (size_t i = n & ~size_t{7}; i < n; ++i) {
    if (sides[i] != 0) p[i >> 3] = static_cast<uint8_t>(p[i >> 3] | (1u << (i & 7)));
  }
  if (n == 0) return;
  const size_t runs = 1 + ForEachChange(p, n, [](size_t) {});
  if (runs >= bitmap_bytes) return;
  const uint8_t first = p[0] & 1;
  std::vector<uint64_t> lengths;
  lengths.reserve(runs);
  size_t prev = 0;
  ForEachChange(p, n, [&](size_t row) {
    lengths.push_back(row - prev);
    prev = row;
  });
  lengths.push_back(n - prev);
  size_t run_bytes = 0;
  for (uint64_t r : lengths) run_bytes += VarintLength(r);
  if (1 + VarintLength(runs) + run_bytes >= bitmap_bytes) return;
  buf->resize(start);
  out->PutU8(kSideRuns);
  out->PutU8(first);
  out->PutVarint(runs);
  for (uint64_t r : lengths) out->PutVarint(r);
}

Status DecodeSides(ByteReader* in, size_t n, uint8_t* out) {
  if (n > kMaxCodecRows) return Status::Corruption("side codec: absurd row count");
  uint8_t mode = 0;
  if (!in->GetU8(&mode).ok()) return Truncated();
  if (mode == kSideBitmap) {
    std::string_view bits;
    if (!in->GetBytes((n + 7) / 8, &bits).ok()) return Truncated();
    const auto* b = reinterpret_cast<const uint8_t*>(bits.data());
    for (size_t j = 0; j < n / 8; ++j) std::memcpy(out + 8 * j, &kSpread[b[j]], 8);  // little-endian
    for (size_t i = n & ~size_t{7}; i < n; ++i) out[i] = (b[i >> 3] >> (i & 7)) & 1;
    // Padding bits are written as zero; anything else is damage.
    if ((n & 7) != 0 && (b[n >> 3] >> (n & 7)) != 0) {
      return Status::Corruption("side codec: nonzero bitmap padding");
    }
    return Status::OK();
  }
  if (mode != kSideRuns) return Status::Corruption("side codec: unknown mode " + std::to_string(mode));
  uint8_t value = 0;
  uint64_t count = 0;
  if (!in->GetU8(&value).ok() || !in->GetVarint(&count).ok()) return Truncated();
  if (value > 1)
    return Status::Corruption("side codec: run value " + std::to_string(value) + " is not 0 or 1");
  if (count > n) return Status::Corruption("side codec: more runs than rows");
  size_t pos = 0;
  for (uint64_t r = 0; r < count; ++r) {
    uint64_t len = 0;
    if (!in->GetVarint(&len).ok()) return Truncated();
    if (len == 0 || len > n - pos) return Status::Corruption("side codec: run length out of range");
    std::memset(out + pos, value, len);
    pos += len;
    value ^= 1;
  }
  if (pos != n) return Status::Corruption("side codec: runs cover fewer rows than the chunk");
  return Status::OK();
}

}  // namespace liqdb::storage
