// Tests for storage/codec/patched_frame: the width choice, the bytes laid
// down (built by hand from docs/codecs.md), round trips with outliers at
// every width, and every corrupt-input rule of the reader.
#include "storage/codec/patched_frame.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace liqdb::storage {
namespace {

// 64 offsets 0/1 alternating with one 999 at position 5: a 10-bit plain
// frame that a 1-bit frame with one patch beats.
std::vector<uint64_t> OneOutlier() {
  std::vector<uint64_t> v(64);
  for (size_t i = 0; i < v.size(); ++i) v[i] = i % 2;
  v[5] = 999;
  return v;
}

// ChooseFrame, FrameOffsets, ChoosePatchedFrame, PatchedFramePack.
std::string Pack(const std::vector<uint64_t>& values, PatchedFrame* chosen = nullptr) {
  const Frame plain = ChooseFrame(values.data(), values.size());
  std::vector<uint64_t> offsets(values.size());
  FrameOffsets(plain, values.data(), values.size(), offsets.data());
  const PatchedFrame pf = ChoosePatchedFrame(plain, offsets.data(), offsets.size());
  if (chosen != nullptr) *chosen = pf;
  std::string buf;
  ByteWriter w(&buf);
  PatchedFramePack(pf, offsets.data(), offsets.size(), &w);
  return buf;
}

// Reads n values back in blocks of `block`, as min + offset * divisor.
Status Read(const std::string& buf, size_t n, size_t block, std::vector<uint64_t>* out,
            size_t* patched_blocks = nullptr) {
  ByteReader r(buf);
  PatchedFrameReader reader;
  LIQDB_RETURN_IF_ERROR(reader.Open(&r, n, "test codec"));
  out->assign(n, 0);
  size_t patched_count = 0;
  for (size_t i = 0; i < n; i += block) {
    const size_t m = std::min(block, n - i);
    int width = 0;
    LIQDB_RETURN_IF_ERROR(reader.Next(m, out->data() + i, &width));
    patched_count += width > reader.frame().width ? 1 : 0;
  }
  FrameValues(reader.frame(), n, out->data());
  if (patched_blocks != nullptr) *patched_blocks = patched_count;
  LIQDB_RETURN_IF_ERROR(reader.Finish());
  if (r.remaining() != 0) return Status::Corruption("test: bytes left after the patches");
  return Status::OK();
}

Status ReadBytes(const std::string& bytes, size_t n) {
  std::vector<uint64_t> out;
  return Read(bytes, n, 8, &out);
}

void CheckRejects(const std::string& bytes, size_t n, const std::string& why) {
  const Status s = ReadBytes(bytes, n);
  INFO("expected: " << why);
  REQUIRE(s.IsCorruption());
  CHECK(s.message().find("test codec") != std::string::npos);
  CHECK(s.message().find(why) != std::string::npos);
}

// The hand-built encoding of OneOutlier(): frame min 0 (zigzag 0), divisor
// 1, width 1; the low bits of 8 values a byte, each 0b10101010 (999 is
// odd); one patch; gap 5; 999 >> 1 = 499 as a varint (0xf3 0x03).
const std::string kOneOutlierBytes =
    std::string("\x00\x01\x01", 3) + std::string(8, '\xaa') + std::string("\x01\x05\xf3\x03", 4);

}  // namespace

TEST_CASE("A patched frame packs the low bits and lists the outliers after them", "[patched_frame]") {
  PatchedFrame pf;
  const std::string buf = Pack(OneOutlier(), &pf);
  CHECK(pf.frame.width == 1);
  CHECK(pf.patches == 1);
  CHECK(pf.plain_bytes == 3 + 80);  // header, 64 values of 10 bits
  CHECK(pf.bytes == buf.size());
  CHECK(buf == kOneOutlierBytes);

  std::vector<uint64_t> out;
  size_t patched_blocks = 0;
  REQUIRE(Read(buf, 64, 8, &out, &patched_blocks).ok());
  CHECK(out == OneOutlier());
  CHECK(patched_blocks == 1);  // only the block holding position 5
  REQUIRE(Read(buf, 64, 64, &out).ok());
  CHECK(out == OneOutlier());
}

TEST_CASE("Patching is skipped where it does not pay", "[patched_frame]") {
  PatchedFrame pf;
  // Too few values to give one in 32 to a patch.
  std::vector<uint64_t> short_column(63, 1);
  short_column[3] = 1000;
  Pack(short_column, &pf);
  CHECK(pf.patches == 0);
  // All equal: width 0 already.
  Pack(std::vector<uint64_t>(100, 7), &pf);
  CHECK(pf.patches == 0);
  CHECK(pf.frame.width == 0);
  // Uniform 12-bit values: a narrower width would patch far more than one in eight.
  std::mt19937_64 rng(4);
  std::vector<uint64_t> uniform(1000);
  for (auto& x : uniform) x = rng() % 4096;
  const std::string buf = Pack(uniform, &pf);
  CHECK(pf.patches == 0);
  CHECK(pf.frame.width == 12);
  CHECK(buf.size() == pf.plain_bytes + 1);  // plus the zero patch count
  // More than one in 32 outliers: the plain frame.
  std::vector<uint64_t> many(64, 1);
  for (size_t i = 0; i < 3; ++i) many[i * 7] = 1u << 20;
  Pack(many, &pf);
  CHECK(pf.patches == 0);
}

