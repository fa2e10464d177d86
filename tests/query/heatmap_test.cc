// Tests of the snapshot heatmap kernel (query/heatmap_snapshot.cc) and of
// position keyframes (query/heatmap_keyframe.cc). Expected values are worked
// by hand from docs/sql.md (arithmetic in the comments) or come from a
// brute-force reference that rebuilds every bucket from scratch.

#include "liqdb/heatmap.h"

#include <cmath>
#include <map>
#include <random>
#include <tuple>

#include <catch2/catch.hpp>

#include "liqdb/query.h"

namespace liqdb {
namespace {

// The contract's price bin: floor(p / step), a quotient within 1e-9 of an
// integer counting as that integer (so 0.3 with step 0.1 is bin 3).
double TestBinIndex(double p, double step) {
  const double q = p / step;
  const double r = std::round(q);
  return std::fabs(q - r) <= 1e-9 * std::max(1.0, std::fabs(r)) ? r : std::floor(q);
}

constexpr std::nullopt_t kNull = std::nullopt;

std::vector<HeatmapCell> Run(std::vector<Columns> series, const SnapshotHeatmapSpec& spec,
                             std::vector<PositionKeyframe> seeds = {}) {
  std::vector<PositionSeriesInput> inputs;
  for (size_t i = 0; i < series.size(); ++i) {
    PositionSeriesInput in;
    in.key = SeriesKey{"ex", "S" + std::to_string(i)};
    if (i < seeds.size()) in.seed = seeds[i];
    in.rows = MemoryRowSource(std::move(series[i]));
    inputs.push_back(std::move(in));
  }
  auto cursor = OpenSnapshotHeatmap(std::move(inputs), spec);
  REQUIRE(cursor.ok());
  auto cells = DrainHeatmap(cursor->get());
  REQUIRE(cells.ok());
  return *cells;
}

std::vector<HeatmapCell> Run(Columns rows, const SnapshotHeatmapSpec& spec) {
  std::vector<Columns> v;
  v.push_back(std::move(rows));
  return Run(std::move(v), spec);
}

void CheckCell(const HeatmapCell& c, Timestamp bucket, double price, double long_n, double short_n,
               uint64_t positions) {
  INFO("cell at bucket " << c.bucket << " price " << c.price);
  CHECK(c.bucket == bucket);
  CHECK(c.price == Approx(price));
  CHECK(c.long_notional == Approx(long_n));
  CHECK(c.short_notional == Approx(short_n));
  CHECK(c.positions == positions);
}

SnapshotHeatmapSpec Spec(Timestamp from, Timestamp to, int64_t interval, double step) {
  SnapshotHeatmapSpec s;
  s.from = from;
  s.to = to;
  s.interval = interval;
  s.price_step = step;
  return s;
}

// The hand-worked history used by several tests. Buckets of 100 µs, $1000 bins.
Columns HandRows() {
  Columns c(Kind::kPositions);
  // Before `from` = 1000: carries over. Long 2 @ liq 54000 -> 2 × 54000 = 108000.
  c.AddPosition(500, "a", Side::kLong, 2, 60000, 10, 54000);
  // Short 1, liq_price NULL, 20x: 60000 × (1 + 1/20) / (1 + 0.005) = 63000 / 1.005
  // = 62686.5671641791…, bin 62000, notional 1 × 62686.567… .
  c.AddPosition(1050, "b", Side::kShort, 1, 60000, 20, kNull);
  // Supersedes a's row exactly at 1100 = end of bucket 1000: counts from bucket 1100.
  // 3 × 54000 = 162000.
  c.AddPosition(1100, "a", Side::kLong, 3, 60000, 10, 54000);
  // Closes b.
  c.AddPosition(1150, "b", Side::kShort, 0, 60000, 20, kNull);
  // Neither leverage nor liq_price: no level.
  c.AddPosition(1250, "c", Side::kLong, 1, 50000, kNull, kNull);
  // At `to` = 1300: outside [from, to).
  c.AddPosition(1300, "d", Side::kLong, 5, 45000, 10, 40000);
  return c;
}

TEST_CASE("snapshot heatmap: hand-worked carry-over, supersession, close, NULL levels", "[heatmap]") {
  auto cells = Run(HandRows(), Spec(1000, 1300, 100, 1000));
  const double b_short = 60000.0 * (1 + 1.0 / 20) / (1 + 0.005);
  REQUIRE(b_short == Approx(62686.5671641791));
  REQUIRE(cells.size() == 4);
  CheckCell(cells[0], 1000, 54000, 108000, 0, 1);   // a carried over from 500
  CheckCell(cells[1], 1000, 62000, 0, b_short, 1);  // b, liq computed with mmr 0.005
  CheckCell(cells[2], 1100, 54000, 162000, 0, 1);   // a resized at 1100, b closed
  CheckCell(cells[3], 1200, 54000, 162000, 0, 1);   // c has no level; d is at `to`
}

TEST_CASE("snapshot heatmap: row exactly at bucket end belongs to the next bucket", "[heatmap]") {
  Columns c(Kind::kPositions);
  c.AddPosition(200, "x", Side::kLong, 1, 100, 10, 90);  // at the end of bucket 100
  auto cells = Run(std::move(c), Spec(100, 400, 100, 10));
  // Bucket 100 ([100, 200)) holds nothing; buckets 200 and 300 hold 1 × 90.
  REQUIRE(cells.size() == 2);
  CheckCell(cells[0], 200, 90, 90, 0, 1);
  CheckCell(cells[1], 300, 90, 90, 0, 1);
}

TEST_CASE("snapshot heatmap: unaligned range takes the state at min(bucket end, to)", "[heatmap]") {
  Columns c(Kind::kPositions);
  c.AddPosition(120, "x", Side::kLong, 1, 100, 10, 90);
  c.AddPosition(160, "y", Side::kShort, 2, 100, 10, 110);  // at `to`: excluded
  // from 130 -> first bucket 100; to 160 -> last bucket 100, state at 160.
  auto cells = Run(std::move(c), Spec(130, 160, 100, 10));
  REQUIRE(cells.size() == 1);
  CheckCell(cells[0], 100, 90, 90, 0, 1);
}

TEST_CASE("snapshot heatmap: leverage filter, NULL leverage fails it", "[heatmap]") {
  Columns c(Kind::kPositions);
  c.AddPosition(10, "lev10", Side::kLong, 1, 100, 10, 91);
  c.AddPosition(10, "lev25", Side::kLong, 1, 100, 25, 96);
  // NULL leverage with an exchange-given liq_price: counts without a filter only.
  c.AddPosition(10, "nolev", Side::kShort, 2, 100, kNull, 104);
  SECTION("no filter") {
    auto cells = Run(c, Spec(0, 100, 100, 1));
    REQUIRE(cells.size() == 3);
    CheckCell(cells[0], 0, 91, 91, 0, 1);
    CheckCell(cells[1], 0, 96, 96, 0, 1);
    CheckCell(cells[2], 0, 104, 0, 208, 1);
  }
  SECTION("min 20") {
    auto spec = Spec(0, 100, 100, 1);
    spec.min_leverage = 20;
    auto cells = Run(c, spec);
    REQUIRE(cells.size() == 1);
    CheckCell(cells[0], 0, 96, 96, 0, 1);
  }
  SECTION("bounds are inclusive") {
    auto spec = Spec(0, 100, 100, 1);
    spec.min_leverage = 10;
    spec.max_leverage = 10;
    auto cells = Run(c, spec);
    REQUIRE(cells.size() == 1);
    CheckCell(cells[0], 0, 91, 91, 0, 1);
  }
  SECTION("max only also rejects NULL") {
    auto spec = Spec(0, 100, 100, 1);
    spec.max_leverage = 1000;
    auto cells = Run(c, spec);
    REQUIRE(cells.size() == 2);
  }
}

TEST_CASE("snapshot heatmap: several positions share a cell; series are separate", "[heatmap]") {
  Columns s0(Kind::kPositions), s1(Kind::kPositions);
  s0.AddPosition(1, "acct", Side::kLong, 1, 100, 10, 90.5);  // 90.5
  s0.AddPosition(2, "acct", Side::kShort, 1, 100, 10, 99);   // same account, other side
  s1.AddPosition(1, "acct", Side::kLong, 2, 100, 10, 92);    // same account name, other series
  std::vector<Columns> v;
  v.push_back(std::move(s0));
  v.push_back(std::move(s1));
  auto cells = Run(std::move(v), Spec(0, 10, 10, 10));
  // Bin 90: longs 90.5 + 2 × 92 = 274.5 (2 positions); bin 90 too for the short at 99:
  // floor(99 / 10) × 10 = 90, short 99. So one cell with 3 positions.
  REQUIRE(cells.size() == 1);
  CheckCell(cells[0], 0, 90, 274.5, 99, 3);
}

TEST_CASE("snapshot heatmap: empty inputs and empty ranges yield no cells", "[heatmap]") {
  CHECK(Run(Columns(Kind::kPositions), Spec(0, 1000, 100, 10)).empty());
  CHECK(Run(std::vector<Columns>{}, Spec(0, 1000, 100, 10)).empty());
  // Every position closed before the range.
  Columns c(Kind::kPositions);
  c.AddPosition(1, "a", Side::kLong, 1, 100, 10, 90);
  c.AddPosition(2, "a", Side::kLong, 0, 100, 10, 90);
  CHECK(Run(std::move(c), Spec(100, 1000, 100, 10)).empty());
}

TEST_CASE("snapshot heatmap: bad arguments are InvalidArgument", "[heatmap]") {
  auto check = [](SnapshotHeatmapSpec spec, const char* needle) {
    Status s = ValidateSnapshotHeatmapSpec(spec);
    INFO(s.ToString());
    CHECK(s.IsInvalidArgument());
    CHECK(s.message().find(needle) != std::string::npos);
    auto c = OpenSnapshotHeatmap(std::vector<PositionSeriesInput>{}, spec);
    CHECK(c.status().IsInvalidArgument());
  };
  check(Spec(0, 100, 10, 0), "price_step");
  check(Spec(0, 100, 10, -1), "price_step");
  check(Spec(0, 100, 10, NAN), "price_step");
  check(Spec(0, 100, 0, 1), "interval");
  check(Spec(100, 100, 10, 1), "before");
  check(Spec(200, 100, 10, 1), "before");
  check(Spec(0, static_cast<Timestamp>(kMaxGridCells) + 1, 1, 1), "buckets");
  check(Spec(kMinTimestamp, kMaxTimestamp, 1, 1), "buckets");
  auto spec = Spec(0, 100, 10, 1);
  spec.min_leverage = 50;
  spec.max_leverage = 10;
  check(spec, "greater");
  spec.max_leverage.reset();
  spec.min_leverage = -1;
  check(spec, "min_leverage");
  // Exactly kMaxGridCells buckets is allowed.
  CHECK(ValidateSnapshotHeatmapSpec(Spec(0, static_cast<Timestamp>(kMaxGridCells), 1, 1)).ok());
}

// ---- brute-force reference ----------------------------------------------------

struct RefCell {
  double long_n = 0, short_n = 0;
  uint64_t positions = 0;
};

// Rebuilds every bucket from scratch, straight from docs/sql.md's wording.
std::map<std::pair<Timestamp, double>, RefCell> BruteForce(const std::vector<Columns>& series,
                                                           const SnapshotHeatmapSpec& spec) {
  std::map<std::pair<Timestamp, double>, RefCell> out;
  auto floor_div = [](Timestamp a, int64_t b) { return (a >= 0 ? a / b : -((-a + b - 1) / b)) * b; };
  for (Timestamp b = floor_div(spec.from, spec.interval); b < spec.to; b += spec.interval) {
    Timestamp end = std::min(b + spec.interval, spec.to);
    for (const Columns& c : series) {
      // Latest row per (account, side) with ts < end; later rows of equal ts win.
      std::map<std::pair<std::string, int>, size_t> latest;
      for (size_t i = 0; i < c.size(); ++i) {
        if (c.ts[i] >= end) continue;
        auto key = std::make_pair(c.AccountOf(i), static_cast<int>(c.side[i]));
        auto it = latest.find(key);
        if (it == latest.end() || c.ts[it->second] <= c.ts[i]) latest[key] = i;
      }
      for (auto& [key, i] : latest) {
        double size = c.values[pos_col::kSize][i];
        double entry = c.values[pos_col::kEntryPrice][i];
        double lev = c.values[pos_col::kLeverage][i];
        double liq = c.values[pos_col::kLiqPrice][i];
        if (!(size > 0)) continue;
        if (spec.min_leverage && !(lev >= *spec.min_leverage)) continue;
        if (spec.max_leverage && !(lev <= *spec.max_leverage)) continue;
        if (std::isnan(liq)) {
          if (std::isnan(lev)) continue;
          // Linear formulas with mmr 0.005, independent of LiqPrice().
          liq = key.second == 0 ? entry * (1 - 1 / lev) / (1 - 0.005) : entry * (1 + 1 / lev) / (1 + 0.005);
        }
        if (!(liq > 0)) continue;
        RefCell& cell = out[{b, TestBinIndex(liq, spec.price_step) * spec.price_step}];
        (key.second == 0 ? cell.long_n : cell.short_n) += size * liq;
        ++cell.positions;
      }
    }
  }
  return out;
}

Columns RandomPositions(std::mt19937_64& rng, int rows, Timestamp t0, Timestamp t1) {
  Columns c(Kind::kPositions);
  std::uniform_int_distribution<Timestamp> ts(t0, t1);
  std::uniform_int_distribution<int> acct(0, 15), pick(0, 9);
  std::uniform_real_distribution<double> price(900, 1100), size(0.1, 5);
  const double levs[] = {2, 5, 10, 20, 50, 100};
  for (int i = 0; i < rows; ++i) {
    int p = pick(rng);
    double entry = price(rng);
    std::optional<double> lev;
    if (p != 0) lev = levs[pick(rng) % 6];
    std::optional<double> liq;
    if (p >= 6) liq = entry * (p % 2 ? 0.93 : 1.07);
    double sz = p == 1 ? 0 : size(rng);
    // Some rows share a timestamp with the previous one.
    Timestamp t = (i > 0 && pick(rng) == 0) ? c.ts.back() : ts(rng);
    c.AddPosition(t, "acct" + std::to_string(acct(rng)), pick(rng) < 5 ? Side::kLong : Side::kShort, sz,
                  entry, lev, liq);
  }
  c.SortByTime();
  return c;
}

void CompareWithBruteForce(const std::vector<Columns>& series, const SnapshotHeatmapSpec& spec) {
  auto expected = BruteForce(series, spec);
  CHECK(expected.size() > 20);  // the comparison must not be vacuous
  auto cells = Run(series, spec);
  REQUIRE(cells.size() == expected.size());
  size_t i = 0;
  for (auto& [key, ref] : expected) {
    const HeatmapCell& c = cells[i++];
    INFO("bucket " << key.first << " price " << key.second);
    REQUIRE(c.bucket == key.first);
    REQUIRE(c.price == key.second);
    CHECK(c.long_notional == Approx(ref.long_n).margin(1e-6));
    CHECK(c.short_notional == Approx(ref.short_n).margin(1e-6));
    CHECK(c.positions == ref.positions);
  }
}

TEST_CASE("snapshot heatmap matches a brute-force replay on random histories", "[heatmap]") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<Columns> series;
    int n = 1 + round % 3;
    for (int s = 0; s < n; ++s) series.push_back(RandomPositions(rng, 300, -500, 3000));
    auto spec = Spec(round * 37 - 200, 2500 + round * 11, 50 + round * 13, round % 2 ? 7.5 : 25);
    if (round % 4 == 1) spec.min_leverage = 10;
    if (round % 4 == 2) spec.max_leverage = 20;
    if (round % 4 == 3) {
      spec.min_leverage = 5;
      spec.max_leverage = 50;
    }
    INFO("round " << round);
    CompareWithBruteForce(series, spec);
  }
}

