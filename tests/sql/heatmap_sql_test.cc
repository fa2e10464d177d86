// End-to-end tests of liq_heatmap, liq_heatmap_model, liq_map and
// liq_cascades through the sqlite3 C API with liqdb.so loaded: rows go in
// through the liqdb virtual tables, and every result is checked against
// expectations computed independently — by hand from docs/sql.md's "Meaning of
// each result" (the arithmetic is in the comments), or by plain SQL over an
// ordinary SQLite table holding the same rows (window functions for the
// latest row per key, LAG for cascade gaps).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "sql/sql_test_util.h"

namespace liqdb::sqltest {
namespace {

constexpr int64_t kSec = 1'000'000;
// 2024-03-01T00:00:00Z: the hand-worked cases' times are offsets from it (a
// comment's "10 s" is kT0 + 10 s; integer times before 1973 are refused).
constexpr int64_t kT0 = 1'709'251'200LL * kSec;

// A connection with pos/mkt/liq tables on one fresh store.
struct Fixture {
  TempDir dir{"heatmap-sql"};
  Db db;
  Fixture() {
    const std::string store = dir / "store";
    db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='" + store +
            "', kind='positions');"
            "CREATE VIRTUAL TABLE mkt USING liqdb(store='" +
            store +
            "', kind='market');"
            "CREATE VIRTUAL TABLE liq USING liqdb(store='" +
            store + "', kind='liquidations');");
  }
};

void CheckCell(const Row& r, int64_t bucket, double price, double longs, double shorts, int64_t n) {
  INFO("cell bucket " << bucket << " price " << price);
  CHECK(AsInt(r[0]) == bucket);
  CHECK(Close(AsDouble(r[1]), price));
  CHECK(Close(AsDouble(r[2]), longs));
  CHECK(Close(AsDouble(r[3]), shorts));
  CHECK(AsInt(r[4]) == n);
}

// Linear liquidation prices with the default mmr 0.005.
double LongLiq(double entry, double lev) {
  return entry * (1 - 1 / lev) / (1 - 0.005);
}
double ShortLiq(double entry, double lev) {
  return entry * (1 + 1 / lev) / (1 + 0.005);
}

TEST_CASE("liq_heatmap: hand-worked carry-over, supersession, close, bucket edges", "[sql][heatmap]") {
  Fixture f;
  // from = 10 s, to = 30 s, interval 10 s → buckets 10 s (state ts < 20 s) and 20 s (ts < 30 s).
  f.db.Exec(
      "INSERT INTO pos VALUES"
      // a1: long 2 @ 100, L 10 before `from` (carries over) → liq 100·0.9/0.995 = 90.4522…, bin 90.
      " (1709251201000000, 'binance', 'BTCUSDT', 'a1', 'long', 2, 100, 10, NULL),"
      // a2: short 1 @ 100, L 10 → liq 100·1.1/1.005 = 109.4527…, bin 105, notional 109.4527…
      " (1709251212000000, 'binance', 'BTCUSDT', 'a2', 'short', 1, 100, 10, NULL),"
      // a1 resized to 1 at 16 s (supersedes): notional 1 × 90.4522…
      " (1709251216000000, 'binance', 'BTCUSDT', 'a1', 'long', 1, 100, 10, NULL),"
      // a4 exactly at 20 s: belongs to bucket 20 s only; explicit liq 80 → bin 80, notional 80.
      " (1709251220000000, 'binance', 'BTCUSDT', 'a4', 'long', 1, 90, NULL, 80),"
      // a2 closed at 22 s.
      " (1709251222000000, 'binance', 'BTCUSDT', 'a2', 'short', 0, 100, 10, NULL),"
      // a5 at 30 s = to: never counts.
      " (1709251230000000, 'binance', 'BTCUSDT', 'a5', 'long', 1, 90, 10, 70)");
  const double l1 = LongLiq(100, 10), s1 = ShortLiq(100, 10);
  REQUIRE(Close(l1, 90.45226130653266));
  auto rows = f.db.Query("SELECT * FROM liq_heatmap('pos', 1709251210000000, 1709251230000000, '10s', 5)");
  REQUIRE(rows.size() == 4);
  CheckCell(rows[0], kT0 + 10 * kSec, 90, 1 * l1, 0, 1);
  CheckCell(rows[1], kT0 + 10 * kSec, 105, 0, 1 * s1, 1);
  CheckCell(rows[2], kT0 + 20 * kSec, 80, 80, 0, 1);
  CheckCell(rows[3], kT0 + 20 * kSec, 90, l1, 0, 1);

  // ISO text times give the same grid.
  auto iso = f.db.Query(
      "SELECT * FROM liq_heatmap('pos', '2024-03-01T00:00:10Z', '2024-03-01 00:00:30', 10000000, 5)");
  REQUIRE(iso.size() == rows.size());

  // Leverage filter: a4 has NULL leverage, so any bound drops it; [5, 20] keeps a1/a2.
  auto filtered = f.db.Query(
      "SELECT * FROM liq_heatmap('pos', 1709251210000000, 1709251230000000, '10s', 5, "
      "NULL, NULL, 5, 20)");
  REQUIRE(filtered.size() == 3);
  CheckCell(filtered[2], kT0 + 20 * kSec, 90, l1, 0, 1);
  // max_leverage 9 keeps nothing with a leverage; a4 fails the bound (NULL).
  CHECK(f.db.Query("SELECT * FROM liq_heatmap('pos', 1709251210000000, 1709251230000000, '10s', 5, NULL, "
                   "NULL, NULL, 9)")
            .empty());
  // Symbol/exchange filters.
  // A symbol the table does not hold fails naming what it holds (issue 9).
  CHECK_THAT(
      f.db.Error("SELECT * FROM liq_heatmap('pos', 1709251210000000, 1709251230000000, '10s', 5, 'ETHUSDT')"),
      Catch::Contains("no series ETHUSDT in pos") && Catch::Contains("BTCUSDT"));
  CHECK(f.db.Query("SELECT * FROM liq_heatmap('pos', 1709251210000000, 1709251230000000, '10s', 5, "
                   "'BTCUSDT', 'binance')")
            .size() == 4);
}

// Random positions, inserted into `pos` and into the plain table `p`.
void InsertRandomPositions(Db& db, uint64_t seed, int n, int64_t t0, int64_t span) {
  db.Exec(
      "CREATE TABLE p(id INTEGER PRIMARY KEY, ts INTEGER, exchange TEXT, symbol TEXT, account TEXT, "
      "side TEXT, size REAL, entry_price REAL, leverage REAL, liq_price REAL)");
  std::mt19937_64 rng(seed);
  const char* venues[] = {"binance", "bybit"};
  const char* symbols[] = {"BTCUSDT", "ETHUSDT"};
  const double base[] = {60000, 3000};
  const double levs[] = {2, 3, 5, 10, 20, 25, 50, 100};
  std::vector<int64_t> ts(n);
  // Distinct timestamps: ties within one key would depend on storage order.
  for (int i = 0; i < n; ++i)
    ts[i] = t0 + static_cast<int64_t>(i) * (span / n) + static_cast<int64_t>(rng() % 1000);
  std::shuffle(ts.begin(), ts.end(), rng);  // out-of-order inserts
  db.Exec("BEGIN");
  for (int i = 0; i < n; ++i) {
    const int v = static_cast<int>(rng() % 2), s = static_cast<int>(rng() % 2);
    const std::string account = "acc" + std::to_string(rng() % 25);
    const std::string side = rng() % 2 ? "long" : "short";
    const double size = rng() % 6 == 0 ? 0 : static_cast<double>(1 + rng() % 1000) / 100;
    const double entry = std::round(base[s] * (0.95 + 0.1 * (rng() % 1000) / 1000.0));
    const int kind = static_cast<int>(rng() % 5);  // 0: NULL leverage + liq; 1: liq given; else NULL liq
    const double lev = levs[rng() % 8];
    std::string lev_sql = kind == 0 ? "NULL" : std::to_string(lev);
    std::string liq_sql = "NULL";
    if (kind <= 1) {
      const double lp = side == "long" ? entry * (0.5 + 0.4 * (rng() % 100) / 100.0)
                                       : entry * (1.1 + 0.4 * (rng() % 100) / 100.0);
      liq_sql = std::to_string(std::round(lp * 10) / 10);
    }
    const std::string values = "(" + std::to_string(ts[i]) + ", '" + venues[v] + "', '" + symbols[s] +
                               "', '" + account + "', '" + side + "', " + std::to_string(size) + ", " +
                               std::to_string(entry) + ", " + lev_sql + ", " + liq_sql + ")";
    db.Exec("INSERT INTO pos VALUES " + values);
    db.Exec(
        "INSERT INTO p(ts, exchange, symbol, account, side, size, entry_price, leverage, liq_price) VALUES " +
        values);
  }
  db.Exec("COMMIT");
}

// The snapshot heatmap in plain SQL: buckets from a recursive CTE, the latest
// row per key with ts < min(bucket end, to) by ROW_NUMBER, the level from
// liq_price or the linear formula, binned with CAST (levels are > 0, so the
// truncation is floor).
std::string ReferenceHeatmapSql(int64_t from, int64_t to, int64_t interval, double step,
                                const std::string& where) {
  const std::string I = std::to_string(interval), T = std::to_string(to), S = std::to_string(step);
  const int64_t first = from / interval * interval;
  return "WITH RECURSIVE b(b) AS (SELECT " + std::to_string(first) + " UNION ALL SELECT b + " + I +
         " FROM b WHERE b + " + I + " < " + T +
         "), latest AS (SELECT b.b AS b, p.*, ROW_NUMBER() OVER (PARTITION BY b.b, exchange, symbol, "
         "account, side "
         "ORDER BY ts DESC) AS rn FROM b JOIN p ON p.ts < min(b.b + " +
         I + ", " + T +
         ")), lvl AS (SELECT b, side, size, COALESCE(liq_price, CASE side WHEN 'long' THEN "
         "entry_price * (1 - 1.0 / leverage) / (1 - 0.005) ELSE entry_price * (1 + 1.0 / leverage) / (1 + "
         "0.005) "
         "END) AS lp FROM latest WHERE rn = 1 AND size > 0 " +
         where + ") SELECT b, CAST(lp / " + S + " AS INTEGER) * " + S +
         " AS price, total(CASE side WHEN 'long' THEN size * lp END), total(CASE side WHEN 'short' THEN size "
         "* lp "
         "END), count(*) FROM lvl WHERE lp > 0 GROUP BY 1, 2 ORDER BY 1, 2";
}

void CompareGrids(const std::vector<Row>& got, const std::vector<Row>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("row " << i);
    CheckCell(got[i], AsInt(want[i][0]), AsDouble(want[i][1]), AsDouble(want[i][2]), AsDouble(want[i][3]),
              AsInt(want[i][4]));
  }
}

