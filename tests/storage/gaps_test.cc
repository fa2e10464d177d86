// Gap records (Store::PutGap / ListGaps, storage/gaps.cc): round trip,
// overlap edges, replacement, validation, reopen and read-only handles, and
// damaged records (a flipped byte in the value or the key, a truncated value)
// caught by ListGaps, verify and recover.
#include <rocksdb/db.h>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

using test::TempDir;

constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01T00:00:00Z
constexpr Timestamp kMin = 60'000'000;

Gap MakeGap(std::string venue, std::string feed, Timestamp from, Timestamp to, std::string reason) {
  return Gap{std::move(venue), std::move(feed), from, to, std::move(reason)};
}

bool Same(const Gap& a, const Gap& b) {
  return a.venue == b.venue && a.feed == b.feed && a.from == b.from && a.to == b.to && a.reason == b.reason;
}

std::vector<Gap> List(const Store& store, Timestamp from, Timestamp to) {
  auto gaps = store.ListGaps(from, to);
  REQUIRE(gaps.ok());
  return *gaps;
}

// Rewrites the only gap record through RocksDB itself (the record stays
// valid for RocksDB; only liqdb's checksum can tell): `edit` changes the key
// and value bytes.
void EditGapRecord(const std::string& dir, const std::function<void(std::string*, std::string*)>& edit) {
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  it->Seek(std::string(1, storage::kTagGap));
  REQUIRE(it->Valid());
  REQUIRE(it->key()[0] == storage::kTagGap);
  std::string key = it->key().ToString(), value = it->value().ToString();
  it.reset();
  REQUIRE(db->Delete(rocksdb::WriteOptions(), key).ok());
  edit(&key, &value);
  REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

TEST_CASE("gaps round-trip in start order and overlap [from, to) at the edges", "[store][gaps]") {
  TempDir base;
  auto store = Store::Open(base.Sub("s"));
  REQUIRE(store.ok());
  const Gap okx = MakeGap("okx", "liquidations", kT0 + 10 * kMin, kT0 + 12 * kMin, "disconnected: EOF");
  const Gap binance = MakeGap("binance", "market", kT0, kT0 + 5 * kMin, "stalled 300 s");
  const Gap bybit = MakeGap("bybit", "liquidations", kT0, kT0 + kMin, "");
  for (const Gap& g : {okx, binance, bybit}) REQUIRE((*store)->PutGap(g).ok());

  auto all = List(**store, kMinTimestamp, kMaxTimestamp);
  REQUIRE(all.size() == 3);
  // Same start: venue order decides (binance < bybit).
  CHECK(Same(all[0], binance));
  CHECK(Same(all[1], bybit));
  CHECK(Same(all[2], okx));

  // okx covers [kT0+10m, kT0+12m): a range ending at its start or starting
  // at its end does not meet it; one minute either side inside does.
  auto okx_only = [&](Timestamp from, Timestamp to) {
    auto g = List(**store, from, to);
    return g.size() == 1 && Same(g[0], okx);
  };
  CHECK(List(**store, kT0 + 6 * kMin, kT0 + 10 * kMin).empty());
  CHECK(okx_only(kT0 + 6 * kMin, kT0 + 10 * kMin + 1));
  CHECK(okx_only(kT0 + 12 * kMin - 1, kT0 + 20 * kMin));
  CHECK(List(**store, kT0 + 12 * kMin, kT0 + 20 * kMin).empty());
  CHECK(okx_only(kT0 + 11 * kMin, kT0 + 11 * kMin + 1));  // inside the gap
  // [kT0 + 1m, kT0 + 2m) meets binance's gap only (bybit's ends at kT0 + 1m).
  auto mid = List(**store, kT0 + kMin, kT0 + 2 * kMin);
  REQUIRE(mid.size() == 1);
  CHECK(Same(mid[0], binance));
  CHECK(List(**store, kT0 + kMin, kT0 + kMin).empty());  // an empty range
}

TEST_CASE("a gap stored again with the same venue, feed and start replaces the first", "[store][gaps]") {
  TempDir base;
  auto store = Store::Open(base.Sub("s"));
  REQUIRE(store.ok());
  const Gap first = MakeGap("binance", "liquidations", kT0, kT0 + kMin, "disconnected");
  REQUIRE((*store)->PutGap(first).ok());
  REQUIRE((*store)->PutGap(first).ok());
  auto once = List(**store, kMinTimestamp, kMaxTimestamp);
  REQUIRE(once.size() == 1);
  CHECK(Same(once[0], first));
  const Gap longer =
      MakeGap("binance", "liquidations", kT0, kT0 + 3 * kMin, "disconnected; reconnect refused");
  REQUIRE((*store)->PutGap(longer).ok());
  // Another feed with the same start is another gap.
  const Gap market = MakeGap("binance", "market", kT0, kT0 + kMin, "");
  REQUIRE((*store)->PutGap(market).ok());
  auto gaps = List(**store, kMinTimestamp, kMaxTimestamp);
  REQUIRE(gaps.size() == 2);
  CHECK(Same(gaps[0], longer));
  CHECK(Same(gaps[1], market));
}

TEST_CASE("PutGap refuses a gap without venue or feed, an empty interval or a long reason", "[store][gaps]") {
  TempDir base;
  auto store = Store::Open(base.Sub("s"));
  REQUIRE(store.ok());
  auto refused = [&](const Gap& g, const char* says) {
    Status s = (*store)->PutGap(g);
    CHECK(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains(says));
  };
  refused(MakeGap("", "liquidations", kT0, kT0 + 1, ""), "venue");
  refused(MakeGap("binance", "", kT0, kT0 + 1, ""), "feed");
  refused(MakeGap(std::string("bin\0ance", 8), "liquidations", kT0, kT0 + 1, ""), "NUL");
  refused(MakeGap("binance", "liquidations", kT0, kT0, ""), "must be before");
  refused(MakeGap("binance", "liquidations", kT0 + 1, kT0, ""), "must be before");
  refused(MakeGap("binance", "liquidations", kT0, kT0 + 1, std::string(Store::kMaxGapReason + 1, 'x')),
          "reason");
  CHECK((*store)
            ->PutGap(MakeGap("binance", "liquidations", kT0, kT0 + 1, std::string(Store::kMaxGapReason, 'x')))
            .ok());
  CHECK(List(**store, kMinTimestamp, kMaxTimestamp).size() == 1);
}

TEST_CASE("gaps survive a reopen; a read-only handle lists them and refuses PutGap", "[store][gaps]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  const Gap g = MakeGap("hyperliquid", "positions", kT0 - kMin, kT0 + kMin, "HTTP 429");  // spans kT0
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    REQUIRE((*store)->PutGap(g).ok());
  }
  StoreOptions ro;
  ro.mode = StoreOptions::Mode::kReadOnly;
  auto reader = Store::Open(dir, ro);
  REQUIRE(reader.ok());
  REQUIRE((*reader)->read_only());
  auto gaps = List(**reader, kT0, kT0 + 1);
  REQUIRE(gaps.size() == 1);
  CHECK(Same(gaps[0], g));
  Status s = (*reader)->PutGap(MakeGap("okx", "market", kT0, kT0 + 1, ""));
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK_THAT(s.message(), Catch::Contains("read-only"));
}

