// Keyword argument values are normalised (trimmed, any case) or named with
// what they should be (issue 9, item 5): liq_price's side and contract.
#include "sql/sql_test_util.h"

namespace liqdb::sqltest {
namespace {

TEST_CASE("liq_price reads side and contract in any case and with spaces", "[sql][keywords]") {
  Db db;
  // Linear long, L 10, mmr 0.005: 100 × 0.9 / 0.995.
  const double linear_long = 100 * 0.9 / 0.995;
  for (const char* side : {"'long'", "'long '", "'Long'", "' LONG'"}) {
    INFO(side);
    CHECK(Close(AsDouble(db.Scalar(std::string("SELECT liq_price(100, 10, ") + side + ")")), linear_long));
  }
  // Inverse long: entry × (1 + mmr) / (1 + 1/L) = 100 × 1.005 / 1.1.
  CHECK(
      Close(AsDouble(db.Scalar("SELECT liq_price(100, 10, 'long', 0.005, ' Inverse ')")), 100 * 1.005 / 1.1));
  // An order side is named for what it is.
  CHECK_THAT(db.Error("SELECT liq_price(100, 10, 'buy')"),
             Catch::Contains("'long' or 'short'") && Catch::Contains("a forced buy closes a short"));
  CHECK_THAT(db.Error("SELECT liq_price(100, 10, 'Sell')"), Catch::Contains("a forced sell closes a long"));
  CHECK_THAT(db.Error("SELECT liq_price(100, 10, 'long', 0.005, 'perp')"),
             Catch::Contains("'linear' or 'inverse'") && Catch::Contains("perp"));
}

}  // namespace
}  // namespace liqdb::sqltest