TEST_CASE("liq_heatmap matches a window-function query over a plain table", "[sql][heatmap]") {
  Fixture f;
  const int64_t t0 = 1'709'251'200LL * kSec;  // 2024-03-01
  InsertRandomPositions(f.db, 7, 600, t0, 3600 * kSec);
  const int64_t from = t0 + 900 * kSec, to = t0 + 3500 * kSec, interval = 300 * kSec;
  const std::string args = std::to_string(from) + ", " + std::to_string(to) + ", " + std::to_string(interval);
  SECTION("one coin, every venue") {
    // BTCUSDT on binance and bybit are both BTC; ETHUSDT is not.
    auto got = f.db.Query("SELECT * FROM liq_heatmap('pos', " + args + ", 50) WHERE coin = 'BTC'");
    auto want = f.db.Query(ReferenceHeatmapSql(from, to, interval, 50, "AND symbol = 'BTCUSDT'"));
    REQUIRE(!want.empty());
    CompareGrids(got, want);
    // Over BTC and ETH together a price axis means nothing: the heatmap asks for a coin.
    CHECK_THAT(f.db.Error("SELECT * FROM liq_heatmap('pos', " + args + ", 50)"),
               Catch::Contains("several coins (BTC, ETH)") && Catch::Contains("coin = 'BTC'"));
  }
  SECTION("one series, leverage filter") {
    auto got = f.db.Query("SELECT * FROM liq_heatmap('pos', " + args + ", 100, 'BTCUSDT', 'binance', 5, 50)");
    auto want = f.db.Query(
        ReferenceHeatmapSql(from, to, interval, 100,
                            "AND symbol = 'BTCUSDT' AND exchange = 'binance' AND leverage BETWEEN 5 AND 50"));
    REQUIRE(!want.empty());
    CompareGrids(got, want);
  }
  SECTION("view and WHERE-constraint forms give the same rows") {
    auto direct = f.db.Query("SELECT * FROM liq_heatmap('pos', " + args + ", 50, 'ETHUSDT')");
    f.db.Exec("CREATE VIEW heat AS SELECT * FROM liq_heatmap('pos', " + args + ", 50, 'ETHUSDT')");
    CompareGrids(f.db.Query("SELECT * FROM heat"), direct);
    CompareGrids(f.db.Query("SELECT bucket, price, long_notional, short_notional, positions FROM liq_heatmap "
                            "WHERE source = 'pos' AND \"from\" = " +
                            std::to_string(from) + " AND \"to\" = " + std::to_string(to) +
                            " AND interval = " + std::to_string(interval) +
                            " AND price_step = 50 AND symbol = 'ETHUSDT'"),
                 direct);
  }
}