TEST_CASE("a damaged gap record is named by ListGaps and verify, and dropped by recover",
          "[store][gaps][damage]") {
  // Each edit leaves RocksDB a valid record whose liqdb bytes are wrong.
  struct Case {
    const char* what;
    std::function<void(std::string*, std::string*)> edit;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"a flipped bit in the end time", [](std::string*, std::string* v) { (*v)[2] ^= 0x10; },
       "checksum mismatch"},
      {"a flipped bit in the reason", [](std::string*, std::string* v) { (*v)[9] ^= 0x01; },
       "checksum mismatch"},
      {"a flipped bit in the key's venue", [](std::string* k, std::string*) { (*k)[9] ^= 0x01; },
       "checksum mismatch"},
      {"a value cut short", [](std::string*, std::string* v) { v->resize(5); }, "value truncated (5 bytes"},
  };
  for (const Case& c : cases) {
    SECTION(c.what) {
      TempDir base;
      const std::string dir = base.Sub("s");
      {
        auto store = Store::Open(dir);
        REQUIRE(store.ok());
        REQUIRE((*store)->PutGap(MakeGap("binance", "liquidations", kT0, kT0 + kMin, "disconnected")).ok());
      }
      EditGapRecord(dir, c.edit);
      {
        auto store = Store::Open(dir);
        REQUIRE(store.ok());
        auto gaps = (*store)->ListGaps(kMinTimestamp, kMaxTimestamp);
        REQUIRE_FALSE(gaps.ok());
        CHECK(gaps.status().IsCorruption());
        CHECK_THAT(gaps.status().message(), Catch::Contains("gap") && Catch::Contains(c.says));
        std::vector<std::string> problems;
        Status v = (*store)->Verify([&](const std::string& p) { problems.push_back(p); });
        CHECK(v.IsCorruption());
        CHECK_THAT(v.message(), Catch::Contains("1 bad gap record"));
        REQUIRE(problems.size() == 1);
        CHECK_THAT(problems[0], Catch::Contains(c.says));
      }
      auto report = Store::Recover(dir);
      REQUIRE(report.ok());
      CHECK(report->changed);
      auto store = Store::Open(dir);
      REQUIRE(store.ok());
      CHECK(List(**store, kMinTimestamp, kMaxTimestamp).empty());
      CHECK((*store)->Verify([](const std::string&) {}).ok());
    }
  }
}

TEST_CASE("a gap key is venue and feed after the start; malformed keys are refused", "[store][gaps]") {
  const std::string k = storage::GapKey(kT0, "okx", "market");
  // 'G', the start with its sign bit flipped (big-endian), "okx", 0x00, "market".
  CHECK(k.size() == 1 + 8 + 3 + 1 + 6);
  CHECK(k[0] == 'G');
  CHECK(static_cast<uint8_t>(k[1]) == 0x80);  // positive time: top bit set after the flip
  CHECK(k.substr(9) == std::string("okx\0market", 10));
  Timestamp from = 0;
  std::string venue, feed;
  REQUIRE(storage::DecodeGapKey(k, &from, &venue, &feed));
  CHECK(from == kT0);
  CHECK(venue == "okx");
  CHECK(feed == "market");
  CHECK_FALSE(storage::DecodeGapKey(k.substr(0, 12), &from, &venue, &feed));                // no NUL
  CHECK_FALSE(storage::DecodeGapKey(storage::GapKey(kT0, "", "m"), &from, &venue, &feed));  // no venue
  CHECK_FALSE(storage::DecodeGapKey(storage::GapKey(kT0, "v", ""), &from, &venue, &feed));  // no feed
}

}  // namespace
}  // namespace liqdb
