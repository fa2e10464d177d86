// The one rule that puts a price in a bin of a price step, and when bins of
// a fine step (a chunk's price rollup, docs/format.md) add up exactly to the
// bins of a coarser one. Shared by every price-binned query and by the
// storage layer that writes the rollups.
//
// Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace liqdb {

// The bin index of a price: floor(price / step), except that a quotient
// within 1e-9 (relative) of an integer counts as that integer. In binary
// floating point 0.3 / 0.1 is 2.9999999999999996, and a person binning by
// hand puts 0.3 in the bin that starts at 0.3, not 0.2. The bin's lower
// edge is index × step. Every price-binned result (histograms, heatmaps,
// maps) uses this one rule.
inline double PriceBinIndex(double price, double step) {
  const double q = price / step;
  const double r = std::nearbyint(q);
  if (std::abs(q - r) <= 1e-9 * std::max(1.0, std::abs(r))) return r;
  return std::floor(q);
}

// Rollup bins and query bins. A price rollup sums rows per bin of a fine
// step s; a query with step = k·s (k a whole number) can add those sums
// into its own bins, bin b landing in floor(b / k), provided that is where
// PriceBinIndex(price, k·s) puts every row of b. In exact arithmetic
// floor(floor(x) / k) = floor(x / k); what can break it is the 1e-9 snap
// above, when x = price / s lies so close to the snap's edge that x / k
// falls on the other side of it. So a rollup is written only when every
// row's quotient is clear of the edge: within half the tolerance of an
// integer, or more than twice it away, with 1 <= x <= 2^26 (so that a
// whole step of x / k, 1 / k, dwarfs the tolerance). With that margin the
// rounding of x / k (relative 1e-16) and a step that is k·s only to 1e-12
// cannot move a row across a bin edge.
constexpr double kPriceRollupMaxQuotient = 67108864.0;  // 2^26
// A chunk's rollup spans at most this many bins of its step.
constexpr uint64_t kPriceRollupMaxBins = 256;

// The step of the price rollup of a chunk whose prices lie in [low, high]:
// the finest of 1, 2.5 and 5 times a power of ten (1e-10 .. 5e10, written
// as decimal literals so that a histogram step of 25, 50 or 0.05 is a whole
// number of them) that keeps [low, high] within kPriceRollupMaxBins bins and every
// quotient within ClearPriceBin's bounds; 0 when none does. The header's
// price range fixes it, so a reader knows a chunk's step before reading the
// part.
inline double PriceRollupStep(double low, double high) {
  constexpr double kSteps[] = {
      1e-10,  2.5e-10, 5e-10,  1e-9,   2.5e-9, 5e-9,  1e-8,   2.5e-8, 5e-8,  1e-7,   2.5e-7, 5e-7,  1e-6,
      2.5e-6, 5e-6,    1e-5,   2.5e-5, 5e-5,   1e-4,  2.5e-4, 5e-4,   1e-3,  2.5e-3, 5e-3,   1e-2,  2.5e-2,
      5e-2,   1e-1,    2.5e-1, 5e-1,   1e0,    2.5e0, 5e0,    1e1,    2.5e1, 5e1,    1e2,    2.5e2, 5e2,
      1e3,    2.5e3,   5e3,    1e4,    2.5e4,  5e4,   1e5,    2.5e5,  5e5,   1e6,    2.5e6,  5e6,   1e7,
      2.5e7,  5e7,     1e8,    2.5e8,  5e8,    1e9,   2.5e9,  5e9,    1e10,  2.5e10, 5e10};
  if (!(low > 0) || !(high >= low) || !std::isfinite(high)) return 0;
  for (double s : kSteps) {
    if (high / s > kPriceRollupMaxQuotient) continue;
    if (std::floor(high / s) - std::floor(low / s) + 1 > static_cast<double>(kPriceRollupMaxBins)) continue;
    return low / s >= 1.0 ? s : 0;
  }
  return 0;
}

// The rollup bin of `price` at step `s`, or false when the price's quotient
// is not clear of the snap's edge (then no rollup at `s` may hold it).
inline bool ClearPriceBin(double price, double s, int64_t* bin) {
  const double q = price / s;
  if (!(q >= 1.0 && q <= kPriceRollupMaxQuotient)) return false;  // also NaN
  const double r = std::nearbyint(q);
  const double d = std::abs(q - r), tolerance = 1e-9 * r;
  if (d <= 0.5 * tolerance) {
    *bin = static_cast<int64_t>(r);
    return true;
  }
  if (d < 2 * tolerance) return false;
  *bin = static_cast<int64_t>(std::floor(q));
  return true;
}

// k when `step` is k whole rollup steps `s` (to 1e-12), else 0: the rollup
// cannot answer that step.
inline int64_t PriceRollupRatio(double s, double step) {
  if (!(s > 0) || !(step >= s)) return 0;
  const double k = std::nearbyint(step / s);
  if (!(k >= 1 && k <= kPriceRollupMaxQuotient)) return 0;
  if (std::abs(k * s - step) > 1e-12 * step) return 0;
  return static_cast<int64_t>(k);
}

}  // namespace liqdb
