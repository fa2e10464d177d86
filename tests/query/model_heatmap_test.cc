// Tests of the OI-delta model heatmap (query/model_heatmap.cc) and of its
// parameters (query/model_profile.cc): hand-worked sweeps, opens and
// proportional closes, and a brute-force model that keeps every level with
// its real notional and replays from scratch for each bucket.

#include <cmath>
#include <map>
#include <random>

#include <catch2/catch.hpp>

#include "liqdb/heatmap.h"
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

ModelHeatmapSpec Spec(Timestamp from, Timestamp to, int64_t interval, double step) {
  ModelHeatmapSpec s;
  s.from = from;
  s.to = to;
  s.interval = interval;
  s.price_step = step;
  s.symbol = "BTCUSDT";
  s.exchange = "binance";
  return s;
}

std::vector<HeatmapCell> Run(Columns market, const ModelHeatmapSpec& spec) {
  auto cursor = OpenModelHeatmap(MemoryRowSource(std::move(market)), spec);
  REQUIRE(cursor.ok());
  auto cells = DrainHeatmap(cursor->get());
  REQUIRE(cells.ok());
  return *cells;
}

void CheckCell(const HeatmapCell& c, Timestamp bucket, double price, double long_n, double short_n,
               uint64_t levels) {
  INFO("cell at bucket " << c.bucket << " price " << c.price);
  CHECK(c.bucket == bucket);
  CHECK(c.price == Approx(price));
  CHECK(c.long_notional == Approx(long_n));
  CHECK(c.short_notional == Approx(short_n));
  CHECK(c.positions == levels);
}

TEST_CASE("model heatmap: hand-worked baseline, open, proportional close, sweeps", "[model]") {
  // One tier 10x, mmr 0: long level at P·(1 − 1/10) = 90, short at P·(1 + 1/10) = 110.
  Columns m(Kind::kMarket);
  m.AddMarket(0, 100, 10);   // baseline OI 10: nothing opens
  m.AddMarket(10, 100, 12);  // ΔOI 2 -> N = 2 × 100 = 200: long 90 ×100, short 110 ×100
  m.AddMarket(20, 100, 9);   // OI fell: scale by 9/12 = 0.75 -> 75 and 75
  m.AddMarket(30, 89, 9);    // sweep: long at 90 >= 89 liquidated
  m.AddMarket(40, 111, 9);   // sweep: short at 110 <= 111 liquidated
  auto spec = Spec(0, 50, 10, 1);
  spec.model.leverage_profile = "10:1";
  spec.model.mmr = 0;
  spec.model.lookback = 0;
  auto cells = Run(m, spec);
  REQUIRE(cells.size() == 5);
  // Bucket 0 ([0, 10)) has only the baseline sample: no cell.
  CheckCell(cells[0], 10, 90, 100, 0, 1);
  CheckCell(cells[1], 10, 110, 0, 100, 1);
  CheckCell(cells[2], 20, 90, 75, 0, 1);
  CheckCell(cells[3], 20, 110, 0, 75, 1);
  CheckCell(cells[4], 30, 110, 0, 75, 1);
}

TEST_CASE("model heatmap: default profile, mmr and long share", "[model]") {
  // P = 1000, ΔOI = 1 -> N = 1000. Default profile weights 0.3/0.25/0.25/0.2, long
  // share 0.5, mmr 0.005. Linear long L: 1000·(1 − 1/L)/0.995, short 1000·(1 + 1/L)/1.005:
  //   10x: long 904.52 (0.3·0.5·1000 = 150)  short 1094.53 (150)
  //   25x: long 964.82 (125)                  short 1034.83 (125)
  //   50x: long 984.92 (125)                  short 1014.93 (125)
  //  100x: long 994.97 (100)                  short 1004.98 (100)
  // $10 bins: 900, 960, 980, 990 | 1000, 1010, 1030, 1090.
  Columns m(Kind::kMarket);
  m.AddMarket(0, 1000, 5);
  m.AddMarket(1, 1000, 6);
  auto cells = Run(m, Spec(0, 10, 10, 10));
  REQUIRE(cells.size() == 8);
  CheckCell(cells[0], 0, 900, 150, 0, 1);
  CheckCell(cells[1], 0, 960, 125, 0, 1);
  CheckCell(cells[2], 0, 980, 125, 0, 1);
  CheckCell(cells[3], 0, 990, 100, 0, 1);
  CheckCell(cells[4], 0, 1000, 0, 100, 1);
  CheckCell(cells[5], 0, 1010, 0, 125, 1);
  CheckCell(cells[6], 0, 1030, 0, 125, 1);
  CheckCell(cells[7], 0, 1090, 0, 150, 1);

  SECTION("long_share 0.8 and an unnormalised profile") {
    // '10:3,50:1' -> weights 0.75, 0.25; longs get 0.8 of N, shorts 0.2.
    // 10x: long 1000·0.75·0.8 = 600 @ 904.52, short 150 @ 1094.53
    // 50x: long 200 @ 984.92, short 50 @ 1014.93
    auto spec = Spec(0, 10, 10, 10);
    spec.model.leverage_profile = "10:3, 50:1";
    spec.model.long_share = 0.8;
    auto c = Run(m, spec);
    REQUIRE(c.size() == 4);
    CheckCell(c[0], 0, 900, 600, 0, 1);
    CheckCell(c[1], 0, 980, 200, 0, 1);
    CheckCell(c[2], 0, 1010, 0, 50, 1);
    CheckCell(c[3], 0, 1090, 0, 150, 1);
  }
  SECTION("long_share 1 opens no short levels") {
    auto spec = Spec(0, 10, 10, 10);
    spec.model.long_share = 1;
    auto c = Run(m, spec);
    REQUIRE(c.size() == 4);
    for (const auto& cell : c) CHECK(cell.short_notional == 0);
  }
}

