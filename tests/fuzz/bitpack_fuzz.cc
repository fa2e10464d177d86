// Fuzzes storage/codec/bitpack: BitUnpack and GetFrame/FrameUnpack on any
// bytes, for any width and value count, must return values or a Corruption,
// never read past the block. What unpacks must pack back to the same bytes
// (BitPack of width-bit values is a bijection on the bits it writes), and a
// frame that cannot wrap re-packs to the same values.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "storage/codec/bitpack.h"
#include "storage/codec/bytes.h"
#include "tests/fuzz/fuzz_util.h"

using namespace liqdb::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const bool framed = in.ConsumeBool();
  // Widths outside 0..64 must be rejected, so draw from a wider range.
  const int width = in.ConsumeIntegralInRange<int>(-2, 70);
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, 4096);
  const std::string block = in.ConsumeRemainingBytesAsString();
  ByteReader r(block);
  std::vector<uint64_t> out(n);
  if (!framed) {
    if (!BitUnpack(&r, n, width, out.data()).ok()) return 0;
    FUZZ_CHECK(width >= 0 && width <= 64);
    // Unpacked values fit the width and pack back to the bytes consumed, up to
    // the unused high bits of the last byte.
    std::string again;
    ByteWriter w(&again);
    BitPack(out.data(), n, width, &w);
    const size_t used = block.size() - r.remaining();
    FUZZ_CHECK(again.size() == used && used == PackedBytes(n, width));
    if (used > 0) {
      FUZZ_CHECK(std::memcmp(again.data(), block.data(), used - 1) == 0);
      const int tail_bits = static_cast<int>((n * static_cast<size_t>(width)) % 8);
      const uint8_t mask = tail_bits == 0 ? 0xff : static_cast<uint8_t>((1u << tail_bits) - 1);
      FUZZ_CHECK(((again[used - 1] ^ block[used - 1]) & mask) == 0);
    }
    return 0;
  }
  Frame f;
  if (!GetFrame(&r, "fuzz", &f).ok()) return 0;
  FUZZ_CHECK(f.width >= 0 && f.width <= 64 && f.divisor >= 1);
  if (!FrameUnpack(f, &r, n, out.data()).ok()) return 0;
  // Re-packing in the same frame and unpacking again gives the same values,
  // when packed * divisor cannot wrap (a corrupt frame may give wrong values,
  // but never UB: that much the sanitizers check).
  const uint64_t max_packed = f.width == 64 ? UINT64_MAX : (uint64_t{1} << f.width) - 1;
  if (f.divisor != 1 && max_packed > UINT64_MAX / f.divisor) return 0;
  std::string again;
  ByteWriter w(&again);
  PutFrame(f, &w);
  FramePack(f, out.data(), n, &w);
  ByteReader r2(again);
  Frame f2;
  FUZZ_CHECK(GetFrame(&r2, "fuzz", &f2).ok());
  FUZZ_CHECK(f2.min == f.min && f2.divisor == f.divisor && f2.width == f.width);
  std::vector<uint64_t> back(n);
  FUZZ_CHECK(FrameUnpack(f2, &r2, n, back.data()).ok());
  FUZZ_CHECK(back == out);
  return 0;
}
