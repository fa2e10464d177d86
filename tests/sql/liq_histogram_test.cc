// End-to-end tests of liq_histogram and liq_price_histogram
// (extension/liq_histogram.cc, extension/liq_price_histogram.cc): results
// equal the plain-SQL computation over an ordinary table holding the same
// rows (counts exact, sums to 1e-9 relative), zero-filled buckets, negative
// timestamps, arguments as WHERE constraints and in views, bad arguments.
#include <map>

#include "tests/sql/sql_test_util.h"

#include "liqdb/store.h"
#include "liqdb/timeparse.h"

using namespace liqdb::sqltest;

namespace {

constexpr int64_t kMar1 = 1709251200000000;  // 2024-03-01T00:00:00Z
constexpr int64_t kMinute = 60000000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// A time argument: integer µs from 10^14 on; earlier times (the epoch-straddling
// cases) only as ISO text, since smaller integers are refused as seconds/ms.
std::string TimeArg(int64_t ts) {
  return ts >= 100'000'000'000'000 ? std::to_string(ts) : "'" + liqdb::FormatTime(ts) + "'";
}

// liq_histogram(source, from, to, interval [, symbol [, exchange]]) against
// GROUP BY over the plain table, bucket by bucket.
void CheckHistogram(Db& db, int64_t from, int64_t to, int64_t iv, const std::string& symbol = "",
                    const std::string& exchange = "") {
  std::string args = "'liq', " + TimeArg(from) + ", " + TimeArg(to) + ", " + std::to_string(iv);
  std::string where = "ts >= " + std::to_string(from) + " AND ts < " + std::to_string(to);
  if (!symbol.empty() || !exchange.empty()) {
    args += symbol.empty() ? ", NULL" : ", '" + symbol + "'";
    if (!symbol.empty()) where += " AND symbol = '" + symbol + "'";
  }
  if (!exchange.empty()) {
    args += ", '" + exchange + "'";
    where += " AND exchange = '" + exchange + "'";
  }
  const std::string iv_s = std::to_string(iv);
  // Floor division, also for negative ts: SQLite's % truncates toward zero.
  const std::string bucket = "(ts - (((ts % " + iv_s + ") + " + iv_s + ") % " + iv_s + "))";
  auto got = db.Query(
      "SELECT bucket, long_count, long_qty, long_notional, short_count, short_qty, "
      "short_notional FROM liq_histogram(" +
      args + ")");
  auto want_rows = db.Query("SELECT " + bucket +
                            " AS b, "
                            "sum(side = 'long'), total(CASE WHEN side = 'long' THEN qty END), "
                            "total(CASE WHEN side = 'long' THEN notional END), "
                            "sum(side = 'short'), total(CASE WHEN side = 'short' THEN qty END), "
                            "total(CASE WHEN side = 'short' THEN notional END) "
                            "FROM plain WHERE " +
                            where + " GROUP BY b ORDER BY b");
  std::map<int64_t, Row> want;
  for (Row& r : want_rows) want[AsInt(r[0])] = r;
  // Without a symbol the fixture's BTC, ETH and SOL series are selected together: their
  // quantities do not add up (docs/sql.md, "Coins"), so the qty columns are NULL.
  const bool qty_null = symbol.empty();
  INFO("liq_histogram(" << args << ")");
  // One row per bucket, aligned to the interval, in order, zero-filled.
  int64_t b = from - (((from % iv) + iv) % iv);
  size_t n = 0;
  for (; b < to; b += iv, ++n) {
    REQUIRE(n < got.size());
    const Row& g = got[n];
    INFO("bucket " << b);
    CHECK(AsInt(g[0]) == b);
    auto it = want.find(b);
    if (it == want.end()) {
      CHECK(AsInt(g[1]) == 0);
      CHECK(AsInt(g[4]) == 0);
      CHECK(AsDouble(g[3]) == 0);
      CHECK(AsDouble(g[6]) == 0);
      if (qty_null) CHECK((IsNull(g[2]) && IsNull(g[5])));
      if (!qty_null) CHECK((AsDouble(g[2]) == 0 && AsDouble(g[5]) == 0));
      continue;
    }
    const Row& w = it->second;
    CHECK(AsInt(g[1]) == AsInt(w[1]));
    CHECK(AsInt(g[4]) == AsInt(w[4]));
    if (qty_null) CHECK((IsNull(g[2]) && IsNull(g[5])));
    for (int c : qty_null ? std::vector<int>{3, 6} : std::vector<int>{2, 3, 5, 6}) {
      INFO("column " << c << ": " << AsDouble(g[c]) << " vs " << AsDouble(w[c]));
      CHECK(Close(AsDouble(g[c]), AsDouble(w[c])));
    }
  }
  CHECK(got.size() == n);
}

void CheckPriceHistogram(Db& db, int64_t from, int64_t to, double step, const std::string& symbol = "") {
  std::string args = "'liq', " + TimeArg(from) + ", " + TimeArg(to) + ", " + std::to_string(step);
  std::string where = "ts >= " + std::to_string(from) + " AND ts < " + std::to_string(to);
  if (!symbol.empty()) {
    args += ", '" + symbol + "'";
    where += " AND symbol = '" + symbol + "'";
  }
  const std::string step_s = std::to_string(step);
  auto got = db.Query(
      "SELECT price, long_count, long_notional, short_count, short_notional "
      "FROM liq_price_histogram(" +
      args + ")");
  auto want = db.Query("SELECT CAST(price / " + step_s + " AS INTEGER) * " + step_s +
                       " AS p, "
                       "sum(side = 'long'), total(CASE WHEN side = 'long' THEN notional END), "
                       "sum(side = 'short'), total(CASE WHEN side = 'short' THEN notional END) "
                       "FROM plain WHERE " +
                       where + " GROUP BY p ORDER BY p");
  INFO("liq_price_histogram(" << args << ")");
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("bin " << AsDouble(want[i][0]));
    CHECK(Close(AsDouble(got[i][0]), AsDouble(want[i][0])));
    CHECK(AsInt(got[i][1]) == AsInt(want[i][1]));
    CHECK(AsInt(got[i][3]) == AsInt(want[i][3]));
    CHECK(Close(AsDouble(got[i][2]), AsDouble(want[i][2])));
    CHECK(Close(AsDouble(got[i][4]), AsDouble(want[i][4])));
  }
}

