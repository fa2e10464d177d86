// PositionLevelOrNaN and its packed form PositionLevels
// (query/heatmap_internal.h) against the rule as docs/sql.md states it and
// LiqPrice (the checked public function) computes it: the row's liq_price,
// or when that is NULL the linear formula at mmr 0.005, kept only when
// finite and > 0. Bit for bit, for every mix of NULL, zero, negative,
// infinite, denormal, huge and ordinary inputs, on both sides, and for
// lengths and offsets that leave a tail.
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "query/heatmap_internal.h"

#include "liqdb/liq_price.h"

namespace liqdb {
namespace {

// The level by way of LiqPrice; NaN for none.
double Reference(double entry, double leverage, double liq, Side side) {
  double level = liq;
  if (std::isnan(level)) {
    Result<double> p = LiqPrice(entry, leverage, side, 0.005, Contract::kLinear);
    if (!p.ok()) return NAN;
    level = *p;
  }
  return std::isfinite(level) && level > 0 ? level : NAN;
}

struct Rows {
  std::vector<double> entry, leverage, liq;
  std::vector<uint8_t> side;
  void Add(double e, double l, double q, int s) {
    entry.push_back(e);
    leverage.push_back(l);
    liq.push_back(q);
    side.push_back(static_cast<uint8_t>(s));
  }
};

// Both forms against the reference, the packed one over [offset, offset + n).
void CheckRows(const Rows& r, size_t offset, size_t n) {
  std::vector<double> packed(n, 42.0);
  heatmap_internal::PositionLevels(r.entry.data() + offset, r.leverage.data() + offset, r.liq.data() + offset,
                                   r.side.data() + offset, n, packed.data());
  size_t differ = 0;
  for (size_t j = 0; j < n; ++j) {
    const size_t i = offset + j;
    const Side side = static_cast<Side>(r.side[i]);
    const double want = Reference(r.entry[i], r.leverage[i], r.liq[i], side);
    const double scalar = heatmap_internal::PositionLevelOrNaN(r.entry[i], r.leverage[i], r.liq[i], side);
    const auto bits = [](double d) { return std::bit_cast<uint64_t>(d); };
    // Every NaN here stands for "none": compare NaN-ness, else the bits.
    const auto same = [&](double a, double b) {
      return std::isnan(a) ? std::isnan(b) : !std::isnan(b) && bits(a) == bits(b);
    };
    if ((!same(scalar, want) || !same(packed[j], want)) && differ++ == 0) {
      UNSCOPED_INFO("first: entry " << r.entry[i] << " leverage " << r.leverage[i] << " liq " << r.liq[i]
                                    << " side " << int(r.side[i]) << ": want " << want << " scalar " << scalar
                                    << " packed " << packed[j]);
    }
  }
  CHECK(differ == 0);
}

}  // namespace

TEST_CASE("PositionLevels and PositionLevelOrNaN give LiqPrice's level for edge inputs", "[levels]") {
  const double inf = std::numeric_limits<double>::infinity();
  const double entries[] = {60000, 0.1, 0, -1, inf, -inf, NAN, 1e-310, 1e308, 3};
  const double leverages[] = {10, 1, 0.5, 0, -3, inf, -inf, NAN, 1e-300, 1e300, 100, 125, 7};
  const double liqs[] = {NAN, 0, -5, 59000.5, inf, 1e-320, 1e308};
  Rows r;
  for (double e : entries) {
    for (double l : leverages) {
      for (double q : liqs) {
        for (int s : {0, 1}) r.Add(e, l, q, s);
      }
    }
  }
  REQUIRE(r.entry.size() == 10 * 13 * 7 * 2);
  CheckRows(r, 0, r.entry.size());
  for (size_t offset : {1, 2, 3}) CheckRows(r, offset, r.entry.size() - offset - 2);
  for (size_t n : {0, 1, 2, 3, 5}) CheckRows(r, 7, n);
}

TEST_CASE("PositionLevels gives LiqPrice's level for random positions", "[levels]") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> entry(1e-4, 2e5), lev(0.5, 150), unit(0, 1);
  Rows r;
  for (int i = 0; i < 20000; ++i) {
    const double e = entry(rng);
    r.Add(e, unit(rng) < 0.05 ? NAN : lev(rng), unit(rng) < 0.5 ? NAN : e * unit(rng),
          static_cast<int>(rng() % 2));
  }
  CheckRows(r, 0, r.entry.size());
}

}  // namespace liqdb
