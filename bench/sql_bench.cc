// The SQL side of bench/sql_bench.sh: the issue-8 queries on liqdb (the
// extension loaded into SQLite, over a store built by `liqdb ingest`) and on
// an ordinary SQLite table with an index on (symbol, ts) holding the same
// rows. Writes one JSON file with every query's text for each engine, its
// median time and a check of its answer; bench/duckdb_bench.mjs adds DuckDB's
// figures from the same file and prints the table.
//
//   build/bench/sql_bench --dir DIR [--reps R] [--budget S] [--ext PATH] [--out FILE]
//
// DIR holds liq.csv (liqdb's liquidation CSV) and store/ (that CSV ingested).
// The SQLite table is loaded from the CSV into DIR/sqlite.db once and reused
// while the CSV is unchanged (its load time is kept in the file).
//
// A query runs once to warm the caches, then up to R times or until S seconds
// (default 8) are spent, at least once; the median is reported. The check of
// an answer is (non-empty result rows, sum of its count columns, sum of its
// notional columns): the same question asked of each engine gives the same
// check up to the summation order of doubles.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// One question, asked of every engine in its own words. Column lists say
// where the answer's counts and notional sums are; -1 in `count` counts rows.
struct Query {
  const char* id;
  const char* label;  // the issue table's wording
  const char* liqdb;
  std::vector<int> liqdb_count, liqdb_sum;
  const char* sqlite;  // SQL over the plain table `liq`
  const char* duckdb;  // nullptr: the SQLite text works as is
  std::vector<int> sql_count, sql_sum;
};

