// One process writes, another reads: while `liqdb ingest ... -` holds a store
// open and streams rows from its standard input, this process opens the same
// folder, gets a read-only secondary, and sees the new rows after Refresh().
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

uint64_t Rows(Store& store) {
  uint64_t n = 0;
  for (const auto& s : store.ListSeries(Kind::kLiquidations)) n += s.rows;
  return n;
}

// Refreshes until the store shows `want` rows or 15 s pass.
bool WaitForRows(Store& store, uint64_t want) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(store.Refresh().ok());
    if (Rows(store) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void WriteRows(FILE* pipe, int first, int count) {
  for (int i = first; i < first + count; ++i) {
    std::fprintf(pipe, "%lld,binance,BTCUSDT,%s,%d.5,0.01%d\n", 1709251200000000LL + i * 1000LL,
                 i % 2 ? "long" : "short", 60000 + i, i % 10);
  }
  std::fflush(pipe);
}

TEST_CASE("a second process reads a store another process is writing", "[tools][multiprocess]") {
  ::signal(SIGPIPE, SIG_IGN);
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store");
  const std::string cmd = std::string(LIQDB_CLI_PATH) + " ingest --store " + store_dir +
                          " --format csv - > " + dir.Sub("ingest.log") + " 2>&1";
  FILE* writer = ::popen(cmd.c_str(), "w");
  REQUIRE(writer != nullptr);
  WriteRows(writer, 0, 100);

  // The writer creates the store on its first flush; wait for the folder.
  std::shared_ptr<Store> reader;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!reader && std::chrono::steady_clock::now() < deadline) {
    auto opened = Store::Open(store_dir, StoreOptions{StoreOptions::Mode::kAuto, false});
    if (opened.ok())
      reader = *opened;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(reader);
  CHECK(reader->read_only());  // the writer holds the lock: we follow it
  CHECK(WaitForRows(*reader, 100));

  // Without an explicit Refresh, reads catch up within about a second.
  WriteRows(writer, 200, 10);
  bool seen = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!seen && std::chrono::steady_clock::now() < until) {
    seen = Rows(*reader) == 110;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  CHECK(seen);

  WriteRows(writer, 100, 50);
  CHECK(WaitForRows(*reader, 160));

  Columns rows(Kind::kLiquidations);
  rows.AddLiquidation(1, Side::kLong, 1, 1, 1);
  auto r = reader->Append({{"binance", "BTCUSDT"}, rows});
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("read-only"));

  CHECK(::pclose(writer) == 0);
}

}  // namespace
}  // namespace liqdb
