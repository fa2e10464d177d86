// End-to-end tests of `liqdb export`: a store made with `liqdb gen` is
// exported to .sqlite and CSV by the built CLI; the .sqlite files are read
// by a plain `sqlite3` shell that never loads the extension (as Grafana or
// DB Browser would) and compared with the store read through the C++ API;
// CSV goes back through `liqdb ingest` into a fresh store row for row; and
// every refused case leaves nothing behind.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "test_util.h"

#include "liqdb/heatmap.h"
#include "liqdb/query.h"
#include "liqdb/store.h"

namespace liqdb {
namespace {

namespace fs = std::filesystem;

struct Run {
  int code = -1;
  std::string out;
};

// Runs a shell command; returns its exit code and standard output.
Run Sh(const std::string& cmd) {
  Run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// `liqdb ARGS`, standard error folded into the output.
Run Liqdb(const std::string& args) {
  return Sh(std::string(LIQDB_CLI_PATH) + " " + args + " 2>&1");
}

// Runs SQL in a plain sqlite3 shell (no extension, no ~/.sqliterc) over
// `db`; rows come back as lines of '|'-separated values.
std::string PlainSql(const test::TempDir& dir, const std::string& db, const std::string& sql) {
  const std::string script = dir.Sub("query.sql");
  std::ofstream(script) << sql << "\n";
  Run r = Sh("sqlite3 -init /dev/null -batch -noheader -bail '" + db + "' < '" + script + "' 2>&1");
  INFO(sql);
  INFO(r.out);
  REQUIRE(r.code == 0);
  return r.out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, '|')) out.push_back(cell);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Files in `dir` whose name starts with '.' (the sinks' temporary files).
int HiddenFiles(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string()[0] == '.';
  return n;
}

constexpr const char* kGen =
    " --days 0.25 --events 6000 --positions 3000 --accounts 150 --symbols BTCUSDT,ETHUSDT "
    "--exchanges binance,okx --market-interval 1m -q";

std::shared_ptr<Store> OpenReader(const std::string& dir) {
  StoreOptions o;
  o.mode = StoreOptions::Mode::kReadOnly;
  o.create_if_missing = false;
  Result<std::shared_ptr<Store>> s = Store::Open(dir, o);
  REQUIRE(s.ok());
  return *s;
}

// Per (symbol, side) in the store, through RowScanner: row count, the sum of
// one value column, and how many of that column are NULL. Side is "" for
// market rows.
struct Sums {
  int64_t count = 0, nulls = 0;
  double sum = 0;
};
std::map<std::pair<std::string, std::string>, Sums> StoreSums(const Store& store, Kind kind, int column) {
  std::map<std::pair<std::string, std::string>, Sums> out;
  ScanFilter f;
  f.kind = kind;
  auto scanner = RowScanner::Open(store, f);
  REQUIRE(scanner.ok());
  ScanBlock b;
  for (;;) {
    Result<bool> more = (*scanner)->Next(&b);
    REQUIRE(more.ok());
    if (!*more) break;
    for (size_t i = 0; i < b.rows.size(); ++i) {
      const std::string side = SchemaOf(kind).has_side ? SideName(static_cast<Side>(b.rows.side[i])) : "";
      Sums& s = out[{b.series.symbol, side}];
      ++s.count;
      const double v = b.rows.values[column][i];
      if (std::isnan(v)) {
        ++s.nulls;
      } else {
        s.sum += v;
      }
    }
  }
  return out;
}

// The same figures from an exported table, by plain SQL.
std::map<std::pair<std::string, std::string>, Sums> FileSums(const test::TempDir& dir, const std::string& db,
                                                             const std::string& table,
                                                             const std::string& column, bool has_side) {
  const std::string side = has_side ? "side" : "''";
  const std::string out = PlainSql(dir, db,
                                   "SELECT symbol, " + side + ", count(*), count(*) - count(" + column +
                                       "), printf('%.17g', total(" + column + ")) FROM " + table +
                                       " GROUP BY 1, 2 ORDER BY 1, 2;");
  std::map<std::pair<std::string, std::string>, Sums> m;
  for (const std::string& line : Lines(out)) {
    std::vector<std::string> c = Split(line);
    if (c.size() == 4) c.insert(c.begin() + 1, "");  // '' prints as an empty cell
    REQUIRE(c.size() == 5);
    m[{c[0], c[1]}] = Sums{std::stoll(c[2]), std::stoll(c[3]), std::stod(c[4])};
  }
  return m;
}

void CheckSameSums(const std::map<std::pair<std::string, std::string>, Sums>& store,
                   const std::map<std::pair<std::string, std::string>, Sums>& file) {
  REQUIRE(store.size() == file.size());
  for (const auto& [key, s] : store) {
    INFO(key.first << " " << key.second);
    REQUIRE(file.count(key) == 1);
    const Sums& f = file.at(key);
    CHECK(f.count == s.count);
    CHECK(f.nulls == s.nulls);
    // Sums in another order: equal to rounding.
    CHECK(f.sum == Approx(s.sum).epsilon(1e-12));
  }
}

TEST_CASE("export: each kind to .sqlite, read by plain sqlite3, matches the store", "[tools][export]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store"), db = dir.Sub("out.sqlite");
  REQUIRE(Liqdb("gen --store " + store_dir + kGen).code == 0);
  for (const char* kind : {"liquidations", "positions", "market"}) {
    Run r = Liqdb(std::string("export --store ") + store_dir + " --kind " + kind + " -o " + db);
    INFO(r.out);
    REQUIRE(r.code == 0);
  }
  CHECK(HiddenFiles(dir.path()) == 0);

  // Ordinary tables, no trace of the extension.
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM pragma_module_list WHERE name = 'liqdb';") == "0\n");
  CHECK(PlainSql(dir, db,
                 "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE "
                 "type = 'table' ORDER BY name);") == "liquidations,market,positions\n");
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%VIRTUAL%';") == "0\n");
  CHECK(PlainSql(dir, db, "SELECT group_concat(name, ',') FROM pragma_table_info('positions');") ==
        "ts,time,exchange,symbol,account,side,size,entry_price,leverage,liq_price\n");
  // Indexed on (symbol, ts), and the planner uses it.
  CHECK(
      PlainSql(dir, db, "SELECT group_concat(name, ',') FROM pragma_index_info('liquidations_symbol_ts');") ==
      "symbol,ts\n");
  CHECK(PlainSql(dir, db, "EXPLAIN QUERY PLAN SELECT * FROM market WHERE symbol = 'BTCUSDT' AND ts > 0;")
            .find("USING INDEX market_symbol_ts") != std::string::npos);
  // `time` is the ISO-8601 UTC text of `ts`, as SQLite itself spells it (a fraction only when
  // non-zero: 3 digits for whole milliseconds, else 6).
  for (const char* t : {"liquidations", "positions", "market"}) {
    CHECK(PlainSql(dir, db,
                   std::string("SELECT count(*) FROM ") + t +
                       " WHERE time IS NOT strftime('%Y-%m-%dT%H:%M:%S', ts / 1000000, 'unixepoch') || "
                       "CASE WHEN ts % 1000000 = 0 THEN '' WHEN ts % 1000 = 0 THEN printf('.%03d', ts % "
                       "1000000 / 1000) ELSE printf('.%06d', ts % 1000000) END || 'Z';") == "0\n");
  }

  std::shared_ptr<Store> store = OpenReader(store_dir);
  CheckSameSums(StoreSums(*store, Kind::kLiquidations, liq_col::kNotional),
                FileSums(dir, db, "liquidations", "notional", true));
  CheckSameSums(StoreSums(*store, Kind::kPositions, pos_col::kSize),
                FileSums(dir, db, "positions", "size", true));
  // liq_price NULLs (~15% of positions) stay NULL, not 0 or NaN text.
  const auto liq = StoreSums(*store, Kind::kPositions, pos_col::kLiqPrice);
  CheckSameSums(liq, FileSums(dir, db, "positions", "liq_price", true));
  int64_t nulls = 0;
  for (const auto& [k, s] : liq) nulls += s.nulls;
  CHECK(nulls > 0);
  CheckSameSums(StoreSums(*store, Kind::kMarket, mkt_col::kOpenInterest),
                FileSums(dir, db, "market", "open_interest", false));
}

// Every row of every series of `kind`, in time order, equal in both stores.
void CheckSameRows(const Store& a, const Store& b, Kind kind) {
  std::vector<SeriesInfo> sa = a.ListSeries(kind), sb = b.ListSeries(kind);
  REQUIRE(sa.size() == sb.size());
  REQUIRE(!sa.empty());
  uint64_t total = 0;
  for (const SeriesInfo& x : sa) {
    INFO(KindName(kind) << " " << x.key.exchange << " " << x.key.symbol);
    auto y = std::find_if(sb.begin(), sb.end(), [&](const SeriesInfo& s) { return s.key == x.key; });
    REQUIRE(y != sb.end());
    Result<Columns> ra = ReadSeriesSorted(a, kind, x.series_id, kMinTimestamp, kMaxTimestamp);
    Result<Columns> rb = ReadSeriesSorted(b, kind, y->series_id, kMinTimestamp, kMaxTimestamp);
    REQUIRE(ra.ok());
    REQUIRE(rb.ok());
    const Columns &ca = *ra, &cb = *rb;
    REQUIRE(ca.size() == cb.size());
    total += ca.size();
    // Rows sharing a timestamp may come back in another order: compare
    // each timestamp's rows as a sorted set of text lines.
    auto rows_of = [kind](const Columns& c) {
      std::vector<std::string> v;
      for (size_t i = 0; i < c.size(); ++i) {
        std::string r = std::to_string(c.ts[i]);
        if (SchemaOf(kind).has_side) r += " " + std::to_string(c.side[i]);
        if (SchemaOf(kind).has_account) r += " " + c.AccountOf(i);
        for (const auto& col : c.values) {
          char buf[40];
          std::snprintf(buf, sizeof buf, " %.17g", col[i]);  // exact: 17 digits round-trip
          r += buf;
        }
        v.push_back(r);
      }
      std::sort(v.begin(), v.end());
      return v;
    };
    CHECK(rows_of(ca) == rows_of(cb));
  }
  CHECK(total > 0);
}

TEST_CASE("export: --coin selects every venue's instruments of the coin", "[tools][export]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store"), db = dir.Sub("btc.sqlite");
  REQUIRE(Liqdb("gen --store " + store_dir + kGen).code == 0);
  Run r = Liqdb("export --store " + store_dir + " --coin btc -o " + db);
  INFO(r.out);
  REQUIRE(r.code == 0);
  // The BTC instruments of the generated venues, counted from the store's own series list.
  std::shared_ptr<Store> store = OpenReader(store_dir);
  uint64_t btc_rows = 0;
  std::vector<std::string> series;
  for (const SeriesInfo& s : store->ListSeries(Kind::kLiquidations)) {
    if (s.key.symbol == "BTCUSDT" || s.key.symbol == "BTC-USDT-SWAP") {
      btc_rows += s.rows;
      series.push_back(s.key.exchange + "/" + s.key.symbol + "\n");
    }
  }
  std::sort(series.begin(), series.end());
  std::string names;
  for (const std::string& n : series) names += n;
  REQUIRE(btc_rows > 0);
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM liquidations;") == std::to_string(btc_rows) + "\n");
  CHECK(PlainSql(dir, db, "SELECT DISTINCT exchange || '/' || symbol FROM liquidations ORDER BY 1;") ==
        names);
  Run none = Liqdb("export --store " + store_dir + " --coin DOGE -o " + dir.Sub("none.csv"));
  CHECK(none.code == 1);
  CHECK_THAT(none.out, Catch::Contains("coin DOGE"));
}

TEST_CASE("export: CSV (plain, gzip, zstd, stdout) goes back through ingest to the same rows",
          "[tools][export]") {
  test::TempDir dir;
  const std::string src = dir.Sub("store"), dst = dir.Sub("copy");
  REQUIRE(Liqdb("gen --store " + src + kGen).code == 0);

  const std::vector<std::pair<std::string, std::string>> outputs = {
      {"liquidations", "liq.csv"}, {"positions", "pos.csv.gz"}, {"market", "mkt.csv.zst"}};
  std::vector<std::string> files;
  for (const auto& [kind, name] : outputs) {
    Run r = Liqdb("export --store " + src + " --kind " + kind + " -o " + dir.Sub(name));
    INFO(r.out);
    REQUIRE(r.code == 0);
    files.push_back(dir.Sub(name));
  }
  // Compressed by name: the magic bytes of gzip and zstd.
  CHECK(ReadFile(dir.Sub("pos.csv.gz")).rfind("\x1f\x8b", 0) == 0);
  CHECK(ReadFile(dir.Sub("mkt.csv.zst")).rfind("\x28\xb5\x2f\xfd", 0) == 0);
  CHECK(ReadFile(dir.Sub("liq.csv")).rfind("ts,exchange,symbol,side,price,qty,notional\n", 0) == 0);

  // '-' is the same CSV on standard output; the summary goes to stderr.
  Run piped =
      Sh(std::string(LIQDB_CLI_PATH) + " export --store " + src + " --kind liquidations -o - 2>/dev/null");
  REQUIRE(piped.code == 0);
  CHECK(piped.out == ReadFile(dir.Sub("liq.csv")));

  std::string args;
  for (const std::string& f : files) args += " " + f;
  Run in = Liqdb("ingest --store " + dst + " --format csv" + args);
  INFO(in.out);
  REQUIRE(in.code == 0);
  CHECK(in.out.find("duplicates 0, rejected 0 lines") != std::string::npos);

  std::shared_ptr<Store> a = OpenReader(src), b = OpenReader(dst);
  for (Kind k : {Kind::kLiquidations, Kind::kPositions, Kind::kMarket}) CheckSameRows(*a, *b, k);

  // Ingesting the export again adds nothing: the rows are the same rows.
  Run again = Liqdb("ingest --store " + dst + " --format csv" + args);
  INFO(again.out);
  CHECK(again.code == 0);
  CHECK(again.out.find("stored 0") != std::string::npos);
}

TEST_CASE("export: re-export replaces the table in one transaction, other tables untouched",
          "[tools][export]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store"), db = dir.Sub("out.sqlite");
  REQUIRE(Liqdb("gen --store " + store_dir + kGen).code == 0);
  PlainSql(dir, db, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('mine');");

  REQUIRE(Liqdb("export --store " + store_dir + " -o " + db).code == 0);
  const std::string all = PlainSql(dir, db, "SELECT count(*) FROM liquidations;");
  std::shared_ptr<Store> store = OpenReader(store_dir);
  int64_t store_rows = 0, btc_rows = 0;
  for (const auto& [k, s] : StoreSums(*store, Kind::kLiquidations, liq_col::kNotional)) {
    store_rows += s.count;
    if (k.first == "BTCUSDT") btc_rows += s.count;
  }
  CHECK(all == std::to_string(store_rows) + "\n");

  // A narrower export replaces the rows (not appended, not mixed).
  Run r = Liqdb("export --store " + store_dir + " --symbol BTCUSDT -o " + db);
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(PlainSql(dir, db, "SELECT count(*), count(DISTINCT symbol) FROM liquidations;") ==
        std::to_string(btc_rows) + "|1\n");
  CHECK(PlainSql(dir, db, "SELECT x FROM notes;") == "mine\n");
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM sqlite_master WHERE type = 'index';") == "1\n");

  // A re-export that fails after dropping and recreating the table inside
  // its transaction (no rows in range) rolls back to the previous table.
  Run empty = Liqdb("export --store " + store_dir + " --from 2001-01-01 --to 2001-01-02 -o " + db);
  CHECK(empty.code == 1);
  CHECK(empty.out.find("nothing was written") != std::string::npos);
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM liquidations;") == std::to_string(btc_rows) + "\n");
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM sqlite_master WHERE type = 'index';") == "1\n");
  CHECK(PlainSql(dir, db, "PRAGMA integrity_check;") == "ok\n");
  CHECK(HiddenFiles(dir.path()) == 0);

  // Views, and virtual tables (a liqdb declaration), are the user's: refused.
  PlainSql(dir, db, "CREATE VIEW market AS SELECT 1;");
  Run view = Liqdb("export --store " + store_dir + " --kind market -o " + db);
  CHECK(view.code == 1);
  CHECK(view.out.find("already has a view named 'market'") != std::string::npos);
  CHECK(PlainSql(dir, db, "SELECT * FROM market;") == "1\n");
  // A liqdb declaration as SQLite stores it (what `CREATE VIRTUAL TABLE …
  // USING liqdb` leaves in the schema; written here without loading the
  // extension, which a sanitizer build's plain sqlite3 shell cannot).
  PlainSql(dir, db,
           "PRAGMA writable_schema = ON; INSERT INTO sqlite_master VALUES ('table', 'liq', 'liq', 0, "
           "'CREATE VIRTUAL TABLE liq USING liqdb(store=''store'', kind=''liquidations'')');");
  Run vtab = Liqdb("export --store " + store_dir + " --table liq -o " + db);
  CHECK(vtab.code == 1);
  CHECK(vtab.out.find("already has a virtual table named 'liq'") != std::string::npos);
  // Beside a declaration, ordinary tables are still exported.
  Run beside = Liqdb("export --store " + store_dir + " -o " + db);
  INFO(beside.out);
  CHECK(beside.code == 0);
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM liquidations;") == std::to_string(store_rows) + "\n");
  CHECK(PlainSql(dir, db, "SELECT sql FROM sqlite_master WHERE name = 'liq';") ==
        "CREATE VIRTUAL TABLE liq USING liqdb(store='store', kind='liquidations')\n");
}

TEST_CASE("export: --rollup writes every series' chart as liq_histogram gives it", "[tools][export]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store"), db = dir.Sub("out.sqlite");
  REQUIRE(Liqdb("gen --store " + store_dir + kGen).code == 0);
  REQUIRE(Liqdb("export --store " + store_dir + " -o " + db).code == 0);
  Run r = Liqdb("export --store " + store_dir + " --rollup 1h -o " + db);
  INFO(r.out);
  REQUIRE(r.code == 0);

