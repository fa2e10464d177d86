// Helpers shared by the adapters: row checks (ValidateRowValues, so a row
// that would fail the Store's validation is a bad line, not a failed batch),
// the side vocabulary of each venue, and the adapter factories.
#pragma once

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/parse_util.h"

#include "liqdb/ingest.h"
#include "liqdb/types.h"

namespace liqdb::ingest {

// "bad price 'abc'" (the value cut to 40 bytes: a reason is one short line).
inline Status BadValue(std::string_view what, std::string_view text) {
  std::string shown(text.substr(0, 40));
  if (text.size() > 40) shown += "...";
  return Status::InvalidArgument(std::string(what) + " '" + shown + "'");
}

// The row rules are ValidateRowValues' (liqdb/types.h), the one copy every
// write path uses; these only lay the values out for it. NaN = NULL.
inline Status CheckLiquidation(double price, double qty, double notional) {
  const double v[liq_col::kCount] = {price, qty, notional};
  return ValidateRowValues(Kind::kLiquidations, v);
}

inline Status CheckPosition(double size, double entry, double leverage, double liq) {
  const double v[pos_col::kCount] = {size, entry, leverage, liq};
  return ValidateRowValues(Kind::kPositions, v);
}

inline Status CheckMarket(double mark, double oi) {
  const double v[mkt_col::kCount] = {mark, oi};
  return ValidateRowValues(Kind::kMarket, v);
}

// Order side ("sell"/"SELL"/"Sell") -> the side of the position it closed.
inline bool PositionSideFromOrder(std::string_view order_side, Side* out) {
  if (EqualsNoCase(order_side, "sell")) {
    *out = Side::kLong;
    return true;
  }
  if (EqualsNoCase(order_side, "buy")) {
    *out = Side::kShort;
    return true;
  }
  return false;
}

// Caches LookupContract's answers per (exchange, symbol): an archive holds
// few instruments, often interleaved, and the lookup builds a string and
// walks the rules on every line. Only successes are kept (an unknown
// instrument stays an error on each of its lines); past kMaxEntries
// instruments the rest are looked up every time.
class ContractCache {
 public:
  explicit ContractCache(const std::map<std::string, double>* overrides) : overrides_(overrides) {}
  Result<ContractSpec> Get(std::string_view exchange, std::string_view symbol) {
    if (last_ < entries_.size()) {
      const Entry& e = entries_[last_];
      if (e.symbol == symbol && e.exchange == exchange) return e.spec;
    }
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].symbol == symbol && entries_[i].exchange == exchange) {
        last_ = i;
        return entries_[i].spec;
      }
    }
    Result<ContractSpec> r = LookupContract(exchange, symbol, *overrides_);
    if (r.ok() && entries_.size() < kMaxEntries) {
      last_ = entries_.size();
      entries_.push_back(Entry{std::string(exchange), std::string(symbol), *r});
    }
    return r;
  }

 private:
  static constexpr size_t kMaxEntries = 64;
  struct Entry {
    std::string exchange, symbol;
    ContractSpec spec;
  };
  const std::map<std::string, double>* overrides_;
  std::vector<Entry> entries_;
  size_t last_ = 0;
};

// Factories, one per source file.
std::unique_ptr<Adapter> MakeCsvAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeTardisLiquidationsAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeTardisTickerAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeBinanceSnapshotAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeBinanceForceOrderAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeBybitAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeOkxAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeHyperliquidAdapter(const IngestOptions& options);
// market_adapters.cc
std::unique_ptr<Adapter> MakeBinanceMarkPriceAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeBybitTickerAdapter(const IngestOptions& options);
std::unique_ptr<Adapter> MakeOkxMarketAdapter(const IngestOptions& options,
                                              Format format);  // either OKX format
std::unique_ptr<Adapter> MakeHyperliquidAssetCtxsAdapter(const IngestOptions& options);
// raw_adapter.cc
std::unique_ptr<Adapter> MakeLiqdbRawAdapter(const IngestOptions& options);

}  // namespace liqdb::ingest
