// Value-column pushdown, ordered scans and row-count-only scans of the
// `liqdb` table (extension/liqdb_vtab.cc, query/scan.cc) through the sqlite3
// C API. Every pushed constraint is checked two ways: against the same
// query with the constraint hidden from the table (`+notional > 1e4`, so
// SQLite filters every row itself) and against a plain SQLite table holding
// the same rows. The store is written through the C++ API with small chunks
// in shuffled batches, so chunks overlap in time and constraints land on
// chunk minimums and maximums.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <regex>
#include <tuple>

#include "tests/sql/sql_test_util.h"

#include "liqdb/scan.h"
#include "liqdb/store.h"

using namespace liqdb::sqltest;

namespace {

constexpr int64_t kMar1 = 1709251200000000;  // 2024-03-01T00:00:00Z
constexpr int64_t kHour = 3600000000;

const char* kCols = "ts, exchange, symbol, side, price, qty, notional";

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Liquidations in a liqdb store (written with 300-row chunks, batches out of
// time order) and the same rows in a plain table `plain` of the same file.
struct Fixture {
  TempDir dir{"pushdown"};
  std::vector<Liq> rows;
  std::vector<liqdb::ChunkMeta> chunks;  // the store's chunk headers, for edge values
  std::unique_ptr<Db> db;

  Fixture() {
    rows = RandomLiquidations(7, 6000, kMar1, 48 * kHour);
    // Zero-size fills (qty and notional 0, one of them -0.0): the edge of "qty >= 0".
    rows.push_back({kMar1 + 5 * kHour, "binance", "BTCUSDT", "long", 61000, 0.0, 0.0});
    rows.push_back({kMar1 + 6 * kHour, "binance", "BTCUSDT", "short", 61000, -0.0, -0.0});
    // A venue that states notionals which are not price x qty to the bit:
    // its chunks store them as values, the others as the product (whose
    // ranges the scan narrows by qty first, then decodes price at the rows
    // left). Both kinds must filter the same.
    std::mt19937_64 rng(11);
    for (int i = 0; i < 900; ++i) {
      const double price = 0.5 + static_cast<double>(rng() % 1000) / 10000;
      const double qty = static_cast<double>(1 + rng() % 2'000'000);
      rows.push_back({kMar1 + static_cast<int64_t>(rng() % (48 * kHour)), "okx", "XRPUSDT",
                      rng() % 2 ? "long" : "short", price, qty, price * qty + 0.001});
    }
    // Heavy-tailed lots: retail sizes with a whale lot one row in 150, so
    // each chunk's qty stores its few large values apart (a patched frame)
    // and a notional bound is answered from those rows alone.
    for (int i = 0; i < 3000; ++i) {
      const double price = static_cast<double>(14000 + rng() % 2000) / 100000;
      const double qty = rng() % 150 == 0 ? static_cast<double>(50'000 + rng() % 5'000'000)
                                          : static_cast<double>(1 + rng() % 999);
      rows.push_back({kMar1 + static_cast<int64_t>(rng() % (48 * kHour)), "binance", "DOGEUSDT",
                      rng() % 2 ? "long" : "short", price, qty, price * qty});
    }
    Write();
    db = std::make_unique<Db>(dir / "test.sqlite");
    db->Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations')");
    db->Exec(PlainTableSql("plain"));
    InsertRows(*db, "plain", rows);
  }

  void Write() {
    liqdb::StoreOptions options;
    options.chunk_rows = 300;
    auto store = liqdb::Store::Open(dir / "store", options);
    REQUIRE(store.ok());
    std::vector<Liq> shuffled = rows;
    std::mt19937_64 rng(3);
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    // Batches of 700 random rows: each batch's chunks span the whole range.
    for (size_t at = 0; at < shuffled.size(); at += 700) {
      std::map<liqdb::SeriesKey, liqdb::Columns> by_series;
      for (size_t i = at; i < std::min(shuffled.size(), at + 700); ++i) {
        const Liq& l = shuffled[i];
        auto [it, _] = by_series.try_emplace({l.exchange, l.symbol}, liqdb::Kind::kLiquidations);
        it->second.AddLiquidation(l.ts, l.side == "long" ? liqdb::Side::kLong : liqdb::Side::kShort, l.price,
                                  l.qty, l.notional);
      }
      std::vector<liqdb::SeriesBatch> batches;
      for (auto& [key, cols] : by_series) batches.push_back({key, std::move(cols)});
      REQUIRE((*store)->AppendAll(batches).ok());
    }
    auto reader =
        (*store)->ReadChunks(liqdb::Kind::kLiquidations, {}, liqdb::kMinTimestamp, liqdb::kMaxTimestamp);
    REQUIRE(reader.ok());
    for (auto& r = *reader; r->Valid(); r->Next()) chunks.push_back(r->meta());
    REQUIRE(chunks.size() > 20);
  }

  // The rows of `select` over both tables, in a canonical order.
  void CheckRows(const std::string& where, const std::string& hidden) {
    const std::string order = std::string(" ORDER BY ") + kCols;
    auto pushed = db->Query(std::string("SELECT ") + kCols + " FROM liq WHERE " + where + order);
    auto filtered = db->Query(std::string("SELECT ") + kCols + " FROM liq WHERE " + hidden + order);
    auto plain = db->Query(std::string("SELECT ") + kCols + " FROM plain WHERE " + where + order);
    INFO(where);
    CHECK(pushed.size() == plain.size());
    CHECK(pushed == plain);
    // `+notional` has no affinity, so against text it compares differently
    // from the column itself: there the plain table is the only reference.
    static const std::regex kTextRhs("(price|qty|notional) *[<>=]+ *'");
    if (!std::regex_search(where, kTextRhs)) CHECK(filtered == plain);
  }

  // count(*) (a statement reading no column of the matching rows) agrees too.
  void CheckCount(const std::string& where) {
    INFO(where);
    CHECK(AsInt(db->Scalar("SELECT count(*) FROM liq WHERE " + where)) ==
          AsInt(db->Scalar("SELECT count(*) FROM plain WHERE " + where)));
  }

  // A statement reading only value columns (which a notional bound may
  // answer from the large lots alone) agrees too.
  void CheckValues(const std::string& where) {
    INFO(where);
    const std::string sql = " WHERE " + where + " ORDER BY price, qty, notional";
    CHECK(db->Query("SELECT price, qty, notional FROM liq" + sql) ==
          db->Query("SELECT price, qty, notional FROM plain" + sql));
    CHECK(db->Query("SELECT notional FROM liq" + sql) == db->Query("SELECT notional FROM plain" + sql));
  }
};

// `where` with every value column reference prefixed by '+', which makes
// SQLite evaluate the term itself instead of offering it to the table.
std::string Hidden(std::string where) {
  for (const char* col : {"notional", "price", "qty"}) {
    const std::string c = col;
    for (size_t at = where.find(c); at != std::string::npos; at = where.find(c, at + c.size() + 1)) {
      if (at == 0 || where[at - 1] != '+') where.insert(at, "+");
    }
  }
  return where;
}

std::string Plan(Db& db, const std::string& sql) {
  std::string out;
  for (const Row& r : db.Query("EXPLAIN QUERY PLAN " + sql)) out += AsText(r.back()) + "\n";
  return out;
}

}  // namespace

TEST_CASE("value constraints pushed into the scan return what SQLite's own filtering returns",
          "[sql][pushdown]") {
  Fixture f;
  // Edge values: the least and greatest price and notional of some chunks.
  std::vector<std::string> wheres = {
      "notional > 10000",
      "notional >= 10000 AND notional < 20000",
      "notional BETWEEN 5000 AND 5000.5",
      "price > 3000 AND price <= 3100 AND side = 'short'",
      "qty = 0",  // matches 0.0 and -0.0
      "qty > -0.0",
      "qty <= -0.0",
      "qty >= 0 AND qty < 0.002",
      "notional > 1e300",  // beyond every chunk: all skipped
      "price > 100 AND price < 100",
      "price = 1e-300",
      "notional > 10000 AND symbol IN ('BTCUSDT', 'SOLUSDT') AND exchange = 'okx'",
      "notional > 2000 AND ts >= " + std::to_string(kMar1 + 3 * kHour) + " AND ts < " +
          std::to_string(kMar1 + 30 * kHour),
      // Right-hand sides the plan cannot see or compare exactly as doubles.
      "price > (SELECT 60000)",
      "price < (SELECT 150.5)",
      "notional > 9007199254740993",
      "notional < 9007199254740993",
      "qty > -9007199254740993",
      // Text compared with a REAL column: SQLite's affinity rules decide.
      "notional > '10000'",
      "notional < 'abc'",
      "notional > 'abc'",
      "price = '61000'",
      "price > NULL",
      "price = NULL",
      // Several ranges on one column, and an OR of two pushed scans.
      "price > 100 AND price > 3000 AND price < 70000 AND price < 4000",
      "notional > 100000 OR qty < 0.002",
      // A notional range with ranges on its factors, and the edges of 0.
      "notional > 10000 AND price < 3100",
      "notional > 20000 AND qty < 5",
      "notional >= 100 AND notional <= 100.5 AND price > 100",
      "notional > 5000 AND notional < 4000",
      "notional = 0",
      "notional <= -0.0",
      "notional < 0",
      "notional >= 0 AND notional < 1",
      "notional > 1e5 AND side = 'short'",
      "notional > 1e5 AND symbol = 'XRPUSDT'",
      // Whale lots: bounds above, on and between the DOGE rows' notionals.
      "notional > 7000 AND symbol = 'DOGEUSDT'",
      "notional >= 7000.5 AND notional < 100000 AND symbol = 'DOGEUSDT'",
      "notional > 50000 AND qty < 1000000",
      "notional > 7000 AND price < 0.15",
  };
  for (size_t i = 0; i < f.chunks.size(); i += 5) {
    const liqdb::ChunkMeta& m = f.chunks[i];
    REQUIRE(m.has_value_ranges);
    const std::string lo = Num(m.min_value[liqdb::liq_col::kPrice]);
    const std::string hi = Num(m.max_value[liqdb::liq_col::kNotional]);
    for (const char* op : {">", ">=", "<", "<=", "="}) {
      wheres.push_back(std::string("price ") + op + " " + lo);
      wheres.push_back(std::string("notional ") + op + " " + hi);
    }
    wheres.push_back("price BETWEEN " + lo + " AND " + lo);
    wheres.push_back("notional BETWEEN " + lo + " AND " + hi);
  }
  for (const std::string& where : wheres) {
    f.CheckRows(where, Hidden(where));
    f.CheckCount(where);
    f.CheckValues(where);
  }
}

TEST_CASE("value constraints are planned into the scan", "[sql][pushdown]") {
  Fixture f;
  auto plan = [&](const std::string& where) {
    return Plan(*f.db, "SELECT count(*) FROM liq WHERE " + where);
  };
  // notional is value column 2: 'g2' = notional > ?, BETWEEN = 'h' and 'm'.
  CHECK_THAT(plan("notional > 1e6"), Catch::Contains(":g2"));
  CHECK_THAT(plan("price BETWEEN 1 AND 2"), Catch::Contains("h0") && Catch::Contains("m0"));
  // A hidden term is SQLite's own.
  CHECK_THAT(plan("+notional > 1e6"), !Catch::Contains("g2"));
}

TEST_CASE("NULL values never match a pushed range", "[sql][pushdown]") {
  TempDir dir("pushdown-null");
  {
    auto store = liqdb::Store::Open(dir / "store");
    REQUIRE(store.ok());
    liqdb::Columns pos(liqdb::Kind::kPositions);
    // leverage and liq_price NULL on some rows; a close row (size 0, entry NULL).
    pos.AddPosition(kMar1 + 1, "a", liqdb::Side::kLong, 1, 60000, 10, 54000);
    pos.AddPosition(kMar1 + 2, "b", liqdb::Side::kShort, 2, 61000, std::nullopt, 67000);
    pos.AddPosition(kMar1 + 3, "c", liqdb::Side::kLong, 3, 59000, 5, std::nullopt);
    pos.AddPosition(kMar1 + 4, "d", liqdb::Side::kLong, 0, std::nan(""), std::nullopt, std::nullopt);
    pos.AddPosition(kMar1 + 5, "e", liqdb::Side::kShort, 4, 62000, 20, 65000);
    REQUIRE((*store)->Append({{"hyperliquid", "BTC"}, pos}).ok());
    liqdb::Columns only_null(liqdb::Kind::kPositions);  // a chunk whose leverage is all NULL
    only_null.AddPosition(kMar1 + 10, "f", liqdb::Side::kLong, 1, 60000, std::nullopt, std::nullopt);
    REQUIRE((*store)->Append({{"hyperliquid", "BTC"}, only_null}).ok());
  }
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='store', kind='positions')");
  // Counted by hand from the rows above.
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE leverage > 0")) == 3);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE leverage < 100")) == 3);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE liq_price >= 54000")) == 3);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE liq_price = 67000")) == 1);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE entry_price > 0")) == 5);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE leverage IS NULL")) == 3);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM pos WHERE size = 0")) == 1);
  CHECK(AsInt(db.Scalar("SELECT sum(size) FROM pos WHERE leverage BETWEEN 5 AND 10")) == 4);
}