  // Against plain SQL over the exported rows: per series and hour bucket.
  const std::string by_sql =
      PlainSql(dir, db,
               "SELECT exchange, symbol, ts / 3600000000 * 3600000000 AS b, sum(side = 'long'), "
               "printf('%.6f', total(CASE WHEN side = 'long' THEN notional END)), sum(side = 'short'), "
               "printf('%.6f', total(CASE WHEN side = 'short' THEN notional END)) FROM liquidations "
               "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;");
  const std::string by_rollup =
      PlainSql(dir, db,
               "SELECT exchange, symbol, bucket, long_count, printf('%.6f', long_notional), "
               "short_count, printf('%.6f', short_notional) FROM liquidations_1h "
               "WHERE long_count + short_count > 0 ORDER BY 1, 2, 3;");
  CHECK(!by_sql.empty());
  CHECK(by_rollup == by_sql);
  // Zero-filled: every series has every hour from the first row's to the last's.
  const std::string span = PlainSql(dir, db,
                                    "SELECT (max(ts) / 3600000000) - (min(ts) / 3600000000) + 1, "
                                    "count(DISTINCT exchange || symbol) FROM liquidations;");
  const std::vector<std::string> c = Split(Lines(span)[0]);
  CHECK(PlainSql(dir, db, "SELECT count(*) FROM liquidations_1h;") ==
        std::to_string(std::stoll(c[0]) * std::stoll(c[1])) + "\n");
  CHECK(PlainSql(dir, db,
                 "SELECT count(*) FROM liquidations_1h WHERE time IS NOT strftime('%Y-%m-%dT%H:%M:%SZ', "
                 "bucket / 1000000, 'unixepoch');") == "0\n");