struct Fixture {
  TempDir dir{"hist"};
  Db db{dir / "test.sqlite"};
  explicit Fixture(int64_t from, int64_t span, size_t n = 20000, uint64_t seed = 1) {
    const auto rows = RandomLiquidations(seed, n, from, span);
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations')");
    db.Exec(PlainTableSql("plain"));
    InsertRows(db, "liq", rows);
    InsertRows(db, "plain", rows);
  }
  void CheckHistogram(int64_t from, int64_t to, int64_t iv, const std::string& symbol = "",
                      const std::string& exchange = "") {
    ::CheckHistogram(db, from, to, iv, symbol, exchange);
  }
  void CheckPriceHistogram(int64_t from, int64_t to, double step, const std::string& symbol = "") {
    ::CheckPriceHistogram(db, from, to, step, symbol);
  }
};

}  // namespace

TEST_CASE("liq_histogram equals the plain-SQL computation", "[sql][histogram]") {
  Fixture f(kMar1, 7 * kDay);
  f.CheckHistogram(kMar1, kMar1 + 7 * kDay, kHour);
  f.CheckHistogram(kMar1, kMar1 + kDay, 5 * kMinute, "BTCUSDT");
  f.CheckHistogram(kMar1 + 2 * kDay, kMar1 + 3 * kDay, kHour, "ETHUSDT", "okx");
  f.CheckHistogram(kMar1, kMar1 + 7 * kDay, 4 * kHour, "", "bybit");
  f.CheckHistogram(kMar1, kMar1 + 7 * kDay, kDay);
  f.CheckHistogram(kMar1 + 3 * kDay, kMar1 + 3 * kDay + 10 * kMinute, 1000000);  // 1 s buckets
  f.CheckHistogram(kMar1 + 12345, kMar1 + 2 * kDay + 777, kHour);                // unaligned range
  f.CheckHistogram(kMar1 + 17, kMar1 + 7 * kDay, 7 * kMinute + 13, "SOLUSDT");   // odd interval
}