TEST_CASE("rows of one series come in time order and the sorter is gone", "[sql][pushdown]") {
  Fixture f;
  const std::string one = "exchange = 'binance' AND symbol = 'BTCUSDT'";
  const std::string q = "SELECT ts FROM liq WHERE " + one + " ORDER BY ts";
  CHECK_THAT(Plan(*f.db, q), !Catch::Contains("TEMP B-TREE"));
  CHECK(f.db->Query(q) == f.db->Query("SELECT ts FROM plain WHERE " + one + " ORDER BY ts"));
  // With a value constraint and a LIMIT (the chunks overlap: the scan merges them).
  const std::string lim =
      "SELECT ts, price FROM liq WHERE " + one + " AND notional > 5000 ORDER BY ts LIMIT 20";
  const auto got = f.db->Query(lim);
  const auto want = f.db->Query("SELECT ts, price FROM plain WHERE " + one +
                                " AND notional > 5000 ORDER BY ts, rowid LIMIT 20");
  REQUIRE(got.size() == 20);
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i][0] == want[i][0]);
  // Orders a series-major scan cannot give are left to SQLite, and still right.
  for (const std::string order : {"ts DESC", "ts", "symbol, ts", "price"}) {
    const std::string sql = "SELECT ts, exchange, symbol FROM liq WHERE exchange = 'okx' ORDER BY " + order;
    const std::string ref = "SELECT ts, exchange, symbol FROM plain WHERE exchange = 'okx' ORDER BY " + order;
    INFO(order);
    auto a = f.db->Query(sql + ", ts, symbol"), b = f.db->Query(ref + ", ts, symbol");
    CHECK(a == b);
  }
  // exchange, symbol, ts over every series: consumed, and the same rows.
  const std::string all = "SELECT exchange, symbol, ts FROM liq ORDER BY exchange, symbol, ts";
  CHECK_THAT(Plan(*f.db, all), !Catch::Contains("TEMP B-TREE"));
  CHECK(f.db->Query(all) ==
        f.db->Query("SELECT exchange, symbol, ts FROM plain ORDER BY exchange, symbol, ts"));
}

