// Bounded work (issue 7, item 4): every table-valued function stops soon
// after sqlite3_interrupt() and when the progress handler asks, even in the
// middle of one long xFilter/xNext call, and the caps on tiers, lookback and
// grid cells fail before any work with errors that say the numbers.
//
// The heavy queries run on a store generated here through the C++ API, sized
// so that each query works for 0.4 s to several seconds in a Release build:
// an interrupt 50 ms in must cut it short, not wait for it.
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "tests/sql/sql_test_util.h"

#include "liqdb/store.h"

using namespace liqdb::sqltest;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kMar1 = 1709251200000000;  // 2024-03-01T00:00:00Z
constexpr int64_t kDay = 86400000000LL;

// Sanitizer builds run the engine 3-10x slower and CI runs them beside other
// suites: 1.2-1.8 s was measured there on a loaded machine. Without the
// probe the same queries take far longer still (6.45 s in a release build
// for the slowest), so the looser bound still fails a missing check.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kStopBound = 3.0;  // s
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr double kStopBound = 3.0;
#else
constexpr double kStopBound = 0.2;
#endif
#else
constexpr double kStopBound = 0.2;  // s, the bound
#endif

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// One store for the whole file: liquidations, positions and market samples
// of BTCUSDT on binance over ten days. Written once through the C++ API,
// then released so the extension can open it.
const TempDir& SharedStore() {
  static TempDir dir("interrupt");
  static bool written = false;
  if (written) return dir;
  liqdb::StoreOptions options;
  options.sync = false;
  auto opened = liqdb::Store::Open(dir / "store", options);
  REQUIRE(opened.ok());
  std::shared_ptr<liqdb::Store> store = std::move(*opened);  // the only handle: released below
  const liqdb::SeriesKey key{"binance", "BTCUSDT"};
  std::mt19937_64 rng(7);
  // 4M liquidations, prices 50,000-70,000 on a 0.1 tick.
  for (int batch = 0; batch < 8; ++batch) {
    liqdb::SeriesBatch b{key, liqdb::Columns(liqdb::Kind::kLiquidations)};
    const int64_t t0 = kMar1 + batch * (10 * kDay / 8);
    for (int i = 0; i < 500000; ++i) {
      const double price = 50000 + static_cast<double>(rng() % 200000) / 10;
      const double qty = static_cast<double>(1 + rng() % 1000) / 1000;
      b.rows.AddLiquidation(t0 + static_cast<int64_t>(i) * (10 * kDay / 8 / 500000),
                            rng() % 2 ? liqdb::Side::kLong : liqdb::Side::kShort, price, qty, price * qty);
    }
    REQUIRE(store->Append(b).ok());
  }
  // 2M position updates of 20,000 accounts, no keyframes: a heatmap late in
  // the range replays them all before its first cell.
  for (int batch = 0; batch < 4; ++batch) {
    liqdb::SeriesBatch b{key, liqdb::Columns(liqdb::Kind::kPositions)};
    const int64_t t0 = kMar1 + batch * (10 * kDay / 4);
    for (int i = 0; i < 500000; ++i) {
      const double entry = 50000 + static_cast<double>(rng() % 20000);
      const std::string account = "a" + std::to_string(rng() % 20000);
      b.rows.AddPosition(t0 + static_cast<int64_t>(i) * (10 * kDay / 4 / 500000), account,
                         rng() % 2 ? liqdb::Side::kLong : liqdb::Side::kShort,
                         static_cast<double>(1 + rng() % 100) / 100, entry,
                         2 + static_cast<double>(rng() % 50), std::nullopt);
    }
    REQUIRE(store->Append(b).ok());
  }
  // A market sample every 5 s with open interest rising on most samples:
  // each rise opens a level per tier and side.
  {
    liqdb::SeriesBatch b{key, liqdb::Columns(liqdb::Kind::kMarket)};
    double mark = 60000, oi = 1000;
    for (int64_t t = kMar1; t < kMar1 + 10 * kDay; t += 5000000) {
      mark *= std::exp((static_cast<double>(rng() % 2001) - 1000) / 1e6);
      oi += rng() % 4 ? 1 : -0.5;
      b.rows.AddMarket(t, mark, oi);
    }
    REQUIRE(store->Append(b).ok());
  }
  REQUIRE(store->Seal(true).ok());
  store.reset();
  written = true;
  return dir;
}

// A connection on the shared store with the three tables declared.
std::unique_ptr<Db> OpenShared() {
  const TempDir& dir = SharedStore();
  auto db = std::make_unique<Db>(":memory:");
  db->Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='" + (dir / "store") + "', kind='liquidations');" +
           "CREATE VIRTUAL TABLE pos USING liqdb(store='" + (dir / "store") + "', kind='positions');" +
           "CREATE VIRTUAL TABLE mkt USING liqdb(store='" + (dir / "store") + "', kind='market')");
  return db;
}

