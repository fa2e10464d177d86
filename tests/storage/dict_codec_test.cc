// Tests for storage/codec/dict_codec: round trips of dictionaries and ids,
// encoded size, and corrupt input (ids outside the dictionary, lying sizes).
#include "storage/codec/dict_codec.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace liqdb::storage {
namespace {

std::string Encode(const std::vector<uint32_t>& ids, const std::vector<std::string>& dict) {
  std::string buf;
  ByteWriter w(&buf);
  EncodeDictIds(ids.data(), ids.size(), dict, &w);
  return buf;
}

size_t RoundTrip(const std::vector<uint32_t>& ids, const std::vector<std::string>& dict) {
  const std::string buf = Encode(ids, dict);
  ByteReader r(buf);
  std::vector<uint32_t> out_ids = {99};
  std::vector<std::string> out_dict = {"stale"};
  REQUIRE(DecodeDictIds(&r, ids.size(), &out_ids, &out_dict).ok());
  CHECK(r.remaining() == 0);
  CHECK(out_ids == ids);
  CHECK(out_dict == dict);
  return buf.size();
}

std::vector<std::string> Accounts(size_t n) {
  std::vector<std::string> d;
  for (size_t i = 0; i < n; ++i) d.push_back("0x" + std::to_string(1000003 * i + 17));
  return d;
}

std::vector<uint32_t> RandomIds(size_t n, size_t dict_size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> ids(n);
  for (auto& x : ids) x = static_cast<uint32_t>(rng() % dict_size);
  return ids;
}

void CheckCorruptInput(const std::vector<uint32_t>& ids, const std::vector<std::string>& dict) {
  const std::string buf = Encode(ids, dict);
  std::vector<uint32_t> out_ids;
  std::vector<std::string> out_dict;
  for (size_t len = 0; len < buf.size(); ++len) {
    ByteReader r(buf.data(), len);
    const Status s = DecodeDictIds(&r, ids.size(), &out_ids, &out_dict);
    INFO("truncated to " << len << " of " << buf.size());
    REQUIRE(s.IsCorruption());
    CHECK(s.message().find("dict codec") != std::string::npos);
  }
  std::mt19937_64 rng(31337);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = buf;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    ByteReader r(bad);
    const Status s = DecodeDictIds(&r, ids.size(), &out_ids, &out_dict);
    CHECK((s.ok() || s.IsCorruption()));
    if (s.ok()) {
      REQUIRE(out_ids.size() == ids.size());
      for (uint32_t id : out_ids) REQUIRE(id < out_dict.size());
    }
  }
}

}  // namespace

TEST_CASE("Dictionary ids round-trip", "[dict_codec]") {
  CHECK(RoundTrip({}, {}) == 3);  // mode, count 0, width 0
  RoundTrip({}, {"unused"});
  CHECK(RoundTrip(std::vector<uint32_t>(1000, 0), {"only"}) == 1 + 1 + 1 + 4 + 1);  // width 0
  RoundTrip({0, 1, 2, 1, 0}, {"", std::string("a\0b", 3), "long account name"});
  for (size_t n : {1, 7, 8, 9, 1023, 1024, 1025, 5000}) {
    const auto dict = Accounts(1 + n % 700);
    RoundTrip(RandomIds(n, dict.size(), n), dict);
  }
  RoundTrip(RandomIds(3000, 70000, 1), Accounts(70000));
}

TEST_CASE("Dictionary ids pack to the width of the largest id", "[dict_codec]") {
  // mode 1 + count 1 + "a" 2 + "bb" 3 + width 1 + four 1-bit ids in 1 byte.
  CHECK(RoundTrip({0, 1, 1, 0}, {"a", "bb"}) == 9);
  const auto dict = Accounts(200);  // ids < 256: 8 bits
  const std::string buf = Encode(RandomIds(1000, 200, 2), dict);
  size_t dict_bytes = 0;
  for (const auto& s : dict) dict_bytes += 1 + s.size();
  CHECK(buf.size() == 1 + 2 + dict_bytes + 1 + 1000);
}

TEST_CASE("Dictionary decoder rejects corrupt input", "[dict_codec][corrupt]") {
  CheckCorruptInput({}, {});
  CheckCorruptInput({0}, {"x"});
  CheckCorruptInput(RandomIds(300, 5, 3), Accounts(5));
  CheckCorruptInput(RandomIds(2000, 300, 4), Accounts(300));

  // Random garbage after a mode byte (each valid one, and 0), many row counts.
  {
    std::mt19937_64 rng(2718);
    std::string junk;
    for (int trial = 0; trial < 20000; ++trial) {
      junk.resize(rng() % 64);
      for (auto& c : junk) c = static_cast<char>(rng());
      if (!junk.empty()) junk[0] = static_cast<char>(rng() % 3);
      const size_t n = rng() % 3000;
      ByteReader r(junk);
      std::vector<uint32_t> got_ids;
      std::vector<std::string> got_dict;
      const Status s = DecodeDictIds(&r, n, &got_ids, &got_dict);
      CHECK((s.ok() || s.IsCorruption()));
    }
  }
  std::vector<uint32_t> ids;
  std::vector<std::string> dict;
  const auto decode = [&](const std::string& bad, size_t n) {
    ByteReader r(bad);
    return DecodeDictIds(&r, n, &ids, &dict);
  };
  // Dictionary of 3, width 2, ids 0 1 2 3: the last is outside.
  const Status s = decode(std::string("\x01\x03\x01"
                                      "a"
                                      "\x01"
                                      "b"
                                      "\x01"
                                      "c"
                                      "\x02\xe4",
                                      10),
                          4);
  CHECK(s.IsCorruption());
  CHECK(s.message().find("dictionary size") != std::string::npos);
  CHECK(decode(std::string("\x01\x03\x01"
                           "a"
                           "\x01"
                           "b"
                           "\x01"
                           "c"
                           "\x02\x24",
                           10),
               4)
            .ok());
  CHECK(decode(std::string("\x02", 1), 0).IsCorruption());                      // mode
  CHECK(decode(std::string("\x01\xff\xff\xff\xff\x0f", 6), 1).IsCorruption());  // huge count
  CHECK(decode(std::string("\x01\x01\xff\xff\x03", 5), 1).IsCorruption());      // huge length
  CHECK(decode(std::string("\x01\x01\x01"
                           "a"
                           "\x21",
                           5),
               1)
            .IsCorruption());                                                     // width 33
  CHECK(decode(std::string("\x01\x00\x00", 3), 1).IsCorruption());                // ids, no dict
  CHECK(decode(std::string("\x01\x00\x00", 3), size_t{1} << 40).IsCorruption());  // absurd n
}

}  // namespace liqdb::storage