TEST_CASE("ORDER BY ts across series merges them by ts: no sorter, and LIMIT stops early",
          "[sql][pushdown]") {
  Fixture f;
  // Every series: the rows in ts order, ties across series in (exchange, symbol) order (one row in
  // twenty shares the previous row's ts, often in another series).
  const std::string all = "SELECT ts, exchange, symbol FROM liq ORDER BY ts";
  CHECK_THAT(Plan(*f.db, all), !Catch::Contains("TEMP B-TREE"));
  const auto got = f.db->Query(all);
  REQUIRE(got.size() == f.rows.size());
  CHECK(got == f.db->Query("SELECT ts, exchange, symbol FROM plain ORDER BY ts, exchange, symbol"));
  // Filters, LIMIT and OFFSET (pushed: every constraint is exact). The ts sequence is the plain
  // table's; rows sharing a ts at the LIMIT's edge may be any of them, so compare ts only there.
  for (const std::string where : {"symbol = 'BTCUSDT'", "symbol = 'BTCUSDT' AND notional > 150000",
                                  "symbol IN ('ETHUSDT', 'SOLUSDT') AND side = 'short'", "exchange = 'okx'",
                                  "notional BETWEEN 1000 AND 2000 AND ts >= 1709258400000000"}) {
    for (const std::string lim : {"", " LIMIT 20", " LIMIT 7 OFFSET 300", " LIMIT 0"}) {
      const std::string sql = "SELECT ts FROM liq WHERE " + where + " ORDER BY ts" + lim;
      INFO(sql);
      CHECK_THAT(Plan(*f.db, sql), !Catch::Contains("TEMP B-TREE"));
      const auto a = f.db->Query(sql);
      const auto b = f.db->Query("SELECT ts FROM plain WHERE " + where + " ORDER BY ts" + lim);
      CHECK(a == b);
      if (lim.empty()) CHECK(a.size() > 10);  // not vacuous
    }
    // The whole rows, with ties put in a canonical order on both sides.
    const std::string cols = std::string("SELECT ") + kCols;
    auto a =
        f.db->Query(cols + " FROM (" + cols + " FROM liq WHERE " + where + " ORDER BY ts) ORDER BY " + kCols);
    auto b = f.db->Query(cols + " FROM plain WHERE " + where + " ORDER BY " + kCols);
    CHECK(a == b);
  }
  // DESC, and ts with another key, are SQLite's to sort, and still right.
  CHECK_THAT(Plan(*f.db, "SELECT ts FROM liq ORDER BY ts DESC LIMIT 5"), Catch::Contains("TEMP B-TREE"));
  CHECK(f.db->Query("SELECT ts FROM liq ORDER BY ts DESC LIMIT 5") ==
        f.db->Query("SELECT ts FROM plain ORDER BY ts DESC LIMIT 5"));

  // Market samples merge the same way; positions (account dictionaries) are left to SQLite's sorter.
  f.db->Exec("CREATE VIRTUAL TABLE mkt USING liqdb(store='store', kind='market')");
  f.db->Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='store', kind='positions')");
  f.db->Exec(
      "INSERT INTO mkt VALUES (1709251203000000, 'okx', 'BTC-USDT-SWAP', 60003, 10),"
      " (1709251201000000, 'binance', 'BTCUSDT', 60001, 5), (1709251202000000, 'okx', 'BTC-USDT-SWAP', "
      "60002, 9),"
      " (1709251202000000, 'binance', 'BTCUSDT', 60002.5, 6), (1709251204000000, 'binance', 'BTCUSDT', "
      "60004, 7)");
  f.db->Exec(
      "INSERT INTO pos VALUES (1709251202000000, 'okx', 'BTC-USDT-SWAP', 'a', 'long', 1, 60000, 10, NULL),"
      " (1709251201000000, 'binance', 'BTCUSDT', 'b', 'short', 2, 60000, 5, NULL)");
  const auto m = f.db->Query("SELECT ts, exchange, mark_price FROM mkt ORDER BY ts");
  CHECK_THAT(Plan(*f.db, "SELECT ts FROM mkt ORDER BY ts"), !Catch::Contains("TEMP B-TREE"));
  REQUIRE(m.size() == 5);
  const double marks[] = {60001, 60002.5, 60002, 60003, 60004};  // the 2 s tie: binance before okx
  for (size_t i = 0; i < m.size(); ++i) CHECK(AsDouble(m[i][2]) == marks[i]);
  CHECK_THAT(Plan(*f.db, "SELECT ts FROM pos ORDER BY ts"), Catch::Contains("TEMP B-TREE"));
  const auto p = f.db->Query("SELECT account FROM pos ORDER BY ts");
  REQUIRE(p.size() == 2);
  CHECK(AsText(p[0][0]) == "b");
}