std::string Profile64() {
  std::string p;
  for (int i = 0; i < 64; ++i) p += (i ? "," : "") + std::to_string(2 + i * 2) + ":1";
  return p;
}

// When the stop is asked for: early, since the lightest heavy query (the
// cascades' scan of 4M rows) takes only a few tens of ms in a release build.
constexpr std::chrono::milliseconds kStopAfter{10};

// Heavy queries: each spends its time inside single xFilter/xNext calls.
struct Heavy {
  const char* what;
  std::string sql;
};
std::vector<Heavy> HeavyQueries() {
  const std::string range = std::to_string(kMar1) + ", " + std::to_string(kMar1 + 10 * kDay);
  const std::string late =
      std::to_string(kMar1 + 10 * kDay - 3600000000LL) + ", " + std::to_string(kMar1 + 10 * kDay);
  return {
      {"price histogram (all bins in xFilter)",
       "SELECT count(*) FROM liq_price_histogram('liq', " + range + ", 0.1)"},
      {"cascades (no group reaches min_notional)",
       "SELECT count(*) FROM liq_cascades('liq', " + range + ", '1s', 1e30)"},
      {"snapshot heatmap (replay to from)",
       "SELECT count(*) FROM liq_heatmap('pos', " + late + ", '1h', 1000)"},
      {"liquidation map (replay to at)",
       "SELECT count(*) FROM liq_map('pos', " + std::to_string(kMar1 + 10 * kDay) + ", 1000)"},
      {"model heatmap, 64 tiers, one bucket", "SELECT count(*) FROM liq_heatmap_model('mkt', " + range +
                                                  ", '10d', 1000, 'BTCUSDT', 'binance', '" + Profile64() +
                                                  "', '0s')"},
  };
}

struct Stopped {
  int rc = 0;
  bool finished_first = false;  // done before the interrupt was sent
  double after = 0;             // s from the stop request to sqlite3_step returning
  std::string error;
};

// Runs `sql`, calling sqlite3_interrupt from another thread after `delay`.
Stopped RunInterrupted(sqlite3* db, const std::string& sql, std::chrono::milliseconds delay) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::atomic<bool> done{false};
  std::atomic<int64_t> sent{0};
  const auto start = Clock::now();
  std::thread killer([&] {
    while (!done && Clock::now() - start < delay) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (done) return;
    sent = (Clock::now() - start).count();
    sqlite3_interrupt(db);
  });
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  const auto end = Clock::now();
  done = true;
  killer.join();
  Stopped s;
  s.rc = rc;
  s.error = sqlite3_errmsg(db);
  s.finished_first = sent == 0;
  s.after = Seconds(end - (start + Clock::duration(sent.load())));
  sqlite3_finalize(stmt);
  return s;
}

struct ProgressState {
  Clock::time_point stop_from;
  std::atomic<bool> asked{false};
};
int StopAfterDeadline(void* p) {
  auto* st = static_cast<ProgressState*>(p);
  if (Clock::now() < st->stop_from) return 0;
  st->asked = true;
  return 1;
}

// Runs `sql` with a progress handler (every 1000 opcodes) that answers 1
// from `delay` on; `after` counts from that moment.
Stopped RunWithProgressStop(sqlite3* db, const std::string& sql, std::chrono::milliseconds delay) {
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  ProgressState st;
  const auto start = Clock::now();
  st.stop_from = start + delay;
  sqlite3_progress_handler(db, 1000, StopAfterDeadline, &st);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  const auto end = Clock::now();
  sqlite3_progress_handler(db, 0, nullptr, nullptr);
  Stopped s;
  s.rc = rc;
  s.error = sqlite3_errmsg(db);
  s.finished_first = end < st.stop_from;
  s.after = Seconds(end - st.stop_from);
  sqlite3_finalize(stmt);
  return s;
}

// Up to five tries (a loaded CI machine can stall any one of them); the
// best stop latency must be within the bound, and every try must stop with
// SQLITE_INTERRUPT having been still at work when asked.
template <typename Run>
void CheckStops(const Heavy& q, Run run) {
  INFO(q.what << ": " << q.sql);
  double best = 1e9;
  for (int attempt = 0; attempt < 5 && best >= kStopBound; ++attempt) {
    Stopped s = run();
    INFO("attempt " << attempt << ": rc " << s.rc << " (" << s.error << "), stopped " << s.after
                    << " s after the request");
    REQUIRE_FALSE(s.finished_first);  // else the query is too light to test anything
    CHECK(s.rc == SQLITE_INTERRUPT);
    best = std::min(best, s.after);
  }
  INFO("best stop latency " << best << " s, bound " << kStopBound << " s");
  CHECK(best < kStopBound);
}

}  // namespace