TEST_CASE("model heatmap: lookback decides the baseline; from − lookback is inclusive", "[model]") {
  // from = 1000. Samples at 800 (OI 5), 900 (OI 10), 950 (OI 12).
  Columns m(Kind::kMarket);
  m.AddMarket(800, 100, 5);
  m.AddMarket(900, 100, 10);
  m.AddMarket(950, 100, 12);
  auto spec = Spec(1000, 1100, 100, 1);
  spec.model.leverage_profile = "10:1";
  spec.model.mmr = 0;
  SECTION("lookback 100: baseline at 900 (= from − lookback), ΔOI 2 -> 100 per side") {
    spec.model.lookback = 100;
    auto c = Run(m, spec);
    REQUIRE(c.size() == 2);
    CheckCell(c[0], 1000, 90, 100, 0, 1);
    CheckCell(c[1], 1000, 110, 0, 100, 1);
  }
  SECTION("lookback 200: baseline at 800: +5 opens 250 per side, +2 another 100") {
    spec.model.lookback = 200;
    auto c = Run(m, spec);
    REQUIRE(c.size() == 2);
    CheckCell(c[0], 1000, 90, 350, 0, 2);
    CheckCell(c[1], 1000, 110, 0, 350, 2);
  }
  SECTION("lookback 0: baseline is the first sample at or after from: nothing") {
    spec.model.lookback = 0;
    CHECK(Run(m, spec).empty());
  }
}

TEST_CASE("model heatmap: samples at bucket end and at `to`", "[model]") {
  Columns m(Kind::kMarket);
  m.AddMarket(0, 100, 1);
  m.AddMarket(100, 100, 2);  // exactly the end of bucket 0: shows from bucket 100
  m.AddMarket(200, 100, 3);  // at `to`: never applied
  auto spec = Spec(0, 200, 100, 1);
  spec.model.leverage_profile = "10:1";
  spec.model.mmr = 0;
  auto c = Run(m, spec);
  REQUIRE(c.size() == 2);
  CheckCell(c[0], 100, 90, 50, 0, 1);
  CheckCell(c[1], 100, 110, 0, 50, 1);
}

TEST_CASE("model heatmap: OI falling to zero removes every level", "[model]") {
  Columns m(Kind::kMarket);
  m.AddMarket(0, 100, 1);
  m.AddMarket(1, 100, 2);
  m.AddMarket(2, 100, 0);
  m.AddMarket(3, 100, 1);  // re-opens 50 per side from zero
  auto spec = Spec(0, 4, 1, 1);
  spec.model.leverage_profile = "10:1";
  spec.model.mmr = 0;
  auto c = Run(m, spec);
  REQUIRE(c.size() == 4);
  CheckCell(c[0], 1, 90, 50, 0, 1);
  CheckCell(c[2], 3, 90, 50, 0, 1);
}

