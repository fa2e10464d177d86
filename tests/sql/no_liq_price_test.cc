// A position the venue says cannot be liquidated (Hyperliquid's
// `liquidationPx: null`) is stored with liq_price 0, not NULL, so the maps
// give it no level instead of computing one from entry and leverage, and
// `liqdb stats` counts it. The sample file's rows are worked by hand: wallet
// 0x5b5d… holds BTC long 0.5 @ 64000 (10x) with liquidationPx 21392.9 at the
// first poll (1718000004567 ms) and liquidationPx null at the next
// (1718000064567 ms); its ETH short disappears at that poll (a close).
#include <string>

#include <catch2/catch.hpp>

#include "cli_run.h"
#include "sql/sql_test_util.h"

namespace liqdb::sqltest {
namespace {

TEST_CASE("hyperliquid liquidationPx null: liq_price 0, no level in liq_map, counted by stats",
          "[sql][positions]") {
  TempDir dir{"no-liq-price"};
  const std::string store = dir / "store";
  test::CliRun in = test::RunLiqdb("ingest --store " + store + " " + std::string(LIQDB_SAMPLES_DIR) +
                                   "/hyperliquid-clearinghouse.jsonl");
  INFO(in.out);
  REQUIRE(in.code == 0);

  Db db;
  db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='" + store + "', kind='positions')");
  // 0, not NULL: the venue's "none" is kept apart from "not reported".
  auto liq =
      db.Query("SELECT liq_price, liq_price IS NULL FROM pos WHERE symbol = 'BTC' AND ts = 1718000064567000");
  REQUIRE(liq.size() == 1);
  CHECK(AsDouble(liq[0][0]) == 0);
  CHECK(AsInt(liq[0][1]) == 0);
  // The close row of ETH carries no liquidation price at all: NULL.
  CHECK(AsInt(db.Scalar(
            "SELECT count(*) FROM pos WHERE symbol = 'ETH' AND size = 0 AND liq_price IS NULL")) == 1);

  // Before the second poll the BTC long sits at its reported 21392.9: bin 21300, 0.5 × 21392.9.
  auto before = db.Query("SELECT price, long_notional FROM liq_map('pos', 1718000064566999, 100, 'BTC')");
  REQUIRE(before.size() == 1);
  CHECK(Close(AsDouble(before[0][0]), 21300));
  CHECK(Close(AsDouble(before[0][1]), 0.5 * 21392.9));
  // After it: no level. (Computing one from entry and leverage would put
  // 0.5 × 64000·0.9/0.995 in bin 57800.)
  CHECK(db.Query("SELECT * FROM liq_map('pos', 1718000064567000, 100, 'BTC')").empty());
  CHECK(db.Query("SELECT * FROM liq_heatmap('pos', 1718000064567000, 1718000124567000, '1m', 100, 'BTC')")
            .empty());

  // stats: BTC has two open-position rows, one without a liquidation price; SOL and ETH none.
  test::CliRun s = test::RunLiqdb("stats --store " + store);
  INFO(s.out);
  REQUIRE(s.code == 0);
  CHECK_THAT(s.out, Catch::Contains("no liquidation price"));
  CHECK_THAT(s.out, Catch::Contains("hyperliquid BTC: 1 of 2 open-position rows"));
  CHECK_THAT(s.out, !Catch::Contains("hyperliquid SOL:"));
  CHECK_THAT(s.out, !Catch::Contains("hyperliquid ETH:"));
}

}  // namespace
}  // namespace liqdb::sqltest
