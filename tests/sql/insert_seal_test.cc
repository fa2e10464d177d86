// An SQL writer's run ends sealed, as a `liqdb ingest` does: when the
// connection that INSERTed closes, its staged chunks are sealed
// (extension/liqdb_vtab.cc Disconnect, Store::Seal).
#include "tests/sql/sql_test_util.h"

#include "liqdb/store.h"

using namespace liqdb::sqltest;

TEST_CASE("liqdb table: INSERTs are sealed when the writing connection closes", "[sql][vtab][seal]") {
  TempDir dir("insert-seal");
  {
    Db db(dir / "t.sqlite");
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
    // Three transactions: three staged chunks while the connection is open.
    for (int i = 0; i < 3; ++i) {
      db.Exec("INSERT INTO liq VALUES (" + std::to_string(1709251200000000 + i) +
              ", 'binance', 'BTCUSDT', 'long', 60000, 1, NULL)");
    }
    CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 3);
  }
  liqdb::StoreOptions ro;
  ro.mode = liqdb::StoreOptions::Mode::kReadOnly;
  auto store = liqdb::Store::Open(dir / "s", ro);
  REQUIRE(store.ok());
  const auto series = (*store)->ListSeries(liqdb::Kind::kLiquidations);
  REQUIRE(series.size() == 1);
  CHECK(series[0].rows == 3);
  CHECK(series[0].staged_chunks == 0);
  CHECK(series[0].chunks == 1);
}