// 2024-03-01 .. 2024-03-31 (30 days), 2024-03-15 (one day), 2024-03-01 .. 08.
const std::vector<Query>& Queries() {
  static const std::vector<Query> q = {
      {"hist30",
       "`liq_histogram` 30 days hourly, BTCUSDT",
       "SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-31', '1h', 'BTCUSDT')",
       {1, 4},
       {3, 6},
       "SELECT ts / 3600000000 AS b, count(*) FILTER (WHERE side = 'long'), sum(notional) FILTER (WHERE side "
       "= 'long'), count(*) FILTER (WHERE side = 'short'), sum(notional) FILTER (WHERE side = 'short') FROM "
       "liq "
       "WHERE symbol = 'BTCUSDT' AND ts >= 1709251200000000 AND ts < 1711843200000000 GROUP BY b",
       "SELECT ts // 3600000000 AS b, count(*) FILTER (WHERE side = 'long'), sum(notional) FILTER (WHERE "
       "side "
       "= 'long'), count(*) FILTER (WHERE side = 'short'), sum(notional) FILTER (WHERE side = 'short') FROM "
       "liq WHERE symbol = 'BTCUSDT' AND ts >= 1709251200000000 AND ts < 1711843200000000 GROUP BY b",
       {1, 3},
       {2, 4}},
      {"hist1",
       "`liq_histogram` 1 day hourly, BTCUSDT",
       "SELECT * FROM liq_histogram('liq', '2024-03-15', '2024-03-16', '1h', 'BTCUSDT')",
       {1, 4},
       {3, 6},
       "SELECT ts / 3600000000 AS b, count(*) FILTER (WHERE side = 'long'), sum(notional) FILTER (WHERE side "
       "= 'long'), count(*) FILTER (WHERE side = 'short'), sum(notional) FILTER (WHERE side = 'short') FROM "
       "liq "
       "WHERE symbol = 'BTCUSDT' AND ts >= 1710460800000000 AND ts < 1710547200000000 GROUP BY b",
       "SELECT ts // 3600000000 AS b, count(*) FILTER (WHERE side = 'long'), sum(notional) FILTER (WHERE "
       "side "
       "= 'long'), count(*) FILTER (WHERE side = 'short'), sum(notional) FILTER (WHERE side = 'short') FROM "
       "liq WHERE symbol = 'BTCUSDT' AND ts >= 1710460800000000 AND ts < 1710547200000000 GROUP BY b",
       {1, 3},
       {2, 4}},
      {"price7",
       "`liq_price_histogram` 7 days, $50 bins, BTCUSDT",
       "SELECT * FROM liq_price_histogram('liq', '2024-03-01', '2024-03-08', 50, 'BTCUSDT')",
       {1, 3},
       {2, 4},
       // Prices are positive: truncation is floor.
       "SELECT CAST(price / 50 AS INTEGER) * 50 AS p, count(*) FILTER (WHERE side = 'long'), sum(notional) "
       "FILTER (WHERE side = 'long'), count(*) FILTER (WHERE side = 'short'), sum(notional) FILTER (WHERE "
       "side "
       "= 'short') FROM liq WHERE symbol = 'BTCUSDT' AND ts >= 1709251200000000 AND ts < 1709856000000000 "
       "GROUP BY p",
       "SELECT floor(price / 50) * 50 AS p, count(*) FILTER (WHERE side = 'long'), sum(notional) FILTER "
       "(WHERE side = 'long'), count(*) FILTER (WHERE side = 'short'), sum(notional) FILTER (WHERE side = "
       "'short') FROM liq WHERE symbol = 'BTCUSDT' AND ts >= 1709251200000000 AND ts < 1709856000000000 "
       "GROUP "
       "BY p",
       {1, 3},
       {2, 4}},
      {"count_big",
       "`SELECT count(*) FROM liq WHERE notional > 1e6`",
       "SELECT count(*) FROM liq WHERE notional > 1e6",
       {0},
       {},
       "SELECT count(*) FROM liq WHERE notional > 1e6",
       nullptr,
       {0},
       {}},
      {"top20",
       "`SELECT * FROM liq WHERE symbol='BTCUSDT' AND notional > 1e6 ORDER BY ts LIMIT 20`",
       "SELECT * FROM liq WHERE symbol = 'BTCUSDT' AND notional > 1e6 ORDER BY ts LIMIT 20",
       {-1},
       {0, 6},
       "SELECT * FROM liq WHERE symbol = 'BTCUSDT' AND notional > 1e6 ORDER BY ts LIMIT 20",
       nullptr,
       {-1},
       {0, 6}},
      {"total",
       "`SELECT count(*), sum(notional) FROM liq`",
       "SELECT count(*), sum(notional) FROM liq",
       {0},
       {1},
       "SELECT count(*), sum(notional) FROM liq",
       nullptr,
       {0},
       {1}},
      {"groupby",
       "`SELECT exchange, symbol, side, count(*), sum(notional) FROM liq GROUP BY 1,2,3`",
       "SELECT exchange, symbol, side, count(*), sum(notional) FROM liq GROUP BY 1, 2, 3",
       {3},
       {4},
       "SELECT exchange, symbol, side, count(*), sum(notional) FROM liq GROUP BY 1, 2, 3",
       nullptr,
       {3},
       {4}},
      // The same question as the GROUP BY, asked of liqdb's function for it.
      {"breakdown",
       "`liq_breakdown` 30 days (per series, long/short; plain SQL: `GROUP BY exchange, symbol`)",
       "SELECT * FROM liq_breakdown('liq', '2024-03-01', '2024-03-31')",
       {3, 6},
       {5, 8},
       "SELECT exchange, symbol, count(*) FILTER (WHERE side = 'long'), sum(notional) FILTER (WHERE side = "
       "'long'), count(*) FILTER (WHERE side = 'short'), sum(notional) FILTER (WHERE side = 'short') FROM "
       "liq "
       "WHERE ts >= 1709251200000000 AND ts < 1711843200000000 GROUP BY 1, 2",
       nullptr,
       {2, 4},
       {3, 5}},
  };
  return q;
}

struct Check {
  int64_t rows = 0;  // result rows with a count > 0 (all rows when the query has no count column)
  double count = 0, sum = 0;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "sql_bench: %s\n", what.c_str());
  std::exit(1);
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    Die(std::string(err ? err : "?") + "\n  in: " + sql);
  }
}

// Runs `sql` to its last row; the check is computed from the rows.
Check RunOnce(sqlite3* db, const std::string& sql, const std::vector<int>& count_cols,
              const std::vector<int>& sum_cols) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    Die(std::string(sqlite3_errmsg(db)) + "\n  in: " + sql);
  }
  Check c;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    double n = 0;
    for (int col : count_cols) n += col < 0 ? 1 : sqlite3_column_double(st, col);
    for (int col : sum_cols) c.sum += sqlite3_column_double(st, col);  // NULL reads as 0
    c.count += n;
    if (n > 0 || count_cols.empty()) ++c.rows;
  }
  if (rc != SQLITE_DONE) Die(std::string(sqlite3_errmsg(db)) + "\n  in: " + sql);
  sqlite3_finalize(st);
  return c;
}

