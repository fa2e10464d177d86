// End-to-end tests of the scalar functions liq_price and liqdb_version
// (extension/scalars.cc) against hand-computed values.
#include <cmath>

#include "tests/sql/sql_test_util.h"

#include "liqdb/version.h"

using namespace liqdb::sqltest;

TEST_CASE("liq_price matches the four formulas", "[sql][scalars]") {
  Db db;
  auto P = [&](const std::string& args) { return AsDouble(db.Scalar("SELECT liq_price(" + args + ")")); };
  CHECK(P("100, 10, 'long'") == Approx(100 * 0.9 / 0.995).epsilon(1e-15));
  CHECK(P("100, 10, 'short'") == Approx(100 * 1.1 / 1.005).epsilon(1e-15));
  CHECK(P("100, 10, 'long', 0.01") == Approx(100 * 0.9 / 0.99).epsilon(1e-15));
  CHECK(P("100, 10, 'long', 0.005, 'linear'") == Approx(100 * 0.9 / 0.995).epsilon(1e-15));
  CHECK(P("100, 10, 'long', 0.005, 'inverse'") == Approx(100 * 1.005 / 1.1).epsilon(1e-15));
  CHECK(P("100, 10, 'short', 0.005, 'inverse'") == Approx(100 * 0.995 / 0.9).epsilon(1e-15));
  CHECK(P("200, 4, 'long', 0") == Approx(150));
  CHECK(P("'200', '4', 'short', NULL") == Approx(250 / 1.005));  // NULL mmr = default
  CHECK(P("100, 10, 'long', NULL, NULL") == Approx(100 * 0.9 / 0.995).epsilon(1e-15));
}

TEST_CASE("liq_price is NULL for NULL inputs and an error for bad ones", "[sql][scalars]") {
  Db db;
  CHECK(IsNull(db.Scalar("SELECT liq_price(NULL, 10, 'long')")));
  CHECK(IsNull(db.Scalar("SELECT liq_price(100, NULL, 'long')")));
  CHECK(IsNull(db.Scalar("SELECT liq_price(100, 10, NULL)")));
  struct Case {
    const char* args;
    const char* mention;
  };
  for (const Case& c : std::vector<Case>{{"0, 10, 'long'", "entry_price"},
                                         {"-5, 10, 'long'", "entry_price"},
                                         {"'abc', 10, 'long'", "entry_price"},
                                         {"100, 0, 'long'", "leverage"},
                                         {"100, -3, 'short'", "leverage"},
                                         {"100, 10, 'buy'", "side"},
                                         {"100, 10, 'long', 1", "mmr"},
                                         {"100, 10, 'long', -0.1", "mmr"},
                                         {"100, 10, 'long', 0.005, 'quanto'", "contract"},
                                         {"100, 1, 'short', 0.005, 'inverse'", "leverage"}}) {
    const std::string err = db.Error(std::string("SELECT liq_price(") + c.args + ")");
    INFO(c.args << " → " << err);
    CHECK_THAT(err, Catch::Contains("liq_price") && Catch::Contains(c.mention));
  }
  CHECK_THAT(db.Error("SELECT liq_price(1, 2)"), Catch::Contains("liq_price"));
}

TEST_CASE("liq_price works over a positions table", "[sql][scalars]") {
  TempDir dir("scalar");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='s', kind='positions')");
  db.Exec(
      "INSERT INTO pos VALUES (1, 'hyperliquid', 'BTC', 'a', 'long', 1, 100, 10, NULL), "
      "(2, 'hyperliquid', 'BTC', 'b', 'short', 1, 100, NULL, NULL)");
  const auto rows =
      db.Query("SELECT account, liq_price(entry_price, leverage, side) FROM pos ORDER BY account");
  REQUIRE(rows.size() == 2);
  CHECK(AsDouble(rows[0][1]) == Approx(100 * 0.9 / 0.995));
  CHECK(IsNull(rows[1][1]));
}

TEST_CASE("liqdb_version reports the version", "[sql][scalars]") {
  Db db;
  CHECK(AsText(db.Scalar("SELECT liqdb_version()")) == liqdb::kVersion);
}

TEST_CASE("liq_time turns ISO text into microseconds, also inside OR", "[sql][scalars]") {
  TempDir dir("time");
  Db db(dir / "t.sqlite");
  // 2024-03-01T00:00:00Z = 19783 days × 86400 s = 1709251200 s.
  CHECK(AsInt(db.Scalar("SELECT liq_time('2024-03-01')")) == 1709251200000000LL);
  CHECK(AsInt(db.Scalar("SELECT liq_time('2024-03-01T00:00:01.5Z')")) == 1709251201500000LL);
  CHECK(AsInt(db.Scalar("SELECT liq_time(1709251200000000)")) == 1709251200000000LL);
  CHECK(IsNull(db.Scalar("SELECT liq_time(NULL)")));
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  db.Exec(
      "INSERT INTO liq VALUES ('2024-02-29', 'binance', 'BTCUSDT', 'long', 1, 1, 1), "
      "('2024-03-02', 'binance', 'BTCUSDT', 'long', 1, 1, 1), "
      "('2024-02-28', 'binance', 'BTCUSDT', 'short', 1, 1, 1)");
  // SQLite evaluates an OR itself: with liq_time the comparison is numeric.
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq WHERE ts >= liq_time('2024-03-01') OR side = 'short'")) ==
        2);
}