// ---- keyframes ---------------------------------------------------------------

TEST_CASE("position keyframes: encode/decode round trip keeps NULLs", "[heatmap][keyframe]") {
  PositionKeyframe kf;
  kf.until = 123456789;
  kf.positions.push_back({"alice", Side::kLong, 5, 1.5, 60000, 10, std::nan("")});
  kf.positions.push_back({"", Side::kShort, -7, 2, 100, std::nan(""), 0.25});
  std::string bytes = EncodePositionKeyframe(kf);
  auto back = DecodePositionKeyframe(bytes);
  REQUIRE(back.ok());
  CHECK(back->until == kf.until);
  REQUIRE(back->positions.size() == 2);
  CHECK(back->positions[0].account == "alice");
  CHECK(back->positions[0].side == Side::kLong);
  CHECK(std::isnan(back->positions[0].liq_price));
  CHECK(back->positions[1].account.empty());
  CHECK(back->positions[1].ts == -7);
  CHECK(std::isnan(back->positions[1].leverage));
  CHECK(back->positions[1].liq_price == 0.25);

  SECTION("every truncation is Corruption") {
    for (size_t n = 0; n < bytes.size(); ++n) {
      CHECK(DecodePositionKeyframe(bytes.substr(0, n)).status().IsCorruption());
    }
  }
  SECTION("trailing bytes, bad version, bad side, huge count") {
    CHECK(DecodePositionKeyframe(bytes + "x").status().IsCorruption());
    std::string bad = bytes;
    bad[0] = 9;
    CHECK(DecodePositionKeyframe(bad).status().IsCorruption());
    std::string huge = bytes.substr(0, 9) + std::string("\xff\xff\xff\xff\x0f", 5);
    CHECK(DecodePositionKeyframe(huge).status().IsCorruption());
  }
}

