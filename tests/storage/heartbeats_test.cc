// Heartbeat records (Store::PutHeartbeat / GetHeartbeat, storage/heartbeats.cc):
// the bytes of docs/format.md built here by hand, round trip and replacement,
// validation, read-only handles, and damaged records (a flipped byte in the
// time, the key or the version, a value of the wrong length) caught by
// GetHeartbeat, verify and recover.
#define XXH_INLINE_ALL  // the checksum below needs no link to libxxhash
#include <rocksdb/db.h>
#include <xxhash.h>

#include <cstring>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

using test::TempDir;

constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01T00:00:00Z

// The one heartbeat record's raw key and value, read through RocksDB itself.
std::pair<std::string, std::string> ReadRecord(const std::string& dir) {
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  it->Seek("A");
  REQUIRE(it->Valid());
  REQUIRE(it->key()[0] == 'A');
  return {it->key().ToString(), it->value().ToString()};
}

// Replaces the one heartbeat record by `edit` of its key and value (RocksDB
// still sees a valid record; only liqdb's checks can tell).
void EditRecord(const std::string& dir, const std::function<void(std::string*, std::string*)>& edit) {
  auto [key, value] = ReadRecord(dir);
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  REQUIRE(db->Delete(rocksdb::WriteOptions(), key).ok());
  edit(&key, &value);
  REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

std::optional<Timestamp> Get(const Store& store, const std::string& venue, const std::string& feed) {
  auto hb = store.GetHeartbeat(venue, feed);
  INFO(hb.status().ToString());
  REQUIRE(hb.ok());
  return *hb;
}

TEST_CASE("a heartbeat record is 'A' venue NUL feed -> version, alive, XXH3 of both", "[store][heartbeats]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    REQUIRE((*store)->PutHeartbeat({"okx", "market", kT0 + 5}).ok());
  }
  const auto [key, value] = ReadRecord(dir);
  CHECK(key == std::string("Aokx\0market", 11));
  // By hand (docs/format.md, "Heartbeats"): version 1, alive as i64 LE, then
  // XXH3-64 of key ‖ those 9 bytes with seed 'A', as u64 LE.
  std::string body(1, '\x01');
  const int64_t alive = kT0 + 5;
  for (int i = 0; i < 8; ++i)
    body.push_back(static_cast<char>((static_cast<uint64_t>(alive) >> (8 * i)) & 0xff));
  const std::string covered = key + body;
  const uint64_t sum = XXH3_64bits_withSeed(covered.data(), covered.size(), 'A');
  std::string want = body;
  for (int i = 0; i < 8; ++i) want.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  CHECK(value.size() == 17);
  CHECK(value == want);
}

TEST_CASE("heartbeats round-trip per feed, are replaced, survive a reopen; none is nullopt",
          "[store][heartbeats]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    CHECK(Get(**store, "bybit", "liquidations-linear") == std::nullopt);
    REQUIRE((*store)->PutHeartbeat({"bybit", "liquidations-linear", kT0}).ok());
    REQUIRE((*store)->PutHeartbeat({"bybit", "market-linear", kT0 + 7}).ok());
    REQUIRE((*store)->PutHeartbeat({"bybit", "liquidations-linear", kT0 + 10'000'000}).ok());
    CHECK(Get(**store, "bybit", "liquidations-linear") == kT0 + 10'000'000);
    CHECK(Get(**store, "bybit", "market-linear") == kT0 + 7);
    CHECK(Get(**store, "bybit", "market") == std::nullopt);  // a prefix of another feed's is not it
    CHECK(Get(**store, "okx", "market-linear") == std::nullopt);
  }
  StoreOptions ro;
  ro.mode = StoreOptions::Mode::kReadOnly;
  auto reader = Store::Open(dir, ro);
  REQUIRE(reader.ok());
  CHECK(Get(**reader, "bybit", "liquidations-linear") == kT0 + 10'000'000);
  Status s = (*reader)->PutHeartbeat({"bybit", "market-linear", kT0});
  CHECK(s.code() == Status::Code::kNotSupported);
  CHECK_THAT(s.message(), Catch::Contains("read-only"));
}

