// Tests of the Store wrappers of the heatmap analytics (query/heatmap_store.cc):
// over a real store they must give exactly what the kernels give over the same
// rows in memory, with and without keyframes kept as store checkpoints.

#include <random>

#include <catch2/catch.hpp>

#include "test_util.h"

#include "liqdb/heatmap.h"
#include "liqdb/query.h"

namespace liqdb {
namespace {

using test::TempDir;

const SeriesKey kBtc{"binance", "BTCUSDT"};
const SeriesKey kEth{"binance", "ETHUSDT"};
constexpr Timestamp kHour = 3600LL * kMicrosPerSecond;

std::shared_ptr<Store> OpenStore(const std::string& path) {
  StoreOptions o;
  o.chunk_rows = 500;
  o.sync = false;
  auto s = Store::Open(path, o);
  REQUIRE(s.ok());
  return *s;
}

// Positions over three days: 40 accounts resizing and closing.
Columns Positions(uint64_t seed) {
  std::mt19937_64 rng(seed);
  Columns c(Kind::kPositions);
  for (int i = 0; i < 3000; ++i) {
    Timestamp t = static_cast<Timestamp>(i) * 72 * kHour / 3000 + static_cast<Timestamp>(rng() % 1000);
    double entry = 60000 + static_cast<double>(rng() % 4000);
    double lev = static_cast<double>(2 + rng() % 99);
    double size = rng() % 7 == 0 ? 0 : static_cast<double>(1 + rng() % 100) / 100;
    std::optional<double> liq;
    if (rng() % 2) liq = entry * (rng() % 2 ? 0.9 : 1.1);
    c.AddPosition(t, "acct" + std::to_string(rng() % 40), rng() % 2 ? Side::kLong : Side::kShort, size, entry,
                  rng() % 10 == 0 ? std::optional<double>() : lev, liq);
  }
  return c;
}

std::vector<HeatmapCell> KernelHeatmap(const std::vector<Columns>& series, const SnapshotHeatmapSpec& spec) {
  std::vector<PositionSeriesInput> in;
  for (const Columns& c : series) {
    PositionSeriesInput s;
    s.rows = MemoryRowSource(c);
    in.push_back(std::move(s));
  }
  auto cursor = OpenSnapshotHeatmap(std::move(in), spec);
  REQUIRE(cursor.ok());
  auto cells = DrainHeatmap(cursor->get());
  REQUIRE(cells.ok());
  return *cells;
}

void CheckSame(const std::vector<HeatmapCell>& a, const std::vector<HeatmapCell>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].bucket == b[i].bucket);
    CHECK(a[i].price == b[i].price);
    CHECK(a[i].long_notional == Approx(b[i].long_notional));
    CHECK(a[i].short_notional == Approx(b[i].short_notional));
    CHECK(a[i].positions == b[i].positions);
  }
}