struct Timing {
  double median_ms = 0;
  int runs = 0;
  Check check;
};

Timing Measure(sqlite3* db, const std::string& sql, const std::vector<int>& count_cols,
               const std::vector<int>& sum_cols, int reps, double budget_s) {
  Timing t;
  t.check = RunOnce(db, sql, count_cols, sum_cols);  // warm-up
  std::vector<double> ms;
  const auto start = Clock::now();
  while (ms.empty() || (static_cast<int>(ms.size()) < reps &&
                        std::chrono::duration<double>(Clock::now() - start).count() < budget_s)) {
    const auto t0 = Clock::now();
    RunOnce(db, sql, count_cols, sum_cols);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  t.runs = static_cast<int>(ms.size());
  t.median_ms = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  return t;
}

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string JsonInts(const std::vector<int>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

std::string JsonCheck(const Check& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "{\"rows\":%lld,\"count\":%.17g,\"sum\":%.17g}",
                static_cast<long long>(c.rows), c.count, c.sum);
  return buf;
}

std::string JsonTiming(const Timing& t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "{\"ms\":%.6g,\"runs\":%d,\"check\":", t.median_ms, t.runs);
  return buf + JsonCheck(t.check) + "}";
}

// A fingerprint of the CSV: the SQLite copy is rebuilt when it changes.
std::string CsvStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) Die("cannot read " + path);
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec);
}

