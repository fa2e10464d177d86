// Benchmark for the foundation: ingest N generated liquidations, then the
// hourly long/short histogram over 30 days for one symbol and the price
// histogram over 7 days, in liqdb and in an ordinary SQLite table with an
// index on (symbol, ts) holding the same rows. Same process, same run;
// prints times, bytes per row and ratios.
//
//   build/bench/histogram_bench [--events N] [--dir DIR] [--reps R] [--queries-only]
//
// --queries-only reuses the liqdb store an earlier run left in DIR and times
// only liqdb's queries (for profiling; no SQLite, no ingest figures).
//
// Timings are wall-clock medians over R repetitions with warm caches (the
// usual dashboard situation: the same query re-run as new data arrives).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tools/gen/generator.h"

#include "liqdb/query.h"
#include "liqdb/store.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double MedianMs(int reps, const std::function<void()>& fn) {
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    fn();
    ms.push_back(Seconds(t0, Clock::now()) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

uint64_t FolderBytes(const std::string& path) {
  uint64_t n = 0;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file(ec)) n += e.file_size(ec);
  }
  return n;
}

void Check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "bench failed: %s\n", what.c_str());
    std::exit(1);
  }
}

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n  in: %s\n", err, sql);
    std::exit(1);
  }
}

// The liqdb queries alone, on the store an earlier run left.
int QueriesOnly(const std::string& store_dir, int reps) {
  auto store = liqdb::Store::Open(store_dir);
  Check(store.ok(), store.status().ToString());
  const liqdb::gen::GenOptions go;
  const liqdb::Timestamp hour = 3600 * liqdb::kMicrosPerSecond;
  const liqdb::Timestamp week_from = go.from + 7 * 24 * hour, week_to = week_from + 7 * 24 * hour;
  size_t bins = 0;
  const double price_ms = MedianMs(reps, [&] {
    auto h = liqdb::LiqPriceHistogram(**store, {week_from, week_to, 100.0, {"BTCUSDT"}, {}, {}});
    Check(h.ok(), h.status().ToString());
    bins = h->size();
  });
  std::printf("%-44s %14.3f  (%zu bins)\n", "price histogram $100, 7 days, BTCUSDT (ms)", price_ms, bins);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t events = 10'000'000;
  std::string dir = "bench-data";
  int reps = 7;
  bool queries_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--events") && i + 1 < argc)
      events = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc)
      reps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--queries-only"))
      queries_only = true;
    else {
      std::fprintf(stderr, "usage: %s [--events N] [--dir DIR] [--reps R] [--queries-only]\n", argv[0]);
      return 2;
    }
  }
  if (queries_only) return QueriesOnly(dir + "/store", reps);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string store_dir = dir + "/store";
  const std::string sqlite_path = dir + "/plain.sqlite";

  // ---- generate ---------------------------------------------------------
  liqdb::gen::GenOptions go;
  go.seed = 42;
  go.liquidations = events;
  go.positions = 0;
  auto gen = liqdb::gen::Generator::Create(go);
  Check(gen.ok(), "generator: " + gen.status().ToString());
  std::vector<liqdb::SeriesBatch> batches;
  auto tg = Clock::now();
  while ((*gen)->NextWindow()) {
    for (auto& b : (*gen)->TakeBatches(liqdb::Kind::kLiquidations)) batches.push_back(std::move(b));
    (*gen)->Discard(liqdb::Kind::kPositions);
    (*gen)->Discard(liqdb::Kind::kMarket);
  }
  uint64_t rows = 0;
  for (const auto& b : batches) rows += b.rows.size();
  std::printf("generated %llu liquidations over 30 days in %.1f s (%zu batches)\n",
              static_cast<unsigned long long>(rows), Seconds(tg, Clock::now()), batches.size());

  // ---- ingest: liqdb ------------------------------------------------------
  double liqdb_ingest_s;
  {
    liqdb::StoreOptions so;
    so.sync = false;  // bulk load; the final Seal/Compact is synced by RocksDB's flush
    auto store = liqdb::Store::Open(store_dir, so);
    Check(store.ok(), store.status().ToString());
    auto t0 = Clock::now();
    for (const auto& b : batches) Check((*store)->Append(b).ok(), "append");
    Check((*store)->Seal(true).ok(), "seal");
    liqdb_ingest_s = Seconds(t0, Clock::now());
    Check((*store)->Compact().ok(), "compact");
  }
  // ---- ingest: SQLite -----------------------------------------------------
  sqlite3* db = nullptr;
  Check(sqlite3_open(sqlite_path.c_str(), &db) == SQLITE_OK, "sqlite open");
  Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  Exec(db,
       "CREATE TABLE liq(ts INTEGER NOT NULL, exchange TEXT NOT NULL, symbol TEXT NOT NULL, "
       "side TEXT NOT NULL, price REAL NOT NULL, qty REAL NOT NULL, notional REAL NOT NULL)");
  double sqlite_ingest_s;
  {
    auto t0 = Clock::now();
    Exec(db, "BEGIN");
    sqlite3_stmt* ins;
    sqlite3_prepare_v2(db, "INSERT INTO liq VALUES(?,?,?,?,?,?,?)", -1, &ins, nullptr);
    for (const auto& b : batches) {
      for (size_t i = 0; i < b.rows.size(); ++i) {
        sqlite3_bind_int64(ins, 1, b.rows.ts[i]);
        sqlite3_bind_text(ins, 2, b.key.exchange.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, b.key.symbol.c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, b.rows.side[i] ? "short" : "long", -1, SQLITE_STATIC);
        sqlite3_bind_double(ins, 5, b.rows.values[0][i]);
        sqlite3_bind_double(ins, 6, b.rows.values[1][i]);
        sqlite3_bind_double(ins, 7, b.rows.values[2][i]);
        Check(sqlite3_step(ins) == SQLITE_DONE, "sqlite insert");
        sqlite3_reset(ins);
      }
    }
    sqlite3_finalize(ins);
    Exec(db, "CREATE INDEX liq_symbol_ts ON liq(symbol, ts)");
    Exec(db, "COMMIT");
    sqlite_ingest_s = Seconds(t0, Clock::now());
    Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  }
  const uint64_t liqdb_bytes = FolderBytes(store_dir);
  const uint64_t sqlite_bytes = FolderBytes(sqlite_path);

  // ---- queries ------------------------------------------------------------
  auto store = liqdb::Store::Open(store_dir);
  Check(store.ok(), store.status().ToString());
  const liqdb::Timestamp from = go.from, to = go.from + go.duration;
  const liqdb::Timestamp hour = 3600 * liqdb::kMicrosPerSecond;
  const liqdb::Timestamp week_from = from + 7 * 24 * hour, week_to = week_from + 7 * 24 * hour;

  size_t liq_buckets = 0;
  double checksum_liqdb = 0, checksum_sqlite = 0;
  const double liqdb_hist_ms = MedianMs(reps, [&] {
    auto h = liqdb::LiqHistogram(**store, {from, to, hour, {"BTCUSDT"}, {}, {}});
    Check(h.ok(), h.status().ToString());
    liq_buckets = h->size();
    checksum_liqdb = 0;
    for (const auto& r : *h) checksum_liqdb += static_cast<double>(r.sides[0].count) + r.sides[1].notional;
  });
  sqlite3_stmt* hist;
  sqlite3_prepare_v2(db,
                     "SELECT (ts/?3)*?3 AS bucket, "
                     "sum(side='long'), sum(CASE WHEN side='long' THEN qty END), "
                     "sum(CASE WHEN side='long' THEN notional END), "
                     "sum(side='short'), sum(CASE WHEN side='short' THEN qty END), "
                     "sum(CASE WHEN side='short' THEN notional END) "
                     "FROM liq WHERE symbol='BTCUSDT' AND ts>=?1 AND ts<?2 GROUP BY bucket",
                     -1, &hist, nullptr);
  size_t sqlite_buckets = 0;
  const double sqlite_hist_ms = MedianMs(std::max(1, reps / 2), [&] {
    sqlite3_bind_int64(hist, 1, from);
    sqlite3_bind_int64(hist, 2, to);
    sqlite3_bind_int64(hist, 3, hour);
    sqlite_buckets = 0;
    checksum_sqlite = 0;
    while (sqlite3_step(hist) == SQLITE_ROW) {
      ++sqlite_buckets;
      checksum_sqlite += sqlite3_column_double(hist, 1) + sqlite3_column_double(hist, 6);
    }
    sqlite3_reset(hist);
  });
  sqlite3_finalize(hist);

  size_t liqdb_bins = 0, sqlite_bins = 0;
  const double liqdb_price_ms = MedianMs(reps, [&] {
    auto h = liqdb::LiqPriceHistogram(**store, {week_from, week_to, 100.0, {"BTCUSDT"}, {}, {}});
    Check(h.ok(), h.status().ToString());
    liqdb_bins = h->size();
  });
  sqlite3_stmt* price;
  sqlite3_prepare_v2(db,
                     "SELECT floor(price/100.0)*100.0 AS bin, sum(side='long'), "
                     "sum(CASE WHEN side='long' THEN notional END), sum(side='short'), "
                     "sum(CASE WHEN side='short' THEN notional END) FROM liq "
                     "WHERE symbol='BTCUSDT' AND ts>=?1 AND ts<?2 GROUP BY bin ORDER BY bin",
                     -1, &price, nullptr);
  const double sqlite_price_ms = MedianMs(std::max(1, reps / 2), [&] {
    sqlite3_bind_int64(price, 1, week_from);
    sqlite3_bind_int64(price, 2, week_to);
    sqlite_bins = 0;
    while (sqlite3_step(price) == SQLITE_ROW) ++sqlite_bins;
    sqlite3_reset(price);
  });
  sqlite3_finalize(price);

  // Raw scan speed: every liquidation row, ts + side + notional decoded.
  uint64_t scanned = 0;
  const double scan_ms = MedianMs(reps, [&] {
    liqdb::ScanFilter f;
    auto s = liqdb::RowScanner::Open(
        **store, f, liqdb::kMaskTs | liqdb::kMaskSide | liqdb::MaskValue(liqdb::liq_col::kNotional));
    Check(s.ok(), s.status().ToString());
    liqdb::ScanBlock block;
    scanned = 0;
    while (true) {
      auto more = (*s)->Next(&block);
      Check(more.ok(), more.status().ToString());
      if (!*more) break;
      scanned += block.rows.size();
    }
  });
  sqlite3_close(db);

  std::printf("\n%-44s %14s %14s %10s\n", "", "liqdb", "sqlite+index", "ratio");
  std::printf("%-44s %14.0f %14.0f %9.1fx\n", "ingest rows/s (from memory, 1 thread)", rows / liqdb_ingest_s,
              rows / sqlite_ingest_s, sqlite_ingest_s / liqdb_ingest_s);
  std::printf("%-44s %14.2f %14.2f %9.1fx\n", "bytes per row on disk",
              static_cast<double>(liqdb_bytes) / rows, static_cast<double>(sqlite_bytes) / rows,
              static_cast<double>(sqlite_bytes) / liqdb_bytes);
  std::printf("%-44s %14.3f %14.1f %9.0fx\n", "hourly histogram, 30 days, BTCUSDT (ms)", liqdb_hist_ms,
              sqlite_hist_ms, sqlite_hist_ms / liqdb_hist_ms);
  std::printf("%-44s %14.3f %14.1f %9.0fx\n", "price histogram $100, 7 days, BTCUSDT (ms)", liqdb_price_ms,
              sqlite_price_ms, sqlite_price_ms / liqdb_price_ms);
  std::printf("%-44s %14.0f\n", "full scan rows/s (ts, side, notional)", scanned / (scan_ms / 1000));
  std::printf(
      "\nhistogram buckets: liqdb %zu (zero-filled), sqlite %zu (non-empty); "
      "price bins: liqdb %zu, sqlite %zu\n",
      liq_buckets, sqlite_buckets, liqdb_bins, sqlite_bins);
  std::printf("check: long count + short notional: liqdb %.6e, sqlite %.6e\n", checksum_liqdb,
              checksum_sqlite);
  return 0;
}