TEST_CASE("liq_heatmap_model: hand-worked open, sweep, proportional close", "[sql][heatmap]") {
  Fixture f;
  // 1 s: baseline OI 10. 2 s: OI 20 at P 100 → N = 10 × 100 = 1000 opens:
  //   tier (L, w): long level entry·(1−1/L)/0.995 with 1000·w·0.5, short entry·(1+1/L)/1.005 with the same.
  //   L 10 (0.3): long 90.45 → bin 90: 150; short 109.45 → bin 105: 150
  //   L 25 (0.25): long 96.48 → 95: 125;   short 103.48 → 100: 125
  //   L 50 (0.25): long 98.49 → 95: 125;   short 101.49 → 100: 125
  //   L 100 (0.2): long 99.50 → 95: 100;   short 100.50 → 100: 100
  // 3 s: P 97 sweeps longs ≥ 97 (98.49, 99.50); no short ≤ 97.
  // 4 s: OI 20 → 10 scales every level by 0.5.
  f.db.Exec(
      "INSERT INTO mkt VALUES (1709251201000000, 'binance', 'BTCUSDT', 100, 10), (1709251202000000, "
      "'binance', 'BTCUSDT', "
      "100, 20), (1709251203000000, 'binance', 'BTCUSDT', 97, 20), (1709251204000000, 'binance', 'BTCUSDT', "
      "97, 10)");
  auto rows = f.db.Query(
      "SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251205000000, '1s', 5, 'BTCUSDT', "
      "'binance')");
  REQUIRE(rows.size() == 12);
  // bucket 2 s: after the open
  CheckCell(rows[0], kT0 + 2 * kSec, 90, 150, 0, 1);
  CheckCell(rows[1], kT0 + 2 * kSec, 95, 350, 0, 3);
  CheckCell(rows[2], kT0 + 2 * kSec, 100, 0, 350, 3);
  CheckCell(rows[3], kT0 + 2 * kSec, 105, 0, 150, 1);
  // bucket 3 s: after the sweep
  CheckCell(rows[4], kT0 + 3 * kSec, 90, 150, 0, 1);
  CheckCell(rows[5], kT0 + 3 * kSec, 95, 125, 0, 1);
  CheckCell(rows[6], kT0 + 3 * kSec, 100, 0, 350, 3);
  CheckCell(rows[7], kT0 + 3 * kSec, 105, 0, 150, 1);
  // bucket 4 s: halved
  CheckCell(rows[8], kT0 + 4 * kSec, 90, 75, 0, 1);
  CheckCell(rows[9], kT0 + 4 * kSec, 95, 62.5, 0, 1);
  CheckCell(rows[10], kT0 + 4 * kSec, 100, 0, 175, 3);
  CheckCell(rows[11], kT0 + 4 * kSec, 105, 0, 75, 1);

  // Parameters: one tier of L 10, long_share 1 → only a long level 1000 at 90.45, bin 90.
  auto one = f.db.Query(
      "SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251203000000, '1s', 5, 'BTCUSDT', "
      "'binance', '10:1', '7d', 1, 0.005)");
  REQUIRE(one.size() == 1);
  CheckCell(one[0], kT0 + 2 * kSec, 90, 1000, 0, 1);
  // lookback 0 from 2 s skips the baseline at 1 s: the 2 s sample becomes the baseline, nothing opens.
  CHECK(f.db.Query("SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251203000000, '1s', 5, "
                   "'BTCUSDT', 'binance', "
                   "NULL, 0)")
            .empty());
  // A view over the model heatmap.
  f.db.Exec(
      "CREATE VIEW model AS SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251205000000, '1s', "
      "5, "
      "'BTCUSDT', 'binance')");
  CHECK(AsInt(f.db.Scalar("SELECT count(*) FROM model")) == 12);
}

