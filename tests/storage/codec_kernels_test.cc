// Tests of the vectorised decode kernels (issue 8): blocks are built by hand
// from the documented layout (docs/codecs.md) with the packing primitives, so
// the decoder cannot hide a wrong value behind the encoder's raw fallback.
// Each decoded value is compared, bit for bit, with the expression the format
// defines (k / 10^s in double, ts as running sums), computed here one value at
// a time. The cases sit on the kernels' edges: |k| around 2^51 (packed versus
// scalar conversion), frames with a divisor and a negative minimum, width 52
// and 53, scale 0, short tails, and blocks of 1024 values.
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/codec/bitpack.h"
#include "storage/codec/dict_codec.h"
#include "storage/codec/double_codec.h"
#include "storage/codec/side_codec.h"
#include "storage/codec/ts_codec.h"

namespace liqdb::storage {
namespace {

constexpr double kPow10[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

// Mode 2 (decimal FOR): scale, frame, packed (k - min) / divisor, no exceptions.
std::string DecimalForBlock(int scale, const Frame& f, const std::vector<int64_t>& k) {
  std::string buf;
  ByteWriter w(&buf);
  w.PutU8(2);
  w.PutU8(static_cast<uint8_t>(scale));
  PutFrame(f, &w);
  std::vector<uint64_t> packed;
  for (int64_t v : k) packed.push_back((static_cast<uint64_t>(v) - f.min) / f.divisor);
  BitPack(packed.data(), packed.size(), f.width, &w);
  w.PutVarint(0);
  return buf;
}

// Mode 3 (decimal delta): scale, zz(k[0]), frame over the deltas, no exceptions.
std::string DecimalDeltaBlock(int scale, const Frame& f, const std::vector<int64_t>& k) {
  std::string buf;
  ByteWriter w(&buf);
  w.PutU8(3);
  w.PutU8(static_cast<uint8_t>(scale));
  w.PutVarint(ZigZagEncode(k[0]));
  PutFrame(f, &w);
  std::vector<uint64_t> packed;
  for (size_t i = 1; i < k.size(); ++i) {
    packed.push_back((static_cast<uint64_t>(k[i]) - static_cast<uint64_t>(k[i - 1]) - f.min) / f.divisor);
  }
  BitPack(packed.data(), packed.size(), f.width, &w);
  w.PutVarint(0);
  return buf;
}

void CheckDecimals(const std::string& block, int scale, const std::vector<int64_t>& k) {
  std::vector<double> out(k.size(), 42.0);
  ByteReader r(block);
  REQUIRE(DecodeDoubles(&r, k.size(), out.data()).ok());
  CHECK(r.remaining() == 0);
  for (size_t i = 0; i < k.size(); ++i) {
    const double want = static_cast<double>(k[i]) / kPow10[scale];
    if (std::bit_cast<uint64_t>(out[i]) != std::bit_cast<uint64_t>(want)) {
      FAIL_CHECK("row " << i << " k " << k[i] << " scale " << scale << ": got " << out[i] << " want "
                        << want);
      return;
    }
  }
}

// The narrowest frame of k (min, GCD divisor, width), as the encoder picks it.
Frame FrameOf(const std::vector<int64_t>& k) {
  std::vector<uint64_t> u(k.begin(), k.end());
  return ChooseFrame(u.data(), u.size());
}

}  // namespace

TEST_CASE("Decimal FOR decodes k / 10^s exactly on both sides of 2^51", "[double_codec][kernel]") {
  const int64_t two51 = int64_t{1} << 51;
  const std::vector<std::vector<int64_t>> columns = {
      {two51 - 1, two51 - 2, 0, -5},                         // just inside the packed range
      {-two51, -two51 + 7, 3, 99},                           // its lower edge, included
      {two51, two51 - 1, 17},                                // one value just outside
      {-two51 - 1, 0, 1},                                    // one below
      {(int64_t{1} << 53) - 1, -(int64_t{1} << 53) + 1, 0},  // the decimal path's limits
  };
  for (const auto& k : columns) {
    for (int scale : {0, 1, 4, 9}) {
      INFO("first k " << k[0] << ", scale " << scale);
      CheckDecimals(DecimalForBlock(scale, FrameOf(k), k), scale, k);
    }
  }
}

TEST_CASE("Decimal FOR decodes frames with a divisor, a negative minimum and wide widths",
          "[double_codec][kernel]") {
  std::mt19937_64 rng(7);
  for (int width : {0, 1, 13, 33, 51, 52, 53}) {
    for (uint64_t divisor : {uint64_t{1}, uint64_t{5}, uint64_t{1000}}) {
      // min + x * divisor for x < 2^width, kept inside |k| < 2^53.
      const int64_t limit = int64_t{1} << 53;
      const int64_t min = -static_cast<int64_t>(rng() % 1000) - 3;
      std::vector<int64_t> k;
      for (size_t i = 0; i < 2500; ++i) {  // two whole blocks of 1024 and a tail
        uint64_t x = width == 0 ? 0 : rng() >> (64 - width);
        while (min + static_cast<__int128>(x) * divisor >= limit) x >>= 1;
        k.push_back(min + static_cast<int64_t>(x * divisor));
      }
      k[0] = min;  // the frame's minimum is a value
      Frame f;
      f.min = static_cast<uint64_t>(min);
      f.divisor = divisor;
      f.width = width;
      for (int scale : {0, 2, 7}) {
        INFO("width " << width << " divisor " << divisor << " scale " << scale);
        CheckDecimals(DecimalForBlock(scale, f, k), scale, k);
      }
    }
  }
}

TEST_CASE("Decimal delta decodes running sums exactly, switching conversion per block",
          "[double_codec][kernel]") {
  // A walk that crosses 2^51 in its second block of 1024 values: blocks
  // before and after take different conversion loops.
  std::vector<int64_t> k;
  int64_t v = (int64_t{1} << 51) - 3000;
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < 3100; ++i) {
    k.push_back(v);
    v += 1 + static_cast<int64_t>(rng() % 5) * 2;  // odd steps 1..9
  }
  std::vector<uint64_t> deltas;
  for (size_t i = 1; i < k.size(); ++i) deltas.push_back(static_cast<uint64_t>(k[i] - k[i - 1]));
  const Frame f = ChooseFrame(deltas.data(), deltas.size());
  CHECK(f.divisor > 1);  // steps 1, 3, .., 9: (delta - 1) has GCD 2
  for (int scale : {0, 3, 9}) {
    INFO("scale " << scale);
    CheckDecimals(DecimalDeltaBlock(scale, f, k), scale, k);
  }
  // Descending with a divisor: negative deltas, min < 0.
  std::vector<int64_t> down;
  for (int64_t i = 0; i < 2049; ++i) down.push_back(1'000'000 - i * 35 - (i % 3) * 5);
  std::vector<uint64_t> dd;
  for (size_t i = 1; i < down.size(); ++i) dd.push_back(static_cast<uint64_t>(down[i] - down[i - 1]));
  const Frame fd = ChooseFrame(dd.data(), dd.size());
  CHECK(fd.divisor > 1);
  CheckDecimals(DecimalDeltaBlock(1, fd, down), 1, down);
}

TEST_CASE("Timestamps decode running sums across blocks, with a divisor and wrapping", "[ts_codec][kernel]") {
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{1025}, size_t{1026}, size_t{3000}}) {
    std::vector<int64_t> ts;
    int64_t t = INT64_MAX - 5'000'000'000;  // the sums wrap past INT64_MAX
    for (size_t i = 0; i < n; ++i) {
      ts.push_back(t);
      t = static_cast<int64_t>(static_cast<uint64_t>(t) + 1000 * (1 + i % 7) * 1'000'000);
    }
    // Delta mode: ts[0], frame over the deltas.
    std::string buf;
    ByteWriter w(&buf);
    w.PutU8(1);
    w.PutU64(static_cast<uint64_t>(ts[0]));
    std::vector<uint64_t> d;
    for (size_t i = 1; i < n; ++i)
      d.push_back(static_cast<uint64_t>(ts[i]) - static_cast<uint64_t>(ts[i - 1]));
    const Frame f = ChooseFrame(d.data(), d.size());
    PutFrame(f, &w);
    FramePack(f, d.data(), d.size(), &w);
    std::vector<int64_t> out(n, 42);
    ByteReader r(buf);
    INFO("n " << n);
    REQUIRE(DecodeTimestamps(&r, n, out.data()).ok());
    CHECK(r.remaining() == 0);
    CHECK(out == ts);
  }
  // Delta-of-delta mode, accelerating: ts[i] = 10 + 3 i + i^2.
  const size_t n = 2100;
  std::vector<int64_t> ts;
  for (size_t i = 0; i < n; ++i) ts.push_back(10 + 3 * static_cast<int64_t>(i) + static_cast<int64_t>(i * i));
  std::string buf;
  ByteWriter w(&buf);
  w.PutU8(2);
  w.PutU64(10);
  w.PutVarint(ZigZagEncode(ts[1] - ts[0]));
  std::vector<uint64_t> dd(n - 2, 2);  // second differences of i^2
  const Frame f = ChooseFrame(dd.data(), dd.size());
  PutFrame(f, &w);
  FramePack(f, dd.data(), dd.size(), &w);
  std::vector<int64_t> out(n);
  ByteReader r(buf);
  REQUIRE(DecodeTimestamps(&r, n, out.data()).ok());
  CHECK(out == ts);
}

