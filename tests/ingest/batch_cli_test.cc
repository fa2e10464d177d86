// `liqdb ingest` over a batch of files: a file that cannot be read, whose
// format cannot be told, or that is not the --format named, is reported and
// skipped; the rest of the batch is stored; the summary lists the formats
// seen and the files skipped; the exit status is 3.
#include <sys/wait.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

#include "liqdb/store.h"

using namespace liqdb;
using namespace liqdb::testing;

namespace {

uint64_t StoredRows(const std::string& store) {
  StoreOptions ro;
  ro.mode = StoreOptions::Mode::kReadOnly;
  auto s = Store::Open(store, ro);
  REQUIRE(s.ok());
  uint64_t n = 0;
  for (const auto& series : (*s)->ListSeries(std::nullopt)) n += series.rows;
  return n;
}

const std::string kCsv =
    "ts,exchange,symbol,side,price,qty,notional\n"
    "1709251200000000,binance,BTCUSDT,long,62000,0.5,31000\n"
    "1709251201000000,binance,BTCUSDT,short,62010,0.25,15502.5\n";

}  // namespace

TEST_CASE("cli: a bad file in a batch is reported and skipped; the others are stored", "[cli][ingest]") {
  const std::string dir = TempDir("batch");
  const std::string cli = LIQDB_CLI_PATH;
  WriteFile(dir + "/a.csv", kCsv);
  WriteFile(dir + "/unknown.jsonl", "{\"hello\": 1}\n{\"hello\": 2}\n");
  WriteFile(dir + "/b.csv",
            "ts,exchange,symbol,side,price,qty,notional\n"
            "1709251300000000,bybit,BTCUSDT,long,61000,1,61000\n");
  const std::string tardis = std::string(LIQDB_SAMPLES_DIR) + "/tardis-liquidations.csv";

  Out run = Sh(cli + " ingest --store " + dir + "/st " + dir + "/a.csv " + dir + "/unknown.jsonl " + dir +
                   "/missing.csv " + tardis + " " + dir + "/b.csv",
               dir);
  INFO(run.out << run.err);
  CHECK(run.code == 3);
  // Every readable file was stored: 2 + 5 (the Tardis sample) + 1 rows.
  CHECK(StoredRows(dir + "/st") == 8);
  CHECK_THAT(run.out, Catch::Contains("liqdb ingest (csv, tardis-liquidations)"));
  CHECK_THAT(run.out, Catch::Contains("skipped 2 files:"));
  CHECK_THAT(run.out,
             Catch::Contains(dir + "/unknown.jsonl: --format auto cannot tell the format (JSON lines of "
                                   "no source liqdb knows"));
  CHECK_THAT(run.out, Catch::Contains(dir + "/missing.csv"));
  CHECK_THAT(run.err, Catch::Contains("(file skipped)"));
}

TEST_CASE("cli: a --format that does not fit the file says what the file looks like", "[cli][ingest]") {
  const std::string dir = TempDir("wrongformat");
  const std::string cli = LIQDB_CLI_PATH;
  WriteFile(dir + "/a.csv", kCsv);
  Out json_for_csv =
      Sh(cli + " ingest --store " + dir + "/st --format binance-forceorder " + dir + "/a.csv", dir);
  CHECK(json_for_csv.code == 3);
  CHECK_THAT(json_for_csv.out,
             Catch::Contains("this looks like a liqdb CSV header, not binance-forceorder input; "
                             "did you mean --format csv?"));
  // Said once for the file, not once per line.
  CHECK(json_for_csv.err.find("bad JSON") == std::string::npos);

  Out csv_for_json = Sh(cli + " ingest --store " + dir + "/st --format tardis-liquidations " +
                            std::string(LIQDB_SAMPLES_DIR) + "/binance-forceorder.jsonl",
                        dir);
  CHECK(csv_for_json.code == 3);
  CHECK_THAT(csv_for_json.out, Catch::Contains("did you mean --format binance-forceorder?"));
  Out right = Sh(cli + " ingest --store " + dir + "/st --format csv " + dir + "/a.csv", dir);
  CHECK(right.code == 0);
  CHECK(StoredRows(dir + "/st") == 2);
}
