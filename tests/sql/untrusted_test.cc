// A .sqlite file someone else made, opened with the extension loaded and
// SQLite's default settings, can make liqdb neither create nor modify
// anything on disk; readers never take the write lock; writes from SQL into
// declared tables need the connection's consent (liqdb_allow_writes()).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>

#include "cli_run.h"
#include "sql_test_util.h"

namespace liqdb::sqltest {
namespace {

namespace fs = std::filesystem;

// Every file below `dir` with its size and modification time.
std::map<std::string, std::pair<uintmax_t, int64_t>> Listing(const std::string& dir) {
  std::map<std::string, std::pair<uintmax_t, int64_t>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    REQUIRE(::stat(e.path().c_str(), &st) == 0);
    out[e.path().string()] = {e.is_regular_file() ? e.file_size() : 0,
                              static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  }
  return out;
}

// Runs `liqdb ARGS`; exit code and output (stdout + stderr).
std::pair<int, std::string> Liqdb(const std::string& args) {
  test::CliRun r = test::RunLiqdb(args);
  return {r.code, r.out};
}

// The "attacker's" file: a liqdb table over `store`, a trigger on an ordinary
// table that writes into it, and a view that tries to grant itself writes.
// Made with the extension (CREATE VIRTUAL TABLE creates the store), then the
// folder is removed or kept as the case needs.
void CraftFile(const std::string& file, const std::string& store) {
  Db db(file);
  db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='" + store + "', kind='liquidations')");
  db.Exec("CREATE TABLE notes(x)");
  db.Exec(
      "CREATE TRIGGER plant AFTER INSERT ON notes BEGIN "
      "INSERT INTO liq VALUES (1709251200000000, 'binance', 'BTCUSDT', 'long', 1, 1, 1); END");
  db.Exec("CREATE VIEW grant_writes AS SELECT liqdb_allow_writes() AS ok");
  db.Exec("CREATE VIEW recent AS SELECT count(*) AS n FROM liq");
}

TEST_CASE("declared tables whose store folder is missing create nothing", "[sql][untrusted]") {
  TempDir dir("untrusted-missing");
  const std::string file = dir / "evil.sqlite";
  const std::string store = (fs::path(dir / "elsewhere") / "store").string();
  CraftFile(file, store);
  fs::remove_all(dir / "elsewhere");

  Db db(file);
  CHECK(db.Query("PRAGMA table_info(liq)").size() == 7);
  CHECK_FALSE(fs::exists(dir / "elsewhere"));
  CHECK_THAT(db.Error("SELECT count(*) FROM liq"), Catch::Contains("no liqdb store at '" + store + "'"));
  CHECK_THAT(db.Error("SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h')"),
             Catch::Contains("no liqdb store at"));
  CHECK_THAT(db.Error("INSERT INTO notes VALUES (1)"), Catch::Contains("liqdb_allow_writes"));
  CHECK_FALSE(fs::exists(dir / "elsewhere"));
}

TEST_CASE("reading a declared table writes nothing into its folder", "[sql][untrusted]") {
  TempDir dir("untrusted-read");
  const std::string store = dir / "store";
  {
    Db setup(dir / "setup.sqlite");
    setup.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='" + store + "', kind='liquidations')");
    InsertRows(setup, "liq", RandomLiquidations(5, 400, 1709251200000000, 86400000000));
  }
  const std::string file = dir / "evil.sqlite";
  CraftFile(file, store);
  const auto before = Listing(store);

  Db db(file);
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 400);
  CHECK(AsInt(db.Scalar("SELECT n FROM recent")) == 400);
  CHECK(AsInt(db.Scalar("SELECT sum(long_count + short_count) FROM liq_histogram('liq', '2024-03-01', "
                        "'2024-03-03', '1d')")) == 400);
  // Not a store at all: an error, and the folder stays as it was.
  fs::create_directories(dir / "plain");
  std::ofstream(fs::path(dir / "plain") / "notes.txt") << "mine";
  Db other(":memory:");
  other.Exec("CREATE VIRTUAL TABLE x USING liqdb(store='" + (dir / "plain") +
             "', kind='liquidations', mode='readonly')");
  CHECK_THAT(other.Error("SELECT count(*) FROM x"), Catch::Contains("no liqdb store at"));
  CHECK(fs::directory_iterator(dir / "plain") != fs::directory_iterator());
  CHECK(std::distance(fs::directory_iterator(dir / "plain"), fs::directory_iterator()) == 1);

  // The trigger's INSERT and the view's self-grant both fail under the
  // default trusted_schema=ON; nothing reached the store.
  CHECK_THAT(db.Error("INSERT INTO notes VALUES (1)"), Catch::Contains("liqdb_allow_writes"));
  CHECK_THAT(db.Error("SELECT * FROM grant_writes"), Catch::Contains("unsafe use of liqdb_allow_writes"));
  CHECK_THAT(db.Error("INSERT INTO notes VALUES (2)"), Catch::Contains("liqdb_allow_writes"));
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 400);
  CHECK(Listing(store) == before);
}

