// Table-valued functions only read, so they are SQLITE_VTAB_INNOCUOUS: a view
// over them keeps working when the schema is not trusted
// (PRAGMA trusted_schema=OFF), which is how BI tools should open files
// someone else made.
#include "tests/sql/sql_test_util.h"

using namespace liqdb::sqltest;

TEST_CASE("trust: views over every table-valued function work with trusted_schema=OFF", "[sql][trust]") {
  TempDir dir("trust");
  const std::string file = dir / "t.sqlite";
  {
    Db db(file);
    db.Exec(
        "CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations');"
        "CREATE VIRTUAL TABLE pos USING liqdb(store='s', kind='positions');"
        "CREATE VIRTUAL TABLE mkt USING liqdb(store='s', kind='market');"
        "INSERT INTO liq VALUES (1709251200000000, 'binance', 'BTCUSDT', 'long', 62000, 0.5, 31000);"
        "INSERT INTO pos VALUES (1709251200000000, 'binance', 'BTCUSDT', 'a', 'long', 1, 60000, 10, 54000);"
        "INSERT INTO mkt VALUES (1709251200000000, 'binance', 'BTCUSDT', 60000, 100);"
        "INSERT INTO mkt VALUES (1709251260000000, 'binance', 'BTCUSDT', 60100, 110);"
        "CREATE VIEW v_hist AS SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h');"
        "CREATE VIEW v_price AS SELECT * FROM liq_price_histogram('liq', '2024-03-01', '2024-03-02', 100);"
        "CREATE VIEW v_casc AS SELECT * FROM liq_cascades('liq', '2024-03-01', '2024-03-02', '1s', 0);"
        "CREATE VIEW v_heat AS SELECT * FROM liq_heatmap('pos', '2024-03-01', '2024-03-02', '1h', 1000);"
        "CREATE VIEW v_model AS SELECT * FROM liq_heatmap_model('mkt', '2024-03-01', '2024-03-02', '1h', "
        "1000, "
        "'BTCUSDT', 'binance');"
        "CREATE VIEW v_map AS SELECT * FROM liq_map('pos', '2024-03-01T12:00', 1000)");
  }
  Db db(file);
  db.Exec("PRAGMA trusted_schema=OFF");
  // Counted by hand from the rows above: 24 hourly buckets; one price bin;
  // one cascade; the one position's level in each of 24 buckets; the model
  // opens levels after the second sample (an OI rise); the map has one bin.
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM v_hist")) == 24);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM v_price")) == 1);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM v_casc")) == 1);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM v_heat")) == 24);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM v_model")) > 0);
  CHECK(AsDouble(db.Scalar("SELECT price FROM v_map")) == 54000);
}
