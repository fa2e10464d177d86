// End-to-end tests of the `liqdb` virtual table (extension/liqdb_vtab.cc)
// through the sqlite3 C API: round trip and pushdown against a plain SQLite
// table holding the same rows, transactions, store paths, shared stores, and
// every kind of bad row.
#include <algorithm>
#include <filesystem>

#include "tests/sql/sql_test_util.h"

using namespace liqdb::sqltest;

namespace {

constexpr int64_t kMar1 = 1709251200000000;  // 2024-03-01T00:00:00Z
constexpr int64_t kHour = 3600000000;
constexpr int64_t kDay = 24 * kHour;

const char* kCols = "ts, exchange, symbol, side, price, qty, notional";

// The same rows in a liqdb table `liq` and a plain table `plain`.
struct Fixture {
  TempDir dir{"vtab"};
  Db db{dir / "test.sqlite"};
  std::vector<Liq> rows = RandomLiquidations(42, 5000, kMar1 - kDay, 3 * kDay);
  Fixture() {
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations')");
    db.Exec(PlainTableSql("plain"));
    InsertRows(db, "liq", rows);
    InsertRows(db, "plain", rows);
  }
  // Both tables' rows for `where`, in one canonical order.
  void CheckSame(const std::string& where) {
    const std::string order = std::string(" ORDER BY ") + kCols;
    auto a = db.Query(std::string("SELECT ") + kCols + " FROM liq " + where + order);
    auto b = db.Query(std::string("SELECT ") + kCols + " FROM plain " + where + order);
    INFO(where);
    CHECK(a.size() == b.size());
    CHECK(a == b);
  }
};

std::string Plan(Db& db, const std::string& sql) {
  std::string out;
  for (const Row& r : db.Query("EXPLAIN QUERY PLAN " + sql)) out += AsText(r.back()) + "\n";
  return out;
}

}  // namespace

TEST_CASE("liqdb table returns exactly the rows inserted", "[sql][vtab]") {
  Fixture f;
  CHECK(AsInt(f.db.Scalar("SELECT count(*) FROM liq")) == 5000);
  f.CheckSame("");
}

TEST_CASE("liqdb table pushdown returns what a plain table returns", "[sql][vtab]") {
  Fixture f;
  const std::string t1 = std::to_string(kMar1), t2 = std::to_string(kMar1 + 7 * kHour + 123);
  const std::string t_exact = std::to_string(f.rows[17].ts);
  for (const std::string& where : std::vector<std::string>{
           "WHERE ts >= " + t1,
           "WHERE ts > " + t1,
           "WHERE ts < " + t2,
           "WHERE ts <= " + t2,
           "WHERE ts >= " + t1 + " AND ts < " + t2,
           "WHERE ts > " + t1 + " AND ts <= " + t2 + " AND ts > " + t1 + " + 5",
           "WHERE ts = " + t_exact,
           "WHERE ts IN (" + t_exact + ", " + t1 + ")",
           "WHERE ts >= 1709251200000000.5 AND ts < 1709280000000000.0",
           "WHERE ts < -5",
           "WHERE ts > 9223372036854775807",
           "WHERE symbol = 'BTCUSDT'",
           "WHERE symbol IN ('BTCUSDT', 'SOLUSDT')",
           "WHERE symbol IN ('BTCUSDT', 'NOPE')",
           "WHERE symbol = 'NOPE'",
           "WHERE exchange = 'okx' AND symbol = 'ETHUSDT'",
           "WHERE exchange IN ('okx', 'bybit') AND side = 'short'",
           "WHERE side = 'long'",
           "WHERE side IN ('long', 'short')",
           "WHERE side IN ('short')",
           "WHERE side = 'LONG'",
           "WHERE symbol = 'BTCUSDT' AND symbol = 'ETHUSDT'",
           "WHERE symbol = NULL",
           "WHERE ts >= " + t1 + " AND ts < " + t2 + " AND symbol IN ('ETHUSDT') AND side = 'long'",
           "WHERE symbol IN (SELECT 'BTCUSDT' UNION SELECT 'ETHUSDT')",
           "WHERE price > 60000 AND qty < 1",
           "WHERE symbol LIKE 'BTC%'",
           // OR terms: SQLite may run one scan per term and merge them by rowid.
           "WHERE ts >= " + t2 + " OR side = 'short'",
           "WHERE symbol = 'ETHUSDT' OR exchange = 'okx'",
           "WHERE (symbol = 'BTCUSDT' AND side = 'long') OR (ts < " + t1 + " AND exchange = 'bybit')",
       }) {
    f.CheckSame(where);
  }
}

