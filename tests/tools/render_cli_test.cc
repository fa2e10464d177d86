// `liqdb render` refuses what it cannot draw honestly: several instruments on
// one price axis, pictures too small for their title, legend and axes; and a
// picture's title says what it shows (instrument, venues, filters).
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
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

TEST_CASE("cli: render asks for one instrument and a drawable size", "[cli][render]") {
  test::TempDir dir;
  const std::string store = dir.Sub("store");
  Run gen = Liqdb("gen --store " + store + " --days 1 --events 20000 --positions 300 --symbols BTC,ETH");
  INFO(gen.out);
  REQUIRE(gen.code == 0);
  const std::string png = dir.Sub("p.png");

  Run several = Liqdb("render chart --store " + store + " -o " + png);
  CHECK(several.code == 2);
  CHECK_THAT(several.out, Catch::Contains("instruments (") && Catch::Contains("BTCUSDT") &&
                              Catch::Contains("ETHUSDT") && Catch::Contains("--symbol"));
  CHECK_FALSE(std::filesystem::exists(png));

  Run tiny = Liqdb("render heatmap --store " + store +
                   " --symbol BTCUSDT --exchange binance --width 100 --height 50 -o " + png);
  CHECK(tiny.code == 2);
  CHECK_THAT(tiny.out, Catch::Contains("at least 400 x 300"));
  CHECK_FALSE(std::filesystem::exists(png));

  for (const char* what : {"heatmap", "chart", "map"}) {
    Run ok = Liqdb(std::string("render ") + what + " --store " + store +
                   " --symbol BTCUSDT --exchange binance --width 400 --height 300 -o " + png);
    INFO(what << ": " << ok.out);
    CHECK(ok.code == 0);
    CHECK(std::filesystem::file_size(png) > 1000);
    std::filesystem::remove(png);
  }

  // --coin: every venue's BTC instruments (binance and bybit BTCUSDT, okx
  // BTC-USDT-SWAP) on one price axis, said in the title.
  CHECK_THAT(several.out, Catch::Contains("--coin"));
  for (const char* what : {"heatmap", "chart", "map"}) {
    Run ok = Liqdb(std::string("render ") + what + " --store " + store + " --coin btc -o " + png);
    INFO(what << ": " << ok.out);
    CHECK(ok.code == 0);
    CHECK(std::filesystem::file_size(png) > 1000);
    std::filesystem::remove(png);
  }
  Run none = Liqdb("render chart --store " + store + " --coin DOGE -o " + png);
  CHECK(none.code == 2);
  CHECK_FALSE(std::filesystem::exists(png));
}

}  // namespace
}  // namespace liqdb
