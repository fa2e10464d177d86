// liqdb_crash_writer: a writer for the crash harness (crash_harness.h) to
// kill. It writes groups first, first + 1, ... (crash_rows.h) until killed
// and prints "ack G" on standard output, flushed, once group G is
// acknowledged; the harness reads these lines back after the SIGKILL.
//
//   liqdb_crash_writer api STORE FIRST
//       Store::Open (read-write, sync) + one AppendAll per group, over two
//       series; chunk_rows is small so appends seal, and every 16th group it
//       also runs Seal(true) and every 64th Compact(), so kills land there
//       too. Acknowledged: AppendAll returned OK.
//   liqdb_crash_writer sql STORE DBFILE FIRST
//       sqlite3 with liqdb.so loaded; a fresh DBFILE declares the table
//       (CREATE VIRTUAL TABLE in this connection), then per group BEGIN;
//       INSERT × 6; COMMIT. Acknowledged: COMMIT returned SQLITE_OK. Every 7th
//       group is rolled back instead and reported as "rollback G": it must
//       never appear.
//
// Exit status 1 with a message on standard error on any failure.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/crash/crash_rows.h"

#include "liqdb/store.h"

namespace liqdb::crash {
namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "liqdb_crash_writer: %s\n", what.c_str());
  return 1;
}

int RunApi(const std::string& path, int64_t first) {
  StoreOptions o;
  o.mode = StoreOptions::Mode::kReadWrite;
  o.sync = true;
  o.chunk_rows = 64;  // seal inside appends every ~20 groups
  auto store = Store::Open(path, o);
  if (!store.ok()) return Fail("open: " + store.status().ToString());
  for (int64_t g = first;; ++g) {
    std::vector<SeriesBatch> batches;
    for (int i = 0; i < kGroupRows; ++i) {
      const SeriesKey key = RowSeries(Layout::kSplit, g, i);
      SeriesBatch* b = nullptr;
      for (auto& x : batches) {
        if (x.key == key) b = &x;
      }
      if (b == nullptr) b = &batches.emplace_back(SeriesBatch{key, Columns(Kind::kLiquidations)});
      b->rows.AddLiquidation(GroupTs(g), RowSide(i), RowPrice(i), GroupQty(g), RowPrice(i) * GroupQty(g));
    }
    auto r = (*store)->AppendAll(batches);
    if (!r.ok()) return Fail("append group " + std::to_string(g) + ": " + r.status().ToString());
    std::printf("ack %lld\n", static_cast<long long>(g));
    std::fflush(stdout);
    if (g % 16 == 15) {
      Status s = (*store)->Seal(true);
      if (!s.ok()) return Fail("seal: " + s.ToString());
    }
    if (g % 64 == 63) {
      Status s = (*store)->Compact();
      if (!s.ok()) return Fail("compact: " + s.ToString());
    }
  }
}

// Runs one statement to completion; "" or SQLite's message.
std::string Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = rc == SQLITE_OK ? "" : (err ? err : sqlite3_errstr(rc));
  sqlite3_free(err);
  return msg;
}

int RunSql(const std::string& store, const std::string& dbfile, int64_t first) {
  std::error_code ec;
  std::filesystem::remove(dbfile, ec);  // the table is declared by this connection
  sqlite3* db = nullptr;
  if (sqlite3_open(dbfile.c_str(), &db) != SQLITE_OK) return Fail("sqlite3_open " + dbfile);
  sqlite3_enable_load_extension(db, 1);
  char* err = nullptr;
  if (sqlite3_load_extension(db, LIQDB_EXTENSION_PATH, "sqlite3_liqdb_init", &err) != SQLITE_OK) {
    std::string m = err ? err : "?";
    sqlite3_free(err);
    return Fail("load extension: " + m);
  }
  std::string m =
      Exec(db, "CREATE VIRTUAL TABLE liq USING liqdb(store='" + store + "', kind='liquidations')");
  if (!m.empty()) return Fail("create table: " + m);
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO liq VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &insert, nullptr) !=
      SQLITE_OK) {
    return Fail(std::string("prepare: ") + sqlite3_errmsg(db));
  }
  for (int64_t g = first;; ++g) {
    if (!(m = Exec(db, "BEGIN")).empty()) return Fail("BEGIN: " + m);
    for (int i = 0; i < kGroupRows; ++i) {
      const SeriesKey key = RowSeries(Layout::kSplit, g, i);
      sqlite3_reset(insert);
      sqlite3_bind_int64(insert, 1, GroupTs(g));
      sqlite3_bind_text(insert, 2, key.exchange.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 3, key.symbol.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 4, SideName(RowSide(i)), -1, SQLITE_STATIC);
      sqlite3_bind_double(insert, 5, RowPrice(i));
      sqlite3_bind_double(insert, 6, GroupQty(g));
      sqlite3_bind_double(insert, 7, RowPrice(i) * GroupQty(g));
      if (sqlite3_step(insert) != SQLITE_DONE) {
        return Fail("INSERT group " + std::to_string(g) + ": " + sqlite3_errmsg(db));
      }
    }
    const bool rollback = g % 7 == 3;
    if (!(m = Exec(db, rollback ? "ROLLBACK" : "COMMIT")).empty()) {
      return Fail("COMMIT group " + std::to_string(g) + ": " + m);
    }
    std::printf("%s %lld\n", rollback ? "rollback" : "ack", static_cast<long long>(g));
    std::fflush(stdout);
  }
}

}  // namespace
}  // namespace liqdb::crash

int main(int argc, char** argv) {
  using namespace liqdb::crash;
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "api" && argc == 4) return RunApi(argv[2], std::atoll(argv[3]));
  if (mode == "sql" && argc == 5) return RunSql(argv[2], argv[3], std::atoll(argv[4]));
  std::fprintf(stderr, "usage: liqdb_crash_writer api STORE FIRST | sql STORE DBFILE FIRST\n");
  return 2;
}