TEST_CASE("Side bitmaps decode eight rows per byte for any length", "[side_codec][kernel]") {
  std::mt19937_64 rng(11);
  for (size_t n : {size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{64}, size_t{1001}}) {
    std::vector<uint8_t> bits((n + 7) / 8);
    for (size_t i = 0; i < n; ++i) {
      if (rng() & 1) bits[i / 8] = static_cast<uint8_t>(bits[i / 8] | (1u << (i % 8)));
    }
    std::string buf(1, '\x01');  // mode 1, bitmap
    buf.append(reinterpret_cast<const char*>(bits.data()), bits.size());
    std::vector<uint8_t> out(n, 7);
    ByteReader r(buf);
    INFO("n " << n);
    REQUIRE(DecodeSides(&r, n, out.data()).ok());
    for (size_t i = 0; i < n; ++i) {
      if (out[i] != ((bits[i / 8] >> (i % 8)) & 1)) {
        FAIL_CHECK("row " << i);
        break;
      }
    }
  }
}

TEST_CASE("Dictionary ids name the first id out of range in a later block", "[dict_codec][kernel]") {
  std::vector<uint32_t> ids(3000, 1);
  ids[2500] = 6;  // the dictionary below has 3 entries
  ids[2900] = 5;
  std::string buf;
  ByteWriter w(&buf);
  w.PutU8(1);
  w.PutVarint(3);
  for (const char* s : {"a", "b", "c"}) {
    w.PutVarint(1);
    w.PutBytes(s);
  }
  w.PutU8(3);
  std::vector<uint64_t> packed(ids.begin(), ids.end());
  BitPack(packed.data(), packed.size(), 3, &w);
  std::vector<uint32_t> out;
  std::vector<std::string> dict;
  ByteReader r(buf);
  const Status s = DecodeDictIds(&r, ids.size(), &out, &dict);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() == "dict codec: id 6 >= dictionary size 3");
}

}  // namespace liqdb::storage