TEST_CASE("GROUP BY exchange, symbol needs no sorter and matches a plain table", "[sql][pushdown]") {
  Fixture f;
  const std::string q = "SELECT exchange, symbol, count(*), sum(qty) FROM %s GROUP BY exchange, symbol";
  auto sql = [&](const char* t) {
    std::string s = q;
    s.replace(s.find("%s"), 2, t);
    return s;
  };
  CHECK_THAT(Plan(*f.db, sql("liq")), !Catch::Contains("TEMP B-TREE"));
  const auto a = f.db->Query(sql("liq") + " ORDER BY 1, 2");
  const auto b = f.db->Query(sql("plain") + " ORDER BY 1, 2");
  REQUIRE(a.size() == 11);  // 3 venues x 3 symbols, okx/XRPUSDT and binance/DOGEUSDT
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i][0] == b[i][0]);
    CHECK(a[i][1] == b[i][1]);
    CHECK(a[i][2] == b[i][2]);
    CHECK(Close(AsDouble(a[i][3]), AsDouble(b[i][3])));
  }
  // GROUP BY symbol alone is not grouped by a series-major scan (BTCUSDT is
  // on two venues): SQLite sorts, and the counts are still right.
  const auto c = f.db->Query("SELECT symbol, count(*) FROM liq GROUP BY symbol ORDER BY 1");
  const auto d = f.db->Query("SELECT symbol, count(*) FROM plain GROUP BY symbol ORDER BY 1");
  CHECK(c == d);
  CHECK(f.db->Query("SELECT DISTINCT exchange, symbol FROM liq ORDER BY 1, 2") ==
        f.db->Query("SELECT DISTINCT exchange, symbol FROM plain ORDER BY 1, 2"));
}

