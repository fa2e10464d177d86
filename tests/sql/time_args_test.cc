// Readable time through SQL: liq_iso, liq_time with an explicit unit, and the
// rule that an integer time argument below 10^14 µs (1973-03-03) fails with a
// message naming the unit it looks like and how to write it. Expected values
// are worked out by hand: 2024-03-01T00:00:00Z = 19783 days × 86400 s =
// 1709251200 s.
#include <string>

#include "sql/sql_test_util.h"

namespace liqdb::sqltest {
namespace {

constexpr int64_t kMar1 = 1709251200LL * 1'000'000;

TEST_CASE("liq_iso writes ISO-8601 UTC, a fraction only when there is one", "[sql][time]") {
  Db db;
  CHECK(AsText(db.Scalar("SELECT liq_iso(1709251200000000)")) == "2024-03-01T00:00:00Z");
  CHECK(AsText(db.Scalar("SELECT liq_iso(1709294400000000)")) == "2024-03-01T12:00:00Z");
  // Whole milliseconds: 3 digits; anything finer: 6.
  CHECK(AsText(db.Scalar("SELECT liq_iso(1709294400250000)")) == "2024-03-01T12:00:00.250Z");
  CHECK(AsText(db.Scalar("SELECT liq_iso(1709294400000001)")) == "2024-03-01T12:00:00.000001Z");
  CHECK(AsText(db.Scalar("SELECT liq_iso(1709294400250100)")) == "2024-03-01T12:00:00.250100Z");
  // Stored timestamps are formatted whatever their value (no argument rule here).
  CHECK(AsText(db.Scalar("SELECT liq_iso(0)")) == "1970-01-01T00:00:00Z");
  CHECK(IsNull(db.Scalar("SELECT liq_iso(NULL)")));
  // Round trip with liq_time.
  CHECK(AsText(db.Scalar("SELECT liq_iso(liq_time('2024-02-29 23:59:59.5'))")) == "2024-02-29T23:59:59.500Z");
  CHECK_THAT(db.Error("SELECT liq_iso('noon')"), Catch::Contains("liq_iso") && Catch::Contains("noon"));
}

TEST_CASE("liq_time converts seconds, milliseconds and microseconds explicitly", "[sql][time]") {
  Db db;
  CHECK(AsInt(db.Scalar("SELECT liq_time(1709251200, 's')")) == kMar1);
  CHECK(AsInt(db.Scalar("SELECT liq_time(1709251200250, 'ms')")) == kMar1 + 250'000);
  CHECK(AsInt(db.Scalar("SELECT liq_time(1709251200000001, 'us')")) == kMar1 + 1);
  // Python's time.time(): fractional seconds round to the nearest µs.
  CHECK(AsInt(db.Scalar("SELECT liq_time(1709251200.25, 's')")) == kMar1 + 250'000);
  // Units are read without regard to case and spaces.
  CHECK(AsInt(db.Scalar("SELECT liq_time(1709251200, ' S ')")) == kMar1);
  // An explicit unit accepts early times too (the caller said what it means).
  CHECK(AsInt(db.Scalar("SELECT liq_time(42, 'us')")) == 42);
  CHECK(AsInt(db.Scalar("SELECT liq_time(-1, 's')")) == -1'000'000);
  CHECK(IsNull(db.Scalar("SELECT liq_time(NULL, 's')")));
  CHECK_THAT(db.Error("SELECT liq_time(1709251200, 'h')"),
             Catch::Contains("liq_time") && Catch::Contains("'s', 'ms' or 'us'") && Catch::Contains("'h'"));
  CHECK_THAT(db.Error("SELECT liq_time('2024-03-01', 's')"),
             Catch::Contains("must be a number") && Catch::Contains("'2024-03-01'"));
  CHECK_THAT(db.Error("SELECT liq_time(9223372036854775807, 'ms')"), Catch::Contains("out of range"));
  CHECK_THAT(db.Error("SELECT liq_time(1e300, 's')"), Catch::Contains("out of range"));
  CHECK_THAT(db.Error("SELECT liq_time(1709251200, NULL)"), Catch::Contains("unit"));
}

TEST_CASE("integer times below 10^14 fail naming the unit they look like", "[sql][time]") {
  TempDir dir("time-args");
  Db db(dir / "t.sqlite");
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='s', kind='liquidations')");
  // Seconds: the example, word for word.
  CHECK(db.Error("SELECT * FROM liq_histogram('liq', 1709251200, '2024-03-02', '1h')") ==
        "liq_histogram: from = 1709251200 looks like seconds (2024-03-01T00:00:00Z); times are integer "
        "microseconds or ISO-8601 text: write 1709251200000000, '2024-03-01' or liq_time(1709251200, 's')");
  // Milliseconds, not at midnight: the suggestion is the full ISO time.
  CHECK(db.Error("SELECT * FROM liq_histogram('liq', '2024-03-01', 1709294400250, '1h')") ==
        "liq_histogram: to = 1709294400250 looks like milliseconds (2024-03-01T12:00:00.250Z); times are "
        "integer microseconds or ISO-8601 text: write 1709294400250000, '2024-03-01T12:00:00.250Z' or "
        "liq_time(1709294400250, 'ms')");
  // Neither: a small integer is named as the early µs time it would be.
  const std::string small = db.Error("SELECT * FROM liq_histogram('liq', 0, '2024-03-02', '1h')");
  CHECK_THAT(small, Catch::Contains("from = 0") && Catch::Contains("1970-01-01T00:00:00Z") &&
                        Catch::Contains("before 1973") && Catch::Contains("'1970-01-01'"));
  CHECK_THAT(db.Error("SELECT * FROM liq_histogram('liq', -5, '2024-03-02', '1h')"),
             Catch::Contains("from = -5"));
  // Integer text and whole REALs are integers too.
  CHECK_THAT(db.Error("SELECT * FROM liq_histogram('liq', '1709251200', '2024-03-02', '1h')"),
             Catch::Contains("looks like seconds"));
  CHECK_THAT(db.Error("SELECT * FROM liq_histogram('liq', 1709251200.0, '2024-03-02', '1h')"),
             Catch::Contains("looks like seconds"));
  // Every function's time arguments, and liq_time itself.
  db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='s', kind='positions')");
  db.Exec("CREATE VIRTUAL TABLE mkt USING liqdb(store='s', kind='market')");
  for (const char* sql : {
           "SELECT * FROM liq_price_histogram('liq', 1709251200, '2024-03-02', 100)",
           "SELECT * FROM liq_cascades('liq', '2024-03-01', 1709337600, '1s', 0)",
           "SELECT * FROM liq_heatmap('pos', 1709251200, '2024-03-02', '1h', 100)",
           "SELECT * FROM liq_heatmap_model('mkt', 1709251200, '2024-03-02', '1h', 100, 'BTCUSDT', "
           "'binance')",
           "SELECT * FROM liq_map('pos', 1709251200, 100)",
           "SELECT * FROM liq_histogram WHERE source = 'liq' AND \"from\" = 1709251200 AND \"to\" = "
           "'2024-03-02' AND interval = '1h'",
       }) {
    const std::string e = db.Error(sql);
    INFO(sql << " → " << e);
    CHECK_THAT(e, Catch::Contains("looks like seconds") && Catch::Contains("liq_time("));
  }
  CHECK(db.Error("SELECT liq_time(1709251200)") ==
        "liq_time: time = 1709251200 looks like seconds (2024-03-01T00:00:00Z); times are integer "
        "microseconds or ISO-8601 text: write 1709251200000000, '2024-03-01' or liq_time(1709251200, 's')");
  // From 10^14 on integers are µs; ISO text may name any date.
  CHECK(AsInt(db.Scalar("SELECT liq_time(100000000000000)")) == 100'000'000'000'000);
  CHECK(AsInt(db.Scalar("SELECT liq_time('1970-01-01T00:00:01Z')")) == 1'000'000);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq_histogram('liq', '1970-01-01', '1970-01-02', '1h')")) ==
        24);
  // The tables' WHERE comparisons keep SQLite's meaning: ts > 0 is any ts after the epoch.
  db.Exec("INSERT INTO liq VALUES ('2024-03-01', 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq WHERE ts > 0")) == 1);
}

}  // namespace
}  // namespace liqdb::sqltest