TEST_CASE("interrupt: sqlite3_interrupt stops every heavy function within the bound", "[sql][interrupt]") {
  auto db = OpenShared();
  for (const Heavy& q : HeavyQueries()) {
    CheckStops(q, [&] { return RunInterrupted(db->get(), q.sql, kStopAfter); });
    // The connection is usable afterwards: the interrupt does not stick.
    CHECK(AsInt(db->Scalar("SELECT count(*) FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h')")) ==
          24);
  }
}

TEST_CASE("interrupt: a progress handler returning 1 stops every heavy function", "[sql][interrupt]") {
  auto db = OpenShared();
  for (const Heavy& q : HeavyQueries()) {
    CheckStops(q, [&] { return RunWithProgressStop(db->get(), q.sql, kStopAfter); });
  }
}

TEST_CASE("bounds: tiers, lookback and grid cells are capped before any work", "[sql][bounds]") {
  auto db = OpenShared();
  const std::string range = "'2024-03-01', '2024-03-02'";
  std::string tiers65 = Profile64() + ",200:1";
  std::vector<Row> rows;
  // 65 tiers: the count and the cap.
  CHECK_THAT(db->TryQuery("SELECT * FROM liq_heatmap_model('mkt', " + range +
                              ", '1h', 100, 'BTCUSDT', 'binance', '" + tiers65 + "')",
                          &rows),
             Catch::Contains("has 65 tiers") && Catch::Contains("at most 64"));
  // The 2,000-tier profile fails at once, naming its size.
  std::string tiers2000;
  for (int i = 0; i < 2000; ++i) tiers2000 += (i ? "," : "") + std::to_string(2 + i) + ":1";
  const auto t0 = Clock::now();
  CHECK_THAT(db->TryQuery("SELECT * FROM liq_heatmap_model('mkt', " + range +
                              ", '1h', 100, 'BTCUSDT', 'binance', '" + tiers2000 + "')",
                          &rows),
             Catch::Contains("has 2000 tiers"));
  CHECK(Seconds(Clock::now() - t0) < 0.5);
  // 64 tiers are allowed.
  CHECK(db->TryQuery("SELECT count(*) FROM liq_heatmap_model('mkt', " + range +
                         ", '1d', 1000, 'BTCUSDT', "
                         "'binance', '" +
                         Profile64() + "')",
                     &rows) == "");
  // Lookback: 31 days allowed, 32 not.
  CHECK(db->TryQuery("SELECT count(*) FROM liq_heatmap_model('mkt', " + range +
                         ", '1d', 1000, 'BTCUSDT', 'binance', NULL, '31d')",
                     &rows) == "");
  CHECK_THAT(db->TryQuery("SELECT count(*) FROM liq_heatmap_model('mkt', " + range +
                              ", '1d', 1000, 'BTCUSDT', 'binance', NULL, '32d')",
                          &rows),
             Catch::Contains("lookback") && Catch::Contains("2764800 s") && Catch::Contains("2678400 s"));
}

TEST_CASE("bounds: heatmaps and price histograms are held to the grid-cell cap", "[sql][bounds]") {
  auto db = OpenShared();
  std::vector<Row> rows;
  // Positions' entry prices span 50,000-69,999: at $1 that is 20,000 bins;
  // 10 days of 1h buckets are 240 buckets: 4,800,000 cells.
  const auto t0 = Clock::now();
  CHECK_THAT(
      db->TryQuery("SELECT count(*) FROM liq_heatmap('pos', '2024-03-01', '2024-03-11', '1h', 1)", &rows),
      Catch::Contains("240 buckets × 20000 price bins = 4800000 cells") &&
          Catch::Contains("more than the 2000000") && Catch::Contains("coarser interval or price_step"));
  CHECK(Seconds(Clock::now() - t0) < 0.5);  // before the replay, not after
  // At $10 the axis is 2,000 bins: 480,000 cells are allowed.
  CHECK(db->TryQuery("SELECT count(*) FROM liq_heatmap('pos', '2024-03-10T23:00', '2024-03-11', '1h', 10)",
                     &rows) == "");
  // Liquidation prices span 50,000-69,999.9: 199,999 bins of 0.1 (allowed, the
  // heavy query above), 19,999,901 of 0.001.
  CHECK_THAT(db->TryQuery(
                 "SELECT count(*) FROM liq_price_histogram('liq', '2024-03-01', '2024-03-11', 0.001)", &rows),
             Catch::Contains("prices from 50000 to 69999.9 span 19999901 bins of 0.001") &&
                 Catch::Contains("coarser price_step"));
  // The model: marks stay within a few % of 60,000; 64 tiers from 2x put
  // levels from about half the mark to 1.5 times it: ~60,000 bins at $1, 240 buckets.
  CHECK_THAT(
      db->TryQuery("SELECT count(*) FROM liq_heatmap_model('mkt', '2024-03-01', '2024-03-11', '1h', 1, "
                   "'BTCUSDT', 'binance', '" +
                       Profile64() + "')",
                   &rows),
      Catch::Contains("240 buckets × ") && Catch::Contains("more than the 2000000"));
}