TEST_CASE("GROUP BY exchange, symbol, side reads each series once per side: no sorter, same groups",
          "[sql][pushdown]") {
  Fixture f;
  // A stream that claimed the grouping without giving it would make SQLite
  // emit one key in several groups: more rows than the plain table's.
  const std::vector<std::pair<std::string, bool>> cases = {
      // (GROUP BY / WHERE tail, whether the scan gives the grouping)
      {"GROUP BY exchange, symbol, side", true},
      {"GROUP BY side, symbol, exchange", true},
      {"WHERE side = 'short' GROUP BY exchange, symbol, side", true},
      {"WHERE side IN ('long', 'short') GROUP BY exchange, symbol, side", true},
      {"WHERE exchange = 'okx' GROUP BY symbol, side", true},
      {"WHERE notional > 5000 AND ts >= " + std::to_string(kMar1 + 3 * kHour) +
           " GROUP BY exchange, symbol, side",
       true},
      // Not a leading part of (exchange, symbol, side): SQLite sorts.
      {"GROUP BY symbol, side", false},
      {"GROUP BY side", false},
  };
  for (const auto& [tail, grouped] : cases) {
    INFO(tail);
    const std::string q =
        "SELECT exchange, symbol, side, count(*), sum(qty), min(ts), max(ts) FROM %s " + tail;
    auto sql = [&](const char* t) {
      std::string s = q;
      s.replace(s.find("%s"), 2, t);
      return s;
    };
    if (grouped) {
      CHECK_THAT(Plan(*f.db, sql("liq")), !Catch::Contains("TEMP B-TREE"));
    } else {
      CHECK_THAT(Plan(*f.db, sql("liq")), Catch::Contains("TEMP B-TREE"));
    }
    const auto a = f.db->Query(sql("liq") + " ORDER BY 1, 2, 3");
    const auto b = f.db->Query(sql("plain") + " ORDER BY 1, 2, 3");
    REQUIRE(!b.empty());
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      for (int c : {0, 1, 2, 3, 5, 6}) CHECK(a[i][c] == b[i][c]);
      CHECK(Close(AsDouble(a[i][4]), AsDouble(b[i][4])));
    }
  }
  // Eleven series on both sides: twenty-two groups.
  CHECK(f.db->Query("SELECT exchange, symbol, side FROM liq GROUP BY 1, 2, 3").size() == 22);
  CHECK(f.db->Query("SELECT DISTINCT exchange, symbol, side FROM liq ORDER BY 1, 2, 3") ==
        f.db->Query("SELECT DISTINCT exchange, symbol, side FROM plain ORDER BY 1, 2, 3"));
}

