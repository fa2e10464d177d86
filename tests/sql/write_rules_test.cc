// One rule per fact (issue 7, item 5): every write path applies the same
// row rules and every range function the same from/to check.
//
// The drifts these pin down: a liquidation at price 0 was accepted by SQL
// INSERT and rejected by `liqdb ingest`; a close row (size 0) needed an
// entry_price; "from … must be before to …" printed raw µs in some places.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/sql/sql_test_util.h"

#include "liqdb/store.h"

using namespace liqdb::sqltest;

namespace {

struct Run {
  int code = -1;
  std::string err;
};

// Runs the liqdb CLI with `args`; captures stderr.
Run Cli(const std::string& args, const TempDir& dir) {
  const std::string err_path = dir / "stderr.txt";
  const int rc =
      std::system((std::string(LIQDB_CLI_PATH) + " " + args + " >/dev/null 2>" + err_path).c_str());
  Run r;
  r.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  std::ifstream in(err_path);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  return r;
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

}  // namespace

TEST_CASE("rules: a liquidation at price 0 is rejected by SQL INSERT and by ingest alike", "[sql][rules]") {
  TempDir dir("rules-price");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  const std::string sql_err =
      db.Try("INSERT INTO liq VALUES (1709251200000000, 'binance', 'BTCUSDT', 'long', 0, 0.5, 0)");
  CHECK_THAT(sql_err, Catch::Contains("price must be > 0, got 0"));
  CHECK(AsInt(db.Query("SELECT count(*) FROM liq")[0][0]) == 0);
  // A negative price was also accepted by neither: the same words.
  CHECK_THAT(db.Try("INSERT INTO liq VALUES (1709251200000000, 'binance', 'BTCUSDT', 'long', -5, 0.5, 1)"),
             Catch::Contains("price must be > 0, got -5"));

  if (!std::filesystem::exists(LIQDB_CLI_PATH)) {
    WARN("liqdb CLI not built: " LIQDB_CLI_PATH);
    return;
  }
  const std::string csv = dir / "liq.csv";
  Write(csv,
        "ts,exchange,symbol,side,price,qty,notional\n"
        "1709251200000000,binance,BTCUSDT,long,62000,0.5,31000\n"
        "1709251201000000,binance,BTCUSDT,long,0,0.5,0\n");
  Run r = Cli("ingest --store " + (dir / "s2") + " " + csv, dir);
  CHECK(r.code == 3);  // some rows rejected
  CHECK_THAT(r.err, Catch::Contains("liq.csv:3") && Catch::Contains("price must be > 0, got 0"));
}

TEST_CASE("rules: a close row (size 0) takes a NULL entry_price through SQL and ingest", "[sql][rules]") {
  TempDir dir("rules-close");
  {
    Db db(dir / "t.sqlite");
    db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='s', kind='positions')");
    db.Exec(
        "INSERT INTO pos VALUES (1709251200000000, 'binance', 'BTCUSDT', 'acct1', 'long', 2, 60000, 10, "
        "54000);"
        "INSERT INTO pos VALUES (1709251260000000, 'binance', 'BTCUSDT', 'acct1', 'long', 0, NULL, NULL, "
        "NULL)");
    auto rows = db.Query("SELECT size, entry_price FROM pos ORDER BY ts");
    REQUIRE(rows.size() == 2);
    CHECK(AsDouble(rows[0][1]) == 60000);
    CHECK(AsDouble(rows[1][0]) == 0);
    CHECK(IsNull(rows[1][1]));
    // An open position still needs its entry price.
    CHECK_THAT(
        db.Try("INSERT INTO pos VALUES (1709251320000000, 'binance', 'BTCUSDT', 'acct2', 'long', 1, NULL, "
               "NULL, NULL)"),
        Catch::Contains("entry_price must be > 0") && Catch::Contains("close row"));
    CHECK(AsInt(db.Query("SELECT count(*) FROM pos")[0][0]) == 2);
    // The closed position is gone from the map at a later moment: only acct1
    // held a position and it was closed.
    CHECK(db.Query("SELECT * FROM liq_map('pos', 1709251300000000, 1000)").empty());
    CHECK(db.Query("SELECT * FROM liq_map('pos', 1709251230000000, 1000)").size() == 1);
  }  // closes the store: the CLI below is another process