TEST_CASE("liqdb table takes ISO-8601 text in ts constraints", "[sql][vtab]") {
  Fixture f;
  const auto a =
      f.db.Query("SELECT count(*) FROM liq WHERE ts >= '2024-03-01' AND ts < '2024-03-01T12:00:00Z'");
  const auto b = f.db.Query("SELECT count(*) FROM plain WHERE ts >= " + std::to_string(kMar1) + " AND ts < " +
                            std::to_string(kMar1 + 12 * kHour));
  CHECK(a == b);
  CHECK(AsInt(a[0][0]) > 0);
  CHECK_THAT(f.db.Error("SELECT * FROM liq WHERE ts >= 'not a time'"),
             Catch::Contains("ts") && Catch::Contains("not a time"));
}

TEST_CASE("liqdb table plans push constraints and IN lists into the scan", "[sql][vtab]") {
  Fixture f;
  // idxNum:idxStr — idxNum is the column mask (bit 0 ts, 1 side, 3.. values),
  // idxStr one token per pushed constraint (see liqdb_vtab.cc).
  auto index_of = [&](const std::string& sql) {
    const std::string plan = Plan(f.db, sql);
    INFO(plan);
    const size_t at = plan.find("INDEX ");
    REQUIRE(at != std::string::npos);
    std::string idx = plan.substr(at + 6);
    idx = idx.substr(0, idx.find('\n'));
    const size_t colon = idx.find(':');
    std::string letters = idx.substr(colon + 1);
    std::sort(letters.begin(), letters.end());
    return idx.substr(0, colon) + ":" + letters;
  };
  CHECK(index_of("SELECT * FROM liq WHERE ts >= 1 AND ts < 2 AND symbol IN ('A', 'B') AND side = 'long'") ==
        "59:Sbci");
  CHECK(index_of("SELECT ts FROM liq WHERE ts > 1 AND ts <= 2") == "1:ad");
  CHECK(index_of("SELECT qty FROM liq WHERE exchange = 'okx' AND ts = 5") == "17:ex");
  // ts is read only when the statement names it.
  CHECK(index_of("SELECT side FROM liq WHERE side IN ('long', 'short')") == "2:I");
  // Aggregates read only what they need and still match.
  const auto a = f.db.Query("SELECT symbol, side, count(*), sum(qty) FROM liq GROUP BY 1, 2 ORDER BY 1, 2");
  const auto b = f.db.Query("SELECT symbol, side, count(*), sum(qty) FROM plain GROUP BY 1, 2 ORDER BY 1, 2");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i][0] == b[i][0]);
    CHECK(a[i][1] == b[i][1]);
    CHECK(a[i][2] == b[i][2]);
    CHECK(Close(AsDouble(a[i][3]), AsDouble(b[i][3])));
  }
  CHECK(f.db.Query("SELECT ts FROM liq ORDER BY ts LIMIT 3") ==
        f.db.Query("SELECT ts FROM plain ORDER BY ts LIMIT 3"));
}

TEST_CASE("liqdb table: ROLLBACK leaves nothing, COMMIT persists across reopen", "[sql][vtab]") {
  TempDir dir("txn");
  const std::string file = dir / "t.sqlite";
  const auto rows = RandomLiquidations(7, 300, kMar1, kDay);
  {
    Db db(file);
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
    db.Exec("BEGIN");
    db.Exec("INSERT INTO liq VALUES (1709251200000000, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
    db.Exec("ROLLBACK");
    CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 0);
    InsertRows(db, "liq", rows);  // BEGIN … COMMIT
    db.Exec("INSERT INTO liq VALUES ('2024-03-05', 'okx', 'BTC-USDT-SWAP', 'short', 2, 3, NULL)");
    CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 301);
  }
  Db db(file);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 301);
  // A NULL notional is price × qty.
  CHECK(AsDouble(db.Scalar("SELECT notional FROM liq WHERE exchange = 'okx' AND symbol = 'BTC-USDT-SWAP'")) ==
        6.0);
  CHECK(AsInt(db.Scalar("SELECT ts FROM liq WHERE symbol = 'BTC-USDT-SWAP'")) == kMar1 + 4 * kDay);
  // Exchange ids are lower-cased on INSERT, so one venue stays one series.
  db.Exec("SELECT liqdb_allow_writes()");
  db.Exec("INSERT INTO liq VALUES ('2024-03-06', 'OKX', 'BTC-USDT-SWAP', 'long', 2, 1, NULL)");
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq WHERE exchange = 'okx' AND symbol = 'BTC-USDT-SWAP'")) ==
        2);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq WHERE exchange = 'OKX'")) == 0);
}