TEST_CASE("a side-run scan yields each series' long rows, then its short ones, each run in time order",
          "[scan][pushdown]") {
  Fixture f;
  auto store = liqdb::Store::Open(f.dir / "store");
  REQUIRE(store.ok());
  liqdb::ScanFilter filter;
  filter.ordered = true;
  filter.side_runs = true;
  auto scanner = liqdb::RowScanner::Open(**store, filter);
  REQUIRE(scanner.ok());
  // (exchange, symbol, side) of each run, in the order they came.
  std::vector<std::tuple<std::string, std::string, int>> runs;
  std::map<std::tuple<std::string, std::string, int>, size_t> counts;
  int64_t last_ts = 0;
  liqdb::ScanBlock block;
  while (true) {
    auto more = (*scanner)->Next(&block);
    REQUIRE(more.ok());
    if (!*more) break;
    for (size_t i = 0; i < block.size(); ++i) {
      const std::tuple<std::string, std::string, int> key{block.series.exchange, block.series.symbol,
                                                          block.rows.side[i]};
      if (runs.empty() || runs.back() != key) {
        runs.push_back(key);
        last_ts = block.rows.ts[i];
      }
      CHECK(block.rows.ts[i] >= last_ts);
      last_ts = block.rows.ts[i];
      ++counts[key];
    }
  }
  // Every key is one run, runs in (exchange, symbol) order, long before short.
  std::vector<std::tuple<std::string, std::string, int>> sorted = runs;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == runs);
  CHECK(std::adjacent_find(runs.begin(), runs.end()) == runs.end());
  REQUIRE(runs.size() == 22);
  std::map<std::tuple<std::string, std::string, int>, size_t> want;
  for (const Liq& l : f.rows) ++want[{l.exchange, l.symbol, l.side == "long" ? 0 : 1}];
  CHECK(counts == want);
}