void CheckMapRow(const Row& r, double price, double longs, double shorts, double cum_long, double cum_short) {
  INFO("map price " << price);
  CHECK(Close(AsDouble(r[0]), price));
  CHECK(Close(AsDouble(r[1]), longs));
  CHECK(Close(AsDouble(r[2]), shorts));
  CHECK(Close(AsDouble(r[3]), cum_long));
  CHECK(Close(AsDouble(r[4]), cum_short));
}

TEST_CASE("liq_map over positions and over market samples, by hand", "[sql][heatmap]") {
  Fixture f;
  // Positions at `at` = 10 s (rows with ts ≤ at):
  //   a1 long 2 @ 100, L 10 → 90.4522…, bin 90, 2 × 90.4522… = 180.9045…
  //   a2 short 1 @ 100, L 10 → 109.4527…, bin 105, 109.4527…
  //   a3 long 1, NULL leverage, liq 95.5 → bin 95, 95.5
  //   a4 at exactly 10 s counts (ts ≤ at): short 1 liq 101 → bin 100, 101
  //   a5 at 11 s does not.
  f.db.Exec(
      "INSERT INTO pos VALUES (1709251201000000, 'binance', 'BTCUSDT', 'a1', 'long', 2, 100, 10, NULL),"
      " (1709251202000000, 'binance', 'BTCUSDT', 'a2', 'short', 1, 100, 10, NULL),"
      " (1709251203000000, 'binance', 'BTCUSDT', 'a3', 'long', 1, 100, NULL, 95.5),"
      " (1709251210000000, 'binance', 'BTCUSDT', 'a4', 'short', 1, 100, 20, 101),"
      " (1709251211000000, 'binance', 'BTCUSDT', 'a5', 'long', 5, 100, 10, 50)");
  const double l1 = 2 * LongLiq(100, 10), s2 = ShortLiq(100, 10);
  auto rows = f.db.Query("SELECT * FROM liq_map('pos', 1709251210000000, 5)");
  REQUIRE(rows.size() == 4);
  // cum_long at p: longs in bins ≥ p; cum_short at p: shorts in bins ≤ p.
  CheckMapRow(rows[0], 90, l1, 0, l1 + 95.5, 0);
  CheckMapRow(rows[1], 95, 95.5, 0, 95.5, 0);
  CheckMapRow(rows[2], 100, 0, 101, 0, 101);
  CheckMapRow(rows[3], 105, 0, s2, 0, 101 + s2);
  // min_leverage 5 drops a3 (NULL leverage).
  auto lev = f.db.Query("SELECT * FROM liq_map('pos', 1709251210000000, 5, NULL, NULL, 5)");
  REQUIRE(lev.size() == 3);
  CheckMapRow(lev[0], 90, l1, 0, l1, 0);

  // Market: the model after the samples ts ≤ 3.5 s (see the model test): open then sweep.
  f.db.Exec(
      "INSERT INTO mkt VALUES (1709251201000000, 'binance', 'BTCUSDT', 100, 10), (1709251202000000, "
      "'binance', 'BTCUSDT', "
      "100, 20), (1709251203000000, 'binance', 'BTCUSDT', 97, 20)");
  auto m = f.db.Query("SELECT * FROM liq_map('mkt', 1709251203500000, 5)");
  REQUIRE(m.size() == 4);
  CheckMapRow(m[0], 90, 150, 0, 275, 0);
  CheckMapRow(m[1], 95, 125, 0, 125, 0);
  CheckMapRow(m[2], 100, 0, 350, 0, 350);
  CheckMapRow(m[3], 105, 0, 150, 0, 500);
  // Leverage filter on a market source keeps tiers within it, with their share of the whole
  // profile (docs/heatmaps.md): [20, 60] → L 25 and 50 only.
  //   longs 96.48 (< 97, survives the sweep) → bin 95: 125; 98.49 swept at 3 s;
  //   shorts 103.48, 101.49 → bin 100: 125 + 125 = 250.
  auto mf = f.db.Query("SELECT * FROM liq_map('mkt', 1709251203500000, 5, 'BTCUSDT', 'binance', 20, 60)");
  REQUIRE(mf.size() == 2);
  CheckMapRow(mf[0], 95, 125, 0, 125, 0);
  CheckMapRow(mf[1], 100, 0, 250, 0, 250);
  // View and WHERE forms.
  f.db.Exec("CREATE VIEW lmap AS SELECT * FROM liq_map('mkt', 1709251203500000, 5)");
  CHECK(f.db.Query("SELECT * FROM lmap").size() == 4);
  CHECK(f.db.Query(
                "SELECT price FROM liq_map WHERE source = 'pos' AND at = 1709251210000000 AND price_step = 5")
            .size() == 4);
}