TEST_CASE("model heatmap: max_age drops levels as old as it at a bucket's last µs", "[model]") {
  // One tier 10x, mmr 0: each rise of 2 at P 100 opens long 90 and short 110 of 100 each.
  Columns m(Kind::kMarket);
  m.AddMarket(0, 100, 10);   // baseline
  m.AddMarket(10, 100, 12);  // opens A (long 90, short 110)
  m.AddMarket(20, 100, 14);  // opens B
  m.AddMarket(30, 89, 14);   // sweeps the long levels (A's already aged out)
  auto spec = Spec(0, 50, 10, 1);
  spec.model.leverage_profile = "10:1";
  spec.model.mmr = 0;
  spec.model.max_age = 15;
  // Bucket [10, 20) at 19: A is 9 old. [20, 30) at 29: A is 19 (gone), B 9.
  // [30, 40) at 39: B is 19 (gone); its long was swept at 30 anyway.
  auto c = Run(m, spec);
  REQUIRE(c.size() == 4);
  CheckCell(c[0], 10, 90, 100, 0, 1);
  CheckCell(c[1], 10, 110, 0, 100, 1);
  CheckCell(c[2], 20, 90, 100, 0, 1);
  CheckCell(c[3], 20, 110, 0, 100, 1);
  // Without max_age both stay: bucket 20 holds A and B (200 per side); 30 and 40 the shorts.
  spec.model.max_age.reset();
  c = Run(m, spec);
  REQUIRE(c.size() == 6);
  CheckCell(c[2], 20, 90, 200, 0, 2);
  CheckCell(c[4], 30, 110, 0, 200, 2);
  // The edge: at a bucket's last µs a level exactly max_age old is gone.
  spec.model.max_age = 10;
  CHECK(Run(m, spec).size() == 4);  // 9 old: kept
  spec.model.max_age = 9;
  CHECK(Run(m, spec).empty());  // 9 old: gone
}

TEST_CASE("leverage profile parsing", "[model]") {
  auto p = ParseLeverageProfile(kDefaultLeverageProfile);
  REQUIRE(p.ok());
  REQUIRE(p->size() == 4);
  CHECK((*p)[0].leverage == 10);
  CHECK((*p)[0].weight == Approx(0.3));
  CHECK((*p)[3].leverage == 100);
  CHECK((*p)[3].weight == Approx(0.2));
  auto q = ParseLeverageProfile(" 5:1 , 20:3 ");
  REQUIRE(q.ok());
  CHECK((*q)[0].weight == Approx(0.25));
  CHECK((*q)[1].weight == Approx(0.75));
  CHECK(ParseLeverageProfile("10:0,20:1").ok());  // a zero weight is a tier with no levels

  for (const char* bad : {"10:abc", "abc", "", " ", "10", "10:0.5,", ",10:1", "10:-1", "10:0,25:0", "1:1",
                          "0.5:1", "-10:1", "x:1", "10:1:2", "10:nan", "inf:1", "10:inf"}) {
    INFO("profile '" << bad << "'");
    auto r = ParseLeverageProfile(bad);
    CHECK(r.status().IsInvalidArgument());
    CHECK(r.status().message().find("leverage profile") != std::string::npos);
  }
  auto neg = ParseLeverageProfile("10:-0.5");
  CHECK(neg.status().message().find(">= 0") != std::string::npos);
  auto zero = ParseLeverageProfile("10:0,25:0");
  CHECK(zero.status().message().find("sum") != std::string::npos);
  auto low = ParseLeverageProfile("1:1");
  CHECK(low.status().message().find("> 1") != std::string::npos);
}

TEST_CASE("model heatmap: bad arguments are InvalidArgument", "[model]") {
  auto check = [](ModelHeatmapSpec spec, const char* needle) {
    Status s = ValidateModelHeatmapSpec(spec);
    INFO(s.ToString());
    CHECK(s.IsInvalidArgument());
    CHECK(s.message().find(needle) != std::string::npos);
    CHECK(OpenModelHeatmap(MemoryRowSource(Columns(Kind::kMarket)), spec).status().IsInvalidArgument());
  };
  CHECK(ValidateModelHeatmapSpec(Spec(0, 100, 10, 1)).ok());
  check(Spec(0, 100, 10, 0), "price_step");
  check(Spec(0, 100, -5, 1), "interval");
  check(Spec(5, 5, 10, 1), "before");
  auto s = Spec(0, 100, 10, 1);
  s.model.lookback = -1;
  check(s, "lookback");
  s = Spec(0, 100, 10, 1);
  s.model.long_share = 1.5;
  check(s, "long_share");
  s.model.long_share = -0.1;
  check(s, "long_share");
  s.model.long_share = NAN;
  check(s, "long_share");
  s = Spec(0, 100, 10, 1);
  s.model.mmr = 1;
  check(s, "mmr");
  s.model.mmr = -0.01;
  check(s, "mmr");
  s = Spec(0, 100, 10, 1);
  s.model.leverage_profile = "10:abc";
  check(s, "leverage profile");
  s = Spec(0, 100, 10, 1);
  s.model.max_age = 0;
  check(s, "max_age must be > 0");
  s.model.max_age = -5;
  check(s, "max_age must be > 0");
}

