// Ingest into a real Store (RocksDB): every sample round-trips with its
// values bit-equal, re-ingestion changes nothing, and twins are kept.
#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

#include "liqdb/query.h"

using namespace liqdb;
using namespace liqdb::testing;

namespace {

std::vector<Row> ReadAll(const Store& store, Kind kind) {
  ScanFilter f;
  f.kind = kind;
  auto scanner = RowScanner::Open(store, f);
  REQUIRE(scanner.ok());
  std::vector<Row> out;
  ScanBlock block;
  while (true) {
    auto more = (*scanner)->Next(&block);
    REQUIRE(more.ok());
    if (!*more) break;
    for (auto& r : RowsOf(SeriesBatch{block.series, block.rows})) out.push_back(std::move(r));
  }
  return out;
}

std::shared_ptr<Store> OpenStore(const std::string& dir) {
  StoreOptions so;
  so.mode = StoreOptions::Mode::kReadWrite;
  so.sync = false;
  auto s = Store::Open(dir, so);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("store: every sample ingests, reads back bit-equal, and re-ingests as duplicates", "[store]") {
  const std::string dir = TempDir("real-store");
  const std::string in = TempDir("real-store-in");
  WriteFile(in + "/BTCUSD_PERP-liquidationSnapshot-2024-06-10.csv",
            Sample("binance-liquidation-snapshot.csv"));
  std::vector<std::string> files = {in + "/BTCUSD_PERP-liquidationSnapshot-2024-06-10.csv"};
  for (const char* f :
       {"binance-forceorder.jsonl", "bybit-liquidation.jsonl", "okx-liquidation-orders.jsonl",
        "tardis-liquidations.csv", "tardis-derivative-ticker.csv", "hyperliquid-clearinghouse.jsonl"}) {
    files.push_back(std::string(LIQDB_SAMPLES_DIR) + "/" + f);
  }
  auto store = OpenStore(dir + "/store");
  IngestOptions o;
  REQUIRE(ParseContractSizeArg("BTC-USD-240628=100", &o).ok());

  // What the adapters produce, for comparison.
  std::vector<Row> expected;
  for (const auto& f : files) {
    std::string why;
    std::istringstream ss(ReadFile(f));
    std::vector<std::string> lines;
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
    auto format = SniffFormat(lines, &why);
    REQUIRE(format.has_value());
    for (auto& r : ParseWith(*format, ReadFile(f), o, f).rows) {
      if (std::find(expected.begin(), expected.end(), r) == expected.end()) expected.push_back(r);
    }
  }

  IngestSummary first;
  {
    Ingester ing(store.get(), o);
    for (const auto& f : files) REQUIRE(ing.IngestPath(f).ok());
    REQUIRE(ing.Finish().ok());
    first = ing.summary();
  }
  CHECK(first.rejected_lines == 0);
  // Tardis repeats an OKX and two Bybit liquidations exactly: stored once.
  CHECK(first.stored == expected.size());

  std::vector<Row> stored;
  for (Kind k : {Kind::kLiquidations, Kind::kPositions, Kind::kMarket}) {
    for (auto& r : ReadAll(*store, k)) stored.push_back(std::move(r));
  }
  REQUIRE(stored.size() == expected.size());
  for (const Row& r : expected) {
    INFO(r.exchange << " " << r.symbol << " " << r.ts);
    CHECK(std::find(stored.begin(), stored.end(), r) != stored.end());
  }

  Ingester again(store.get(), o);
  for (const auto& f : files) REQUIRE(again.IngestPath(f).ok());
  REQUIRE(again.Finish().ok());
  CHECK(again.summary().stored == 0);
  CHECK(again.summary().duplicates >= expected.size());
}

TEST_CASE("store: twins in one file are both kept, and kept once on re-ingest", "[store]") {
  const std::string dir = TempDir("real-twins");
  const std::string path = dir + "/twins.csv";
  WriteFile(path,
            "1718000000000000,binance,BTCUSDT,long,67000,0.5\n"
            "1718000000000000,binance,BTCUSDT,long,67000,0.5\n"
            "1718000000000000,binance,BTCUSDT,long,67000,0.5\n"
            "1718000000001000,binance,BTCUSDT,short,67000,0.5\n");
  auto store = OpenStore(dir + "/store");
  IngestOptions o;
  o.format = Format::kCsv;
  o.batch_rows = 1;
  for (int run = 0; run < 2; ++run) {
    Ingester ing(store.get(), o);
    REQUIRE(ing.IngestPath(path).ok());
    REQUIRE(ing.Finish().ok());
    CHECK(ing.summary().stored == (run == 0 ? 4u : 0u));
  }
  CHECK(ReadAll(*store, Kind::kLiquidations).size() == 4);
}