TEST_CASE("PutHeartbeat and GetHeartbeat refuse an empty venue or feed and NUL bytes",
          "[store][heartbeats]") {
  TempDir base;
  auto store = Store::Open(base.Sub("s"));
  REQUIRE(store.ok());
  for (const Heartbeat& hb : {Heartbeat{"", "market", kT0}, Heartbeat{"okx", "", kT0},
                              Heartbeat{std::string("o\0x", 3), "market", kT0}}) {
    Status s = (*store)->PutHeartbeat(hb);
    CHECK(s.IsInvalidArgument());
    CHECK_THAT(s.message(), Catch::Contains("venue and feed"));
    CHECK((*store)->GetHeartbeat(hb.venue, hb.feed).status().IsInvalidArgument());
  }
}

TEST_CASE("a damaged heartbeat record is named by GetHeartbeat and verify, and dropped by recover",
          "[store][heartbeats][damage]") {
  struct Case {
    const char* what;
    std::function<void(std::string*, std::string*)> edit;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"a flipped bit in the time", [](std::string*, std::string* v) { (*v)[3] ^= 0x04; },
       "checksum mismatch"},
      {"a flipped bit in the checksum", [](std::string*, std::string* v) { (*v)[16] ^= 0x80; },
       "checksum mismatch"},
      {"a flipped bit in the key's feed", [](std::string* k, std::string*) { (*k)[k->size() - 1] ^= 0x01; },
       "checksum mismatch"},
      {"a value cut short", [](std::string*, std::string* v) { v->resize(9); },
       "value of 9 bytes (17 expected)"},
      {"a byte appended", [](std::string*, std::string* v) { v->push_back('x'); },
       "value of 18 bytes (17 expected)"},
  };
  for (const Case& c : cases) {
    SECTION(c.what) {
      TempDir base;
      const std::string dir = base.Sub("s");
      {
        auto store = Store::Open(dir);
        REQUIRE(store.ok());
        REQUIRE((*store)->PutHeartbeat({"binance", "liquidations", kT0}).ok());
      }
      EditRecord(dir, c.edit);
      // A flipped bit in the key moves the record under another feed's name:
      // ask for the one the record now has.
      std::string v, f;
      REQUIRE(storage::DecodeHeartbeatKey(ReadRecord(dir).first, &v, &f));
      {
        auto store = Store::Open(dir);
        REQUIRE(store.ok());
        auto hb = (*store)->GetHeartbeat(v, f);
        REQUIRE_FALSE(hb.ok());
        CHECK(hb.status().IsCorruption());
        CHECK_THAT(hb.status().message(),
                   Catch::Contains("heartbeat " + v + "/" + f) && Catch::Contains(c.says));
        std::vector<std::string> problems;
        Status s = (*store)->Verify([&](const std::string& p) { problems.push_back(p); });
        CHECK(s.IsCorruption());
        CHECK_THAT(s.message(), Catch::Contains("1 bad heartbeat record"));
        REQUIRE(problems.size() == 1);
        CHECK_THAT(problems[0], Catch::Contains(c.says));
      }
      auto report = Store::Recover(dir);
      REQUIRE(report.ok());
      CHECK(report->changed);
      auto store = Store::Open(dir);
      REQUIRE(store.ok());
      CHECK(Get(**store, "binance", "liquidations") == std::nullopt);
      CHECK((*store)->Verify([](const std::string&) {}).ok());
    }
  }
}

TEST_CASE("a heartbeat of another version is refused", "[store][heartbeats][damage]") {
  TempDir base;
  const std::string dir = base.Sub("s");
  {
    auto store = Store::Open(dir);
    REQUIRE(store.ok());
    REQUIRE((*store)->PutHeartbeat({"okx", "market", kT0}).ok());
  }
  // Version 2 with a checksum that matches: only the version check can tell.
  EditRecord(dir, [](std::string* k, std::string* v) {
    (*v)[0] = 2;
    const std::string covered = *k + v->substr(0, 9);
    const uint64_t sum = XXH3_64bits_withSeed(covered.data(), covered.size(), 'A');
    std::memcpy(v->data() + 9, &sum, 8);
  });
  auto store = Store::Open(dir);
  REQUIRE(store.ok());
  auto hb = (*store)->GetHeartbeat("okx", "market");
  REQUIRE_FALSE(hb.ok());
  CHECK_THAT(hb.status().message(), Catch::Contains("unknown heartbeat record version 2"));
}

}  // namespace
}  // namespace liqdb