TEST_CASE("liqdb table: a failing statement inside a transaction leaves nothing of itself", "[sql][vtab]") {
  TempDir dir("stmt");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  db.Exec("BEGIN");
  db.Exec("INSERT INTO liq VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  // The second row is bad: the whole multi-row statement goes, the first stays.
  CHECK_THAT(db.Error("INSERT INTO liq VALUES (2, 'binance', 'BTCUSDT', 'long', 2, 2, 2), "
                      "(3, 'binance', 'BTCUSDT', 'sideways', 3, 3, 3)"),
             Catch::Contains("side") && Catch::Contains("sideways"));
  db.Exec("SAVEPOINT a");
  db.Exec("INSERT INTO liq VALUES (4, 'binance', 'BTCUSDT', 'long', 4, 4, 4)");
  db.Exec("SAVEPOINT b");
  db.Exec("INSERT INTO liq VALUES (5, 'binance', 'BTCUSDT', 'long', 5, 5, 5)");
  db.Exec("ROLLBACK TO b");
  db.Exec("INSERT INTO liq VALUES (6, 'binance', 'BTCUSDT', 'long', 6, 6, 6)");
  db.Exec("RELEASE a");
  db.Exec("SAVEPOINT c");
  db.Exec("INSERT INTO liq VALUES (7, 'binance', 'BTCUSDT', 'long', 7, 7, 7)");
  db.Exec("ROLLBACK TO c");
  db.Exec("COMMIT");
  const auto ts = db.Query("SELECT ts FROM liq ORDER BY ts");
  CHECK(ts == std::vector<Row>{{int64_t{1}}, {int64_t{4}}, {int64_t{6}}});
  // INSERT … SELECT from a plain table failing half-way stores nothing.
  db.Exec(PlainTableSql("plain"));
  db.Exec(
      "INSERT INTO plain VALUES (10, 'bybit', 'X', 'long', 1, 1, 1), (11, 'bybit', 'X', 'long', -1, 1, 1)");
  CHECK_THAT(db.Error("INSERT INTO liq SELECT * FROM plain"),
             Catch::Contains("price") && Catch::Contains("-1"));
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq WHERE exchange = 'bybit'")) == 0);
}

TEST_CASE("liqdb table: relative store path is next to the database file", "[sql][vtab]") {
  TempDir dir("path");
  std::filesystem::create_directories(dir.path() / "sub");
  {
    Db db(dir / "sub/t.sqlite");
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='data/btc', kind='liquidations')");
    db.Exec("INSERT INTO liq VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  }
  CHECK(std::filesystem::is_directory(dir.path() / "sub/data/btc"));
  // An absolute path is taken as is.
  const std::string abs = (dir.path() / "abs/store").string();
  Db db(dir / "other.sqlite");
  db.Exec("CREATE VIRTUAL TABLE a USING liqdb(store='" + abs + "', kind='liquidations')");
  db.Exec("INSERT INTO a VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  CHECK(std::filesystem::is_directory(abs));
  // Another database file naming the same folder sees the same rows.
  db.Exec("CREATE VIRTUAL TABLE b USING liqdb(store='sub/data/btc', kind='liquidations')");
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM b")) == 1);
}

TEST_CASE("liqdb table: two connections in one process share the store", "[sql][vtab]") {
  TempDir dir("share");
  Db one(dir / "t.sqlite");
  one.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  Db two(dir / "t.sqlite");
  Db three(":memory:");
  three.Exec("CREATE VIRTUAL TABLE temp.liq USING liqdb(store='" + (dir / "s") + "', kind='liquidations')");
  one.Exec("INSERT INTO liq VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  two.Exec("SELECT liqdb_allow_writes()");
  two.Exec("INSERT INTO liq VALUES (2, 'binance', 'BTCUSDT', 'short', 2, 2, 4)");
  CHECK(AsInt(one.Scalar("SELECT count(*) FROM liq")) == 2);
  CHECK(AsInt(two.Scalar("SELECT count(*) FROM liq")) == 2);
  CHECK(AsInt(three.Scalar("SELECT count(*) FROM liq")) == 2);
  CHECK(AsInt(three.Scalar("SELECT sum(long_count + short_count) FROM liq_histogram('liq', '1970-01-01', "
                           "'1970-01-02', '1d')")) == 2);
}

TEST_CASE("liqdb table: bad rows fail naming the column and the value", "[sql][vtab]") {
  TempDir dir("bad");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  struct Case {
    const char* values;
    std::vector<const char*> mentions;
  };
  for (const Case& c : std::vector<Case>{
           {"(1, 'binance', 'BTCUSDT', 'buy', 1, 1, 1)", {"side", "'buy'"}},
           {"(1, 'binance', 'BTCUSDT', NULL, 1, 1, 1)", {"side", "NULL"}},
           {"(NULL, 'binance', 'BTCUSDT', 'long', 1, 1, 1)", {"ts", "NULL"}},
           {"('yesterday', 'binance', 'BTCUSDT', 'long', 1, 1, 1)", {"ts", "yesterday"}},
           {"('2024-02-30', 'binance', 'BTCUSDT', 'long', 1, 1, 1)", {"ts", "2024-02-30"}},
           {"(1.5, 'binance', 'BTCUSDT', 'long', 1, 1, 1)", {"ts", "1.5"}},
           {"(1, NULL, 'BTCUSDT', 'long', 1, 1, 1)", {"exchange", "NULL"}},
           {"(1, '', 'BTCUSDT', 'long', 1, 1, 1)", {"exchange", "empty"}},
           {"(1, 'binance', NULL, 'long', 1, 1, 1)", {"symbol", "NULL"}},
           {"(1, 'binance', 42, 'long', 1, 1, 1)", {"symbol", "42"}},
           {"(1, 'binance', 'BTCUSDT', 'long', -1, 1, 1)", {"price", "-1"}},
           {"(1, 'binance', 'BTCUSDT', 'long', 1, -2, 1)", {"qty", "-2"}},
           {"(1, 'binance', 'BTCUSDT', 'long', 1, 1, -3)", {"notional", "-3"}},
           {"(1, 'binance', 'BTCUSDT', 'long', NULL, 1, 1)", {"price", "NULL"}},
           {"(1, 'binance', 'BTCUSDT', 'long', 'abc', 1, 1)", {"price", "'abc'"}},
           {"(1, 'binance', 'BTCUSDT', 'long', 1e999, 1, 1)", {"price", "inf"}},
           {"(1, 'binance', 'BTCUSDT', 'long', 1, 'nan', 1)", {"qty", "nan"}},
           {"(1, 'binance', 'BTCUSDT', 'long', 1, x'00', 1)", {"qty", "blob"}},
       }) {
    const std::string err = db.Error(std::string("INSERT INTO liq VALUES ") + c.values);
    INFO(c.values << " → " << err);
    for (const char* m : c.mentions) CHECK_THAT(err, Catch::Contains(m, Catch::CaseSensitive::No));
  }
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 0);
  // Numbers written as text are fine.
  db.Exec(
      "INSERT INTO liq VALUES ('1709251200000000', 'binance', 'BTCUSDT', 'long', '61000.5', ' 0.25', NULL)");
  CHECK(AsDouble(db.Scalar("SELECT notional FROM liq")) == 61000.5 * 0.25);
}

TEST_CASE("liqdb table is append-only", "[sql][vtab]") {
  TempDir dir("append");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  db.Exec("INSERT INTO liq VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  CHECK_THAT(db.Error("UPDATE liq SET price = 2"), Catch::Contains("append-only"));
  CHECK_THAT(db.Error("DELETE FROM liq"), Catch::Contains("append-only"));
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 1);
}

TEST_CASE("liqdb table: bad declarations are clear errors", "[sql][vtab]") {
  TempDir dir("decl");
  Db db(dir / "t.sqlite");
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(kind='liquidations')"), Catch::Contains("store"));
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(store='s', kind='trades')"),
             Catch::Contains("kind") && Catch::Contains("trades"));
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(store='s', colour='red')"),
             Catch::Contains("colour"));
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(store='s', mode='sometimes')"),
             Catch::Contains("mode"));
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(store)"), Catch::Contains("key=value"));
}

