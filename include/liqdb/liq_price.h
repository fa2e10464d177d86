// The liquidation price of an isolated-margin position (fees ignored).
//
//   linear  long  entry·(1 − 1/L)/(1 − mmr)    short entry·(1 + 1/L)/(1 + mmr)
//   inverse long  entry·(1 + mmr)/(1 + 1/L)    short entry·(1 − mmr)/(1 − 1/L)
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb {

constexpr double kDefaultMmr = 0.005;

enum class Contract { kLinear, kInverse };
Result<Contract> ParseContract(std::string_view text);  // "linear" / "inverse"

// Fails on entry <= 0 or non-finite, leverage <= 0 or non-finite, mmr outside
// [0, 1), and on a formula that is undefined for the inputs (inverse short
// with L = 1; linear long where 1 - mmr = 0).
Result<double> LiqPrice(double entry_price, double leverage, Side side, double mmr = kDefaultMmr,
                        Contract contract = Contract::kLinear);

// The linear formula alone, unchecked: LiqPrice's linear result, bit for
// bit, for callers that checked its inputs themselves (a replay computing
// the levels of millions of rows, where the call and its Result cost more
// than the arithmetic).
// The sides differ in two signs, picked rather than branched on (x − y is
// x + (−y) exactly in IEEE arithmetic, so the bits are the formula's).
inline double UncheckedLinearLiqPrice(double entry_price, double leverage, Side side, double mmr) {
  const double inv_l = 1.0 / leverage;
  const bool is_long = side == Side::kLong;
  return entry_price * (1 + (is_long ? -inv_l : inv_l)) / (is_long ? 1 - mmr : 1 + mmr);
}

}  // namespace liqdb