TEST_CASE("count(*) steps through row counts and agrees with a plain table", "[sql][pushdown]") {
  Fixture f;
  // No column read: the plan's column mask (idxNum) is 0.
  CHECK_THAT(Plan(*f.db, "SELECT count(*) FROM liq"), Catch::Contains("INDEX 0:"));
  for (const std::string& where : std::vector<std::string>{
           "1", "symbol = 'ETHUSDT'", "exchange IN ('okx', 'bybit')", "side = 'long'",
           "ts >= " + std::to_string(kMar1 + kHour) + " AND ts < " + std::to_string(kMar1 + 40 * kHour)}) {
    f.CheckCount(where);
  }
  // rowids stay unique (the OR plan relies on them) in count-only scans too.
  f.CheckCount("symbol = 'BTCUSDT' OR exchange = 'okx'");
}

TEST_CASE("coin is a hidden column, pushed down like symbol", "[sql][pushdown]") {
  Fixture f;
  // SELECT * keeps its seven columns; coin is there when named.
  CHECK(f.db->Query("SELECT * FROM liq LIMIT 1")[0].size() == 7);
  CHECK(AsInt(f.db->Scalar("SELECT count(*) FROM liq WHERE coin = 'BTC'")) ==
        AsInt(f.db->Scalar("SELECT count(*) FROM plain WHERE symbol = 'BTCUSDT'")));
  CHECK(AsInt(f.db->Scalar("SELECT count(*) FROM liq WHERE coin IN ('ETH', 'SOL')")) ==
        AsInt(f.db->Scalar("SELECT count(*) FROM plain WHERE symbol IN ('ETHUSDT', 'SOLUSDT')")));
  CHECK(AsInt(f.db->Scalar("SELECT count(*) FROM liq WHERE coin = 'btc'")) == 0);
  CHECK(f.db->Query("SELECT DISTINCT coin FROM liq ORDER BY 1") == std::vector<Row>{{std::string("BTC")},
                                                                                    {std::string("DOGE")},
                                                                                    {std::string("ETH")},
                                                                                    {std::string("SOL")},
                                                                                    {std::string("XRP")}});
  // An INSERT may name the coin, never contradict it.
  f.db->Exec("CREATE VIRTUAL TABLE w USING liqdb(store='w', kind='liquidations')");
  f.db->Exec(
      "INSERT INTO w(ts, exchange, symbol, side, price, qty, coin) VALUES "
      "('2024-03-01T00:00:01Z', 'okx', 'ETH-USDT-SWAP', 'long', 3000, 1, 'ETH')");
  CHECK_THAT(f.db->Error("INSERT INTO w(ts, exchange, symbol, side, price, qty, coin) VALUES "
                         "('2024-03-01T00:00:01Z', 'okx', 'ETH-USDT-SWAP', 'long', 3000, 1, 'BTC')"),
             Catch::Contains("coin 'BTC' contradicts symbol 'ETH-USDT-SWAP'"));
  CHECK(AsText(f.db->Scalar("SELECT coin FROM w")) == "ETH");
}