TEST_CASE("liq_heatmap_model and liq_map: max_age drops aged model levels, by hand", "[sql][heatmap]") {
  Fixture f;
  // The samples of the hand-worked model case (1 s baseline, 2 s open, 3 s sweep, 4 s halving),
  // then 5 s: OI 10 → 20 at P 100 opens the same levels as 2 s did (N = 1000), at full notional.
  f.db.Exec(
      "INSERT INTO mkt VALUES (1709251201000000, 'binance', 'BTCUSDT', 100, 10),"
      " (1709251202000000, 'binance', 'BTCUSDT', 100, 20), (1709251203000000, 'binance', 'BTCUSDT', 97, 20),"
      " (1709251204000000, 'binance', 'BTCUSDT', 97, 10), (1709251205000000, 'binance', 'BTCUSDT', 100, 20)");
  // The 2 s and 5 s opens, binned (see the hand-worked case): long 90: 150, 95: 350; short 100: 350,
  // 105: 150 (3, 3 levels in the 95 and 100 bins); after the 3 s sweep the 95 long bin holds 125, 1 level.
  // max_age 2 s, state at each bucket's last µs: bucket 2 s and 3 s keep the 2 s levels (0.99 s and
  // 1.99 s old); bucket 4 s has none (2.99 s); buckets 5 s and 6 s keep the 5 s levels.
  auto rows = f.db.Query(
      "SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251207000000, '1s', 5, 'BTCUSDT', "
      "'binance') WHERE max_age = '2s'");
  REQUIRE(rows.size() == 16);
  for (int64_t b : {2, 5, 6}) {
    const size_t i = b == 2 ? 0 : b == 5 ? 8 : 12;
    CheckCell(rows[i + 0], kT0 + b * kSec, 90, 150, 0, 1);
    CheckCell(rows[i + 1], kT0 + b * kSec, 95, 350, 0, 3);
    CheckCell(rows[i + 2], kT0 + b * kSec, 100, 0, 350, 3);
    CheckCell(rows[i + 3], kT0 + b * kSec, 105, 0, 150, 1);
  }
  CheckCell(rows[4], kT0 + 3 * kSec, 90, 150, 0, 1);
  CheckCell(rows[5], kT0 + 3 * kSec, 95, 125, 0, 1);
  // Without max_age, bucket 5 s holds both opens: the 2 s levels at half (scaled at 4 s) plus the
  // 5 s ones: long 90: 75 + 150.
  auto all = f.db.Query(
      "SELECT long_notional FROM liq_heatmap_model('mkt', 1709251205000000, 1709251206000000, '1s', 5, "
      "'BTCUSDT', 'binance') WHERE price = 90");
  REQUIRE(all.size() == 1);
  CHECK(Close(AsDouble(all[0][0]), 225));
  // A max_age past the lookback changes nothing.
  CHECK(f.db.Query("SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251207000000, '1s', 5, "
                   "'BTCUSDT', 'binance', NULL, '1m') WHERE max_age = '2m'") ==
        f.db.Query("SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251207000000, '1s', 5, "
                   "'BTCUSDT', 'binance', NULL, '1m')"));

  // liq_map at 6.5 s with max_age 2 s: only the 5 s levels (1.5 s old); the 2 s ones (4.5 s) are gone.
  auto m = f.db.Query("SELECT * FROM liq_map('mkt', 1709251206500000, 5) WHERE max_age = '2s'");
  REQUIRE(m.size() == 4);
  CheckMapRow(m[0], 90, 150, 0, 500, 0);
  CheckMapRow(m[1], 95, 350, 0, 350, 0);
  CheckMapRow(m[2], 100, 0, 350, 0, 350);
  CheckMapRow(m[3], 105, 0, 150, 0, 500);
  // The edge: at `at` a level exactly max_age old is gone (5 s levels at 7 s with max_age 2 s).
  CHECK(f.db.Query("SELECT * FROM liq_map('mkt', 1709251206999999, 5) WHERE max_age = 2000000").size() == 4);
  CHECK(f.db.Query("SELECT * FROM liq_map('mkt', 1709251207000000, 5) WHERE max_age = 2000000").empty());

  // Bad max_age: zero, negative, not a duration, and on a positions source.
  for (const char* bad : {"0", "'0s'", "-1", "'-2s'", "'soon'", "'2 parsecs'"}) {
    const std::string e = f.db.Error(std::string("SELECT * FROM liq_map('mkt', 1709251206500000, 5) WHERE "
                                                 "max_age = ") +
                                     bad);
    INFO(bad << " → " << e);
    CHECK(e.find("max_age") != std::string::npos);
  }
  const std::string e = f.db.Error(
      "SELECT * FROM liq_heatmap_model('mkt', 1709251202000000, 1709251207000000, '1s', 5) WHERE max_age = "
      "0");
  CHECK(e.find("max_age must be > 0") != std::string::npos);
  f.db.Exec(
      "INSERT INTO pos VALUES (1709251201000000, 'binance', 'BTCUSDT', 'a1', 'long', 2, 100, 10, NULL)");
  CHECK(f.db.Error("SELECT * FROM liq_map('pos', 1709251206500000, 5) WHERE max_age = '1d'")
            .find("needs a 'market' table") != std::string::npos);
}

