// Store's sealing policy (store.h, "Sealing policy"): repeated small runs
// end in a handful of sealed chunks, staged rows that span a day are sealed,
// many small appends keep few staged chunks, and no row is lost or doubled.
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "test_util.h"

#include "liqdb/query.h"
#include "liqdb/store.h"

namespace liqdb {
namespace {

using test::RandomLiquidations;
using test::TempDir;

const SeriesKey kEth{"bybit", "ETHUSDT"};
constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01
constexpr Timestamp kHour = 3'600'000'000;

std::shared_ptr<Store> OpenStore(const std::string& path, uint32_t chunk_rows = 65536) {
  StoreOptions o;
  o.chunk_rows = chunk_rows;
  o.sync = false;
  auto s = Store::Open(path, o);
  REQUIRE(s.ok());
  return *s;
}

// Every stored row as bytes → count, blind to chunk layout.
std::map<std::string, int> Stored(const Store& store) {
  ScanFilter f;
  f.kind = Kind::kLiquidations;
  auto scanner = RowScanner::Open(store, f);
  REQUIRE(scanner.ok());
  std::map<std::string, int> rows;
  ScanBlock block;
  while (true) {
    auto more = (*scanner)->Next(&block);
    REQUIRE(more.ok());
    if (!*more) break;
    for (size_t i = 0; i < block.rows.size(); ++i) {
      std::string k(reinterpret_cast<const char*>(&block.rows.ts[i]), 8);
      k.push_back(static_cast<char>(block.rows.side[i]));
      for (const auto& v : block.rows.values) k.append(reinterpret_cast<const char*>(&v[i]), 8);
      rows[k]++;
    }
  }
  return rows;
}

void Add(std::map<std::string, int>* rows, const Columns& c) {
  for (size_t i = 0; i < c.size(); ++i) {
    std::string k(reinterpret_cast<const char*>(&c.ts[i]), 8);
    k.push_back(static_cast<char>(c.side[i]));
    for (const auto& v : c.values) k.append(reinterpret_cast<const char*>(&v[i]), 8);
    (*rows)[k]++;
  }
}

SeriesInfo Only(const Store& store) {
  auto series = store.ListSeries(Kind::kLiquidations);
  REQUIRE(series.size() == 1);
  return series[0];
}

TEST_CASE("1,000 runs of 100 rows, each ending with Seal(true), leave a handful of sealed chunks",
          "[store][seal]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::map<std::string, int> expected;
  size_t most_chunks = 0;
  for (int run = 0; run < 1000; ++run) {
    // 100 rows over 10 s; the runs follow each other in time (a live feed
    // ingested by a cron job).
    Columns rows = RandomLiquidations(100, kT0 + run * 10'000'000LL, 10'000'000, 1000 + run);
    Add(&expected, rows);
    REQUIRE(store->Append({kEth, rows}).ok());
    REQUIRE(store->Seal(true).ok());
    const SeriesInfo s = Only(*store);
    CHECK(s.staged_chunks == 0);
    most_chunks = std::max<size_t>(most_chunks, s.chunks);
  }
  const SeriesInfo s = Only(*store);
  CHECK(s.rows == 100'000);
  // 100,000 rows: one full chunk of 65,536 and the rest in short chunks whose
  // sizes halve (the binary counter): at most log2(1000) + 1 of them.
  CHECK(s.chunks >= 2);
  CHECK(s.chunks <= 12);
  CHECK(most_chunks <= 12);
  CHECK(Stored(*store) == expected);
}

TEST_CASE("staged rows are sealed once they span a day", "[store][seal]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::map<std::string, int> expected;
  for (int b = 0; b < 10; ++b) {
    // 100 rows within a minute, every 3 hours.
    Columns rows = RandomLiquidations(100, kT0 + b * 3 * kHour, 60'000'000, 50 + b);
    Add(&expected, rows);
    REQUIRE(store->Append({kEth, rows}).ok());
    const SeriesInfo s = Only(*store);
    if (b < 8) {
      // Less than a day (21 h and a minute at b = 7): staged, one chunk per append.
      CHECK(s.staged_chunks == static_cast<uint64_t>(b + 1));
      CHECK(s.chunks == static_cast<uint64_t>(b + 1));
    } else if (b == 8) {
      // 24 h from the first staged row: all 900 rows in one sealed chunk.
      CHECK(s.staged_chunks == 0);
      CHECK(s.chunks == 1);
    } else {
      CHECK(s.staged_chunks == 1);
      CHECK(s.chunks == 2);
    }
  }
  CHECK(Stored(*store) == expected);
}

TEST_CASE("many small appends keep the staged chunks of a series few", "[store][seal]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::map<std::string, int> expected;
  uint64_t most_staged = 0;
  for (int b = 0; b < 1000; ++b) {
    // A live feed: 10 rows every 10 s.
    Columns rows = RandomLiquidations(10, kT0 + b * 10'000'000LL, 10'000'000, 7000 + b);
    Add(&expected, rows);
    REQUIRE(store->Append({kEth, rows}).ok());
    most_staged = std::max(most_staged, Only(*store).staged_chunks);
  }
  const SeriesInfo s = Only(*store);
  CHECK(s.rows == 10'000);
  CHECK(s.chunks == s.staged_chunks);  // under a day and under chunk_rows: nothing sealed yet
  // 32 before tiering starts, then at most log2(10,000 / 10) + 1 more.
  CHECK(most_staged <= 32 + 11);
  CHECK(Stored(*store) == expected);
  REQUIRE(store->Seal(true).ok());
  CHECK(Only(*store).staged_chunks == 0);
  CHECK(Only(*store).chunks == 1);
  CHECK(Stored(*store) == expected);
}

TEST_CASE("sealing at chunk_rows keeps full chunks full and stages the rest", "[store][seal]") {
  TempDir dir;
  auto store = OpenStore(dir.path(), 1000);
  std::map<std::string, int> expected;
  // A bulk batch of 2,500 rows and a staged remainder merge with the next batch.
  Columns a = RandomLiquidations(2500, kT0, kHour, 1);
  Columns b = RandomLiquidations(700, kT0 + kHour, kHour, 2);
  Add(&expected, a);
  Add(&expected, b);
  REQUIRE(store->Append({kEth, a}).ok());
  CHECK(Only(*store).chunks == 3);
  CHECK(Only(*store).staged_chunks == 1);  // the last 500
  REQUIRE(store->Append({kEth, b}).ok());
  // 500 staged + 700 new: one more full chunk, 200 staged.
  CHECK(Only(*store).chunks == 4);
  CHECK(Only(*store).staged_chunks == 1);
  REQUIRE(store->Seal(true).ok());
  // The 200-row remainder is sealed; the chunk before it is full, so it stays short.
  CHECK(Only(*store).chunks == 4);
  CHECK(Only(*store).staged_chunks == 0);
  CHECK(Only(*store).rows == 3200);
  CHECK(Stored(*store) == expected);
}

TEST_CASE("a bulk run into a new store ends with only its chunks on disk", "[store][seal]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::map<std::string, int> expected;
  // 100 appends of 2,000 rows: staged chunks written and rewritten (the
  // write-ahead log holds every one of them), then sealed.
  for (int i = 0; i < 100; ++i) {
    Columns c = RandomLiquidations(2000, kT0 + i * kHour / 4, kHour / 4, 100 + i);
    Add(&expected, c);
    REQUIRE(store->Append({kEth, c}).ok());
  }
  REQUIRE(store->Seal(true).ok());
  auto stats = store->Stats();
  REQUIRE(stats.ok());
  REQUIRE(stats->chunk_bytes >= (1u << 20));  // big enough to count as a bulk run
  // Compacted to the bottom level: no log of the staged writes, no staged
  // chunk left in a table file; what remains beyond the chunks is RocksDB's
  // own small files (options, manifest, info log).
  CHECK(stats->disk_bytes <= stats->chunk_bytes + (512u << 10));
  CHECK(Stored(*store) == expected);
}

}  // namespace
}  // namespace liqdb