TEST_CASE("views over liqdb tables work with trusted_schema=OFF", "[sql][untrusted]") {
  TempDir dir("untrusted-view");
  const std::string file = dir / "t.sqlite";
  {
    Db db(file);
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations')");
    InsertRows(db, "liq", RandomLiquidations(6, 50, 1709251200000000, 3600000000));
    db.Exec("CREATE VIEW longs AS SELECT count(*) AS n FROM liq WHERE side = 'long'");
  }
  Db db(file);
  db.Exec("PRAGMA trusted_schema=OFF");
  const int64_t longs = AsInt(db.Scalar("SELECT n FROM longs"));
  CHECK(longs == AsInt(db.Scalar("SELECT count(*) FROM liq WHERE side = 'long'")));
  CHECK(longs > 0);
}

TEST_CASE("SQL writes: consent for declared tables, the writer lock taken at the first INSERT",
          "[sql][untrusted]") {
  TempDir dir("untrusted-write");
  const std::string file = dir / "t.sqlite";
  {
    Db db(file);
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations')");
    db.Exec("INSERT INTO liq VALUES (1, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");  // created here
  }
  Db db(file);
  CHECK_THAT(db.Error("INSERT INTO liq VALUES (2, 'binance', 'BTCUSDT', 'long', 1, 1, 1)"),
             Catch::Contains("SELECT liqdb_allow_writes()"));
  CHECK(AsInt(db.Scalar("SELECT liqdb_allow_writes()")) == 1);

  // A reader in this process takes no lock: another process writes meanwhile.
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 1);
  const std::string csv = dir / "more.csv";
  std::ofstream(csv) << "ts,exchange,symbol,side,price,qty,notional\n"
                     << "1709251200000000,binance,BTCUSDT,short,62000,0.5,31000\n";
  auto [code, out] = Liqdb("ingest --store " + (dir / "store") + " " + csv);
  INFO(out);
  CHECK(code == 0);
  // The reader catches up within a second, without reopening.
  int64_t seen = 0;
  for (int i = 0; i < 30 && seen != 2; ++i) {
    ::usleep(100'000);
    seen = AsInt(db.Scalar("SELECT count(*) FROM liq"));
  }
  CHECK(seen == 2);

  // This connection's first INSERT makes it the writer; a second writer gets
  // one sentence naming this process.
  db.Exec("INSERT INTO liq VALUES (3, 'binance', 'BTCUSDT', 'long', 1, 1, 1)");
  CHECK(AsInt(db.Scalar("SELECT count(*) FROM liq")) == 3);
  std::tie(code, out) = Liqdb("ingest --store " + (dir / "store") + " " + csv);
  CHECK(code == 1);
  CHECK_THAT(out,
             Catch::Contains("is being written by another process (pid " + std::to_string(::getpid()) + ")"));
  CHECK_THAT(out, !Catch::Contains("Resource temporarily unavailable"));
}

TEST_CASE("liqdb table options: kind= required in new declarations, options at most once", "[sql][vtab]") {
  TempDir dir("options");
  Db db(dir / "t.sqlite");
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(store='s')"), Catch::Contains("missing kind="));
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(store='s', kind='market', kind='positions')"),
             Catch::Contains("kind= is given more than once"));
  CHECK_THAT(db.Error("CREATE VIRTUAL TABLE a USING liqdb(kind='market')"),
             Catch::Contains("missing store="));
  CHECK_FALSE(fs::exists(dir / "s"));
}

}  // namespace
}  // namespace liqdb::sqltest