  // The same chart as CSV, with the same header the table has.
  Run csv = Liqdb("export --store " + store_dir + " --rollup 1d -o " + dir.Sub("chart.csv"));
  REQUIRE(csv.code == 0);
  CHECK(ReadFile(dir.Sub("chart.csv"))
            .rfind("bucket,time,exchange,symbol,long_count,long_qty,long_notional,short_count,short_qty,"
                   "short_notional\n",
                   0) == 0);
}

TEST_CASE("export: --heatmap writes the snapshot and model heatmaps as plain cells", "[tools][export]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store"), db = dir.Sub("out.sqlite");
  REQUIRE(Liqdb("gen --store " + store_dir + kGen).code == 0);
  Run r = Liqdb("export --store " + store_dir +
                " --heatmap --kind positions --symbol BTCUSDT --interval 1h --step 250 -o " + db);
  INFO(r.out);
  REQUIRE(r.code == 0);
  Run m =
      Liqdb("export --store " + store_dir +
            " --heatmap --kind market --symbol BTCUSDT --exchange binance --interval 1h --step 250 -o " + db);
  INFO(m.out);
  REQUIRE(m.code == 0);

  for (const char* t : {"heatmap_snapshot", "heatmap_model"}) {
    INFO(t);
    CHECK(PlainSql(dir, db,
                   std::string("SELECT group_concat(name, ',') FROM pragma_table_info('") + t + "');") ==
          "bucket,time,price,long_notional,short_notional,notional,positions\n");
    // Buckets on the hour, prices on the 250 grid, notional = long + short,
    // only non-empty cells.
    CHECK(PlainSql(dir, db,
                   std::string("SELECT count(*) > 0, sum(bucket % 3600000000 != 0), "
                               "sum(abs(price / 250 - round(price / 250)) > 1e-9), "
                               "sum(abs(notional - long_notional - short_notional) > 1e-6 * notional), "
                               "sum(positions <= 0) FROM ") +
                       t + ";") == "1|0|0|0|0\n");
  }

  // The snapshot cells are the C++ API's, count and sums.
  std::shared_ptr<Store> store = OpenReader(store_dir);
  std::vector<SeriesInfo> series = store->ListSeries(Kind::kPositions);
  Timestamp first = kMaxTimestamp, last = kMinTimestamp;
  for (const SeriesInfo& s : series) {
    if (s.key.symbol != "BTCUSDT") continue;
    first = std::min(first, s.min_ts);
    last = std::max(last, s.max_ts);
  }
  SnapshotHeatmapSpec spec;
  spec.from = first;
  spec.to = last + 1;
  spec.interval = 3600LL * 1'000'000;
  spec.price_step = 250;
  spec.symbols = {"BTCUSDT"};
  auto cursor = OpenSnapshotHeatmap(*store, spec);
  REQUIRE(cursor.ok());
  auto cells = DrainHeatmap(cursor->get());
  REQUIRE(cells.ok());
  double long_sum = 0;
  uint64_t positions = 0;
  for (const HeatmapCell& c : *cells) {
    long_sum += c.long_notional;
    positions += c.positions;
  }
  const std::vector<std::string> got = Split(Lines(PlainSql(
      dir, db,
      "SELECT count(*), printf('%.17g', total(long_notional)), sum(positions) FROM heatmap_snapshot;"))[0]);
  CHECK(std::stoull(got[0]) == cells->size());
  CHECK(std::stod(got[1]) == Approx(long_sum).epsilon(1e-12));
  CHECK(std::stoull(got[2]) == positions);

  // Each heatmap asks for what it needs.
  CHECK(Liqdb("export --store " + store_dir + " --heatmap --kind positions --interval 1h --step 250 -o " + db)
            .out.find("needs one --symbol") != std::string::npos);
  Run no_ex = Liqdb("export --store " + store_dir +
                    " --heatmap --kind market --symbol BTCUSDT --interval 1h --step 250 -o " + db);
  CHECK(no_ex.code == 2);
  CHECK(no_ex.out.find("--exchange") != std::string::npos);
  CHECK(Liqdb("export --store " + store_dir + " --heatmap --symbol BTCUSDT --interval 1h --step 250 -o " + db)
            .code == 2);  // liquidations have no heatmap
}