// Loads liq.csv into an ordinary table (one transaction, then the index).
// Returns rows and seconds, from this load or the one that built the file.
void LoadSqlite(const std::string& csv, const std::string& db_path, uint64_t* rows, double* seconds) {
  const std::string stamp = CsvStamp(csv);
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) Die("cannot open " + db_path);
  {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT stamp, rows, seconds FROM bench_meta", -1, &st, nullptr) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW &&
        std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == stamp) {
      *rows = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
      *seconds = sqlite3_column_double(st, 2);
      sqlite3_finalize(st);
      sqlite3_close(db);
      std::fprintf(stderr, "sql_bench: reusing %s (%llu rows)\n", db_path.c_str(),
                   static_cast<unsigned long long>(*rows));
      return;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  fs::remove(db_path);
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) Die("cannot open " + db_path);
  std::fprintf(stderr, "sql_bench: loading %s into %s\n", csv.c_str(), db_path.c_str());
  const auto t0 = Clock::now();
  Exec(db, "PRAGMA journal_mode = WAL");
  Exec(db,
       "CREATE TABLE liq(ts INTEGER, exchange TEXT, symbol TEXT, side TEXT, price REAL, qty REAL, notional "
       "REAL)");
  Exec(db, "BEGIN");
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO liq VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &ins, nullptr) !=
      SQLITE_OK) {
    Die(sqlite3_errmsg(db));
  }
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  uint64_t n = 0;
  while (std::getline(in, line)) {
    const char* p = line.c_str();
    const char* field[7];
    int len[7];
    for (int f = 0; f < 7; ++f) {
      const char* e = std::strchr(p, ',');
      if (e == nullptr) e = p + std::strlen(p);
      field[f] = p;
      len[f] = static_cast<int>(e - p);
      p = *e ? e + 1 : e;
    }
    sqlite3_bind_int64(ins, 1, std::strtoll(field[0], nullptr, 10));
    for (int f = 1; f <= 3; ++f) sqlite3_bind_text(ins, f + 1, field[f], len[f], SQLITE_TRANSIENT);
    for (int f = 4; f <= 6; ++f) sqlite3_bind_double(ins, f + 1, std::strtod(field[f], nullptr));
    if (sqlite3_step(ins) != SQLITE_DONE) Die(sqlite3_errmsg(db));
    sqlite3_reset(ins);
    ++n;
  }
  sqlite3_finalize(ins);
  Exec(db, "CREATE INDEX liq_symbol_ts ON liq(symbol, ts)");
  Exec(db, "COMMIT");
  *seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  *rows = n;
  Exec(db, "CREATE TABLE bench_meta(stamp TEXT, rows INTEGER, seconds REAL)");
  Exec(db, "INSERT INTO bench_meta VALUES ('" + stamp + "', " + std::to_string(n) + ", " +
               std::to_string(*seconds) + ")");
  Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, ext = LIQDB_EXTENSION_PATH, out;
  int reps = 5;
  double budget = 8;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) Die("option " + a + " needs a value");
    if (a == "--dir") {
      dir = argv[++i];
    } else if (a == "--reps") {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--budget") {
      budget = std::atof(argv[++i]);
    } else if (a == "--ext") {
      ext = argv[++i];
    } else if (a == "--out") {
      out = argv[++i];
    } else {
      Die("unknown option " + a + " (--dir DIR [--reps R] [--budget S] [--ext PATH] [--out FILE])");
    }
  }
  if (dir.empty()) Die("--dir DIR is required");
  if (out.empty()) out = dir + "/sql_results.json";
  const std::string csv = dir + "/liq.csv", sqlite_path = dir + "/sqlite.db";
  if (!fs::exists(dir + "/store/CURRENT")) Die("no store at " + dir + "/store (run bench/sql_bench.sh)");

  uint64_t sqlite_rows = 0;
  double sqlite_load_s = 0;
  LoadSqlite(csv, sqlite_path, &sqlite_rows, &sqlite_load_s);

  sqlite3* plain = nullptr;
  if (sqlite3_open_v2(sqlite_path.c_str(), &plain, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    Die("cannot open " + sqlite_path);
  }
  // The liqdb side: an SQLite file that declares the table over the store.
  const std::string decl_path = dir + "/liqdb.sqlite";
  sqlite3* liq = nullptr;
  if (sqlite3_open(decl_path.c_str(), &liq) != SQLITE_OK) Die("cannot open " + decl_path);
  sqlite3_enable_load_extension(liq, 1);
  char* err = nullptr;
  if (sqlite3_load_extension(liq, ext.c_str(), "sqlite3_liqdb_init", &err) != SQLITE_OK) {
    Die("cannot load " + ext + ": " + (err ? err : "?"));
  }
  Exec(liq, "CREATE VIRTUAL TABLE IF NOT EXISTS liq USING liqdb(store='store', kind='liquidations')");

  std::string json = "{\"sqlite_rows\":" + std::to_string(sqlite_rows) +
                     ",\"sqlite_load_s\":" + std::to_string(sqlite_load_s) +
                     ",\"sqlite_bytes\":" + std::to_string(fs::file_size(sqlite_path)) + ",\"queries\":[";
  bool first = true;
  for (const Query& q : Queries()) {
    std::fprintf(stderr, "sql_bench: %s ...\n", q.id);
    const Timing l = Measure(liq, q.liqdb, q.liqdb_count, q.liqdb_sum, reps, budget);
    const Timing s = Measure(plain, q.sqlite, q.sql_count, q.sql_sum, reps, budget);
    std::fprintf(stderr, "  liqdb %.3f ms (%d runs), sqlite %.3f ms (%d runs)\n", l.median_ms, l.runs,
                 s.median_ms, s.runs);
    json += std::string(first ? "" : ",") + "{\"id\":" + Json(q.id) + ",\"label\":" + Json(q.label) +
            ",\"liqdb_sql\":" + Json(q.liqdb) + ",\"sqlite_sql\":" + Json(q.sqlite) +
            ",\"duckdb_sql\":" + Json(q.duckdb ? q.duckdb : q.sqlite) +
            ",\"count_cols\":" + JsonInts(q.sql_count) + ",\"sum_cols\":" + JsonInts(q.sql_sum) +
            ",\"liqdb\":" + JsonTiming(l) + ",\"sqlite\":" + JsonTiming(s) + "}";
    first = false;
  }
  json += "]}\n";
  sqlite3_close(liq);
  sqlite3_close(plain);
  std::ofstream(out) << json;
  std::fprintf(stderr, "sql_bench: wrote %s\n", out.c_str());
  return 0;
}
