// End-to-end tests of the `liqdb` binary: exit codes, gen's CSV and store
// output, stats and the maintenance commands. They run the built CLI
// (LIQDB_CLI_PATH) as a user would.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cli_run.h"
#include "test_util.h"

namespace liqdb {
namespace {

using Run = test::CliRun;

Run Liqdb(const std::string& args) {
  return test::RunLiqdb(args);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("cli: --version, --help and usage errors", "[cli]") {
  Run v = Liqdb("--version");
  CHECK(v.code == 0);
  CHECK(v.out.find("0.") != std::string::npos);
  CHECK(Liqdb("--help").code == 0);
  CHECK(Liqdb("gen --help").code == 0);
  CHECK(Liqdb("stats --help").code == 0);
  CHECK(Liqdb("").code == 2);  // a subcommand is required
  CHECK(Liqdb("frobnicate").code == 2);
  CHECK(Liqdb("gen --days 1").code == 2);  // neither --store nor --csv
  Run bad = Liqdb("gen --csv /dev/null --symbols NOPE");
  CHECK(bad.code == 2);
  CHECK(bad.out.find("NOPE") != std::string::npos);
  CHECK(Liqdb("gen --csv /dev/null --kind trades").code == 2);
  // A bad interval fails before anything is opened, naming the option.
  for (const char* bad_timeout : {"0s", "soon"}) {
    Run r = Liqdb(std::string("record --store /nonexistent/liqdb-cli-test --no-data-timeout ") + bad_timeout);
    CHECK(r.code == 2);
    CHECK(r.out.find("--no-data-timeout") != std::string::npos);
  }
}

TEST_CASE("cli: gen writes deterministic liqdb CSV", "[cli]") {
  test::TempDir dir;
  const std::string common =
      "--kind all --days 0.25 --events 5000 --positions 2000 --accounts 100 "
      "--symbols BTCUSDT --exchanges binance,okx --market-interval 1m -q";
  REQUIRE(Liqdb("gen --csv " + dir.Sub("a.csv") + " " + common).code == 0);
  REQUIRE(Liqdb("gen --csv " + dir.Sub("b.csv") + " " + common).code == 0);
  const std::string liq = ReadFile(dir.Sub("a.liquidations.csv"));
  CHECK(liq == ReadFile(dir.Sub("b.liquidations.csv")));
  CHECK(ReadFile(dir.Sub("a.positions.csv")) == ReadFile(dir.Sub("b.positions.csv")));
  CHECK(liq.rfind("ts,exchange,symbol,side,price,qty,notional\n", 0) == 0);
  CHECK(liq.find(",okx,BTC-USDT-SWAP,") != std::string::npos);
  CHECK(ReadFile(dir.Sub("a.positions.csv"))
            .rfind("ts,exchange,symbol,account,side,size,entry_price,leverage,liq_price\n", 0) == 0);
  const std::string mkt = ReadFile(dir.Sub("a.market.csv"));
  CHECK(mkt.rfind("ts,exchange,symbol,mark_price,open_interest\n", 0) == 0);
  // 6 hours of one sample a minute on two venues, plus the header.
  CHECK(std::count(mkt.begin(), mkt.end(), '\n') == 1 + 2 * 360);

  // Rows are in time order across series.
  std::istringstream lines(liq);
  std::string line;
  std::getline(lines, line);
  long long prev = 0;
  bool sorted = true;
  while (std::getline(lines, line)) {
    const long long ts = std::stoll(line.substr(0, line.find(',')));
    sorted = sorted && ts >= prev;
    prev = ts;
  }
  CHECK(sorted);
}

TEST_CASE("cli: gen into a store, then stats, verify, seal, compact", "[cli]") {
  test::TempDir dir;
  const std::string store = dir.Sub("store");
  Run g = Liqdb("gen --store " + store +
                " --days 0.5 --events 20000 --positions 5000 --accounts 200 --symbols BTCUSDT,ETHUSDT");
  INFO(g.out);
  REQUIRE(g.code == 0);
  CHECK(g.out.find("stored") != std::string::npos);

  Run s = Liqdb("stats --store " + store);
  INFO(s.out);
  REQUIRE(s.code == 0);
  CHECK(s.out.find("liquidations  binance") != std::string::npos);
  CHECK(s.out.find("BTC-USDT-SWAP") != std::string::npos);
  CHECK(s.out.find("B/row") != std::string::npos);

  Run v = Liqdb("verify --store " + store);
  INFO(v.out);
  CHECK(v.code == 0);
  CHECK(v.out.find("ok:") != std::string::npos);
  CHECK(Liqdb("seal --store " + store).code == 0);
  CHECK(Liqdb("compact --store " + store).code == 0);

  // Generating the same data again stores nothing new: ingest is idempotent.
  Run again = Liqdb("gen --store " + store +
                    " --days 0.5 --events 20000 --positions 5000 --accounts 200 --symbols BTCUSDT,ETHUSDT");
  INFO(again.out);
  CHECK(again.code == 0);
  CHECK(again.out.find("stored 0 rows") != std::string::npos);

  CHECK(Liqdb("stats --store " + dir.Sub("missing")).code == 1);
  CHECK(Liqdb("verify --store " + dir.Sub("missing")).code == 1);
}

// The totals line of `liqdb stats` up to the chunk count: "N series, R rows" (chunking
// depends on how rows were batched).
std::string StatsTotals(const std::string& out) {
  const size_t at = out.find(" series, ");
  REQUIRE(at != std::string::npos);
  const size_t begin = out.rfind('\n', at) + 1;
  return out.substr(begin, out.find(" in ", at) - begin);
}

TEST_CASE("cli: gen CSV ingested equals gen straight into a store", "[cli]") {
  test::TempDir dir;
  const std::string common =
      "--days 0.2 --events 8000 --positions 3000 --accounts 100 --market-interval 30s -q";
  REQUIRE(Liqdb("gen --kind all --csv " + dir.Sub("g.csv.gz") + " " + common).code == 0);
  REQUIRE(Liqdb("gen --store " + dir.Sub("direct") + " " + common).code == 0);
  for (const char* kind : {"liquidations", "positions", "market"}) {
    Run in =
        Liqdb("ingest --store " + dir.Sub("viacsv") + " " + dir.Sub(std::string("g.") + kind + ".csv.gz"));
    INFO(in.out);
    REQUIRE(in.code == 0);
  }
  REQUIRE(Liqdb("seal --store " + dir.Sub("viacsv")).code == 0);
  Run a = Liqdb("stats --store " + dir.Sub("direct"));
  Run b = Liqdb("stats --store " + dir.Sub("viacsv"));
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  CHECK(StatsTotals(a.out) == StatsTotals(b.out));
}

}  // namespace
}  // namespace liqdb