TEST_CASE("histograms match over sealed, compacted and overlapping chunks", "[sql][histogram]") {
  TempDir dir("sealed");
  const std::string file = dir / "t.sqlite";
  const auto first = RandomLiquidations(11, 30000, kMar1, 3 * kDay);
  const auto second = RandomLiquidations(12, 10000, kMar1 + kDay, kDay);  // overlaps the first
  {
    Db db(file);
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations')");
    db.Exec(PlainTableSql("plain"));
    InsertRows(db, "liq", first);
    InsertRows(db, "plain", first);
  }
  {
    // Every connection is closed, so the store is free: seal it through the C++ API.
    liqdb::StoreOptions options;
    options.chunk_rows = 4096;
    auto store = liqdb::Store::Open(dir / "store", options);
    REQUIRE(store.ok());
    REQUIRE((*store)->Seal(true).ok());
    REQUIRE((*store)->Compact().ok());
    auto stats = (*store)->Stats();
    REQUIRE(stats.ok());
    uint64_t staged = 0;
    for (const auto& series : stats->series) staged += series.staged_chunks;
    CHECK(staged == 0);
    CHECK(stats->chunks >= 9);
    CHECK(stats->rows == 30000);
  }
  Db db(file);
  db.Exec("SELECT liqdb_allow_writes()");  // the table was declared by another connection
  InsertRows(db, "liq", second);           // staged rows on top of sealed chunks
  InsertRows(db, "plain", second);
  const auto count = db.Query("SELECT count(*) FROM liq");
  CHECK(AsInt(count[0][0]) == 40000);
  const auto a =
      db.Query("SELECT symbol, side, count(*), total(notional) FROM liq GROUP BY 1, 2 ORDER BY 1, 2");
  const auto b =
      db.Query("SELECT symbol, side, count(*), total(notional) FROM plain GROUP BY 1, 2 ORDER BY 1, 2");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i][2] == b[i][2]);
    CHECK(Close(AsDouble(a[i][3]), AsDouble(b[i][3])));
  }
  CheckHistogram(db, kMar1, kMar1 + 3 * kDay, kHour);  // whole minutes: rollups
  CheckHistogram(db, kMar1, kMar1 + 3 * kDay, 5 * kMinute, "BTCUSDT");
  CheckHistogram(db, kMar1 + 7, kMar1 + 2 * kDay + 3, 90 * 1000000 + 7);  // sub-minute edges
  CheckHistogram(db, kMar1, kMar1 + 3 * kDay, kDay, "", "okx");
  CheckPriceHistogram(db, kMar1, kMar1 + 3 * kDay, 100);
  CheckPriceHistogram(db, kMar1 + kDay + 5, kMar1 + 2 * kDay, 25, "ETHUSDT");
  const auto h = db.Query(
      "SELECT sum(long_count), sum(short_count), total(long_notional) FROM "
      "liq_histogram('liq', '2024-03-01', '2024-03-04', '1h')");
  const auto p = db.Query(
      "SELECT sum(side = 'long'), sum(side = 'short'), "
      "total(CASE WHEN side = 'long' THEN notional END) FROM plain");
  CHECK(h[0][0] == p[0][0]);
  CHECK(h[0][1] == p[0][1]);
  CHECK(Close(AsDouble(h[0][2]), AsDouble(p[0][2])));
}

TEST_CASE("liq_histogram zero-fills buckets without events", "[sql][histogram]") {
  Fixture f(kMar1, kDay, 2000);
  // A range around the data: empty buckets on both sides.
  f.CheckHistogram(kMar1 - kDay, kMar1 + 2 * kDay, kHour);
  auto rows = f.db.Query(
      "SELECT count(*), sum(long_count + short_count) FROM "
      "liq_histogram('liq', '2024-02-29', '2024-03-03', '1h')");
  CHECK(AsInt(rows[0][0]) == 72);
  CHECK(AsInt(rows[0][1]) == 2000);
  // A range with no data at all still has its buckets.
  rows = f.db.Query(
      "SELECT count(*), sum(long_count + short_count) FROM "
      "liq_histogram('liq', '2020-01-01', '2020-01-02', '1h')");
  CHECK(AsInt(rows[0][0]) == 24);
  CHECK(AsInt(rows[0][1]) == 0);
  // An unknown symbol fails naming the closest known ones (it used to give zeros, issue 9).
  CHECK_THAT(
      f.db.Error("SELECT count(*) FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h', 'NOPE')"),
      Catch::Contains("no series NOPE in liq"));
}

TEST_CASE("liq_histogram buckets negative timestamps by floor", "[sql][histogram]") {
  Fixture f(-2 * kDay, 3 * kDay, 5000, 9);  // straddles the epoch
  f.CheckHistogram(-2 * kDay, kDay, kHour);
  f.CheckHistogram(-2 * kDay + 5, kDay - 5, 7 * kMinute);
  f.CheckHistogram(-kHour * 5 - 3, kHour * 5 + 3, kHour, "BTCUSDT");
  f.CheckPriceHistogram(-2 * kDay, kDay, 10);
}

