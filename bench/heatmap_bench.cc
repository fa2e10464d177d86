// Benchmark for issue 3: the snapshot liquidation heatmap over positions and
// the model heatmap over market samples, in liqdb and — where the computation
// is expressible in SQL — in plain SQL over an ordinary SQLite table holding
// the same rows. Same run; prints wall time, peak memory and ratios.
//
//   build/bench/heatmap_bench [--accounts N] [--preamble-hours H] [--days-model D]
//                             [--sqlite-buckets K] [--dir DIR] [--reuse 1]
//
// --reuse 1 keeps the stores of an earlier run in DIR (same options) instead
// of loading them again; --sqlite-buckets 0 skips the SQLite side (and its
// slow load). The "no keyframes" run ignores any keyframes in the store.
//
// Positions: N accounts (default 100 000) on one series (binance BTCUSDT),
// each updating its position every 10 minutes at its own phase, from H hours
// (default 12) before the measured day to its end: N × 6 × (24 + H) rows. A
// simple deterministic model: a random-walk mark price, leverage from a mix
// of 5…100x, entry at the mark, about 5 % closes, half of the rows with an
// explicit liq_price and half computed. The measured query is the heatmap of
// the day at 5-minute × $50 bins (288 buckets), first without keyframes, then
// after WritePositionKeyframes.
//
// The SQLite side runs, per bucket, the window-function query "latest row per
// (account, side) with ts < bucket end, binned by liq_price". Each bucket is a
// full scan + sort of the rows before it, so only K buckets (default 4,
// spread over the day) are run and the time is extrapolated ×288/K; the
// report says so.
//
// Model: D days (default 30) of 1-second market samples (random-walk mark,
// open interest rising and falling), model heatmap of the last day at 5m ×
// $50 with the default profile and 7-day lookback (so 8 days are replayed).
// The model's sweep/scale replay is stateful and has no plain-SQL form, so
// only liqdb is timed.
//
// Peak memory: each measurement runs in its own forked child and reports its
// getrusage(RUSAGE_SELF).ru_maxrss; the parent holds no data.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "liqdb/heatmap.h"
#include "liqdb/store.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kDay = 86400 * kSec;
constexpr int64_t kDayStart = 1'709'251'200LL * kSec;  // 2024-03-01, the measured day (positions)
constexpr int64_t kInterval = 300 * kSec;
constexpr double kStep = 50;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "bench failed: %s\n", what.c_str());
    std::_Exit(1);
  }
}

// What a measuring child sends back.
// CPU time of this process: on a shared machine wall time also counts the
// other processes' turns, CPU time only ours.
double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Measure {
  double seconds = 0;
  double cpu_seconds = 0;
  long max_rss_kb = 0;
  double checksum = 0;  // Σ notional over the checked buckets
  uint64_t cells = 0;
  uint64_t extra = 0;
  uint64_t digest = 0;  // FNV-1a of every cell's bits: equal digests, equal grids
};

// Folds a cell into an FNV-1a digest, bit for bit (so a change that moves a
// single rounding shows, where a sum of notionals may not).
uint64_t Fold(uint64_t h, const liqdb::HeatmapCell& c) {
  const double parts[] = {c.price, c.long_notional, c.short_notional};
  auto mix = [&h](uint64_t v) {
    for (int i = 0; i < 8; ++i) h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
  };
  mix(static_cast<uint64_t>(c.bucket));
  for (double d : parts) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    mix(bits);
  }
  mix(c.positions);
  return h;
}