TEST_CASE("export: bad input is a clear error and leaves nothing behind", "[tools][export]") {
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store");
  REQUIRE(Liqdb("gen --store " + store_dir + kGen).code == 0);
  const std::string base = "export --store " + store_dir + " ";

  SECTION("an existing OUT that is not SQLite is not touched") {
    const std::string out = dir.Sub("notes.sqlite");
    std::ofstream(out) << "my notes, not a database\n";
    Run r = Liqdb(base + "-o " + out);
    CHECK(r.code == 1);
    CHECK(r.out.find("is not an SQLite database; nothing was changed") != std::string::npos);
    CHECK(ReadFile(out) == "my notes, not a database\n");
  }
  SECTION("an unwritable path") {
    std::ofstream(dir.Sub("file")) << "x";
    for (const char* name : {"file/out.sqlite", "file/out.csv", "missing-folder/out.csv.gz"}) {
      Run r = Liqdb(base + "-o " + dir.Sub(name));
      INFO(r.out);
      CHECK(r.code == 1);
      CHECK(r.out.find("cannot write") != std::string::npos);
    }
  }
  SECTION("an unknown kind, an unknown suffix") {
    Run k = Liqdb(base + "--kind trades -o " + dir.Sub("a.sqlite"));
    CHECK(k.code == 2);
    CHECK(k.out.find("unknown --kind 'trades' (one of: liquidations, positions, market)") !=
          std::string::npos);
    Run s = Liqdb(base + "-o " + dir.Sub("a.parquet"));
    CHECK(s.code == 2);
    CHECK(s.out.find(".csv.zst") != std::string::npos);
  }
  SECTION("an empty range, with times as ISO text") {
    for (const char* name : {"a.sqlite", "a.csv", "a.csv.zst"}) {
      Run r = Liqdb(base + "--from 2001-01-01 --to 2001-01-02T00:00:00Z -o " + dir.Sub(name));
      INFO(r.out);
      CHECK(r.code == 1);
      CHECK(r.out.find("no liquidations in [2001-01-01T00:00:00Z, 2001-01-02T00:00:00Z)") !=
            std::string::npos);
    }
    // After all the data, with one bound open.
    Run late = Liqdb(base + "--kind market --from 2030-01-01 -o " + dir.Sub("a.csv"));
    CHECK(late.code == 1);
    CHECK(late.out.find("no market from 2030-01-01T00:00:00Z on") != std::string::npos);
    // Standard output gets nothing, not even the header.
    Run piped =
        Sh(std::string(LIQDB_CLI_PATH) + " " + base + "--from 2001-01-01 --to 2001-01-02 -o - 2>/dev/null");
    CHECK(piped.code == 1);
    CHECK(piped.out.empty());
    // to before from: a usage error naming both.
    Run back = Liqdb(base + "--from 2024-03-02 --to 2024-03-01 -o " + dir.Sub("a.csv"));
    CHECK(back.code == 2);
    CHECK(back.out.find("from (2024-03-02T00:00:00Z) must be before to (2024-03-01T00:00:00Z)") !=
          std::string::npos);
  }
  SECTION("no such series") {
    Run r = Liqdb(base + "--symbol DOGEUSDT -o " + dir.Sub("a.csv"));
    CHECK(r.code == 1);
    CHECK(r.out.find("no liquidations series for symbol DOGEUSDT (the store has: binance/BTCUSDT") !=
          std::string::npos);
  }
  // Nothing was created beside the store, not even a temporary file.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string n = e.path().filename().string();
    if (n != "store" && n != "file" && n != "notes.sqlite" && n != "query.sql") left.push_back(n);
  }
  CHECK(left == std::vector<std::string>{});
}

TEST_CASE("export: --help ends with its own examples", "[tools][export]") {
  Run r = Liqdb("export --help");
  CHECK(r.code == 0);
  CHECK(r.out.find("liqdb export --store data/store --rollup 1h") != std::string::npos);
  CHECK(r.out.find("--heatmap") != std::string::npos);
}

}  // namespace
}  // namespace liqdb