TEST_CASE("liq_histogram takes ISO times and interval text", "[sql][histogram]") {
  Fixture f(kMar1, kDay, 3000);
  const auto a =
      f.db.Query("SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-01T12:00:00Z', '30m')");
  const auto b = f.db.Query("SELECT * FROM liq_histogram('liq', " + std::to_string(kMar1) + ", " +
                            std::to_string(kMar1 + 12 * kHour) + ", " + std::to_string(30 * kMinute) + ")");
  CHECK(a.size() == 24);
  CHECK(a.size() == b.size());
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    for (size_t c = 0; c < 7; ++c) CHECK(a[i][c] == b[i][c]);
  }
}

TEST_CASE("liq_histogram arguments work as WHERE constraints and in a view", "[sql][histogram]") {
  Fixture f(kMar1, kDay, 3000);
  const auto direct = f.db.Query(
      "SELECT bucket, long_count, short_notional FROM "
      "liq_histogram('liq', '2024-03-01', '2024-03-02', '1h', 'BTCUSDT')");
  const auto where = f.db.Query(
      "SELECT bucket, long_count, short_notional FROM liq_histogram WHERE source = 'liq' AND "
      "\"from\" = '2024-03-01' AND \"to\" = '2024-03-02' AND interval = '1h' AND symbol = 'BTCUSDT'");
  CHECK(direct.size() == 24);
  CHECK(direct == where);
  f.db.Exec("CREATE VIEW hourly AS SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h')");
  f.db.Exec(
      "CREATE VIEW by_price AS SELECT * FROM liq_price_histogram('liq', '2024-03-01', '2024-03-02', 100)");
  CHECK(AsInt(f.db.Scalar("SELECT count(*) FROM hourly")) == 24);
  CHECK(AsInt(f.db.Scalar("SELECT sum(long_count + short_count) FROM hourly")) == 3000);
  CHECK(AsInt(f.db.Scalar("SELECT sum(long_count + short_count) FROM by_price")) == 3000);
  // Hidden columns echo the arguments.
  const auto echo = f.db.Query(
      "SELECT source, interval, symbol FROM liq_histogram('liq', 1709251200000000, 1709251200000010, 5) "
      "LIMIT 1");
  CHECK(echo == std::vector<Row>{{"liq", int64_t{5}, std::monostate{}}});
  // The views survive closing and reopening the database file.
  const std::string file = f.dir / "test.sqlite";
  Db again(file);
  CHECK(AsInt(again.Scalar("SELECT sum(long_count + short_count) FROM hourly")) == 3000);
  // A join supplying the source from another table.
  again.Exec("CREATE TABLE sources(name TEXT)");
  again.Exec("INSERT INTO sources VALUES ('liq')");
  CHECK(AsInt(again.Scalar("SELECT sum(h.long_count + h.short_count) FROM sources s, "
                           "liq_histogram(s.name, '2024-03-01', '2024-03-02', '1d') h")) == 3000);
}

TEST_CASE("liq_price_histogram equals the plain-SQL computation", "[sql][histogram]") {
  Fixture f(kMar1, 7 * kDay);
  f.CheckPriceHistogram(kMar1, kMar1 + 7 * kDay, 100);
  f.CheckPriceHistogram(kMar1, kMar1 + 7 * kDay, 50, "BTCUSDT");
  f.CheckPriceHistogram(kMar1 + kDay, kMar1 + 2 * kDay, 0.5, "SOLUSDT");
  f.CheckPriceHistogram(kMar1 + kDay, kMar1 + 2 * kDay, 10000);
  // Text step and exchange filter.
  const auto a =
      f.db.Query("SELECT * FROM liq_price_histogram('liq', '2024-03-01', '2024-03-08', '250', NULL, 'okx')");
  const auto b = f.db.Query(
      "SELECT CAST(price / 250 AS INTEGER) * 250.0 AS p, count(*) FROM plain WHERE exchange = 'okx' "
      "GROUP BY p ORDER BY p");
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(AsDouble(a[i][0]) == AsDouble(b[i][0]));
    CHECK(AsInt(a[i][1]) + AsInt(a[i][3]) == AsInt(b[i][1]));
  }
}

