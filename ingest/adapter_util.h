// Helpers shared by the adapters: row checks that mirror ValidateRows (a row
// that would fail the Store's validation is a bad line, not a failed batch),
// the side vocabulary of each venue, and the adapter factories.
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/parse_util.h"
#include "liqdb/ingest.h"

namespace liqdb::ingest {

// "bad price 'abc'" (the value cut to 40 bytes: a reason is one short line).
inline Status BadValue(std::string_view what, std::string_view text) {
  std::string shown(text.substr(0, 40));
  if (text.size() > 40) shown += "...";
  return Status::InvalidArgument(std::string(what) + " '" + shown + "'");
}

// price > 0, qty >= 0, notional >= 0, all finite.
inline Status CheckLiquidation(double price, double qty, double notional) {
  if (!(price > 0) || !std::isfinite(price)) return Status::InvalidArgument("price must be > 0");
  if (!(qty >= 0) || !std::isfinite(qty)) return Status::InvalidArgument("qty must be >= 0");
  if (!(notional >= 0) || !std::isfinite(notional)) {
    return Status::InvalidArgument("notional must be >= 0");
  }
  return Status::OK();
}

inline Status CheckPosition(double size, double entry, double leverage, double liq) {
  if (!(size >= 0) || !std::isfinite(size)) return Status::InvalidArgument("size must be >= 0");
  if (!(entry > 0) || !std::isfinite(entry)) return Status::InvalidArgument("entry_price must be > 0");
  if (!std::isnan(leverage) && (!(leverage > 0) || !std::isfinite(leverage))) {
    return Status::InvalidArgument("leverage must be > 0");
  }
  if (!std::isnan(liq) && (!(liq >= 0) || !std::isfinite(liq))) {
    return Status::InvalidArgument("liq_price must be >= 0");
  }
  return Status::OK();
}

inline Status CheckMarket(double mark, double oi) {
  if (!(mark > 0) || !std::isfinite(mark)) return Status::InvalidArgument("mark_price must be > 0");
  if (!(oi >= 0) || !std::isfinite(oi)) return Status::InvalidArgument("open_interest must be >= 0");
  return Status::OK();
}

// Order side ("sell"/"SELL"/"Sell") -> the side of the position it closed.
inline bool PositionSideFromOrder(std::string_view order_side, Side* out) {
  if (EqualsNoCase(order_side, "sell")) { *out = Side::kLong; return true; }
  if (EqualsNoCase(order_side, "buy")) { *out = Side::kShort; return true; }
  return false;
}

// Factories, one per source file.
std::unique_ptr<Adapter> MakeCsvAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeTardisLiquidationsAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeTardisTickerAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeBinanceSnapshotAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeBinanceForceOrderAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeBybitAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeOkxAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeHyperliquidAdapter(const IngestOptions& options);

}  // namespace liqdb::ingest
