// Tests of the liquidation map (query/liq_map.cc): levels in force at one
// moment and the cumulative curves, for positions and market sources.
// Expected values worked by hand in the comments.

#include <cmath>

#include <catch2/catch.hpp>

#include "liqdb/heatmap.h"

namespace liqdb {
namespace {

constexpr std::nullopt_t kNull = std::nullopt;

std::vector<LiqMapRow> MapOf(Columns rows, const LiqMapSpec& spec) {
  std::vector<PositionSeriesInput> in(1);
  in[0].key = {"ex", "S"};
  in[0].rows = MemoryRowSource(std::move(rows));
  auto r = LiqMapOfPositions(std::move(in), spec);
  REQUIRE(r.ok());
  return *r;
}

void CheckRow(const LiqMapRow& r, double price, double long_n, double short_n, double cum_long,
              double cum_short) {
  INFO("row at price " << r.price);
  CHECK(r.price == Approx(price));
  CHECK(r.long_notional == Approx(long_n));
  CHECK(r.short_notional == Approx(short_n));
  CHECK(r.cum_long == Approx(cum_long));
  CHECK(r.cum_short == Approx(cum_short));
}

Columns MapRows() {
  Columns c(Kind::kPositions);
  c.AddPosition(10, "a", Side::kLong, 1, 100, 10, 90);    // 90 in bin 90
  c.AddPosition(20, "b", Side::kLong, 2, 100, 20, 95);    // 190 in bin 90
  c.AddPosition(30, "c", Side::kShort, 1, 100, 20, 105);  // 105 in bin 100
  c.AddPosition(40, "d", Side::kShort, 1, 100, 5, 112);   // 112 in bin 110
  c.AddPosition(50, "e", Side::kLong, 4, 100, 10, 70);    // at `at` + 1: not yet in force
  return c;
}

TEST_CASE("liq_map over positions: a venue's 'no liquidation price' (0) gives no level and is counted",
          "[liq_map]") {
  auto nan = std::nan("");
  Columns c(Kind::kPositions);
  c.AddPosition(10, "a", Side::kLong, 1, 100, 10, 90);         // level 90 (reported)
  c.AddPosition(11, "b", Side::kLong, 2, 100, 10, 0);          // venue: none. Not 100·0.9/0.995
  c.AddPosition(12, "c", Side::kShort, 1, 100, 10, kNull);     // computed 100·1.1/1.005 = 109.45
  c.AddPosition(13, "d", Side::kShort, 3, 100, kNull, kNull);  // nothing to compute from
  c.AddPosition(14, "e", Side::kLong, 1, 100, 2, 0);           // venue: none (leverage 2)
  c.AddPosition(15, "f", Side::kLong, 5, 100, 50, 99);         // level 99
  c.AddPosition(16, "g", Side::kShort, 1, 100, 10, 0);         // venue: none, then closed:
  c.AddPosition(17, "g", Side::kShort, 0, nan, 10, kNull);     //   not in force
  LiqMapSpec spec;
  spec.at = 100;
  spec.price_step = 10;
  std::vector<PositionSeriesInput> in(1);
  in[0].key = {"hyperliquid", "BTC"};
  in[0].rows = MemoryRowSource(c);
  PositionLevelCounts n;
  auto rows = LiqMapOfPositions(std::move(in), spec, &n);
  REQUIRE(rows.ok());
  // Bins: 90 holds a (1 × 90 = 90) and f (5 × 99 = 495); 100 holds c (109.45…).
  REQUIRE(rows->size() == 2);
  const double c_level = 100 * 1.1 / 1.005;
  CheckRow((*rows)[0], 90, 90 + 495, 0, 585, 0);
  CheckRow((*rows)[1], 100, 0, c_level, 0, c_level);
  CHECK(n.in_force == 6);
  CHECK(n.with_level == 3);
  CHECK(n.no_liq_price == 2);  // b, e
  CHECK(n.no_level == 1);      // d
  CHECK(n.filtered == 0);

  // min_leverage 20 keeps f only; every other open position is outside the filter
  // (d, with NULL leverage, too): the filter is checked first.
  spec.min_leverage = 20;
  in.resize(1);
  in[0].key = {"hyperliquid", "BTC"};
  in[0].rows = MemoryRowSource(c);
  rows = LiqMapOfPositions(std::move(in), spec, &n);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK(n.in_force == 6);
  CHECK(n.with_level == 1);
  CHECK(n.filtered == 5);
  CHECK(n.no_liq_price + n.no_level == 0);
}

TEST_CASE("liq_map over positions: bins and cumulative curves", "[liq_map]") {
  LiqMapSpec spec;
  spec.at = 49;
  spec.price_step = 10;
  auto rows = MapOf(MapRows(), spec);
  // cum_long = longs at or above the bin: 280 at 90, nothing above.
  // cum_short = shorts at or below: 0 at 90, 105 at 100, 105 + 112 = 217 at 110.
  REQUIRE(rows.size() == 3);
  CheckRow(rows[0], 90, 280, 0, 280, 0);
  CheckRow(rows[1], 100, 0, 105, 0, 105);
  CheckRow(rows[2], 110, 0, 112, 0, 217);

  SECTION("a row exactly at `at` is in force") {
    spec.at = 50;
    auto r = MapOf(MapRows(), spec);
    // Bin 70 gets 4 × 70 = 280; cum_long at 70 = 280 + 280 = 560.
    REQUIRE(r.size() == 4);
    CheckRow(r[0], 70, 280, 0, 560, 0);
    CheckRow(r[1], 90, 280, 0, 280, 0);
  }
  SECTION("leverage filter") {
    spec.min_leverage = 15;
    auto r = MapOf(MapRows(), spec);
    // Only b (20x, long 190) and c (20x, short 105).
    REQUIRE(r.size() == 2);
    CheckRow(r[0], 90, 190, 0, 190, 0);
    CheckRow(r[1], 100, 0, 105, 0, 105);
  }
  SECTION("before any row: empty") {
    spec.at = 5;
    CHECK(MapOf(MapRows(), spec).empty());
  }
}

TEST_CASE("liq_map over positions: NULL liq_price uses the default mmr", "[liq_map]") {
  Columns c(Kind::kPositions);
  c.AddPosition(0, "a", Side::kLong, 2, 50000, 25, kNull);
  // 50000 × (1 − 1/25) / (1 − 0.005) = 48000 / 0.995 = 48241.2060301507…
  LiqMapSpec spec;
  spec.at = 0;
  spec.price_step = 100;
  auto rows = MapOf(std::move(c), spec);
  REQUIRE(rows.size() == 1);
  const double level = 48000 / 0.995;
  CheckRow(rows[0], 48200, 2 * level, 0, 2 * level, 0);
}

TEST_CASE("liq_map over market samples: the model at `at`, tiers filtered", "[liq_map]") {
  // Default profile and mmr; P = 1000, ΔOI = 1 -> N = 1000 (see model_heatmap_test):
  // 10x long 150 @ 904.52, 25x long 125 @ 964.82, 50x 125 @ 984.92, 100x 100 @ 994.97;
  // shorts 100 @ 1004.98, 125 @ 1014.93, 125 @ 1034.83, 150 @ 1094.53.
  Columns m(Kind::kMarket);
  m.AddMarket(0, 1000, 5);
  m.AddMarket(10, 1000, 6);
  m.AddMarket(20, 1000, 3);  // after `at`: not applied
  LiqMapSpec spec;
  spec.at = 10;
  spec.price_step = 50;
  auto run = [&](const LiqMapSpec& s) {
    std::vector<std::unique_ptr<SortedRowSource>> src;
    src.push_back(MemoryRowSource(m));
    auto r = LiqMapOfMarket(std::move(src), s);
    REQUIRE(r.ok());
    return *r;
  };
  auto rows = run(spec);
  // $50 bins: 900: 150 | 950: 125 + 125 + 100 = 350 | 1000: shorts 100 + 125 + 125 = 350
  // | 1050: 150.
  REQUIRE(rows.size() == 4);
  CheckRow(rows[0], 900, 150, 0, 500, 0);
  CheckRow(rows[1], 950, 350, 0, 350, 0);
  CheckRow(rows[2], 1000, 0, 350, 0, 350);
  CheckRow(rows[3], 1050, 0, 150, 0, 500);

  SECTION("leverage filter keeps the 25x and 50x tiers only") {
    spec.min_leverage = 20;
    spec.max_leverage = 50;
    auto r = run(spec);
    REQUIRE(r.size() == 2);
    CheckRow(r[0], 950, 250, 0, 250, 0);
    CheckRow(r[1], 1000, 0, 250, 0, 250);
  }
  SECTION("a filter that keeps no tier is an error") {
    spec.min_leverage = 200;
    std::vector<std::unique_ptr<SortedRowSource>> src;
    src.push_back(MemoryRowSource(m));
    CHECK(LiqMapOfMarket(std::move(src), spec).status().IsInvalidArgument());
  }
  SECTION("two series add up") {
    std::vector<std::unique_ptr<SortedRowSource>> src;
    src.push_back(MemoryRowSource(m));
    src.push_back(MemoryRowSource(m));
    auto r = LiqMapOfMarket(std::move(src), spec);
    REQUIRE(r.ok());
    REQUIRE(r->size() == 4);
    CheckRow((*r)[0], 900, 300, 0, 1000, 0);
  }
  SECTION("lookback cuts the baseline") {
    spec.model.lookback = 5;  // replay from 5: the sample at 10 is the baseline
    CHECK(run(spec).empty());
  }
}

TEST_CASE("liq_map: bad arguments", "[liq_map]") {
  LiqMapSpec spec;
  spec.at = 0;
  spec.price_step = 0;
  CHECK(ValidateLiqMapSpec(spec).IsInvalidArgument());
  spec.price_step = 1;
  CHECK(ValidateLiqMapSpec(spec).ok());
  spec.min_leverage = 10;
  spec.max_leverage = 5;
  CHECK(ValidateLiqMapSpec(spec).IsInvalidArgument());
  spec.max_leverage.reset();
  spec.model.lookback = -1;
  CHECK(ValidateLiqMapSpec(spec).IsInvalidArgument());
  CHECK(LiqMapOfPositions({}, spec).status().IsInvalidArgument());
}

}  // namespace
}  // namespace liqdb
