// Tests for query/liq_price.cc: the four formulas of docs/sql.md against
// hand-computed values, and the rejected inputs.
#include "liqdb/liq_price.h"

#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

using liqdb::Contract;
using liqdb::LiqPrice;
using liqdb::ParseContract;
using liqdb::Side;

namespace {
double P(double entry, double lev, Side side, double mmr = liqdb::kDefaultMmr,
         Contract c = Contract::kLinear) {
  auto r = LiqPrice(entry, lev, side, mmr, c);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}
}  // namespace

TEST_CASE("LiqPrice linear formulas", "[liq_price]") {
  // entry 100, L = 10, mmr 0.005: long 100·0.9/0.995, short 100·1.1/1.005.
  CHECK(P(100, 10, Side::kLong) == Approx(90.0 / 0.995).epsilon(1e-15));
  CHECK(P(100, 10, Side::kShort) == Approx(110.0 / 1.005).epsilon(1e-15));
  CHECK(P(60000, 100, Side::kLong, 0.004) == Approx(60000 * 0.99 / 0.996).epsilon(1e-15));
  CHECK(P(60000, 100, Side::kShort, 0.004) == Approx(60000 * 1.01 / 1.004).epsilon(1e-15));
  // mmr 0: long at entry·(1 − 1/L)
  CHECK(P(200, 4, Side::kLong, 0) == Approx(150));
  CHECK(P(200, 4, Side::kShort, 0) == Approx(250));
  // L = 1: a long is liquidated only at 0.
  CHECK(P(100, 1, Side::kLong) == 0);
}

TEST_CASE("LiqPrice inverse formulas", "[liq_price]") {
  // inverse long entry·(1 + mmr)/(1 + 1/L); short entry·(1 − mmr)/(1 − 1/L)
  CHECK(P(100, 10, Side::kLong, 0.005, Contract::kInverse) == Approx(100 * 1.005 / 1.1).epsilon(1e-15));
  CHECK(P(100, 10, Side::kShort, 0.005, Contract::kInverse) == Approx(100 * 0.995 / 0.9).epsilon(1e-15));
  CHECK(P(50000, 2, Side::kLong, 0, Contract::kInverse) == Approx(50000 / 1.5));
  CHECK(P(50000, 2, Side::kShort, 0, Contract::kInverse) == Approx(100000));
}

TEST_CASE("LiqPrice rejects invalid inputs", "[liq_price]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto Err = [](double e, double l, Side s, double m, Contract c = Contract::kLinear) {
    auto r = LiqPrice(e, l, s, m, c);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    return r.status().message();
  };
  CHECK_THAT(Err(0, 10, Side::kLong, 0.005), Catch::Contains("entry_price"));
  CHECK_THAT(Err(-1, 10, Side::kLong, 0.005), Catch::Contains("entry_price"));
  CHECK_THAT(Err(nan, 10, Side::kLong, 0.005), Catch::Contains("entry_price"));
  CHECK_THAT(Err(inf, 10, Side::kLong, 0.005), Catch::Contains("entry_price"));
  CHECK_THAT(Err(100, 0, Side::kLong, 0.005), Catch::Contains("leverage"));
  CHECK_THAT(Err(100, -2, Side::kShort, 0.005), Catch::Contains("leverage"));
  CHECK_THAT(Err(100, nan, Side::kShort, 0.005), Catch::Contains("leverage"));
  CHECK_THAT(Err(100, 10, Side::kLong, 1), Catch::Contains("mmr"));
  CHECK_THAT(Err(100, 10, Side::kLong, -0.1), Catch::Contains("mmr"));
  CHECK_THAT(Err(100, 10, Side::kLong, nan), Catch::Contains("mmr"));
  CHECK_THAT(Err(100, 1, Side::kShort, 0.005, Contract::kInverse), Catch::Contains("leverage"));
  CHECK_THAT(Err(100, 0.5, Side::kShort, 0.005, Contract::kInverse), Catch::Contains("leverage"));
  CHECK_THAT(Err(100, 0.5, Side::kLong, 0.005), Catch::Contains("leverage"));
}

TEST_CASE("ParseContract", "[liq_price]") {
  CHECK(*ParseContract("linear") == Contract::kLinear);
  CHECK(*ParseContract("inverse") == Contract::kInverse);
  auto r = ParseContract("perp");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("'perp'"));
}
