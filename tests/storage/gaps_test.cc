// Gap records (Store::PutGap / ListGaps, storage/gaps.cc): round trip,
// overlap edges, replacement, validation, reopen and read-only handles; one
// record's bytes laid out by hand from docs/format.md; damaged records (a
// flipped byte in the value, the key or the checksum, a truncated value, and
// records with a valid checksum but another version, an end before the start
// or a reason too long) caught by ListGaps, verify and recover; the UTF-8-safe
// cut of a long reason (Utf8Prefix).
#include <rocksdb/db.h>

#include <cstring>
#include <functional>

#include <catch2/catch.hpp>

#include "gap_record_util.h"
#include "storage/gap_format.h"
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

TEST_CASE("a gap record's bytes are the ones docs/format.md lays out", "[store][gaps]") {
  // okx/market from 2024-03-01T00:00:00Z (1709251200000000 µs = 0x0006128e0e9ba000)
  // for 90 s, reason "EOF".
  const Gap gap = MakeGap("okx", "market", kT0, kT0 + 90'000'000, "EOF");
  // 'G'; from with its sign bit flipped, big-endian; "okx"; 0x00; "market".
  const std::string key("G\x80\x06\x12\x8e\x0e\x9b\xa0\x00okx\x00market", 19);
  // version 1; to = 1709251290000000 = 0x0006128e13f8ea80, little-endian; "EOF".
  std::string value(
      "\x01\x80\xea\xf8\x13\x8e\x12\x06\x00"
      "EOF",
      12);
  value.append(8, '\0');
  test::ResealGapValue(key, &value);
  REQUIRE(value.size() == 1 + 8 + 3 + 8);

  CHECK(storage::GapKey(gap.from, gap.venue, gap.feed) == key);
  CHECK(storage::EncodeGapValue(key, gap) == value);
  Gap decoded;
  REQUIRE(storage::DecodeGap(key, value, &decoded).ok());
  CHECK(Same(decoded, gap));

  // And PutGap writes exactly these bytes.
  TempDir base;
  const std::string dir = base.Sub("s");
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    REQUIRE((*store)->PutGap(gap).ok());
  }
  std::string stored_key, stored_value;
  test::EditGapRecord(dir, 0, [&](std::string* k, std::string* v) {  // read, rewritten as it was
    stored_key = *k;
    stored_value = *v;
  });
  CHECK(stored_key == key);
  CHECK(stored_value == value);

  // A negative start (before 1970) sorts first: its top bit is clear after the flip.
  const std::string early = storage::GapKey(-1, "okx", "market");
  CHECK(early.substr(1, 8) == std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8));
  CHECK(early < key);
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
      {"a flipped bit in the checksum", [](std::string*, std::string* v) { v->back() ^= 0x04; },
       "checksum mismatch"},
      // The next ones carry a valid checksum: a writer of another version,
      // or a bug, not a flipped bit.
      {"version 2",
       [](std::string* k, std::string* v) {
         (*v)[0] = 2;
         test::ResealGapValue(*k, v);
       },
       "unknown gap record version 2"},
      {"version 0",
       [](std::string* k, std::string* v) {
         (*v)[0] = 0;
         test::ResealGapValue(*k, v);
       },
       "unknown gap record version 0"},
      {"an end before the start",
       [](std::string* k, std::string* v) {
         const int64_t to = kT0 - 1;
         std::memcpy(v->data() + 1, &to, 8);
         test::ResealGapValue(*k, v);
       },
       "end not after start"},
      {"a reason of 1025 bytes",
       [](std::string* k, std::string* v) {
         v->insert(9, std::string(Store::kMaxGapReason + 1 - std::string("disconnected").size(), 'x'));
         test::ResealGapValue(*k, v);
       },
       "reason of 1025 bytes"},
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
      test::EditGapRecord(dir, 0, c.edit);
      {
        auto store = Store::Open(dir);
        REQUIRE(store.ok());
        auto gaps = (*store)->ListGaps(kMinTimestamp, kMaxTimestamp);
        REQUIRE_FALSE(gaps.ok());
        CHECK(gaps.status().IsCorruption());
        CHECK_THAT(gaps.status().message(), Catch::Contains("gap") && Catch::Contains(c.says));
        // Named by venue, feed and start when the key still parses.
        const std::string where = "gap binance/liquidations from " + std::to_string(kT0) + ": ";
        const bool key_intact = std::string(c.what).find("key") == std::string::npos;
        if (key_intact) CHECK_THAT(gaps.status().message(), Catch::Contains(where + c.says));
        std::vector<std::string> problems;
        Status v = (*store)->Verify([&](const std::string& p) { problems.push_back(p); });
        CHECK(v.IsCorruption());
        CHECK_THAT(v.message(), Catch::Contains("1 bad gap record"));
        REQUIRE(problems.size() == 1);
        CHECK_THAT(problems[0], Catch::Contains(c.says));
        if (key_intact) CHECK_THAT(problems[0], Catch::Contains(where + c.says));
      }
      auto report = Store::Recover(dir);
      REQUIRE(report.ok());
      CHECK(report->changed);
      REQUIRE(report->findings.size() == 1);
      CHECK_THAT(report->findings[0], Catch::Contains(c.says) && Catch::EndsWith("(dropped)"));
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