  if (!std::filesystem::exists(LIQDB_CLI_PATH)) {
    WARN("liqdb CLI not built: " LIQDB_CLI_PATH);
    return;
  }
  const std::string csv = dir / "pos.csv";
  Write(csv,
        "ts,exchange,symbol,account,side,size,entry_price,leverage,liq_price\n"
        "1709251200000000,okx,BTC-USDT-SWAP,a,short,1,61000,20,\n"
        "1709251500000000,okx,BTC-USDT-SWAP,a,short,0,,,\n"
        "1709251600000000,okx,BTC-USDT-SWAP,b,short,1,,,\n");
  Run r = Cli("ingest --store " + (dir / "s") + " " + csv, dir);
  CHECK(r.code == 3);  // the open row without an entry price is rejected
  CHECK_THAT(r.err, Catch::Contains("pos.csv:4") && Catch::Contains("entry_price must be > 0"));
  // Sealed and compacted chunks keep the NULL too (the nullable codec), and
  // verify passes: every connection is closed, so seal through the C++ API.
  {
    auto store = liqdb::Store::Open(dir / "s");
    REQUIRE(store.ok());
    REQUIRE((*store)->Seal(true).ok());
    REQUIRE((*store)->Compact().ok());
    REQUIRE((*store)->Verify([](const std::string& msg) { FAIL(msg); }).ok());
  }
  Db again(dir / "t.sqlite");
  auto okx = again.Query("SELECT account, size, entry_price FROM pos WHERE exchange = 'okx' ORDER BY ts");
  REQUIRE(okx.size() == 2);
  CHECK(AsDouble(okx[0][2]) == 61000);
  CHECK(AsDouble(okx[1][1]) == 0);
  CHECK(IsNull(okx[1][2]));
  auto binance = again.Query("SELECT size, entry_price FROM pos WHERE exchange = 'binance' ORDER BY ts");
  REQUIRE(binance.size() == 2);
  CHECK(IsNull(binance[1][1]));
}

TEST_CASE("rules: every range function says from/to the same way, in ISO time", "[sql][rules]") {
  TempDir dir("rules-range");
  Db db(dir / "t.sqlite");
  db.Exec(
      "CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations');"
      "CREATE VIRTUAL TABLE pos USING liqdb(store='s', kind='positions');"
      "CREATE VIRTUAL TABLE mkt USING liqdb(store='s', kind='market')");
  const std::string expected = "from (2024-03-02T00:00:00Z) must be before to (2024-03-01T00:00:00Z)";
  const char* calls[] = {
      "SELECT * FROM liq_histogram('liq', '2024-03-02', '2024-03-01', '1h')",
      "SELECT * FROM liq_price_histogram('liq', '2024-03-02', '2024-03-01', 100)",
      "SELECT * FROM liq_cascades('liq', '2024-03-02', '2024-03-01', '1s', 0)",
      "SELECT * FROM liq_heatmap('pos', '2024-03-02', '2024-03-01', '1h', 100)",
      "SELECT * FROM liq_heatmap_model('mkt', '2024-03-02', '2024-03-01', '1h', 100, 'BTCUSDT', 'binance')",
  };
  for (const char* sql : calls) {
    std::vector<Row> rows;
    INFO(sql);
    CHECK_THAT(db.TryQuery(sql, &rows), Catch::Contains(expected));
  }
  // Equal bounds are an empty range, not a range of one instant.
  std::vector<Row> rows;
  CHECK_THAT(
      db.TryQuery("SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000000, '1h')", &rows),
      Catch::Contains("from (2024-03-01T00:00:00Z) must be before to (2024-03-01T00:00:00Z)"));
}
