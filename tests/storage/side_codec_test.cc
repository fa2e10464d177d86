// Tests for storage/codec/side_codec: bitmap and run-length round trips,
// the choice between them, and corrupt input.
#include "storage/codec/side_codec.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace liqdb::storage {
namespace {

std::string Encode(const std::vector<uint8_t>& v) {
  std::string buf;
  ByteWriter w(&buf);
  EncodeSides(v.data(), v.size(), &w);
  return buf;
}

size_t RoundTrip(const std::vector<uint8_t>& v) {
  const std::string buf = Encode(v);
  ByteReader r(buf);
  std::vector<uint8_t> out(v.size(), 9);
  REQUIRE(DecodeSides(&r, v.size(), out.data()).ok());
  CHECK(r.remaining() == 0);
  CHECK(out == v);
  return buf.size();
}

std::vector<uint8_t> Random(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = rng() & 1;
  return v;
}

// A cascade-like column: long runs of one side.
std::vector<uint8_t> Runs(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> v(n);
  uint8_t side = 0;
  for (size_t i = 0; i < n;) {
    const size_t len = 1 + rng() % 400;
    for (size_t j = 0; j < len && i < n; ++j) v[i++] = side;
    side ^= 1;
  }
  return v;
}

void CheckCorruptInput(const std::vector<uint8_t>& v) {
  const std::string buf = Encode(v);
  std::vector<uint8_t> out(v.size());
  for (size_t len = 0; len < buf.size(); ++len) {
    ByteReader r(buf.data(), len);
    const Status s = DecodeSides(&r, v.size(), out.data());
    INFO("truncated to " << len << " of " << buf.size());
    REQUIRE(s.IsCorruption());
    CHECK(s.message().find("side codec") != std::string::npos);
  }
  std::mt19937_64 rng(4242);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = buf;
    bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    ByteReader r(bad);
    const Status s = DecodeSides(&r, v.size(), out.data());
    CHECK((s.ok() || s.IsCorruption()));
    if (s.ok()) {
      for (uint8_t x : out) REQUIRE(x <= 1);
    }
  }
}

}  // namespace

TEST_CASE("Sides round-trip edge inputs", "[side_codec]") {
  CHECK(RoundTrip({}) == 1);
  CHECK(RoundTrip({1}) == 2);  // bitmap: mode + 1 byte (runs would take 4)
  RoundTrip({0, 1});
  RoundTrip({1, 1, 1, 0, 0, 0, 1, 1, 0});
  for (size_t n : {7, 8, 9, 64, 1000, 4097}) {
    RoundTrip(Random(n, n));
    RoundTrip(Runs(n, n));
  }
}

TEST_CASE("Sides pick the smaller of bitmap and runs", "[side_codec]") {
  std::vector<uint8_t> alternating(1000);
  for (size_t i = 0; i < alternating.size(); ++i) alternating[i] = i & 1;
  CHECK(RoundTrip(alternating) == 1 + 125);
  CHECK(Encode(alternating)[0] == 1);

  // One run of 1000 longs: mode, first value, run count 1, length 1000 (2 bytes).
  CHECK(RoundTrip(std::vector<uint8_t>(1000, 0)) == 5);
  CHECK(RoundTrip(std::vector<uint8_t>(1000, 1)) == 5);
  CHECK(Encode(std::vector<uint8_t>(1000, 1))[0] == 2);

  const auto runs = Runs(10000, 1);
  CHECK(RoundTrip(runs) < 10000 / 8);
}

TEST_CASE("Sides store any nonzero value as 1", "[side_codec]") {
  const std::vector<uint8_t> in = {0, 2, 255, 1, 0};
  const std::string buf = Encode(in);
  ByteReader r(buf);
  std::vector<uint8_t> out(in.size());
  REQUIRE(DecodeSides(&r, in.size(), out.data()).ok());
  CHECK(out == std::vector<uint8_t>{0, 1, 1, 1, 0});
}

