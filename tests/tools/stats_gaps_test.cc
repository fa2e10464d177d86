// `liqdb stats` lists the gaps a recorder stored (the 20 latest, with their
// count and lengths), and `liqdb verify` checks gap records: gaps are written
// through Store::PutGap, the command's output is checked against the gaps'
// own times; a record of another version or with a bad checksum is named by
// verify and dropped by recover.
#include <rocksdb/db.h>

#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli_run.h"
#include "gap_record_util.h"
#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01T00:00:00Z
constexpr Timestamp kHour = 3'600'000'000;

// The cells (separated by two or more spaces) of the output line holding `text`.
std::vector<std::string> CellsOf(const std::string& out, const std::string& text) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(text) == std::string::npos) continue;
    std::vector<std::string> cells;
    size_t at = line.find_first_not_of(' ');
    while (at != std::string::npos) {
      const size_t end = line.find("  ", at);
      cells.push_back(line.substr(at, end == std::string::npos ? std::string::npos : end - at));
      at = end == std::string::npos ? end : line.find_first_not_of(' ', end);
    }
    return cells;
  }
  return {};
}

TEST_CASE("cli: stats lists the latest gaps with their count; verify checks them", "[cli][gaps]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store");
  {
    auto store = Store::Open(store_dir);
    REQUIRE(store.ok());
    // 22 gaps, one an hour from kT0; gap i lasts i + 1 minutes (the last
    // one, i = 21, 22 minutes), so the total is 1 + ... + 22 = 253 minutes.
    for (int i = 0; i < 22; ++i) {
      Gap g{"binance", i % 2 ? "market" : "liquidations", kT0 + i * kHour,
            kT0 + i * kHour + (i + 1) * 60'000'000LL, i == 21 ? "disconnected: EOF" : ""};
      REQUIRE((*store)->PutGap(g).ok());
    }
    // A gap longer than an hour, after all others: 1h 01m 01.5s.
    REQUIRE((*store)
                ->PutGap(
                    Gap{"okx", "liquidations", kT0 + 30 * kHour, kT0 + 30 * kHour + 3'661'500'000, "stalled"})
                .ok());
  }
  test::CliRun s = test::RunLiqdb("stats --store " + store_dir);
  INFO(s.out);
  REQUIRE(s.code == 0);
  CHECK_THAT(s.out, Catch::Contains("(empty: no series yet)"));
  // 253 minutes + 1h 01m 01.5s = 5h 14m 01s (whole seconds shown).
  CHECK_THAT(s.out, Catch::Contains("23 gap(s) in the recorded feeds, 5h 14m 01s in all; the 20 latest:"));
  // The three earliest (kT0, kT0 + 1h, kT0 + 2h) are left out; kT0 + 3h on are shown.
  CHECK_THAT(s.out, !Catch::Contains("2024-03-01T00:00:00Z"));
  CHECK_THAT(s.out, !Catch::Contains("2024-03-01T02:00:00Z"));
  using Cells = std::vector<std::string>;
  CHECK(CellsOf(s.out, "2024-03-01T03:00:00Z") ==
        Cells{"binance", "market", "2024-03-01T03:00:00Z", "2024-03-01T03:04:00Z", "4m 00s", "-"});
  CHECK(CellsOf(s.out, "2024-03-01T21:00:00Z") == Cells{"binance", "market", "2024-03-01T21:00:00Z",
                                                        "2024-03-01T21:22:00Z", "22m 00s",
                                                        "disconnected: EOF"});
  CHECK(CellsOf(s.out, "2024-03-02T06:00:00Z") == Cells{"okx", "liquidations", "2024-03-02T06:00:00Z",
                                                        "2024-03-02T07:01:01.500Z", "1h 01m 01s", "stalled"});

  test::CliRun ok = test::RunLiqdb("verify --store " + store_dir);
  INFO(ok.out);
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::Contains("ok: 0 chunks, 0 rows and 23 gap record(s) verified"));

  {  // Damage one gap record's reason byte behind liqdb's back.
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), store_dir, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    it->Seek("G");
    REQUIRE(it->Valid());
    std::string key = it->key().ToString(), value = it->value().ToString();
    it.reset();
    value[3] = static_cast<char>(value[3] ^ 0x40);
    REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  }
  test::CliRun bad = test::RunLiqdb("verify --store " + store_dir);
  INFO(bad.out);
  CHECK(bad.code != 0);
  CHECK_THAT(bad.out, Catch::Contains("damaged: store") &&
                          Catch::Contains("gap binance/liquidations from " + std::to_string(kT0) +
                                          ": checksum mismatch"));
  CHECK_THAT(bad.out, Catch::Contains("1 bad gap record(s)"));
  test::CliRun st = test::RunLiqdb("stats --store " + store_dir);
  CHECK(st.code != 0);
  CHECK_THAT(st.out, Catch::Contains("checksum mismatch"));
}

}  // namespace
}  // namespace liqdb

