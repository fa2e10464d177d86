// Bounded work in the engine (issue 7, item 4) and the one from/to check
// (item 5): caps on tiers, lookback and grid cells, and kernels that stop
// when their Cancellation says so.
#include <chrono>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "liqdb/cancel.h"
#include "liqdb/heatmap.h"
#include "liqdb/query.h"
#include "liqdb/timeparse.h"

using namespace liqdb;

namespace {

constexpr Timestamp kMar1 = 1709251200000000;  // 2024-03-01T00:00:00Z
constexpr int64_t kHour = 3600000000LL;

std::string Tiers(int n) {
  std::string p;
  for (int i = 0; i < n; ++i) p += (i ? "," : "") + std::to_string(2 + i) + ":1";
  return p;
}

// Says stop from its `stop_at`-th question on; counts the questions.
// `pause`: each question takes that long, so the next one is due by the time
// the meter reads the clock again however fast the work in between (a meter
// asks at most every kCancelCheckInterval).
class StopAfter : public Cancellation {
 public:
  explicit StopAfter(int stop_at, std::chrono::milliseconds pause = {}) : stop_at_(stop_at), pause_(pause) {}
  Status Check() override {
    std::this_thread::sleep_for(pause_);
    return ++asked_ >= stop_at_ ? Status::IOError("stop requested") : Status::OK();
  }
  int asked() const { return asked_; }

 private:
  int stop_at_;
  std::chrono::milliseconds pause_;
  int asked_ = 0;
};

// A day of market samples every second, open interest rising by 1 each time.
Columns RisingMarket() {
  Columns m(Kind::kMarket);
  for (int64_t s = 0; s < 86400; ++s) m.AddMarket(kMar1 + s * 1000000, 60000 + (s % 600), 1000 + s);
  return m;
}

}  // namespace

TEST_CASE("bounds: a leverage profile holds at most 64 tiers", "[query][bounds]") {
  auto ok = ParseLeverageProfile(Tiers(64));
  REQUIRE(ok.ok());
  CHECK(ok->size() == 64);
  auto bad = ParseLeverageProfile(Tiers(65));
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("has 65 tiers") && Catch::Contains("at most 64"));
  // A huge profile is refused without quoting all of it.
  auto huge = ParseLeverageProfile(Tiers(100000));
  REQUIRE_FALSE(huge.ok());
  CHECK_THAT(huge.status().message(), Catch::Contains("has 100000 tiers"));
  CHECK(huge.status().message().size() < 300);
}

TEST_CASE("bounds: the model lookback is capped at 31 days", "[query][bounds]") {
  ModelParams p;
  p.lookback = 31 * 24 * kHour;
  CHECK(ValidateModelParams(p).ok());
  p.lookback += 1000000;
  Status s = ValidateModelParams(p);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("2678401 s") && Catch::Contains("cap of 2678400 s"));
}

TEST_CASE("bounds: the cell cap is buckets × price bins", "[query][bounds]") {
  // 1,000 bins of 10 from 100 to 10,099.
  CHECK(PriceBinsBetween(100, 10099, 10) == 1000);
  CHECK(PriceBinsBetween(100, 100, 10) == 1);
  CHECK(PriceBinsBetween(INFINITY, -INFINITY, 10) == 0);  // no data: an empty axis
  CHECK(CheckGridCells("f", 2000, 1000).ok());            // exactly 2,000,000
  Status s = CheckGridCells("liq_heatmap", 2001, 1000);
  REQUIRE_FALSE(s.ok());
  CHECK(s.message() ==
        "liq_heatmap: 2001 buckets × 1000 price bins = 2001000 cells, more than the 2000000 one call may "
        "return; use a coarser interval or price_step, or a shorter range");
}

TEST_CASE("bounds: a model heatmap stops when its Cancellation says so", "[query][bounds]") {
  ModelHeatmapSpec spec;
  spec.from = kMar1;
  spec.to = kMar1 + 24 * kHour;
  spec.interval = 24 * kHour;  // one bucket: all the work is one Next()
  spec.price_step = 1000;
  spec.model.leverage_profile = Tiers(64);
  spec.model.lookback = 0;
  // Without a Cancellation it runs to its one bucket's cells.
  {
    auto cursor = OpenModelHeatmap(MemoryRowSource(RisingMarket()), spec);
    REQUIRE(cursor.ok());
    auto cells = DrainHeatmap(cursor->get());
    REQUIRE(cells.ok());
    CHECK_FALSE(cells->empty());
  }
  StopAfter stop(3);
  spec.cancel = &stop;
  auto cursor = OpenModelHeatmap(MemoryRowSource(RisingMarket()), spec);
  REQUIRE(cursor.ok());
  HeatmapCell cell;
  auto first = (*cursor)->Next(&cell);
  REQUIRE_FALSE(first.ok());
  CHECK(first.status().message() == "stop requested");
  CHECK(stop.asked() == 3);
}

