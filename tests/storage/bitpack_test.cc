// Tests for storage/codec/bitpack: widths, byte layout, round trips at every
// width and awkward lengths, and corrupt input.
#include "storage/codec/bitpack.h"

#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace liqdb::storage {
namespace {

std::vector<uint64_t> RandomValues(size_t n, int width, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> v(n);
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  for (auto& x : v) x = rng() & mask;
  return v;
}

}  // namespace

TEST_CASE("BitWidth counts the bits of the largest value", "[bitpack]") {
  CHECK(BitWidth(0) == 0);
  CHECK(BitWidth(1) == 1);
  CHECK(BitWidth(2) == 2);
  CHECK(BitWidth(255) == 8);
  CHECK(BitWidth(256) == 9);
  CHECK(BitWidth(uint64_t{1} << 63) == 64);
  CHECK(BitWidth(std::numeric_limits<uint64_t>::max()) == 64);
}

TEST_CASE("BitPack lays values least significant bit first", "[bitpack]") {
  const uint64_t v[3] = {1, 2, 3};
  std::string buf;
  ByteWriter w(&buf);
  BitPack(v, 3, 2, &w);
  // 01 | 10 << 2 | 11 << 4 = 0b111001
  REQUIRE(buf.size() == 1);
  CHECK(static_cast<uint8_t>(buf[0]) == 0x39);

  buf.clear();
  BitPack(v, 3, 5, &w);
  CHECK(buf.size() == 2);  // 15 bits
  CHECK(PackedBytes(3, 5) == 2);
  CHECK(PackedBytes(8, 3) == 3);
  CHECK(PackedBytes(9, 64) == 72);
}

TEST_CASE("BitPack of width 0 writes nothing and unpacks zeros", "[bitpack]") {
  std::vector<uint64_t> v(1000, 0);
  std::string buf;
  ByteWriter w(&buf);
  BitPack(v.data(), v.size(), 0, &w);
  CHECK(buf.empty());
  std::vector<uint64_t> out(1000, 7);
  ByteReader r(buf);
  REQUIRE(BitUnpack(&r, out.size(), 0, out.data()).ok());
  CHECK(out == v);
}

TEST_CASE("BitPack round-trips every width and awkward lengths", "[bitpack]") {
  const size_t lengths[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 1027, 4099};
  for (int width = 0; width <= 64; ++width) {
    for (size_t n : lengths) {
      const auto v = RandomValues(n, width, 1000 * static_cast<uint64_t>(width) + n);
      std::string buf = "pre";  // packing appends after what is there
      ByteWriter w(&buf);
      BitPack(v.data(), n, width, &w);
      buf += "post";
      REQUIRE(buf.size() == 3 + (n * static_cast<size_t>(width) + 7) / 8 + 4);
      ByteReader r(buf);
      std::string_view skip;
      REQUIRE(r.GetBytes(3, &skip).ok());
      std::vector<uint64_t> out(n + 1, 0xdeadbeef);
      REQUIRE(BitUnpack(&r, n, width, out.data()).ok());
      CHECK(r.remaining() == 4);  // exactly its own bytes were consumed
      out.pop_back();
      INFO("width " << width << " n " << n);
      CHECK(out == v);
    }
  }
}

TEST_CASE("BitPack drops bits above the width", "[bitpack]") {
  const uint64_t v[2] = {0xff, 0x1ff};
  std::string buf;
  ByteWriter w(&buf);
  BitPack(v, 2, 4, &w);
  ByteReader r(buf);
  uint64_t out[2];
  REQUIRE(BitUnpack(&r, 2, 4, out).ok());
  CHECK(out[0] == 0xf);
  CHECK(out[1] == 0xf);
}