// ---- brute-force reference ------------------------------------------------------

struct Level {
  bool is_long;
  double price, notional;
  Timestamp opened = 0;  // the sample that opened it
};

// The model as docs/sql.md words it: a list of levels with real notionals,
// replayed from scratch up to `end`.
std::vector<Level> BruteModel(const Columns& m, Timestamp start, Timestamp end,
                              const std::vector<std::pair<double, double>>& tiers, double long_share,
                              double mmr) {
  std::vector<Level> levels;
  bool first = true;
  double last_oi = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m.ts[i] < start || m.ts[i] >= end) continue;
    double p = m.values[mkt_col::kMarkPrice][i], oi = m.values[mkt_col::kOpenInterest][i];
    if (first) {
      first = false;
      last_oi = oi;
      continue;
    }
    std::vector<Level> kept;
    for (const Level& l : levels) {
      if (l.is_long ? l.price >= p : l.price <= p) continue;
      kept.push_back(l);
    }
    levels = kept;
    if (oi > last_oi) {
      double n = (oi - last_oi) * p;
      for (auto [lev, w] : tiers) {
        levels.push_back({true, p * (1 - 1 / lev) / (1 - mmr), n * w * long_share, m.ts[i]});
        levels.push_back({false, p * (1 + 1 / lev) / (1 + mmr), n * w * (1 - long_share), m.ts[i]});
      }
    } else if (oi < last_oi) {
      for (Level& l : levels) l.notional *= oi / last_oi;
    }
    last_oi = oi;
  }
  return levels;
}

TEST_CASE("model heatmap matches a brute-force replay on random paths", "[model]") {
  std::mt19937_64 rng(99);
  std::normal_distribution<double> step(0, 0.004), doi(0, 3);
  for (int round = 0; round < 10; ++round) {
    Columns m(Kind::kMarket);
    double p = 30000, oi = 1000;
    for (Timestamp t = 0; t < 4000; t += 1 + static_cast<Timestamp>(rng() % 20)) {
      p *= std::exp(step(rng));
      oi = std::max(1.0, oi + doi(rng));
      m.AddMarket(t, p, oi);
    }
    auto spec = Spec(1000 + round * 17, 4000, 100 + round * 30, round % 2 ? 50 : 125);
    spec.model.lookback = 300 * round;
    spec.model.long_share = 0.1 * round;
    spec.model.mmr = round % 3 ? 0.005 : 0.01;
    if (round % 2) spec.model.leverage_profile = "3:1,20:2,75:0.5";
    // Aged levels: a level shown at a bucket's last µs (end − 1) is kept while
    // it is younger than max_age there.
    if (round >= 5) spec.model.max_age = 40 + 60 * (round - 5);
    auto tiers = ParseLeverageProfile(spec.model.leverage_profile);
    REQUIRE(tiers.ok());
    std::vector<std::pair<double, double>> t;
    for (auto& tier : *tiers) t.emplace_back(tier.leverage, tier.weight);

    std::map<std::pair<Timestamp, double>, std::array<double, 3>> expected;
    Timestamp first = spec.from / spec.interval * spec.interval;
    for (Timestamp b = first; b < spec.to; b += spec.interval) {
      Timestamp end = std::min(b + spec.interval, spec.to);
      for (const Level& l :
           BruteModel(m, spec.from - spec.model.lookback, end, t, spec.model.long_share, spec.model.mmr)) {
        if (!(l.notional > 0)) continue;
        if (spec.model.max_age && (end - 1) - l.opened >= *spec.model.max_age) continue;
        auto& cell = expected[{b, TestBinIndex(l.price, spec.price_step) * spec.price_step}];
        cell[l.is_long ? 0 : 1] += l.notional;
        cell[2] += 1;
      }
    }
    auto cells = Run(m, spec);
    INFO("round " << round);
    CHECK(expected.size() > 20);  // the comparison must not be vacuous
    REQUIRE(cells.size() == expected.size());
    size_t i = 0;
    for (auto& [key, e] : expected) {
      const HeatmapCell& c = cells[i++];
      REQUIRE(c.bucket == key.first);
      REQUIRE(c.price == key.second);
      CHECK(c.long_notional == Approx(e[0]).margin(1e-6));
      CHECK(c.short_notional == Approx(e[1]).margin(1e-6));
      CHECK(c.positions == static_cast<uint64_t>(e[2]));
    }
  }
}

}  // namespace
}  // namespace liqdb
