// Every ingest ends sealed: a multi-series liqdb CSV ingested in small
// batches (each flush carries a few rows of every series) leaves no staged
// chunk, few chunks per series, and as many chunk bytes as one append of
// each whole series followed by a seal; repeated runs stay compact.
#include <cstdio>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"
#include "tests/test_util.h"

#include "liqdb/ingest.h"
#include "liqdb/store.h"

using namespace liqdb;

namespace {

constexpr Timestamp kT0 = 1'709'251'200'000'000;   // 2024-03-01
constexpr Timestamp kDays = 3 * 86'400'000'000LL;  // the archive spans three days
constexpr int kSeries = 20;
constexpr size_t kRowsPerSeries = 6000;

std::shared_ptr<Store> OpenStore(const std::string& dir) {
  StoreOptions so;
  so.mode = StoreOptions::Mode::kReadWrite;
  so.sync = false;
  auto s = Store::Open(dir, so);
  REQUIRE(s.ok());
  return *s;
}

SeriesKey KeyOf(int s) {
  return SeriesKey{s % 2 ? "bybit" : "binance", "SYM" + std::to_string(s) + "USDT"};
}

// The series' rows and the archive: all series interleaved in time order,
// like an exchange's daily file.
std::string Archive(std::vector<Columns>* series) {
  struct Line {
    Timestamp ts;
    std::string text;
  };
  std::vector<Line> lines;
  for (int s = 0; s < kSeries; ++s) {
    series->push_back(test::RandomLiquidations(kRowsPerSeries, kT0, kDays, 500 + s));
    const Columns& c = series->back();
    const SeriesKey k = KeyOf(s);
    char buf[200];
    for (size_t i = 0; i < c.size(); ++i) {
      using namespace liq_col;
      std::snprintf(buf, sizeof buf, "%lld,%s,%s,%s,%.1f,%.3f,%.17g\n", static_cast<long long>(c.ts[i]),
                    k.exchange.c_str(), k.symbol.c_str(), c.side[i] == 0 ? "long" : "short",
                    c.values[kPrice][i], c.values[kQty][i], c.values[kNotional][i]);
      lines.push_back({c.ts[i], buf});
    }
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.ts < b.ts; });
  std::string csv = "ts,exchange,symbol,side,price,qty,notional\n";
  for (const Line& l : lines) csv += l.text;
  return csv;
}

Status IngestString(Store* store, const std::string& csv, size_t batch_rows) {
  IngestOptions o;
  o.batch_rows = batch_rows;
  Ingester ingester(store, o);
  auto reader = LineReader::FromString(csv, "archive.csv");
  REQUIRE(reader.ok());
  LIQDB_RETURN_IF_ERROR(ingester.IngestReader(reader->get(), false));
  return ingester.Finish();
}

}  // namespace

TEST_CASE("a multi-series archive ingested in small batches ends sealed, as compact as whole appends",
          "[ingest][seal]") {
  test::TempDir dir;
  std::vector<Columns> series;
  const std::string csv = Archive(&series);

  // The reference: each series in one append, then sealed.
  auto ref = OpenStore(dir.path() + "/ref");
  for (int s = 0; s < kSeries; ++s) REQUIRE(ref->Append({KeyOf(s), series[s]}).ok());
  REQUIRE(ref->Seal(true).ok());
  auto ref_stats = ref->Stats();
  REQUIRE(ref_stats.ok());
  REQUIRE(ref_stats->chunks == kSeries);

  // 4,096 rows per flush: about 200 rows of each series, a few hours of it.
  auto store = OpenStore(dir.path() + "/ingested");
  REQUIRE(IngestString(store.get(), csv, 4096).ok());
  auto stats = store->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->rows == kSeries * kRowsPerSeries);
  uint64_t most = 0;
  for (const SeriesInfo& s : stats->series) {
    INFO(s.key.exchange << "/" << s.key.symbol);
    CHECK(s.rows == kRowsPerSeries);
    CHECK(s.staged_chunks == 0);
    most = std::max(most, s.chunks);
  }
  // Staged rows were sealed a day at a time (three days), then the short
  // chunks merged: a few chunks per series, not one per flush (~150).
  CHECK(most <= 4);
  INFO("ingested " << stats->chunk_bytes << " B in " << stats->chunks << " chunks, reference "
                   << ref_stats->chunk_bytes << " B");
  CHECK(static_cast<double>(stats->chunk_bytes) <= 1.05 * static_cast<double>(ref_stats->chunk_bytes));

  // Re-ingesting the same archive stores nothing and leaves it sealed.
  REQUIRE(IngestString(store.get(), csv, 4096).ok());
  auto again = store->Stats();
  REQUIRE(again.ok());
  CHECK(again->rows == stats->rows);
  CHECK(again->chunks == stats->chunks);
}

TEST_CASE("the archive ingested as 30 separate runs stays sealed in few chunks", "[ingest][seal]") {
  test::TempDir dir;
  std::vector<Columns> series;
  const std::string csv = Archive(&series);
  auto store = OpenStore(dir.path() + "/runs");
  // Cut the file into 30 runs of consecutive lines, each with the header. A
  // series never has two rows at one timestamp here, so any line boundary is
  // a valid cut (the idempotency rule for split files).
  const size_t header_end = csv.find('\n') + 1;
  const std::string header = csv.substr(0, header_end);
  size_t from = header_end;
  for (int run = 0; run < 30 && from < csv.size(); ++run) {
    size_t to =
        run == 29 ? csv.size() : csv.find('\n', header_end + (csv.size() - header_end) * (run + 1) / 30) + 1;
    REQUIRE(IngestString(store.get(), header + csv.substr(from, to - from), 1 << 18).ok());
    from = to;
  }
  auto stats = store->Stats();
  REQUIRE(stats.ok());
  CHECK(stats->rows == kSeries * kRowsPerSeries);
  for (const SeriesInfo& s : stats->series) {
    INFO(s.key.exchange << "/" << s.key.symbol);
    CHECK(s.rows == kRowsPerSeries);
    CHECK(s.staged_chunks == 0);
    // 30 runs of 200 rows: at most log2(30) + 1 short chunks.
    CHECK(s.chunks <= 6);
  }
}