TEST_CASE("liq_cascades matches a LAG query over a plain table", "[sql][cascades]") {
  Fixture f;
  f.db.Exec(PlainTableSql("l"));
  // Bursts of events: gaps mostly under a second, sometimes several seconds; distinct timestamps.
  std::mt19937_64 rng(11);
  std::vector<Liq> rows;
  int64_t ts = 1'709'251'200LL * kSec;
  const char* venues[] = {"binance", "bybit"};
  for (int i = 0; i < 800; ++i) {
    ts += rng() % 8 == 0 ? static_cast<int64_t>(2 + rng() % 20) * kSec
                         : static_cast<int64_t>(1 + rng() % 900'000);
    Liq l{ts, venues[rng() % 2], "BTCUSDT", rng() % 3 ? "long" : "short", 0, 0, 0};
    l.price = std::round(60000 + static_cast<double>(rng() % 20000) / 10 - 1000);
    l.qty = static_cast<double>(1 + rng() % 2000) / 1000;
    l.notional = l.price * l.qty;
    rows.push_back(l);
  }
  InsertRows(f.db, "liq", rows);
  InsertRows(f.db, "l", rows);
  const int64_t from = rows[50].ts, to = rows[750].ts;
  auto reference = [&](const std::string& where, int64_t gap, double min_notional) {
    return "WITH e AS (SELECT * FROM l WHERE ts >= " + std::to_string(from) + " AND ts < " +
           std::to_string(to) + where +
           "), g AS (SELECT *, CASE WHEN ts - LAG(ts) OVER (ORDER BY ts) <= " + std::to_string(gap) +
           " THEN 0 ELSE 1 END AS brk FROM e), h AS (SELECT *, SUM(brk) OVER (ORDER BY ts) AS grp FROM g), "
           "k AS (SELECT *, FIRST_VALUE(price) OVER w AS fp, LAST_VALUE(price) OVER w AS lp FROM h "
           "WINDOW w AS (PARTITION BY grp ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
           "FOLLOWING)) "
           "SELECT min(ts), max(ts), count(*), total(CASE side WHEN 'long' THEN notional END), "
           "total(CASE side WHEN 'short' THEN notional END), min(fp), min(lp) FROM k GROUP BY grp "
           "HAVING total(notional) >= " +
           std::to_string(min_notional) + " ORDER BY 1";
  };
  auto compare = [&](const std::string& call, const std::string& ref) {
    auto got = f.db.Query(call);
    auto want = f.db.Query(ref);
    INFO(call);
    REQUIRE(!want.empty());
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      INFO("cascade " << i);
      CHECK(AsInt(got[i][0]) == AsInt(want[i][0]));
      CHECK(AsInt(got[i][1]) == AsInt(want[i][1]));
      CHECK(AsInt(got[i][2]) == AsInt(want[i][2]));
      for (int c = 3; c < 7; ++c) CHECK(Close(AsDouble(got[i][c]), AsDouble(want[i][c])));
    }
  };
  const std::string range = std::to_string(from) + ", " + std::to_string(to);
  compare("SELECT * FROM liq_cascades('liq', " + range + ", '1s', 50000)", reference("", kSec, 50000));
  compare("SELECT * FROM liq_cascades('liq', " + range + ", 500000, 0, 'BTCUSDT', 'bybit')",
          reference(" AND exchange = 'bybit'", 500000, 0));
  // A view and the WHERE-constraint form.
  f.db.Exec("CREATE VIEW casc AS SELECT * FROM liq_cascades('liq', " + range + ", '1s', 50000)");
  compare("SELECT * FROM casc", reference("", kSec, 50000));
  compare(
      "SELECT first_ts, last_ts, events, long_notional, short_notional, first_price, last_price "
      "FROM liq_cascades WHERE source = 'liq' AND \"from\" = " +
          std::to_string(from) + " AND \"to\" = " + std::to_string(to) +
          " AND max_gap = '1s' AND min_notional = 50000",
      reference("", kSec, 50000));
}