TEST_CASE("position keyframes: seeding equals replaying the whole history", "[heatmap][keyframe]") {
  std::mt19937_64 rng(7);
  Columns all = RandomPositions(rng, 500, 0, 2000);
  const Timestamp cut = 1000;
  auto kf = AdvancePositionKeyframe(PositionKeyframe{}, all, cut);
  REQUIRE(kf.ok());
  CHECK(kf->until == cut);
  for (const PositionState& p : kf->positions) CHECK(p.size > 0);

  // Through bytes, as the store would keep it.
  auto decoded = DecodePositionKeyframe(EncodePositionKeyframe(*kf));
  REQUIRE(decoded.ok());

  // Rolling forward in two steps equals one step.
  auto step1 = AdvancePositionKeyframe(PositionKeyframe{}, all, 600);
  REQUIRE(step1.ok());
  auto step2 = AdvancePositionKeyframe(*step1, all, cut);
  REQUIRE(step2.ok());
  REQUIRE(step2->positions.size() == kf->positions.size());
  for (size_t i = 0; i < kf->positions.size(); ++i) {
    CHECK(step2->positions[i].account == kf->positions[i].account);
    CHECK(step2->positions[i].side == kf->positions[i].side);
    CHECK(step2->positions[i].size == kf->positions[i].size);
  }

  Columns after(Kind::kPositions);
  for (size_t i = 0; i < all.size(); ++i) {
    if (all.ts[i] >= cut) after.AppendRow(all, i);
  }
  auto spec = Spec(cut, 2000, 100, 10);
  auto full = Run(std::vector<Columns>{all}, spec);
  auto seeded = Run(std::vector<Columns>{after}, spec, {*decoded});
  // A seed also ignores rows before its `until` handed in by mistake.
  auto seeded_all = Run(std::vector<Columns>{all}, spec, {*decoded});
  REQUIRE(full.size() == seeded.size());
  REQUIRE(full.size() == seeded_all.size());
  for (size_t i = 0; i < full.size(); ++i) {
    CHECK(full[i].bucket == seeded[i].bucket);
    CHECK(full[i].price == seeded[i].price);
    CHECK(full[i].long_notional == Approx(seeded[i].long_notional));
    CHECK(full[i].short_notional == Approx(seeded[i].short_notional));
    CHECK(full[i].positions == seeded[i].positions);
    CHECK(full[i].positions == seeded_all[i].positions);
  }
  CHECK(AdvancePositionKeyframe(*kf, all, cut - 1).status().IsInvalidArgument());
}

}  // namespace
}  // namespace liqdb