TEST_CASE("bounds: a snapshot heatmap replay and cascades stop when asked", "[query][bounds]") {
  Columns pos(Kind::kPositions);
  for (int i = 0; i < 200000; ++i) {
    pos.AddPosition(kMar1 + i * 1000, "a" + std::to_string(i % 5000), i % 2 ? Side::kLong : Side::kShort, 1,
                    60000 + (i % 1000), 10, std::nullopt);
  }
  SnapshotHeatmapSpec spec;
  spec.from = kMar1 + 23 * kHour;  // every row is replayed before the first cell
  spec.to = kMar1 + 24 * kHour;
  spec.interval = kHour;
  spec.price_step = 100;
  // Asked twice within the one Next(): the replay keeps asking as it goes
  // (its 200,000 rows may take less than kCancelCheckInterval).
  StopAfter stop(2, 2 * kCancelCheckInterval);
  spec.cancel = &stop;
  std::vector<PositionSeriesInput> in(1);
  in[0].key = {"binance", "BTCUSDT"};
  in[0].rows = MemoryRowSource(pos);
  auto cursor = OpenSnapshotHeatmap(std::move(in), spec);
  REQUIRE(cursor.ok());
  HeatmapCell cell;
  auto r = (*cursor)->Next(&cell);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "stop requested");

  Columns liq(Kind::kLiquidations);
  for (int i = 0; i < 200000; ++i) liq.AddLiquidation(kMar1 + i * 1000, Side::kLong, 60000, 0.001, 60);
  CascadeSpec cs;
  cs.from = kMar1;
  cs.to = kMar1 + 24 * kHour;
  cs.max_gap = 1000000;
  cs.min_notional = 1e30;  // nothing qualifies: one Next() walks every event
  StopAfter stop2(1);      // the first question, due after 256 events
  cs.cancel = &stop2;
  std::vector<std::unique_ptr<SortedRowSource>> src;
  src.push_back(MemoryRowSource(liq));
  auto cc = OpenCascades(std::move(src), cs);
  REQUIRE(cc.ok());
  CascadeRow row;
  auto c = (*cc)->Next(&row);
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().message() == "stop requested");
}

TEST_CASE("bounds: a heatmap stops once it has returned kMaxGridCells cells", "[query][bounds]") {
  // 2,001 positions, each with its own level ($1 bins from 50,000), in force
  // for 1,000 one-minute buckets: 2,001,000 cells, one bucket too many.
  Columns pos(Kind::kPositions);
  for (int i = 0; i < 2001; ++i) {
    pos.AddPosition(kMar1, "a" + std::to_string(i), Side::kLong, 1, 60000, 10, 50000.0 + i);
  }
  SnapshotHeatmapSpec spec;
  spec.from = kMar1;
  spec.to = kMar1 + 1000 * 60000000LL;
  spec.interval = 60000000LL;
  spec.price_step = 1;
  std::vector<PositionSeriesInput> in(1);
  in[0].key = {"binance", "BTCUSDT"};
  in[0].rows = MemoryRowSource(pos);
  auto cursor = OpenSnapshotHeatmap(std::move(in), spec);
  REQUIRE(cursor.ok());
  HeatmapCell cell;
  uint64_t returned = 0;
  Status end;
  for (;;) {
    auto more = (*cursor)->Next(&cell);
    if (!more.ok()) {
      end = more.status();
      break;
    }
    if (!*more) break;
    ++returned;
  }
  CHECK(returned == kMaxGridCells);
  CHECK_THAT(end.message(), Catch::Contains("liq_heatmap: more than 2000000 cells to return"));
}

TEST_CASE("rules: one from/to check, in ISO time, for every range", "[query][rules]") {
  const std::string expected = "from (2024-03-02T00:00:00Z) must be before to (2024-03-01T00:00:00Z)";
  CHECK(ValidateTimeRange(kMar1 + 24 * kHour, kMar1).message() == expected);
  CHECK(ValidateTimeRange(kMar1, kMar1 + 1).ok());
  CHECK(MakeTimeGrid(kMar1 + 24 * kHour, kMar1, kHour).status().message() == expected);
  CascadeSpec cs;
  cs.from = kMar1 + 24 * kHour;
  cs.to = kMar1;
  CHECK(ValidateCascadeSpec(cs).message() == expected);  // printed raw µs before
  LiqHistogramSpec hs;
  hs.from = kMar1 + 24 * kHour;
  hs.to = kMar1;
  hs.interval = 0;  // the range is named first, whatever else is wrong
  CHECK(ValidateLiqHistogramSpec(hs).message() == expected);
  LiqPriceHistogramSpec ps;
  ps.from = kMar1 + 24 * kHour;
  ps.to = kMar1;
  ps.price_step = 1;
  CHECK(ValidateLiqPriceHistogramSpec(ps).message() == expected);
}