TEST_CASE("snapshot heatmap over a store equals the kernel, with and without keyframes", "[heatmap][store]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  Columns btc = Positions(1), eth = Positions(2);
  REQUIRE(store->Append({kBtc, btc}).ok());
  REQUIRE(store->Append({kEth, eth}).ok());
  REQUIRE(store->Seal(true).ok());

  SnapshotHeatmapSpec spec;
  spec.from = 30 * kHour + 123;  // carry-over from the first 30 hours
  spec.to = 60 * kHour;
  spec.interval = kHour;
  spec.price_step = 500;
  spec.min_leverage = 5;

  SECTION("both series") {
    auto expected = KernelHeatmap({btc, eth}, spec);
    REQUIRE(expected.size() > 50);
    auto cursor = OpenSnapshotHeatmap(*store, spec);
    REQUIRE(cursor.ok());
    auto got = DrainHeatmap(cursor->get());
    REQUIRE(got.ok());
    CheckSame(*got, expected);

    // Keyframes every 6 h: same answer, now seeded from a checkpoint.
    auto written = WritePositionKeyframes(*store, 6 * kHour);
    REQUIRE(written.ok());
    CHECK(*written == 2 * 11);  // boundaries 6 h … 66 h per series
    auto again = WritePositionKeyframes(*store, 6 * kHour);
    REQUIRE(again.ok());
    CHECK(*again == 0);  // idempotent
    auto provider = StoreKeyframes(*store);
    ScanFilter btc_only;
    btc_only.kind = Kind::kPositions;
    btc_only.symbols = {"BTCUSDT"};
    auto series = SelectSeries(*store, btc_only);
    REQUIRE(series.size() == 1);
    auto kf = provider->Find(series[0], 30 * kHour);
    REQUIRE(kf.ok());
    REQUIRE(kf->has_value());
    CHECK((*kf)->until == 30 * kHour);

    auto seeded = OpenSnapshotHeatmap(*store, spec);
    REQUIRE(seeded.ok());
    auto got2 = DrainHeatmap(seeded->get());
    REQUIRE(got2.ok());
    CheckSame(*got2, expected);

    // A late row from before the keyframes (an archive backfill) makes them
    // stale; the store drops them and the answer follows the new row.
    Columns late(Kind::kPositions);
    late.AddPosition(20 * kHour, "late-whale", Side::kLong, 50, 61000, 10, 55000);
    REQUIRE(store->Append({kBtc, late}).ok());
    for (size_t i = 0; i < late.size(); ++i) btc.AppendRow(late, i);
    btc.SortByTime();
    auto expected2 = KernelHeatmap({btc, eth}, spec);
    auto after = OpenSnapshotHeatmap(*store, spec);
    REQUIRE(after.ok());
    auto got3 = DrainHeatmap(after->get());
    REQUIRE(got3.ok());
    CheckSame(*got3, expected2);
    // The whale (50 × 55000 = 2.75M in bin 55000) is in every bucket.
    size_t whale_cells = 0;
    for (const HeatmapCell& c : *got3) whale_cells += c.price == 55000 && c.long_notional >= 2.75e6;
    CHECK(whale_cells == 30);
    auto refill = WritePositionKeyframes(*store, 6 * kHour);
    REQUIRE(refill.ok());
    CHECK(*refill > 0);
  }
  SECTION("symbol filter") {
    spec.symbols = {"ETHUSDT"};
    auto expected = KernelHeatmap({eth}, spec);
    auto cursor = OpenSnapshotHeatmap(*store, spec);
    REQUIRE(cursor.ok());
    auto got = DrainHeatmap(cursor->get());
    REQUIRE(got.ok());
    CheckSame(*got, expected);
  }
  SECTION("liq_map over the store") {
    LiqMapSpec m;
    m.at = 45 * kHour;
    m.price_step = 1000;
    std::vector<PositionSeriesInput> in(2);
    in[0].rows = MemoryRowSource(btc);
    in[1].rows = MemoryRowSource(eth);
    auto expected = LiqMapOfPositions(std::move(in), m);
    REQUIRE(expected.ok());
    REQUIRE(!expected->empty());
    auto got = LiqMap(*store, Kind::kPositions, m);
    REQUIRE(got.ok());
    REQUIRE(got->size() == expected->size());
    for (size_t i = 0; i < got->size(); ++i) {
      CHECK((*got)[i].price == (*expected)[i].price);
      CHECK((*got)[i].cum_long == Approx((*expected)[i].cum_long));
      CHECK((*got)[i].cum_short == Approx((*expected)[i].cum_short));
    }
    CHECK(LiqMap(*store, Kind::kLiquidations, m).status().IsInvalidArgument());
  }
}

TEST_CASE("model heatmap and cascades over a store equal the kernels", "[model][store]") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::mt19937_64 rng(5);
  Columns market(Kind::kMarket);
  double p = 60000, oi = 5000;
  for (Timestamp t = 0; t < 48 * kHour; t += 60 * kMicrosPerSecond) {
    p *= 1 + (static_cast<double>(rng() % 2001) - 1000) / 1e6;
    oi = std::max(100.0, oi + (static_cast<double>(rng() % 2001) - 1000) / 100);
    market.AddMarket(t, p, oi);
  }
  REQUIRE(store->Append({kBtc, market}).ok());
  Columns liq = test::RandomLiquidations(2000, 0, 48 * kHour, 3);
  REQUIRE(store->Append({kBtc, liq}).ok());
  REQUIRE(store->Seal(true).ok());

  ModelHeatmapSpec spec;
  spec.from = 24 * kHour;
  spec.to = 48 * kHour;
  spec.interval = kHour;
  spec.price_step = 100;
  spec.symbol = "BTCUSDT";
  spec.exchange = "binance";
  spec.model.lookback = 12 * kHour;
  auto kernel = OpenModelHeatmap(MemoryRowSource(market), spec);
  REQUIRE(kernel.ok());
  auto expected = DrainHeatmap(kernel->get());
  REQUIRE(expected.ok());
  REQUIRE(expected->size() > 100);
  auto cursor = OpenModelHeatmap(*store, spec);
  REQUIRE(cursor.ok());
  auto got = DrainHeatmap(cursor->get());
  REQUIRE(got.ok());
  CheckSame(*got, *expected);

  spec.symbol.clear();
  CHECK(OpenModelHeatmap(*store, spec).status().IsInvalidArgument());

  CascadeSpec cs;
  cs.from = 0;
  cs.to = 48 * kHour;
  cs.max_gap = 2 * 60 * kMicrosPerSecond;
  cs.min_notional = 100000;
  std::vector<std::unique_ptr<SortedRowSource>> src;
  src.push_back(MemoryRowSource(liq));
  auto k = OpenCascades(std::move(src), cs);
  REQUIRE(k.ok());
  auto s = OpenCascades(*store, cs);
  REQUIRE(s.ok());
  CascadeRow a, b;
  size_t n = 0;
  for (;;) {
    auto ma = (*k)->Next(&a);
    auto mb = (*s)->Next(&b);
    REQUIRE(ma.ok());
    REQUIRE(mb.ok());
    REQUIRE(*ma == *mb);
    if (!*ma) break;
    ++n;
    CHECK(a.first_ts == b.first_ts);
    CHECK(a.events == b.events);
    CHECK(a.long_notional == Approx(b.long_notional));
  }
  CHECK(n > 0);
}

}  // namespace
}  // namespace liqdb