TEST_CASE("Utf8Prefix cuts a long reason before the character that crosses the limit", "[store][gaps]") {
  const size_t max = Store::kMaxGapReason;
  const std::string a(max, 'a');
  // Short enough: whole, even when it is not UTF-8.
  CHECK(Utf8Prefix("d\xc3\xa9j\xc3\xa0", 6) == "d\xc3\xa9j\xc3\xa0");
  CHECK(Utf8Prefix(a, max) == a);
  // é (C3 A9) at bytes 1023-1024: a cut at 1024 would keep its first byte.
  CHECK(Utf8Prefix(a.substr(1) + "\xc3\xa9", max) == a.substr(1));
  // é at bytes 1022-1023 ends at the limit: kept.
  CHECK(Utf8Prefix(a.substr(2) + "\xc3\xa9" + "z", max) == a.substr(2) + "\xc3\xa9");
  // € (E2 82 AC) at 1022-1024 and at 1023-1025: the cut goes before it.
  CHECK(Utf8Prefix(a.substr(2) + "\xe2\x82\xac", max) == a.substr(2));
  CHECK(Utf8Prefix(a.substr(1) + "\xe2\x82\xac", max) == a.substr(1));
  // 😀 (F0 9F 98 80) starting at 1021, 1022 and 1023: each is dropped whole.
  for (size_t lead : {max - 3, max - 2, max - 1}) {
    INFO(lead);
    CHECK(Utf8Prefix(a.substr(0, lead) + "\xf0\x9f\x98\x80" + a, max) == a.substr(0, lead));
  }
  // 😀 at 1020-1023 ends at the limit: kept.
  CHECK(Utf8Prefix(a.substr(4) + "\xf0\x9f\x98\x80" + "z", max) == a.substr(4) + "\xf0\x9f\x98\x80");
  // Not UTF-8: a run of continuation bytes across the limit is cut at the limit.
  CHECK(Utf8Prefix(a.substr(8) + std::string(16, '\x80'), max).size() == max);
  CHECK(Utf8Prefix("\x80\x80", 1) == "\x80");
  CHECK(Utf8Prefix("\xc3\xa9", 1).empty());
  CHECK(Utf8Prefix("abc", 0).empty());

  // The cut reason is stored: valid, at most the limit.
  const std::string reason = a.substr(1) + "\xc3\xa9 and more";
  TempDir base;
  auto store = Store::Open(base.Sub("s"));
  REQUIRE(store.ok());
  REQUIRE(
      (*store)->PutGap(MakeGap("okx", "market", kT0, kT0 + 1, std::string(Utf8Prefix(reason, max)))).ok());
  auto gaps = List(**store, kMinTimestamp, kMaxTimestamp);
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].reason == a.substr(1));
}

}  // namespace
}  // namespace liqdb
