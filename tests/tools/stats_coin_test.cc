// `liqdb stats` names each series' coin (liqdb/coin.h): the samples of every
// venue are ingested and each series' line is checked against the coin worked
// out by hand from its symbol.
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cli_run.h"
#include "test_util.h"

namespace liqdb {
namespace {

// The stats line of (exchange, symbol), split into cells.
std::vector<std::string> LineOf(const std::string& out, const std::string& exchange,
                                const std::string& symbol) {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    std::vector<std::string> v;
    std::string c;
    while (cells >> c) v.push_back(c);
    if (v.size() > 3 && v[1] == exchange && v[2] == symbol) return v;
  }
  return {};
}

TEST_CASE("cli: stats shows the coin of each series", "[cli][coin]") {
  test::TempDir dir;
  const std::string store = dir.Sub("store");
  const std::string samples = LIQDB_SAMPLES_DIR;
  test::CliRun in =
      test::RunLiqdb("ingest --store " + store + " --contract-size BTC-USD-240628=100 " + samples +
                     "/binance-forceorder.jsonl " + samples + "/okx-liquidation-orders.jsonl " + samples +
                     "/bybit-liquidation.jsonl " + samples + "/hyperliquid-clearinghouse.jsonl " + samples +
                     "/tardis-liquidations.csv");
  INFO(in.out);
  REQUIRE(in.code == 0);
  test::CliRun s = test::RunLiqdb("stats --store " + store);
  INFO(s.out);
  REQUIRE(s.code == 0);
  CHECK_THAT(s.out, Catch::Contains("coin"));
  struct Want {
    const char *exchange, *symbol, *coin;
  };
  for (const Want& w : {Want{"binance", "BTCUSDT", "BTC"}, Want{"binance", "ETHUSDT", "ETH"},
                        Want{"binance", "SOLUSDT", "SOL"}, Want{"bybit", "BTCUSDT", "BTC"},
                        Want{"okx", "BTC-USDT-SWAP", "BTC"}, Want{"okx", "BTC-USD-SWAP", "BTC"},
                        Want{"okx", "BTC-USD-240628", "BTC"}, Want{"okx", "ETH-USDT-SWAP", "ETH"},
                        Want{"hyperliquid", "BTC", "BTC"}, Want{"hyperliquid", "SOL", "SOL"}}) {
    INFO(w.exchange << " " << w.symbol);
    const auto cells = LineOf(s.out, w.exchange, w.symbol);
    REQUIRE(cells.size() > 3);
    CHECK(cells[3] == w.coin);
  }
  // A lot of 1,000 coins says so.
  const auto pepe = LineOf(s.out, "binance", "1000PEPEUSDT");
  REQUIRE(pepe.size() > 4);
  CHECK(pepe[3] == "PEPE");
  CHECK(pepe[4] == "x1000");
}

}  // namespace
}  // namespace liqdb
