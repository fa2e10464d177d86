// A program outside the liqdb tree, built against an install prefix by
// tests/install/install_test.sh (CMake find_package and pkg-config). It
// includes every public header (they must need only the standard library),
// appends 1000 liquidations to a store, reads them back through the public
// API and prints what it read, for the script to compare with values it
// computed itself.
#include <cstdio>
#include <string>

#include "liqdb/cancel.h"
#include "liqdb/heatmap.h"
#include "liqdb/ingest.h"
#include "liqdb/liq_price.h"
#include "liqdb/query.h"
#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"
#include "liqdb/types.h"
#include "liqdb/version.h"

namespace {

int Fail(const liqdb::Status& s) {
  std::fprintf(stderr, "consumer: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: consumer STORE_DIR\n");
    return 2;
  }
  auto start = liqdb::ParseTime("2024-03-01T00:00:00Z");
  if (!start.ok()) return Fail(start.status());
  auto store = liqdb::Store::Open(argv[1]);
  if (!store.ok()) return Fail(store.status());

  // Row i: 10 s apart, long when i is even, price 100 + i, qty 1.
  liqdb::SeriesBatch batch{{"binance", "BTCUSDT"}, liqdb::Columns(liqdb::Kind::kLiquidations)};
  for (int i = 0; i < 1000; ++i) {
    const double price = 100 + i;
    batch.rows.AddLiquidation(*start + i * 10 * liqdb::kMicrosPerSecond,
                              i % 2 == 0 ? liqdb::Side::kLong : liqdb::Side::kShort, price, 1, price);
  }
  auto appended = (*store)->Append(batch);
  if (!appended.ok()) return Fail(appended.status());
  std::printf("appended %llu\n", static_cast<unsigned long long>(appended->stored));

  liqdb::ScanFilter filter;
  auto scanner = liqdb::RowScanner::Open(**store, filter);
  if (!scanner.ok()) return Fail(scanner.status());
  uint64_t rows = 0, longs = 0;
  double notional = 0;
  liqdb::ScanBlock block;
  for (;;) {
    auto more = (*scanner)->Next(&block);
    if (!more.ok()) return Fail(more.status());
    if (!*more) break;
    rows += block.rows.size();
    for (size_t i = 0; i < block.rows.size(); ++i) {
      longs += block.rows.side[i] == static_cast<uint8_t>(liqdb::Side::kLong);
      notional += block.rows.values[liqdb::liq_col::kNotional][i];
    }
  }
  std::printf("rows %llu longs %llu notional %.1f\n", static_cast<unsigned long long>(rows),
              static_cast<unsigned long long>(longs), notional);

  liqdb::LiqHistogramSpec spec;
  spec.from = *start;
  spec.to = *start + 3 * 3600 * liqdb::kMicrosPerSecond;
  spec.interval = 3600 * liqdb::kMicrosPerSecond;
  auto hist = liqdb::LiqHistogram(**store, spec);
  if (!hist.ok()) return Fail(hist.status());
  const auto& first = hist->front().sides;
  std::printf("buckets %zu first %s count %llu version %s\n", hist->size(),
              liqdb::FormatTime(hist->front().bucket).c_str(),
              static_cast<unsigned long long>(first[0].count + first[1].count), liqdb::kVersion);
  return 0;
}
