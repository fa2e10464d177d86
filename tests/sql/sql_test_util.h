// Helpers for the end-to-end SQL tests: a unique temporary folder, an SQLite
// connection with liqdb.so loaded, and deterministic random liquidations
// that the tests insert both into a liqdb table and into a plain SQLite table
// (the reference the results are checked against).
//
// Everything is RAII: a Db closes its connection, a TempDir removes its folder.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

namespace liqdb::sqltest {

// A folder under $LIQDB_TEST_TMP (or the system temp folder), unique per
// process and call, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static std::atomic<int> counter{0};
    const char* base = std::getenv("LIQDB_TEST_TMP");
    std::filesystem::path root = base != nullptr && base[0] != '\0'
                                     ? std::filesystem::path(base)
                                     : std::filesystem::temp_directory_path() / "liqdb-test";
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = root / (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                    std::to_string(now));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// One SQL value of a result row.
using Value = std::variant<std::monostate, int64_t, double, std::string>;
using Row = std::vector<Value>;

inline bool IsNull(const Value& v) {
  return std::holds_alternative<std::monostate>(v);
}
inline int64_t AsInt(const Value& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  FAIL("not a number");
  return 0;
}
inline double AsDouble(const Value& v) {
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  FAIL("not a number");
  return 0;
}
inline std::string AsText(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  FAIL("not text");
  return {};
}

// An SQLite connection with the liqdb extension loaded.
class Db {
 public:
  explicit Db(const std::string& path = ":memory:") {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_enable_load_extension(db_, 1) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_load_extension(db_, LIQDB_EXTENSION_PATH, "sqlite3_liqdb_init", &err);
    INFO("loading " << LIQDB_EXTENSION_PATH << ": " << (err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() const { return db_; }

  // Runs SQL that must succeed.
  void Exec(const std::string& sql) {
    const std::string err = Try(sql);
    INFO(sql);
    REQUIRE(err == "");
  }

  // Runs every statement of `sql`, stepping each to the end; returns the
  // error message, or "" when all succeeded.
  std::string Try(const std::string& sql) {
    const char* tail = sql.c_str();
    while (tail != nullptr && *tail != '\0') {
      sqlite3_stmt* stmt = nullptr;
      int rc = sqlite3_prepare_v2(db_, tail, -1, &stmt, &tail);
      if (rc != SQLITE_OK) return Error();
      if (stmt == nullptr) break;  // trailing whitespace/comments
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      }
      std::string err = rc == SQLITE_DONE ? "" : Error();
      sqlite3_finalize(stmt);
      if (!err.empty()) return err;
    }
    return "";
  }

  // The rows of one SELECT, which must succeed.
  std::vector<Row> Query(const std::string& sql) {
    std::vector<Row> rows;
    const std::string err = TryQuery(sql, &rows);
    INFO(sql);
    REQUIRE(err == "");
    return rows;
  }

  std::string TryQuery(const std::string& sql, std::vector<Row>* rows) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return Error();
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      Row row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_INTEGER: row.emplace_back(int64_t{sqlite3_column_int64(stmt, i)}); break;
          case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(stmt, i)); break;
          case SQLITE_NULL: row.emplace_back(std::monostate{}); break;
          default:
            row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                                         sqlite3_column_bytes(stmt, i)));
        }
      }
      rows->push_back(std::move(row));
    }
    std::string err = rc == SQLITE_DONE ? "" : Error();
    sqlite3_finalize(stmt);
    return err;
  }

  // The single value of a one-row, one-column SELECT.
  Value Scalar(const std::string& sql) {
    auto rows = Query(sql);
    INFO(sql);
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].size() == 1);
    return rows[0][0];
  }

  // The error of a statement that must fail.
  std::string Error(const std::string& sql) {
    const std::string err = Try(sql);
    INFO(sql);
    REQUIRE(err != "");
    return err;
  }

 private:
  std::string Error() const {
    const char* msg = sqlite3_errmsg(db_);
    return msg != nullptr && msg[0] != '\0' ? msg : "unknown error";
  }
  sqlite3* db_ = nullptr;
};

// A liquidation as the tests generate it.
struct Liq {
  int64_t ts;
  std::string exchange, symbol, side;
  double price, qty, notional;
};

// `n` deterministic liquidations in [from, from + span): several venues,
// symbols and both sides, prices on a 0.1 tick, sizes on a 0.001 lot, some
// events sharing a microsecond.
inline std::vector<Liq> RandomLiquidations(uint64_t seed, size_t n, int64_t from, int64_t span) {
  std::mt19937_64 rng(seed);
  const char* venues[] = {"binance", "bybit", "okx"};
  const char* symbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  const double base[] = {60000, 3000, 150};
  std::vector<Liq> out;
  out.reserve(n);
  std::uniform_int_distribution<int64_t> ts_dist(0, span - 1);
  for (size_t i = 0; i < n; ++i) {
    Liq l;
    l.ts = (i > 0 && rng() % 20 == 0) ? out.back().ts : from + ts_dist(rng);
    l.exchange = venues[rng() % 3];
    const int s = static_cast<int>(rng() % 3);
    l.symbol = symbols[s];
    l.side = rng() % 5 < 3 ? "long" : "short";
    const double ticks = std::round(base[s] * 10 * (0.9 + 0.2 * (rng() % 100000) / 100000.0));
    l.price = ticks / 10;
    l.qty = static_cast<double>(1 + rng() % 5000) / 1000;
    l.notional = l.price * l.qty;
    out.push_back(l);
  }
  return out;
}

inline std::string PlainTableSql(const std::string& name) {
  return "CREATE TABLE " + name +
         "(ts INTEGER, exchange TEXT, symbol TEXT, side TEXT, price REAL, qty REAL, notional REAL)";
}

// Inserts `rows` into `table` in one transaction.
inline void InsertRows(Db& db, const std::string& table, const std::vector<Liq>& rows) {
  db.Exec("BEGIN");
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db.get(), ("INSERT INTO " + table + " VALUES (?,?,?,?,?,?,?)").c_str(), -1,
                             &stmt, nullptr) == SQLITE_OK);
  for (const Liq& l : rows) {
    sqlite3_bind_int64(stmt, 1, l.ts);
    sqlite3_bind_text(stmt, 2, l.exchange.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, l.symbol.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, l.side.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(stmt, 5, l.price);
    sqlite3_bind_double(stmt, 6, l.qty);
    sqlite3_bind_double(stmt, 7, l.notional);
    const int rc = sqlite3_step(stmt);
    INFO(sqlite3_errmsg(db.get()));
    REQUIRE(rc == SQLITE_DONE);
    sqlite3_reset(stmt);
  }
  sqlite3_finalize(stmt);
  db.Exec("COMMIT");
}

// Checks two doubles to 1e-9 relative (absolute near zero).
inline bool Close(double a, double b) {
  return std::fabs(a - b) <= 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
}

}  // namespace liqdb::sqltest
