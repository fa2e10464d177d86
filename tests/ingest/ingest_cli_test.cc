// `liqdb ingest` and tools/examples/archive_ingest.py as a user runs them:
// exit codes, FILE:LINE reports, the summary, --strict, stdin, damaged .gz.
#include <sys/wait.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

using namespace liqdb;
using namespace liqdb::testing;

namespace {

bool HaveCli() {
  return std::filesystem::exists(LIQDB_CLI_PATH);
}

std::string Cli() {
  return std::string(LIQDB_CLI_PATH);
}

}  // namespace

TEST_CASE("cli: ingest prints a summary; exit 3 and FILE:LINE: reason on a bad line", "[cli]") {
  if (!HaveCli()) {
    WARN("liqdb CLI not built: " LIQDB_CLI_PATH);
    return;
  }
  const std::string dir = TempDir("cli");
  const std::string s = std::string(LIQDB_SAMPLES_DIR);
  Out ok = Sh(
      Cli() + " ingest --store " + dir + "/st --format tardis-liquidations " + s + "/tardis-liquidations.csv",
      dir);
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::Contains("stored 5") && Catch::Contains("rejected 0"));
  Out again = Sh(Cli() + " ingest --store " + dir + "/st " + s + "/tardis-liquidations.csv", dir);
  CHECK(again.code == 0);
  CHECK_THAT(again.out, Catch::Contains("stored 0, duplicates 5"));
  CHECK_THAT(again.err, Catch::Contains("format tardis-liquidations (auto"));

  Out bad = Sh(Cli() + " ingest --store " + dir + "/st " + s + "/okx-liquidation-orders.jsonl", dir);
  CHECK(bad.code == 3);
  CHECK_THAT(bad.err,
             Catch::Contains(
                 s + "/okx-liquidation-orders.jsonl:4: unknown contract size for instrument BTC-USD-240628"));
  Out fixed = Sh(Cli() + " ingest --store " + dir + "/st --contract-size BTC-USD-240628=100 " + s +
                     "/okx-liquidation-orders.jsonl",
                 dir);
  CHECK(fixed.code == 0);

  Out strict =
      Sh(Cli() + " ingest --store " + dir + "/st2 --strict " + s + "/okx-liquidation-orders.jsonl", dir);
  CHECK(strict.code == 3);
  CHECK_THAT(strict.out, Catch::Contains("stored 0") && Catch::Contains("1 file(s) rejected"));

  Out usage = Sh(Cli() + " ingest --store " + dir + "/st --format nope x", dir);
  CHECK(usage.code == 2);
}

TEST_CASE("cli: '-' reads standard input, compressed or not", "[cli]") {
  if (!HaveCli()) return;
  const std::string dir = TempDir("cli-stdin");
  const std::string s = std::string(LIQDB_SAMPLES_DIR);
  WriteCompressed(dir + "/b.zst", Sample("bybit-liquidation.jsonl"), Compression::kZstd);
  Out plain = Sh("cat " + s + "/bybit-liquidation.jsonl | " + Cli() + " ingest --store " + dir +
                     "/st --format bybit-liquidation -",
                 dir);
  CHECK(plain.code == 0);
  CHECK_THAT(plain.out, Catch::Contains("stored 5"));
  Out z = Sh(Cli() + " ingest --store " + dir + "/st2 - < " + dir + "/b.zst", dir);
  CHECK(z.code == 0);
  CHECK_THAT(z.out, Catch::Contains("stored 5"));
}

