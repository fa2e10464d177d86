// BinKeys (query/heatmap_internal.h), the packed form of the price-bin rule,
// must give PriceBinIndex's bits for every price: bin edges and one ulp
// either side, quotients within 1e-9 of an integer, ties at .5, |q| around
// 2^51 (where the packed path hands over to the rule), negative prices, ±0,
// NaN, infinities, denormals, and lengths that leave a tail.
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "query/heatmap_internal.h"

#include "liqdb/query.h"

namespace liqdb {
namespace {

void CheckSameBits(const std::vector<double>& prices, double step) {
  std::vector<double> keys(prices.size(), 42.0);
  heatmap_internal::BinKeys(prices.data(), prices.size(), step, keys.data());
  size_t differ = 0;
  for (size_t i = 0; i < prices.size(); ++i) {
    const double want = PriceBinIndex(prices[i], step);
    if (std::bit_cast<uint64_t>(keys[i]) != std::bit_cast<uint64_t>(want) && differ++ == 0) {
      UNSCOPED_INFO("first: price " << prices[i] << " step " << step << ": got " << keys[i] << " want "
                                    << want);
    }
  }
  CHECK(differ == 0);
}

}  // namespace

TEST_CASE("BinKeys gives PriceBinIndex's bits at and around bin edges", "[bins]") {
  const double inf = std::numeric_limits<double>::infinity();
  for (double step : {0.1, 0.3, 0.5, 1.0, 50.0, 0.001, 1e-9, 7.0 / 3.0, 1e-300}) {
    std::vector<double> prices;
    for (int k = -40; k <= 40; ++k) {
      const double edge = k * step;
      prices.push_back(edge);
      prices.push_back(std::nextafter(edge, inf));
      prices.push_back(std::nextafter(edge, -inf));
      prices.push_back(edge * (1 + 5e-10));  // inside the 1e-9 tolerance
      prices.push_back(edge * (1 - 2e-9));   // outside it
      prices.push_back((k + 0.5) * step);    // a tie for nearbyint
    }
    const double two51 = std::ldexp(1.0, 51);
    for (double q : {two51 - 1, two51 - 0.5, two51, two51 + 2, -two51, -two51 - 2, std::ldexp(1.0, 60)}) {
      prices.push_back(q * step);
      prices.push_back(-q * step);
    }
    for (double v : {0.0, -0.0, inf, -inf, std::nan(""), std::numeric_limits<double>::denorm_min(),
                     -std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(), 65000.1,
                     0.3, 0.7}) {
      prices.push_back(v);
    }
    INFO("step " << step);
    CheckSameBits(prices, step);
    // Every length up to 9 (the packed loop takes 4 at a time) and a shifted start.
    for (size_t n = 0; n <= 9 && n < prices.size(); ++n) {
      CheckSameBits(std::vector<double>(prices.begin() + 1, prices.begin() + 1 + static_cast<long>(n)), step);
    }
  }
}

TEST_CASE("BinKeys gives PriceBinIndex's bits for random market prices", "[bins]") {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> uni(0, 200000);
  std::vector<double> prices;
  for (int i = 0; i < 100000; ++i) {
    const double p = uni(rng);
    prices.push_back(i % 2 ? std::round(p * 10) / 10 : p);  // on a 0.1 tick, or not
  }
  for (double step : {0.1, 1.0, 5.0, 50.0, 100.0, 0.01}) {
    INFO("step " << step);
    CheckSameBits(prices, step);
  }
}

}  // namespace liqdb