// Runs `fn` in a forked child; returns what it measured, with its peak RSS.
Measure InChild(const std::function<Measure()>& fn) {
  int fds[2];
  Check(pipe(fds) == 0, "pipe");
  std::fflush(stdout);
  const pid_t pid = fork();
  Check(pid >= 0, "fork");
  if (pid == 0) {
    close(fds[0]);
    Measure m = fn();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    m.max_rss_kb = ru.ru_maxrss;
    Check(write(fds[1], &m, sizeof m) == static_cast<ssize_t>(sizeof m), "write");
    std::fflush(stdout);
    std::_Exit(0);
  }
  close(fds[1]);
  Measure m;
  const ssize_t n = read(fds[0], &m, sizeof m);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  Check(n == static_cast<ssize_t>(sizeof m) && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child");
  return m;
}

struct Args {
  int accounts = 100000;
  int preamble_hours = 12;
  int days_model = 30;
  int sqlite_buckets = 4;
  std::string dir = "/tmp/liqdb-heatmap-bench";
  bool reuse = false;
};

// Finds no keyframe: the replay starts from the series' first row.
class NoKeyframes : public liqdb::KeyframeProvider {
 public:
  liqdb::Result<std::optional<liqdb::PositionKeyframe>> Find(uint32_t, liqdb::Timestamp) const override {
    return std::optional<liqdb::PositionKeyframe>();
  }
};

// The linear liquidation prices at mmr 0.005, written out on purpose: the
// SQLite reference query must not share liqdb's LiqPrice (liqdb/liq_price.h).
double LongLiq(double e, double l) {
  return e * (1 - 1 / l) / (1 - 0.005);
}
double ShortLiq(double e, double l) {
  return e * (1 + 1 / l) / (1 + 0.005);
}

// Generates the positions slot by slot (10 minutes) and hands each slot's
// rows, sorted by time, to liqdb and to SQLite.
void LoadPositions(const Args& a, const std::string& store_dir, const std::string& sqlite_path,
                   uint64_t* rows) {
  const bool with_sqlite = a.sqlite_buckets > 0;
  liqdb::StoreOptions so;
  so.sync = false;
  auto store = liqdb::Store::Open(store_dir, so);
  Check(store.ok(), "open store");
  sqlite3* db = nullptr;
  Check(sqlite3_open(sqlite_path.c_str(), &db) == SQLITE_OK, "open sqlite");
  sqlite3_exec(
      db,
      "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; CREATE TABLE p(ts INTEGER, exchange TEXT, "
      "symbol TEXT, account TEXT, side TEXT, size REAL, entry_price REAL, leverage REAL, liq_price REAL)",
      nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  Check(sqlite3_prepare_v2(db, "INSERT INTO p VALUES (?, 'binance', 'BTCUSDT', ?, ?, ?, ?, ?, ?)", -1, &ins,
                           nullptr) == SQLITE_OK,
        "prepare insert");
  std::mt19937_64 rng(42);
  const double levs[] = {5, 10, 20, 25, 50, 100};
  const double lev_w[] = {0.15, 0.3, 0.2, 0.15, 0.12, 0.08};
  std::discrete_distribution<int> lev_dist(std::begin(lev_w), std::end(lev_w));
  std::vector<int64_t> phase(a.accounts);
  std::vector<uint8_t> side(a.accounts);
  std::vector<std::string> names(a.accounts);
  for (int i = 0; i < a.accounts; ++i) {
    phase[i] = static_cast<int64_t>(rng() % (600 * kSec));
    side[i] = static_cast<uint8_t>(rng() % 2);
    names[i] = "acct" + std::to_string(i);
  }
  const int64_t start = kDayStart - a.preamble_hours * 3600 * kSec;
  double price = 60000;
  std::normal_distribution<double> step(0, 60);
  struct Row {
    int64_t ts;
    int account;
    double size, entry, lev, liq;  // liq NaN = NULL
  };
  std::vector<Row> slot;
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (int64_t s = start; s < kDayStart + kDay; s += 600 * kSec) {
    slot.clear();
    for (int i = 0; i < a.accounts; ++i) {
      Row r;
      r.ts = s + phase[i];
      r.account = i;
      r.size = rng() % 20 == 0 ? 0 : std::round(static_cast<double>(1 + rng() % 10000)) / 1000;
      r.entry = std::round((price + step(rng)) * 10) / 10;
      r.lev = levs[lev_dist(rng)];
      const double lp = side[i] == 0 ? LongLiq(r.entry, r.lev) : ShortLiq(r.entry, r.lev);
      r.liq = rng() % 2 ? std::round(lp * 10) / 10 : std::nan("");
      slot.push_back(r);
    }
    price = std::max(20000.0, price + step(rng) * 5);
    std::sort(slot.begin(), slot.end(), [](const Row& x, const Row& y) { return x.ts < y.ts; });
    liqdb::SeriesBatch batch{{"binance", "BTCUSDT"}, liqdb::Columns(liqdb::Kind::kPositions)};
    batch.rows.Reserve(slot.size());
    for (const Row& r : slot) {
      const auto liq = std::isnan(r.liq) ? std::nullopt : std::optional<double>(r.liq);
      batch.rows.AddPosition(r.ts, names[r.account],
                             side[r.account] == 0 ? liqdb::Side::kLong : liqdb::Side::kShort, r.size, r.entry,
                             r.lev, liq);
      if (!with_sqlite) continue;
      sqlite3_bind_int64(ins, 1, r.ts);
      sqlite3_bind_text(ins, 2, names[r.account].c_str(), -1, SQLITE_STATIC);
      sqlite3_bind_text(ins, 3, side[r.account] == 0 ? "long" : "short", -1, SQLITE_STATIC);
      sqlite3_bind_double(ins, 4, r.size);
      sqlite3_bind_double(ins, 5, r.entry);
      sqlite3_bind_double(ins, 6, r.lev);
      if (std::isnan(r.liq)) {
        sqlite3_bind_null(ins, 7);
      } else {
        sqlite3_bind_double(ins, 7, r.liq);
      }
      Check(sqlite3_step(ins) == SQLITE_DONE, "sqlite insert");
      sqlite3_reset(ins);
    }
    auto st = (*store)->Append(batch);
    Check(st.ok(), "append: " + (st.ok() ? std::string() : st.status().message()));
    *rows += slot.size();
  }
  sqlite3_exec(db, "COMMIT; CREATE INDEX p_ts ON p(ts)", nullptr, nullptr, nullptr);
  sqlite3_finalize(ins);
  sqlite3_close(db);
  Check((*store)->Seal(true).ok(), "seal");
  Check((*store)->Compact().ok(), "compact");
}

// The buckets the SQLite side runs: K spread over the day.
std::vector<int64_t> CheckedBuckets(int k) {
  std::vector<int64_t> out;
  const int n = static_cast<int>(kDay / kInterval);
  for (int i = 0; i < k; ++i)
    out.push_back(kDayStart + static_cast<int64_t>((i * (n - 1)) / std::max(1, k - 1)) * kInterval);
  return out;
}

Measure LiqdbSnapshot(const std::string& store_dir, const std::vector<int64_t>& checked, bool keyframes) {
  auto store = liqdb::Store::Open(store_dir);
  Check(store.ok(), "open store");
  liqdb::SnapshotHeatmapSpec spec;
  spec.from = kDayStart;
  spec.to = kDayStart + kDay;
  spec.interval = kInterval;
  spec.price_step = kStep;
  Measure m;
  m.digest = 0xcbf29ce484222325ULL;
  const auto t0 = Clock::now();
  NoKeyframes none;
  const double c0 = CpuSeconds();
  auto cur = liqdb::OpenSnapshotHeatmap(**store, spec, keyframes ? nullptr : &none);
  Check(cur.ok(), "open heatmap");
  liqdb::HeatmapCell c;
  while (true) {
    auto more = (*cur)->Next(&c);
    Check(more.ok(), "heatmap next");
    if (!*more) break;
    ++m.cells;
    m.digest = Fold(m.digest, c);
    if (std::find(checked.begin(), checked.end(), c.bucket) != checked.end()) {
      m.checksum += c.long_notional + c.short_notional;
    }
  }
  m.seconds = Seconds(t0, Clock::now());
  m.cpu_seconds = CpuSeconds() - c0;
  return m;
}

Measure SqliteSnapshot(const std::string& path, const std::vector<int64_t>& checked) {
  sqlite3* db = nullptr;
  Check(sqlite3_open(path.c_str(), &db) == SQLITE_OK, "open sqlite");
  sqlite3_stmt* q = nullptr;
  // Latest row per key with ts < bucket end; level = liq_price or the linear
  // formula (mmr 0.005); binned by floor(level / 50) · 50.
  const char* sql =
      "SELECT CAST(lp / 50 AS INTEGER) * 50 AS price, total(CASE side WHEN 'long' THEN size * lp END), "
      "total(CASE side WHEN 'short' THEN size * lp END), count(*) FROM ("
      " SELECT side, size, COALESCE(liq_price, CASE side WHEN 'long' THEN entry_price * (1 - 1.0 / leverage) "
      "/ 0.995"
      "  ELSE entry_price * (1 + 1.0 / leverage) / 1.005 END) AS lp FROM ("
      "  SELECT *, ROW_NUMBER() OVER (PARTITION BY exchange, symbol, account, side ORDER BY ts DESC) AS rn"
      "  FROM p WHERE ts < ?1) WHERE rn = 1 AND size > 0) WHERE lp > 0 GROUP BY 1 ORDER BY 1";
  Check(sqlite3_prepare_v2(db, sql, -1, &q, nullptr) == SQLITE_OK,
        std::string("prepare: ") + sqlite3_errmsg(db));
  Measure m;
  const auto t0 = Clock::now();
  for (int64_t b : checked) {
    sqlite3_bind_int64(q, 1, b + kInterval);
    while (sqlite3_step(q) == SQLITE_ROW) {
      ++m.cells;
      m.checksum += sqlite3_column_double(q, 1) + sqlite3_column_double(q, 2);
    }
    sqlite3_reset(q);
  }
  m.seconds = Seconds(t0, Clock::now());
  sqlite3_finalize(q);
  sqlite3_close(db);
  return m;
}

void LoadMarket(const Args& a, const std::string& store_dir, uint64_t* rows) {
  liqdb::StoreOptions so;
  so.sync = false;
  auto store = liqdb::Store::Open(store_dir, so);
  Check(store.ok(), "open store");
  std::mt19937_64 rng(7);
  std::normal_distribution<double> dp(0, 8), doi(0, 3);
  double price = 60000, oi = 80000;
  const int64_t start = kDayStart;
  const int64_t end = start + a.days_model * kDay;
  liqdb::SeriesBatch batch{{"binance", "BTCUSDT"}, liqdb::Columns(liqdb::Kind::kMarket)};
  for (int64_t t = start; t < end; t += kSec) {
    price = std::max(20000.0, price + dp(rng));
    oi = std::max(1000.0, oi + doi(rng) + 0.02 * (80000 - oi) / 100);
    batch.rows.AddMarket(t, std::round(price * 10) / 10, std::round(oi * 1000) / 1000);
    if (batch.rows.size() == 86400) {
      Check((*store)->Append(batch).ok(), "append market");
      *rows += batch.rows.size();
      batch.rows.Clear();
    }
  }
  if (!batch.rows.empty()) {
    Check((*store)->Append(batch).ok(), "append market");
    *rows += batch.rows.size();
  }
  Check((*store)->Seal(true).ok(), "seal");
  Check((*store)->Compact().ok(), "compact");
}

Measure LiqdbModel(const Args& a, const std::string& store_dir) {
  auto store = liqdb::Store::Open(store_dir);
  Check(store.ok(), "open store");
  liqdb::ModelHeatmapSpec spec;
  spec.to = kDayStart + a.days_model * kDay;
  spec.from = spec.to - kDay;
  spec.interval = kInterval;
  spec.price_step = kStep;
  spec.symbol = "BTCUSDT";
  spec.exchange = "binance";
  Measure m;
  const auto t0 = Clock::now();
  auto cur = liqdb::OpenModelHeatmap(**store, spec);
  Check(cur.ok(), "open model");
  liqdb::HeatmapCell c;
  while (true) {
    auto more = (*cur)->Next(&c);
    Check(more.ok(), "model next");
    if (!*more) break;
    ++m.cells;
    m.checksum += c.long_notional + c.short_notional;
  }
  m.seconds = Seconds(t0, Clock::now());
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::printf(
          "build/bench/heatmap_bench [--accounts N] [--preamble-hours H] [--days-model D]\n"
          "                          [--sqlite-buckets K] [--dir DIR] [--reuse 1]\n"
          "Snapshot heatmap (N accounts, default 100000; H hours before the day, default 12) and\n"
          "model heatmap (D days of market samples, default 30; 0 skips it), against plain SQL over\n"
          "SQLite for K buckets (default 4, minutes each; 0 skips SQLite and its load). DIR (default\n"
          "/tmp/liqdb-heatmap-bench) holds pos/, pos.sqlite and mkt/; --reuse 1 keeps them.\n");
      return 0;
    }
    Check(i + 1 < argc, "option " + k + " needs a value (see --help)");
    if (k == "--accounts")
      a.accounts = std::atoi(argv[i + 1]);
    else if (k == "--preamble-hours")
      a.preamble_hours = std::atoi(argv[i + 1]);
    else if (k == "--days-model")
      a.days_model = std::atoi(argv[i + 1]);
    else if (k == "--sqlite-buckets")
      a.sqlite_buckets = std::atoi(argv[i + 1]);
    else if (k == "--dir")
      a.dir = argv[i + 1];
    else if (k == "--reuse")
      a.reuse = std::atoi(argv[i + 1]) != 0;
    else
      Check(false, "unknown option " + k + " (see --help)");
  }
  const std::string pos_store = a.dir + "/pos", sqlite_path = a.dir + "/pos.sqlite",
                    mkt_store = a.dir + "/mkt";
  const bool reuse_pos =
      a.reuse && fs::exists(pos_store) && (a.sqlite_buckets == 0 || fs::exists(sqlite_path));
  const bool reuse_mkt = a.reuse && fs::exists(mkt_store);
  if (!reuse_pos) {
    fs::remove_all(pos_store);
    fs::remove(sqlite_path);
  }
  if (!reuse_mkt) fs::remove_all(mkt_store);
  fs::create_directories(a.dir);

  // ---- Snapshot heatmap ----
  std::printf("snapshot heatmap: %d accounts, update every 10 min, %d h before the day + 1 day\n", a.accounts,
              a.preamble_hours);
  const auto t_load = Clock::now();
  if (reuse_pos) {
    std::printf("  reusing the position store of an earlier run in %s\n", a.dir.c_str());
  } else {
    const Measure load = InChild([&] {
      Measure m;
      LoadPositions(a, pos_store, sqlite_path, &m.extra);
      return m;
    });
    std::printf("  loaded %llu position rows into liqdb%s in %.1f s\n",
                static_cast<unsigned long long>(load.extra), a.sqlite_buckets > 0 ? " and SQLite" : "",
                Seconds(t_load, Clock::now()));
  }
  const auto checked = CheckedBuckets(a.sqlite_buckets);
  const Measure no_kf = InChild([&] { return LiqdbSnapshot(pos_store, checked, false); });
  const Measure kf_write = InChild([&] {
    Measure m;
    auto store = liqdb::Store::Open(pos_store);
    Check(store.ok(), "open store");
    const auto t0 = Clock::now();
    auto n = liqdb::WritePositionKeyframes(**store);
    Check(n.ok(), "keyframes");
    m.extra = *n;
    m.seconds = Seconds(t0, Clock::now());
    return m;
  });
  const Measure with_kf = InChild([&] { return LiqdbSnapshot(pos_store, checked, true); });
  std::printf("  liqdb, no keyframes:    %8.2f s  (cpu %.2f s)  %7.0f MB peak  %llu cells\n", no_kf.seconds,
              no_kf.cpu_seconds, no_kf.max_rss_kb / 1024.0, static_cast<unsigned long long>(no_kf.cells));
  std::printf("  WritePositionKeyframes: %8.2f s  (%llu keyframes)\n", kf_write.seconds,
              static_cast<unsigned long long>(kf_write.extra));
  std::printf("  liqdb, with keyframes:  %8.2f s  (cpu %.2f s)  %7.0f MB peak  %llu cells\n", with_kf.seconds,
              with_kf.cpu_seconds, with_kf.max_rss_kb / 1024.0,
              static_cast<unsigned long long>(with_kf.cells));
  std::printf(
      "  check: liqdb with and without keyframes %s (notional in the checked buckets %.17g / %.17g)\n",
      no_kf.checksum == with_kf.checksum && no_kf.cells == with_kf.cells ? "agree" : "DIFFER", no_kf.checksum,
      with_kf.checksum);
  // The two replays add and remove notionals in different orders (the
  // keyframe's positions go in sorted by account), so their last bits may
  // differ: each digest is to compare with the same mode of another build.
  std::printf("  digest of every cell: no keyframes %016llx, with keyframes %016llx\n",
              static_cast<unsigned long long>(no_kf.digest), static_cast<unsigned long long>(with_kf.digest));
  if (a.sqlite_buckets > 0) {
    const Measure sq = InChild([&] { return SqliteSnapshot(sqlite_path, checked); });
    const double buckets = static_cast<double>(kDay / kInterval);
    const double sq_full = sq.seconds * buckets / a.sqlite_buckets;
    std::printf(
        "  SQLite window query:    %8.2f s for %d of %.0f buckets (%.2f s/bucket) -> %.1f s extrapolated "
        "for the day; %7.0f MB peak\n",
        sq.seconds, a.sqlite_buckets, buckets, sq.seconds / a.sqlite_buckets, sq_full,
        sq.max_rss_kb / 1024.0);
    std::printf("  check: notional in the %d checked buckets liqdb %.6g, SQLite %.6g (rel. diff %.2g)\n",
                a.sqlite_buckets, with_kf.checksum, sq.checksum,
                std::fabs(with_kf.checksum - sq.checksum) / std::max(1.0, std::fabs(sq.checksum)));
    std::printf("  ratio SQLite (extrapolated day) / liqdb with keyframes: %.0fx; per bucket: %.0fx\n",
                sq_full / with_kf.seconds, (sq.seconds / a.sqlite_buckets) / (with_kf.seconds / buckets));
  }
  std::printf("  ratio liqdb without / with keyframes: %.2fx\n", no_kf.seconds / with_kf.seconds);

  // ---- Model heatmap ----
  if (a.days_model > 0) {
    std::printf("model heatmap: %d days of 1-second market samples, last day at 5m x $%.0f, lookback 7d\n",
                a.days_model, kStep);
    const auto t_m = Clock::now();
    if (!reuse_mkt) {
      const Measure mload = InChild([&] {
        Measure m;
        LoadMarket(a, mkt_store, &m.extra);
        return m;
      });
      std::printf("  loaded %llu market rows in %.1f s\n", static_cast<unsigned long long>(mload.extra),
                  Seconds(t_m, Clock::now()));
    }
    const Measure model = InChild([&] { return LiqdbModel(a, mkt_store); });
    std::printf(
        "  liqdb model heatmap:    %8.2f s  %7.0f MB peak  %llu cells (no plain-SQL form: the sweep "
        "is stateful)\n",
        model.seconds, model.max_rss_kb / 1024.0, static_cast<unsigned long long>(model.cells));
  }
  return 0;
}