TEST_CASE("cli: a truncated .gz is reported and exits 3", "[cli]") {
  if (!HaveCli()) return;
  const std::string dir = TempDir("cli-gz");
  std::string text = Sample("tardis-derivative-ticker.csv");
  for (int i = 0; i < 20000; ++i) {
    text += "binance-futures,ETHUSDT," + std::to_string(1718000002000000LL + i * 1000) + ",0,,,,5" +
            std::to_string(i) + ",3500,3500,3500." + std::to_string(i % 97) + "\n";
  }
  WriteCompressed(dir + "/t.csv.gz", text, Compression::kGzip);
  std::string gz = ReadFile(dir + "/t.csv.gz");
  WriteFile(dir + "/t.csv.gz", gz.substr(0, gz.size() / 2));
  Out o = Sh(Cli() + " ingest --store " + dir + "/st " + dir + "/t.csv.gz", dir);
  CHECK(o.code == 3);
  CHECK_THAT(o.err, Catch::Contains("t.csv.gz: corrupt or truncated gzip stream after line"));
  CHECK_THAT(o.out, Catch::Contains("stored"));
  CHECK_FALSE(o.out.find("stored 0,") != std::string::npos);  // rows before the damage are kept
}

TEST_CASE("python: archive_ingest.py inserts through the extension, idempotently", "[cli][python]") {
  const std::string ext = LIQDB_EXTENSION_PATH;
  if (!std::filesystem::exists(ext) || !std::filesystem::exists("/usr/bin/python3")) {
    WARN("extension or /usr/bin/python3 missing");
    return;
  }
  const std::string dir = TempDir("py");
  const std::string s = std::string(LIQDB_SAMPLES_DIR);
  std::filesystem::create_directories(dir + "/arch");
  WriteCompressed(dir + "/arch/t.gz", Sample("tardis-liquidations.csv"), Compression::kGzip);
  WriteFile(dir + "/arch/b.jsonl", Sample("binance-forceorder.jsonl"));
  const std::string cmd = "/usr/bin/python3 " + std::string(LIQDB_SOURCE_DIR) +
                          "/tools/examples/archive_ingest.py --db " + dir + "/liq.sqlite --store st --ext " +
                          ext.substr(0, ext.size() - 3) + " " + dir + "/arch";
  Out first = Sh(cmd, dir);
  CHECK(first.code == 0);
  CHECK_THAT(first.out, Catch::Contains("2 files, 10 lines"));
  Out second = Sh(cmd, dir);
  CHECK(second.code == 0);
  if (HaveCli()) {
    // Stored once: tardis's binance rows equal the forceOrder rows (2 shared).
    Out stats = Sh(Cli() + " stats --store " + dir + "/st", dir);
    CHECK_THAT(stats.out, Catch::Contains("7 rows"));
  }
}

TEST_CASE("cli: an ingest killed midway leaves a consistent store; the re-run completes it exactly",
          "[cli][recovery]") {
  if (!HaveCli()) return;
  const std::string dir = TempDir("cli-kill");
  std::string text = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
  const int n = 600000;
  for (int i = 0; i < n; ++i) {
    // Every row twice: twins must survive the kill and the re-run as two rows.
    const std::string row = "binance-futures,BTCUSDT," + std::to_string(1718000000000000LL + (i / 2) * 1000) +
                            ",0,,sell,67000.5,0.5\n";
    text += row;
  }
  WriteCompressed(dir + "/big.csv.gz", text, Compression::kGzip);
  const std::string cmd = Cli() + " ingest --store " + dir + "/st --batch-rows 20000 " + dir + "/big.csv.gz";
  // Kill it after a moment (SIGKILL: no chance to clean up).
  Sh("(" + cmd + " & pid=$!; sleep 0.4; kill -9 $pid; wait $pid)", dir);
  Out rerun = Sh(cmd, dir);
  CHECK(rerun.code == 0);
  auto store = Store::Open(dir + "/st", StoreOptions{.mode = StoreOptions::Mode::kReadOnly});
  REQUIRE(store.ok());
  uint64_t rows = 0;
  for (const auto& s : (*store)->ListSeries(Kind::kLiquidations)) rows += s.rows;
  CHECK(rows == static_cast<uint64_t>(n));
  CHECK_THAT(rerun.out, Catch::Contains("rejected 0"));
}
