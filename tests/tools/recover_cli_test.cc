// The always-on issue's damage case, end to end through the CLI: rows
// ingested from standard input live only in the write-ahead log; a flipped
// byte there makes `liqdb verify` and `liqdb stats` fail naming the file and
// offset (instead of reporting an empty store), and `liqdb recover` opens it,
// saying how many rows were lost.
#include <rocksdb/db.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "cli_run.h"
#include "storage/log_check.h"
#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

namespace fs = std::filesystem;

using Run = test::CliRun;

TEST_CASE("cli: a damaged write-ahead log is named by verify and stats; recover lists the loss",
          "[cli][damage]") {
  test::TempDir dir;
  const std::string store = dir.Sub("store");
  const std::string csv = dir.Sub("rows.csv");
  {
    // 3,000 liquidations, one per second from 2024-03-01, scattered prices.
    std::ofstream out(csv);
    out.precision(17);
    out << "ts,exchange,symbol,side,price,qty,notional\n";
    for (int i = 0; i < 3000; ++i) {
      const double price = 60000 + (i * 7919 % 10007) / 10.0, qty = (1 + i * 131 % 997) / 1000.0;
      out << (1709251200000000LL + i * 1000000LL) << ",binance,BTCUSDT," << (i % 2 ? "short" : "long") << ","
          << price << "," << qty << "," << price * qty << "\n";
    }
  }
  Run ingest = test::RunLiqdb("ingest --store " + store + " - < " + csv);
  INFO(ingest.out);
  REQUIRE(ingest.code == 0);
  Run stats = test::RunLiqdb("stats --store " + store);
  INFO(stats.out);
  REQUIRE(stats.code == 0);
  REQUIRE(stats.out.find("3,000") != std::string::npos);

  const auto wals = storage::WalFiles(store);
  REQUIRE_FALSE(wals.empty());
  std::string wal = wals.front();
  for (const auto& w : wals) {
    if (fs::file_size(w) > fs::file_size(wal)) wal = w;
  }
  const size_t size = fs::file_size(wal);
  REQUIRE(size > 1000);  // the rows are still in the log, not in a table file
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    // The log holds the append's record, then the end-of-run seal's, which
    // rewrites the same rows: a byte a quarter in damages the append.
    f.seekg(static_cast<std::streamoff>(size / 4));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x10);
    f.seekp(static_cast<std::streamoff>(size / 4));
    f.write(&c, 1);
  }

  const std::string name = fs::path(wal).filename().string();
  Run verify = test::RunLiqdb("verify --store " + store);
  CHECK(verify.code == 1);
  CHECK_THAT(verify.out,
             Catch::Contains(name) && Catch::Contains("at byte") && Catch::Contains("liqdb recover"));
  Run broken_stats = test::RunLiqdb("stats --store " + store);
  CHECK(broken_stats.code == 1);
  CHECK_THAT(broken_stats.out, Catch::Contains(name));

  Run recover = test::RunLiqdb("recover --store " + store);
  INFO(recover.out);
  REQUIRE(recover.code == 0);
  CHECK_THAT(recover.out, Catch::Contains("found: write-ahead log") && Catch::Contains("kept copies"));

  // What recover says was lost, plus what is left, plus the one unreadable
  // record's rows, is what was ingested; every lost row is a BTCUSDT row (a
  // series the damaged record itself created is reported without its name).
  int64_t lost = 0;
  const std::regex line(
      R"(lost: liquidations (?:binance/BTCUSDT|\(a series named only in the damaged record\)): (\d+) rows?)");
  for (std::sregex_iterator it(recover.out.begin(), recover.out.end(), line), end; it != end; ++it) {
    lost += std::stoll((*it)[1]);
  }
  StoreOptions ro;
  ro.mode = StoreOptions::Mode::kReadOnly;
  auto opened = Store::Open(store, ro);
  REQUIRE(opened.ok());
  uint64_t left = 0;
  for (const auto& s : (*opened)->ListSeries(Kind::kLiquidations)) left += s.rows;
  CHECK(left < 3000);
  CHECK(static_cast<int64_t>(left) + lost <= 3000);
  CHECK(test::RunLiqdb("verify --store " + store).code == 0);
  // A second run finds nothing more to do.
  opened = Status::OK();
  Run again = test::RunLiqdb("recover --store " + store);
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::Contains("nothing to recover"));
}

TEST_CASE("cli: a damaged recorder heartbeat is named by verify and dropped by recover", "[cli][damage]") {
  test::TempDir dir;
  const std::string store = dir.Sub("store");
  {
    auto s = Store::Open(store);
    REQUIRE(s.ok());
    REQUIRE((*s)->PutHeartbeat({"bybit", "liquidations-linear", 1'709'251'200'000'000}).ok());
  }
  {
    // A flipped bit in the time (value byte 3, docs/format.md "Heartbeats").
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::Options(), store, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::string key = std::string("Abybit") + '\0' + "liquidations-linear";
    std::string value;
    REQUIRE(db->Get(rocksdb::ReadOptions(), key, &value).ok());
    value[3] ^= 0x01;
    REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  }
  Run verify = test::RunLiqdb("verify --store " + store);
  INFO(verify.out);
  CHECK(verify.code == 1);
  CHECK_THAT(verify.out, Catch::Contains("heartbeat bybit/liquidations-linear: checksum mismatch") &&
                             Catch::Contains("1 bad heartbeat record(s)"));
  Run recover = test::RunLiqdb("recover --store " + store);
  INFO(recover.out);
  CHECK(recover.code == 0);
  CHECK_THAT(recover.out,
             Catch::Contains("found: store '" + store +
                             "': heartbeat bybit/liquidations-linear: checksum mismatch (dropped)"));
  Run again = test::RunLiqdb("verify --store " + store);
  INFO(again.out);
  CHECK(again.code == 0);
  auto s = Store::Open(store);
  REQUIRE(s.ok());
  auto hb = (*s)->GetHeartbeat("bybit", "liquidations-linear");
  REQUIRE(hb.ok());
  CHECK_FALSE(hb->has_value());  // the next recorder run records no downtime gap for it
}

}  // namespace
}  // namespace liqdb