TEST_CASE("histogram functions reject bad arguments clearly", "[sql][histogram]") {
  Fixture f(kMar1, kDay, 100);
  f.db.Exec("CREATE TABLE ordinary(x)");
  f.db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='store', kind='positions')");
  struct Case {
    const char* sql;
    std::vector<const char*> mentions;
  };
  for (const Case& c : std::vector<Case>{
           {"SELECT * FROM liq_histogram('nope', 1709251200000000, 1709251200000010, 1)",
            {"liq_histogram", "nope"}},
           {"SELECT * FROM liq_histogram('ordinary', 1709251200000000, 1709251200000010, 1)",
            {"ordinary", "not a liqdb table"}},
           {"SELECT * FROM liq_histogram('pos', 1709251200000000, 1709251200000010, 1)",
            {"pos", "positions"}},
           {"SELECT * FROM liq_histogram(NULL, 1709251200000000, 1709251200000010, 1)", {"source"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000010, 1709251200000010, 1)", {"from", "to"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000020, 1709251200000010, 1)", {"from", "to"}},
           {"SELECT * FROM liq_histogram('liq', '2024-03-02', '2024-03-01', '1h')", {"from", "2024-03-02"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000010, 0)", {"interval", "0"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000010, -5)", {"interval"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000010, '0s')",
            {"interval", "0s"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000010, '5 parsecs')",
            {"interval", "parsecs"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000010, NULL)",
            {"interval", "NULL"}},
           {"SELECT * FROM liq_histogram('liq', 'tomorrow', 1709251200000010, 1)", {"from", "tomorrow"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, '2024-13-01', 1)", {"to", "2024-13-01"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000010, 1, 42)",
            {"symbol", "42"}},
           {"SELECT * FROM liq_histogram('liq', '2000-01-01', '2024-01-01', '1s')", {"liq_histogram"}},
           {"SELECT * FROM liq_histogram('liq', 1709251200000000, 1709251200000010)",
            {"interval", "missing"}},
           {"SELECT * FROM liq_histogram", {"source", "missing"}},
           {"SELECT * FROM liq_price_histogram('liq', 1709251200000000, 1709251200000010, 0)",
            {"price_step", "0"}},
           {"SELECT * FROM liq_price_histogram('liq', 1709251200000000, 1709251200000010, -1)",
            {"price_step", "-1"}},
           {"SELECT * FROM liq_price_histogram('liq', 1709251200000000, 1709251200000010, 'wide')",
            {"price_step", "wide"}},
           {"SELECT * FROM liq_price_histogram('liq', 1709251200000010, 1709251200000000, 1)",
            {"from", "to"}},
           {"SELECT * FROM liq_price_histogram('pos', 1709251200000000, 1709251200000010, 1)", {"positions"}},
           {"SELECT * FROM liq_price_histogram('nope', 1709251200000000, 1709251200000010, 1)", {"nope"}},
       }) {
    const std::string err = f.db.Error(c.sql);
    INFO(c.sql << " → " << err);
    for (const char* m : c.mentions) CHECK_THAT(err, Catch::Contains(m));
  }
}

TEST_CASE("histogram functions deliver their rows in order", "[sql][histogram]") {
  Fixture f(kMar1, kDay, 2000);
  const std::string h = "liq_histogram('liq', '2024-03-01', '2024-03-02', '1h')";
  CHECK(f.db.Query("SELECT bucket FROM " + h + " ORDER BY bucket") == f.db.Query("SELECT bucket FROM " + h));
  CHECK(f.db.Query("SELECT bucket FROM " + h + " ORDER BY bucket DESC LIMIT 1") ==
        std::vector<Row>{{int64_t{kMar1 + 23 * kHour}}});
  const std::string p = "liq_price_histogram('liq', '2024-03-01', '2024-03-02', 10)";
  const auto sorted = f.db.Query("SELECT price FROM " + p + " ORDER BY price");
  CHECK(sorted == f.db.Query("SELECT price FROM " + p));
  for (size_t i = 1; i < sorted.size(); ++i) CHECK(AsDouble(sorted[i - 1][0]) < AsDouble(sorted[i][0]));
  // The sorter is skipped: the plan has no temp B-tree for ORDER BY.
  std::string plan;
  for (const Row& r : f.db.Query("EXPLAIN QUERY PLAN SELECT * FROM " + h + " ORDER BY bucket"))
    plan += AsText(r.back());
  CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
}
