// Side column codec: bitmap or run-length (see side_codec.h, docs/codecs.md).
#include "storage/codec/side_codec.h"

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "storage/codec/bitpack.h"

namespace liqdb::storage {

namespace {

// Mode byte values. Stored on disk: never renumber.
constexpr uint8_t kSideBitmap = 1;  // ceil(n/8) bytes, row i in bit i % 8 of byte i / 8
constexpr uint8_t kSideRuns = 2;    // first value byte, run count varint, run lengths varints

size_t VarintLength(uint64_t v) {
  size_t len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

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

void EncodeSides(const uint8_t* sides, size_t n, ByteWriter* out) {
  std::vector<uint64_t> runs;
  size_t run_bytes = 0;
  for (size_t i = 0; i < n;) {
    const bool v = sides[i] != 0;
    size_t j = i + 1;
    while (j < n && (sides[j] != 0) == v) ++j;
    runs.push_back(j - i);
    run_bytes += VarintLength(j - i);
    i = j;
  }
  const size_t bitmap_bytes = (n + 7) / 8;
  if (n > 0 && 1 + VarintLength(runs.size()) + run_bytes < bitmap_bytes) {
    out->PutU8(kSideRuns);
    out->PutU8(sides[0] != 0 ? 1 : 0);
    out->PutVarint(runs.size());
    for (uint64_t r : runs) out->PutVarint(r);
    return;
  }
  out->PutU8(kSideBitmap);
  std::string* buf = out->buffer();
  const size_t start = buf->size();
  buf->resize(start + bitmap_bytes, '\0');
  char* p = buf->data() + start;
  for (size_t i = 0; i < n; ++i) {
    if (sides[i] != 0) p[i >> 3] = static_cast<char>(static_cast<uint8_t>(p[i >> 3]) | (1u << (i & 7)));
  }
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