TEST_CASE("ZigZag maps signed to unsigned and back", "[bitpack]") {
  CHECK(ZigZagEncode(0) == 0);
  CHECK(ZigZagEncode(-1) == 1);
  CHECK(ZigZagEncode(1) == 2);
  CHECK(ZigZagEncode(std::numeric_limits<int64_t>::max()) == std::numeric_limits<uint64_t>::max() - 1);
  CHECK(ZigZagEncode(std::numeric_limits<int64_t>::min()) == std::numeric_limits<uint64_t>::max());
  for (int64_t x : {int64_t{0}, int64_t{-1}, int64_t{12345}, int64_t{-987654321},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    CHECK(ZigZagDecode(ZigZagEncode(x)) == x);
  }
}

TEST_CASE("A frame's divisor is the gcd of the offsets, whatever the common factor", "[bitpack]") {
  // Against a plain gcd over every offset: steps odd, even, powers of two
  // (up to 2^63), large, and sets where one late value breaks the step.
  std::mt19937_64 rng(11);
  const uint64_t steps[] = {1,
                            2,
                            3,
                            7,
                            10,
                            1000,
                            1024,
                            3u << 20,
                            999'983,
                            uint64_t{1} << 40,
                            (uint64_t{1} << 40) * 3,
                            uint64_t{1} << 63,
                            0x9E3779B97F4A7C15ull};
  for (uint64_t step : steps) {
    for (int trial = 0; trial < 50; ++trial) {
      const size_t n = 1 + rng() % 300;
      const uint64_t base = rng();
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = base + step * (rng() % 5000);  // wraps modulo 2^64, as the codecs' values do
      if (trial % 3 == 0) v[rng() % n] += 1 + rng() % 7;   // a value off the step
      const Frame f = ChooseFrame(v.data(), n);
      uint64_t g = 0;
      for (uint64_t x : v) g = std::gcd(g, x - f.min);
      INFO("step " << step << ", trial " << trial);
      CHECK(f.divisor == (g == 0 ? 1 : g));
    }
  }
}

TEST_CASE("Frames subtract the minimum and divide out the common step", "[bitpack]") {
  // Offsets from -3000 are 0, 1000, 5000: divisor 1000, largest 5 -> 3 bits.
  const uint64_t v[3] = {static_cast<uint64_t>(int64_t{-3000}), static_cast<uint64_t>(int64_t{-2000}), 2000};
  const Frame f = ChooseFrame(v, 3);
  CHECK(static_cast<int64_t>(f.min) == -3000);
  CHECK(f.divisor == 1000);
  CHECK(f.width == 3);

  // Extremes wrap modulo 2^64 and still round-trip.
  const int64_t lo = std::numeric_limits<int64_t>::min();
  const int64_t hi = std::numeric_limits<int64_t>::max();
  const uint64_t ext[4] = {static_cast<uint64_t>(lo), static_cast<uint64_t>(hi), 0,
                           static_cast<uint64_t>(int64_t{-1})};
  CHECK(ChooseFrame(ext, 4).width == 64);
  for (const uint64_t* values : {v, ext}) {
    const size_t n = values == v ? 3 : 4;
    const Frame frame = ChooseFrame(values, n);
    std::string buf;
    ByteWriter w(&buf);
    PutFrame(frame, &w);
    FramePack(frame, values, n, &w);
    ByteReader r(buf);
    Frame back;
    REQUIRE(GetFrame(&r, "test", &back).ok());
    uint64_t out[4] = {};
    REQUIRE(FrameUnpack(back, &r, n, out).ok());
    CHECK(r.remaining() == 0);
    for (size_t i = 0; i < n; ++i) CHECK(out[i] == values[i]);
  }
}

TEST_CASE("BitUnpack rejects corrupt input", "[bitpack][corrupt]") {
  const auto v = RandomValues(100, 13, 7);
  std::string buf;
  ByteWriter w(&buf);
  BitPack(v.data(), v.size(), 13, &w);
  std::vector<uint64_t> out(100);
  for (size_t len = 0; len < buf.size(); ++len) {
    ByteReader r(buf.data(), len);
    const Status s = BitUnpack(&r, 100, 13, out.data());
    REQUIRE(s.IsCorruption());
    CHECK(s.message().find("bitpack") != std::string::npos);
  }
  ByteReader r1(buf);
  CHECK(BitUnpack(&r1, 100, 65, out.data()).IsCorruption());
  ByteReader r2(buf);
  CHECK(BitUnpack(&r2, 100, -1, out.data()).IsCorruption());
  ByteReader r3(buf);
  CHECK(BitUnpack(&r3, std::numeric_limits<size_t>::max(), 64, out.data()).IsCorruption());
}

}  // namespace liqdb::storage

namespace liqdb::storage {

TEST_CASE("FramePack gives the bytes of (value - min) / divisor bit-packed, for any divisor", "[bitpack]") {
  // The reference divides for real; FramePack multiplies by the divisor's
  // inverse where that is exact. Divisors odd, even, powers of two, large;
  // frames from ChooseFrame and made up ones whose divisor divides nothing.
  std::mt19937_64 rng(5);
  const uint64_t divisors[] = {
      1, 2, 3, 5, 10, 1000, 1024, 999983, uint64_t{1} << 40, 6000000000ull, (uint64_t{1} << 62) + 1};
  for (uint64_t d : divisors) {
    for (int trial = 0; trial < 20; ++trial) {
      const size_t n = 1 + rng() % 3000;
      const int64_t min = static_cast<int64_t>(rng() % 2000001) - 1000000;
      std::vector<uint64_t> v(n);
      for (auto& x : v) x = static_cast<uint64_t>(min) + (rng() % (uint64_t{1} << 20)) * d;
      for (bool chosen : {true, false}) {
        Frame f = ChooseFrame(v.data(), n);
        if (!chosen) {
          f.divisor = d + 2;  // not a divisor of most offsets
          f.width = 64;
        }
        INFO("divisor " << f.divisor << " n " << n);
        std::vector<uint64_t> q(n);
        for (size_t i = 0; i < n; ++i) q[i] = (v[i] - f.min) / f.divisor;
        std::string want, got;
        ByteWriter ww(&want), wg(&got);
        BitPack(q.data(), n, f.width, &ww);
        FramePack(f, v.data(), n, &wg);
        REQUIRE(got == want);
      }
    }
  }
}

}  // namespace liqdb::storage