TEST_CASE("LIMIT and OFFSET pushed into the scan skip and stop exactly", "[sql][pushdown]") {
  Fixture f;
  CHECK_THAT(Plan(*f.db, "SELECT ts FROM liq LIMIT 5 OFFSET 7"), Catch::Contains("NO"));
  // Without ORDER BY the order is the scan's: OFFSET n LIMIT k must be rows
  // n … n + k - 1 of the same scan without them (taken with a LIMIT the
  // table cannot see: a WHERE term SQLite keeps for itself).
  const auto whole = f.db->Query("SELECT ts, price FROM liq WHERE abs(price) > 0");
  REQUIRE(whole.size() == f.rows.size());
  for (const auto& [limit, offset] : std::vector<std::pair<int, int>>{{5, 0},
                                                                      {5, 7},
                                                                      {300, 299},
                                                                      {1000, 1500},
                                                                      {10, 6000},
                                                                      {10, 6001},
                                                                      {10, 6002},
                                                                      {-1, 5990},
                                                                      {0, 3}}) {
    const std::string sql =
        "SELECT ts, price FROM liq LIMIT " + std::to_string(limit) + " OFFSET " + std::to_string(offset);
    INFO(sql);
    const auto got = f.db->Query(sql);
    std::vector<Row> want;
    for (size_t i = offset; i < whole.size() && (limit < 0 || want.size() < static_cast<size_t>(limit));
         ++i) {
      want.push_back(whole[i]);
    }
    CHECK(got == want);
    CHECK(AsInt(f.db->Scalar("SELECT count(*) FROM (" + sql + ")")) == static_cast<int64_t>(want.size()));
  }
  // With a consumed ORDER BY and pushed constraints: the plain table's rows.
  const std::string one = "exchange = 'bybit' AND symbol = 'ETHUSDT' AND notional > 1000";
  for (const char* lim : {"LIMIT 10", "LIMIT 10 OFFSET 25", "LIMIT 3 OFFSET 100000"}) {
    const auto a = f.db->Query("SELECT ts FROM liq WHERE " + one + " ORDER BY ts " + lim);
    const auto b = f.db->Query("SELECT ts FROM plain WHERE " + one + " ORDER BY ts " + lim);
    INFO(lim);
    CHECK(a == b);
  }
  // A term SQLite evaluates itself (NOCASE) keeps the LIMIT SQLite's too.
  CHECK(f.db->Query("SELECT ts FROM liq WHERE symbol = 'btcusdt' COLLATE NOCASE LIMIT 7").size() == 7);
  // A constraint SQLite re-checks keeps the LIMIT SQLite's (else rows go missing).
  CHECK_THAT(Plan(*f.db, "SELECT ts FROM liq WHERE price > (SELECT 3000) LIMIT 5"), Catch::Contains(":g0\n"));
  CHECK(AsInt(f.db->Scalar(
            "SELECT count(*) FROM (SELECT 1 FROM liq WHERE price > (SELECT 3000) LIMIT 50)")) == 50);
}
