// The liquidation price of an isolated-margin position: the four formulas of
// docs/sql.md ("Liquidation price"), with the inputs checked first.
//
// Beyond the header's rules, a formula whose result is not a finite price
// >= 0 fails too: a linear long with leverage < 1 or an inverse short with
// leverage <= 1 is never liquidated, and a negative or infinite "price" would
// only poison sums downstream.
#include "liqdb/liq_price.h"

#include <cmath>
#include <cstdio>

namespace liqdb {

namespace {
std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

Result<Contract> ParseContract(std::string_view text) {
  if (text == "linear") return Contract::kLinear;
  if (text == "inverse") return Contract::kInverse;
  return Status::InvalidArgument("contract must be 'linear' or 'inverse', got '" + std::string(text) + "'");
}

Result<double> LiqPrice(double entry_price, double leverage, Side side, double mmr, Contract contract) {
  if (!std::isfinite(entry_price) || entry_price <= 0) {
    return Status::InvalidArgument("entry_price must be a finite number > 0, got " + Num(entry_price));
  }
  if (!std::isfinite(leverage) || leverage <= 0) {
    return Status::InvalidArgument("leverage must be a finite number > 0, got " + Num(leverage));
  }
  if (!std::isfinite(mmr) || mmr < 0 || mmr >= 1) {
    return Status::InvalidArgument("mmr must be in [0, 1), got " + Num(mmr));
  }
  if (side != Side::kLong && side != Side::kShort) {
    return Status::InvalidArgument("side must be 'long' or 'short'");
  }
  const double inv_l = 1.0 / leverage;
  double price = 0;
  if (contract == Contract::kLinear) {
    price = UncheckedLinearLiqPrice(entry_price, leverage, side, mmr);
  } else {
    if (side == Side::kShort && 1 - inv_l <= 0) {
      return Status::InvalidArgument("an inverse short with leverage " + Num(leverage) +
                                     " <= 1 has no liquidation price");
    }
    price =
        side == Side::kLong ? entry_price * (1 + mmr) / (1 + inv_l) : entry_price * (1 - mmr) / (1 - inv_l);
  }
  if (!std::isfinite(price) || price < 0) {
    return Status::InvalidArgument(std::string("a ") + SideName(side) + " with leverage " + Num(leverage) +
                                   " < 1 has no liquidation price");
  }
  return price;
}

}  // namespace liqdb