TEST_CASE("Side decoder rejects corrupt input", "[side_codec][corrupt]") {
  CheckCorruptInput({});
  CheckCorruptInput({1});
  CheckCorruptInput(Random(301, 2));
  CheckCorruptInput(Runs(3000, 3));

  // Random garbage after a mode byte (each valid one, and 0), many row counts.
  {
    std::mt19937_64 rng(2718);
    std::string junk;
    for (int trial = 0; trial < 20000; ++trial) {
      junk.resize(rng() % 64);
      for (auto& c : junk) c = static_cast<char>(rng());
      if (!junk.empty()) junk[0] = static_cast<char>(rng() % 4);
      const size_t n = rng() % 3000;
      ByteReader r(junk);
      std::vector<uint8_t> got(n);
      const Status s = DecodeSides(&r, n, got.data());
      CHECK((s.ok() || s.IsCorruption()));
    }
  }
  std::vector<uint8_t> out(10);
  const auto decode = [&out](const std::string& bad, size_t n) {
    ByteReader r(bad);
    return DecodeSides(&r, n, out.data());
  };
  CHECK(decode(std::string("\x03", 1), 10).IsCorruption());                  // mode
  CHECK(decode(std::string("\x02\x02\x01\x0a", 4), 10).IsCorruption());      // run value 2
  CHECK(decode(std::string("\x02\x00\x01\x09", 4), 10).IsCorruption());      // runs short of n
  CHECK(decode(std::string("\x02\x00\x02\x09\x02", 5), 10).IsCorruption());  // runs past n
  CHECK(decode(std::string("\x02\x00\x02\x00\x0a", 5), 10).IsCorruption());  // empty run
  CHECK(decode(std::string("\x02\x00\x0b", 3), 10).IsCorruption());          // more runs than rows
  CHECK(decode(std::string("\x01\xff\x04", 3), 10).IsCorruption());          // padding bits set
  CHECK(decode(std::string("\x01\xff\x03", 3), 10).ok());
  CHECK(decode(std::string("\x01", 1), size_t{1} << 40).IsCorruption());
}

}  // namespace liqdb::storage

namespace liqdb::storage {
namespace {

// The layout of docs/codecs.md written the plain way, a row at a time: runs
// when 1 + varint(count) + varint lengths < the bitmap's bytes, else the
// bitmap. EncodeSides packs and counts 8 and 64 rows a step; the bytes must
// be these.
std::string ReferenceEncode(const std::vector<uint8_t>& v) {
  std::string out;
  ByteWriter w(&out);
  std::vector<uint64_t> runs;
  for (size_t i = 0; i < v.size();) {
    size_t j = i + 1;
    while (j < v.size() && (v[j] != 0) == (v[i] != 0)) ++j;
    runs.push_back(j - i);
    i = j;
  }
  std::string r;
  ByteWriter wr(&r);
  wr.PutVarint(runs.size());
  for (uint64_t len : runs) wr.PutVarint(len);
  const size_t bitmap_bytes = (v.size() + 7) / 8;
  if (!v.empty() && 1 + r.size() < bitmap_bytes) {
    w.PutU8(2);
    w.PutU8(v[0] != 0 ? 1 : 0);
    w.PutBytes(r);
    return out;
  }
  w.PutU8(1);
  std::string bits(bitmap_bytes, '\0');
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != 0) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
  }
  w.PutBytes(bits);
  return out;
}

}  // namespace

TEST_CASE("Sides: the bytes are the reference layout's for every size and run shape", "[side_codec]") {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 3000; ++trial) {
    const size_t n = trial < 200 ? static_cast<size_t>(trial) : rng() % 5000;
    const size_t mean_run = 1 + rng() % 300;
    std::vector<uint8_t> v(n);
    uint8_t side = rng() & 1;
    for (size_t i = 0; i < n; ++i) {
      if (rng() % mean_run == 0) side ^= 1;
      // Nonzero sides other than 1 (and high bits) must pack as 1.
      v[i] = side ? static_cast<uint8_t>(1 + (rng() % 4 == 0 ? rng() % 255 : 0)) : 0;
    }
    INFO("n " << n << " mean run " << mean_run);
    REQUIRE(Encode(v) == ReferenceEncode(v));
  }
  // Appending after earlier bytes in the same buffer.
  std::string buf = "xyz";
  ByteWriter w(&buf);
  const std::vector<uint8_t> v(777, 1);
  EncodeSides(v.data(), v.size(), &w);
  CHECK(buf == "xyz" + ReferenceEncode(v));
}

}  // namespace liqdb::storage