namespace liqdb {
namespace {

TEST_CASE("cli: stats beside a running writer lists the gaps it has stored", "[cli][gaps]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store");
  auto store = Store::Open(store_dir);  // held open: stats must read as a secondary
  REQUIRE(store.ok());
  REQUIRE(
      (*store)->PutGap(Gap{"bybit", "liquidations-linear", kT0, kT0 + 90'000'000, "disconnected: EOF"}).ok());
  test::CliRun first = test::RunLiqdb("stats --store " + store_dir);
  INFO(first.out);
  REQUIRE(first.code == 0);
  CHECK_THAT(first.out, Catch::Contains("1 gap(s) in the recorded feeds, 1m 30s in all:"));
  REQUIRE((*store)->PutGap(Gap{"okx", "market", kT0 + kHour, kT0 + kHour + 5'000'000, "stalled"}).ok());
  test::CliRun second = test::RunLiqdb("stats --store " + store_dir);
  INFO(second.out);
  REQUIRE(second.code == 0);
  CHECK_THAT(second.out, Catch::Contains("2 gap(s) in the recorded feeds, 1m 35s in all:"));
  CHECK(CellsOf(second.out, "2024-03-01T01:00:00Z") ==
        std::vector<std::string>{"okx", "market", "2024-03-01T01:00:00Z", "2024-03-01T01:00:05Z", "5s",
                                 "stalled"});
}

TEST_CASE("cli: a gap record of another version or with a bad checksum: verify names it, recover drops it",
          "[cli][gaps][damage]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store");
  {
    auto store = Store::Open(store_dir);
    REQUIRE(store.ok());
    // Key order is start order: binance (kT0), bybit (kT0 + 1h), okx (kT0 + 2h).
    REQUIRE((*store)->PutGap(Gap{"binance", "liquidations", kT0, kT0 + 60'000'000, "EOF"}).ok());
    REQUIRE((*store)->PutGap(Gap{"bybit", "market", kT0 + kHour, kT0 + kHour + 5'000'000, "stalled"}).ok());
    REQUIRE((*store)->PutGap(Gap{"okx", "liquidations", kT0 + 2 * kHour, kT0 + 2 * kHour + 1, ""}).ok());
  }
  // binance's record says version 7, with a valid checksum; okx's checksum
  // has a flipped bit.
  test::EditGapRecord(store_dir, 0, [](std::string* k, std::string* v) {
    (*v)[0] = 7;
    test::ResealGapValue(*k, v);
  });
  test::EditGapRecord(store_dir, 2, [](std::string*, std::string* v) { (*v)[v->size() - 3] ^= 0x20; });

  const std::string binance = "gap binance/liquidations from " + std::to_string(kT0);
  const std::string okx = "gap okx/liquidations from " + std::to_string(kT0 + 2 * kHour);
  test::CliRun bad = test::RunLiqdb("verify --store " + store_dir);
  INFO(bad.out);
  CHECK(bad.code == 1);
  CHECK_THAT(bad.out, Catch::Contains("damaged: store '" + store_dir + "': " + binance +
                                      ": unknown gap record version 7"));
  CHECK_THAT(bad.out, Catch::Contains("damaged: store '" + store_dir + "': " + okx + ": checksum mismatch"));
  CHECK_THAT(bad.out, Catch::Contains("2 bad gap record(s)"));
  test::CliRun st = test::RunLiqdb("stats --store " + store_dir);
  INFO(st.out);
  CHECK(st.code == 1);
  CHECK_THAT(st.out, Catch::Contains(binance + ": unknown gap record version 7") &&
                         Catch::Contains("liqdb recover drops damaged gap records"));

  // recover drops the two (docs/format.md: a gap is only a note) and keeps bybit's.
  test::CliRun rec = test::RunLiqdb("recover --store " + store_dir);
  INFO(rec.out);
  CHECK(rec.code == 0);
  CHECK_THAT(rec.out, Catch::Contains("found: store '" + store_dir + "': " + binance +
                                      ": unknown gap record version 7 (dropped)"));
  CHECK_THAT(rec.out,
             Catch::Contains("found: store '" + store_dir + "': " + okx + ": checksum mismatch (dropped)"));
  CHECK_THAT(rec.out, Catch::Contains("lost: no rows"));
  test::CliRun ok = test::RunLiqdb("verify --store " + store_dir);
  INFO(ok.out);
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::Contains("ok: 0 chunks, 0 rows and 1 gap record(s) verified"));
  test::CliRun after = test::RunLiqdb("stats --store " + store_dir);
  INFO(after.out);
  CHECK(after.code == 0);
  CHECK_THAT(after.out, Catch::Contains("1 gap(s) in the recorded feeds, 5s in all:"));
  CHECK(CellsOf(after.out, "2024-03-01T01:00:00Z") ==
        std::vector<std::string>{"bybit", "market", "2024-03-01T01:00:00Z", "2024-03-01T01:00:05Z", "5s",
                                 "stalled"});
}

}  // namespace
}  // namespace liqdb