TEST_CASE("heatmap functions: bad arguments fail with a message naming them", "[sql][heatmap]") {
  Fixture f;
  f.db.Exec("CREATE TABLE plain(x)");
  auto err = [&](const std::string& sql, const std::string& needle) {
    const std::string e = f.db.Error(sql);
    INFO(sql << " → " << e);
    CHECK(e.find(needle) != std::string::npos);
  };
  // Source: unknown, not liqdb, wrong kind.
  err("SELECT * FROM liq_heatmap('nope', 1709251200000000, 1709251200000010, 1, 5)", "unknown source 'nope'");
  err("SELECT * FROM liq_heatmap('plain', 1709251200000000, 1709251200000010, 1, 5)", "not a liqdb table");
  err("SELECT * FROM liq_heatmap('mkt', 1709251200000000, 1709251200000010, 1, 5)",
      "needs a 'positions' table");
  err("SELECT * FROM liq_heatmap_model('pos', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance')",
      "needs a 'market' table");
  err("SELECT * FROM liq_cascades('pos', 1709251200000000, 1709251200000010, 1, 0)",
      "needs a 'liquidations' table");
  err("SELECT * FROM liq_map('liq', 1709251200000000, 5)", "needs a 'positions' or a 'market' table");
  // Missing arguments.
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, 1)", "price_step");
  // (symbol and exchange are optional for the model since issue 9; a name the table lacks fails.)
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT')",
      "no market yet");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1)", "price_step");
  err("SELECT * FROM liq_map('pos', 1709251200000000)", "price_step");
  err("SELECT * FROM liq_cascades('liq', 1709251200000000, 1709251200000010, 1)", "min_notional");
  // Steps, ranges, times, intervals.
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, 1, 0)", "price_step");
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, 1, -5)", "price_step");
  err("SELECT * FROM liq_map('pos', 1709251200000000, 0)", "price_step");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, -1, 'BTCUSDT', "
      "'binance')",
      "price_step");
  err("SELECT * FROM liq_heatmap('pos', 1709251200000010, 1709251200000010, 1, 5)", "before");
  err("SELECT * FROM liq_cascades('liq', 1709251200000020, 1709251200000010, 1, 0)", "before");
  err("SELECT * FROM liq_heatmap('pos', 'yesterday', 1709251200000010, 1, 5)", "from");
  err("SELECT * FROM liq_map('pos', 'noon', 5)", "at");
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, '5 parsecs', 5)", "interval");
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, 0, 5)", "interval");
  err("SELECT * FROM liq_cascades('liq', 1709251200000000, 1709251200000010, -1, 0)", "max_gap");
  err("SELECT * FROM liq_cascades('liq', 1709251200000000, 1709251200000010, 1, -5)", "min_notional");
  // A grid over the cell limit.
  err("SELECT * FROM liq_heatmap('pos', '2023-01-01', '2024-01-01', 1, 5)", "");
  // Leverage bounds.
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, 1, 5, NULL, NULL, 50, 10)",
      "leverage");
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, 1, 5, NULL, NULL, -1)",
      "leverage");
  err("SELECT * FROM liq_map('pos', 1709251200000000, 5, NULL, NULL, 'x')", "min_leverage");
  // Model parameters.
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance', '10:abc')",
      "10:abc");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance', '10:-1')",
      "");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance', '10:0,20:0')",
      "");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance', '1:1')",
      "");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance', NULL, -1)",
      "lookback");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance', NULL, NULL, 1.5)",
      "long_share");
  err("SELECT * FROM liq_heatmap_model('mkt', 1709251200000000, 1709251200000010, 1, 5, 'BTCUSDT', "
      "'binance', NULL, NULL, NULL, 1)",
      "mmr");
  // Symbol given as a number.
  err("SELECT * FROM liq_heatmap('pos', 1709251200000000, 1709251200000010, 1, 5, 5)", "symbol");
  // Every message names its function.
  CHECK(f.db.Error("SELECT * FROM liq_cascades('liq', 1709251200000000, 1709251200000010, 1, -5)")
            .rfind("liq_cascades", 0) == 0);
}

}  // namespace
}  // namespace liqdb::sqltest