TEST_CASE("Patched frames round-trip outliers at every width", "[patched_frame]") {
  std::mt19937_64 rng(77);
  for (size_t n : {64, 65, 100, 1023, 1024, 1025, 5000}) {
    for (int low : {0, 1, 7, 8, 20, 40}) {
      for (int high : {low + 1, low + 9, 63, 64}) {
        if (high > 64) continue;
        std::vector<uint64_t> v(n);
        const uint64_t low_mask = low == 0 ? 0 : (uint64_t{1} << low) - 1;
        for (auto& x : v) x = rng() & low_mask;
        // A few outliers needing `high` bits, one at each end.
        const uint64_t top = high == 64 ? uint64_t{1} << 63 : uint64_t{1} << (high - 1);
        for (size_t p : {size_t{0}, n / 3, n - 1}) v[p] = top | (rng() & (top - 1));
        PatchedFrame pf;
        const std::string buf = Pack(v, &pf);
        std::vector<uint64_t> out;
        INFO("n " << n << " low " << low << " high " << high << " width " << pf.frame.width << " patches "
                  << pf.patches);
        REQUIRE(Read(buf, n, 1024, &out).ok());
        CHECK(out == v);
        // (64-bit outliers are negative int64s: they become the frame's minimum.)
        if (high >= low + 9 && high < 64 && n >= 100) {
          CHECK(pf.patches == 3);
          CHECK(buf.size() < pf.plain_bytes);
        }
      }
    }
  }
  // Offsets of the full 64-bit range, and negative values through the frame.
  std::vector<uint64_t> extremes(64, 5);
  extremes[10] = std::numeric_limits<uint64_t>::max();
  extremes[11] = 0;
  std::vector<uint64_t> out;
  REQUIRE(Read(Pack(extremes), 64, 8, &out).ok());
  CHECK(out == extremes);
  std::vector<uint64_t> negative(64, static_cast<uint64_t>(int64_t{-3}));
  negative[40] = static_cast<uint64_t>(int64_t{1} << 50);
  REQUIRE(Read(Pack(negative), 64, 8, &out).ok());
  CHECK(out == negative);
}

TEST_CASE("The patched frame reader rejects corrupt input", "[patched_frame][corrupt]") {
  // Every truncation of a valid encoding.
  for (size_t len = 0; len < kOneOutlierBytes.size(); ++len) {
    INFO("truncated to " << len);
    const Status s = ReadBytes(kOneOutlierBytes.substr(0, len), 64);
    REQUIRE(s.IsCorruption());
    CHECK(s.message().find("test codec") != std::string::npos);
  }
  const std::string frame_and_bits = kOneOutlierBytes.substr(0, 11);
  CheckRejects(frame_and_bits + std::string("\x41\x05\xf3\x03", 4), 64,
               "patch count out of range");  // 65 > 64
  CheckRejects(frame_and_bits + std::string("\x02\x05\xf3\x03", 4), 64,
               "patch count out of range");  // 2 patches, 3 bytes
  CheckRejects(frame_and_bits + std::string("\x01\x40\xf3\x03", 4), 64, "patch position out of range");
  CheckRejects(frame_and_bits + std::string("\x01\x05\x00", 3), 64, "patch without high bits");
  CheckRejects(frame_and_bits + std::string("\x01\x05\xf3", 3), 64, "truncated patch");
  // A second patch whose gap runs past the last position.
  CheckRejects(frame_and_bits + std::string("\x02\x05\x01\x3a\x01", 5), 64, "patch position out of range");
  // A 64-bit frame has no bits to patch.
  std::string wide("\x00\x01\x40", 3);
  wide += std::string(64 * 8, '\0');
  CheckRejects(wide + std::string("\x01\x00\x01", 3), 64, "patches on a 64-bit frame");
  CHECK(ReadBytes(wide + std::string("\x00", 1), 64).ok());

  // Stopping early, or reading past the end.
  ByteReader r(kOneOutlierBytes);
  PatchedFrameReader reader;
  REQUIRE(reader.Open(&r, 64, "test codec").ok());
  uint64_t out[64];
  int width = 0;
  REQUIRE(reader.Next(8, out, &width).ok());
  CHECK(width == 10);  // 1 packed bit and 499's 9 high bits
  CHECK(reader.Finish().IsCorruption());
  CHECK(reader.Next(57, out, &width).IsCorruption());
  REQUIRE(reader.Next(56, out, &width).ok());
  CHECK(width == 1);
  CHECK(reader.Finish().ok());

  // Random damage: no crash, no other status.
  std::mt19937_64 rng(31);
  const std::string valid = Pack(OneOutlier());
  for (int trial = 0; trial < 5000; ++trial) {
    std::string bad = valid;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    const Status s = ReadBytes(bad, 64);
    CHECK((s.ok() || s.IsCorruption()));
  }
}

}  // namespace liqdb::storage