TEST_CASE("liqdb table: a read-only table refuses INSERT", "[sql][vtab]") {
  TempDir dir("ro");
  {
    Db db(dir / "t.sqlite");
    db.Exec("CREATE VIRTUAL TABLE w USING liqdb(store='s', kind='liquidations')");
    db.Exec("INSERT INTO w VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  }
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE r USING liqdb(store='s', kind='liquidations', mode='readonly')");
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM r")) == 1);
  CHECK_THAT(db.Error("INSERT INTO r VALUES (2, 'binance', 'BTCUSDT', 'long', 1, 1, 1)"),
             Catch::Contains("read-only"));
}

TEST_CASE("liqdb table: positions and market kinds", "[sql][vtab]") {
  TempDir dir("kinds");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='s', kind='positions')");
  db.Exec("CREATE VIRTUAL TABLE mkt USING liqdb(store='s', kind='market')");
  std::vector<Row> cols;
  for (const Row& r : db.Query("SELECT name FROM pragma_table_info('pos')")) cols.push_back(r);
  CHECK(cols == std::vector<Row>{{"ts"},
                                 {"exchange"},
                                 {"symbol"},
                                 {"account"},
                                 {"side"},
                                 {"size"},
                                 {"entry_price"},
                                 {"leverage"},
                                 {"liq_price"}});
  cols.clear();
  for (const Row& r : db.Query("SELECT name FROM pragma_table_info('mkt')")) cols.push_back(r);
  CHECK(cols == std::vector<Row>{{"ts"}, {"exchange"}, {"symbol"}, {"mark_price"}, {"open_interest"}});

  db.Exec(
      "INSERT INTO pos VALUES ('2024-03-01', 'hyperliquid', 'BTC', '0xabc', 'long', 2.5, 60000, 10, NULL), "
      "('2024-03-01T01:00', 'hyperliquid', 'BTC', '0xdef', 'short', 1, 61000, NULL, 70000)");
  const auto rows =
      db.Query("SELECT account, side, size, entry_price, leverage, liq_price FROM pos ORDER BY ts");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == Row{"0xabc", "long", 2.5, 60000.0, 10.0, std::monostate{}});
  CHECK(rows[1] == Row{"0xdef", "short", 1.0, 61000.0, std::monostate{}, 70000.0});
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE side = 'short' AND symbol = 'BTC'")) == 1);
  CHECK_THAT(db.Error("INSERT INTO pos VALUES (1, 'h', 'BTC', 'a', 'long', 1, 0, 10, NULL)"),
             Catch::Contains("entry_price"));
  CHECK_THAT(db.Error("INSERT INTO pos VALUES (1, 'h', 'BTC', NULL, 'long', 1, 1, 10, NULL)"),
             Catch::Contains("account"));

  db.Exec(
      "INSERT INTO mkt VALUES (1, 'binance', 'BTCUSDT', 60000, 1234.5), (2, 'binance', 'BTCUSDT', 60010, "
      "1240)");
  CHECK(db.Query("SELECT ts, mark_price, open_interest FROM mkt ORDER BY ts") ==
        std::vector<Row>{{int64_t{1}, 60000.0, 1234.5}, {int64_t{2}, 60010.0, 1240.0}});
  CHECK_THAT(db.Error("INSERT INTO mkt VALUES (3, 'binance', 'BTCUSDT', 0, 1)"),
             Catch::Contains("mark_price"));
  // A liquidations-only function refuses other kinds.
  CHECK_THAT(db.Error("SELECT * FROM liq_histogram('pos', '2024-03-01', '2024-03-02', '1h')"),
             Catch::Contains("positions") && Catch::Contains("liquidations"));
}

TEST_CASE("liqdb table: re-inserting stored rows is a no-op, equal rows in one statement are kept",
          "[sql][vtab]") {
  TempDir dir("idem");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  const std::string two_equal =
      "INSERT INTO liq VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1), (1, 'binance', 'BTCUSDT', 'long', "
      "1, 1, 1)";
  db.Exec(two_equal);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 2);
  db.Exec(two_equal);  // the store's ingest is idempotent (store.h)
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 2);
}
