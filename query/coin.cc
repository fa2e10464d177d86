// Coin derivation from venue symbols (liqdb/coin.h): strip the venue's
// quote and expiry decorations, then a size multiplier prefix.
#include "liqdb/coin.h"

#include <array>
#include <cctype>
#include <cstdint>

namespace liqdb {

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Bybit inverse futures: BTCUSDH25 (month code, two-digit year).
bool IsMonthCodeExpiry(std::string_view s) {
  if (s.size() != 3) return false;
  constexpr std::string_view kMonths = "FGHJKMNQUVXZ";
  return kMonths.find(s[0]) != std::string_view::npos && std::isdigit(static_cast<unsigned char>(s[1])) &&
         std::isdigit(static_cast<unsigned char>(s[2]));
}

std::string_view StripQuote(std::string_view base) {
  // Longest first: BTCFDUSD is BTC quoted in FDUSD, not BTCFD in USD.
  constexpr std::array<std::string_view, 6> kQuotes = {"FDUSD", "BUSD", "USDT", "USDC", "USD", "PERP"};
  for (std::string_view q : kQuotes) {
    if (EndsWith(base, q)) return base.substr(0, base.size() - q.size());
  }
  for (std::string_view q : {std::string_view("USD"), std::string_view("USDT")}) {
    // BTCUSDH25 / BTCUSDTH25
    const size_t at = base.rfind(q);
    if (at != std::string_view::npos && at > 0 && IsMonthCodeExpiry(base.substr(at + q.size()))) {
      return base.substr(0, at);
    }
  }
  return base;
}

}  // namespace

CoinInfo CoinOf(std::string_view exchange, std::string_view symbol) {
  std::string_view base = symbol;
  if (const size_t dash = base.find('-'); dash != std::string_view::npos && dash > 0) {
    base = base.substr(0, dash);  // okx BTC-USDT-SWAP, deribit BTC-PERPETUAL, bybit BTC-27DEC24
  } else {
    if (const size_t us = base.find('_'); us != std::string_view::npos && us > 0) {
      base = base.substr(0, us);  // binance BTCUSD_PERP, BTCUSDT_250328
    }
    if (exchange != "hyperliquid") base = StripQuote(base);
  }
  double factor = 1;
  if (exchange == "hyperliquid" && base.size() > 1 && base[0] == 'k' &&
      std::isupper(static_cast<unsigned char>(base[1]))) {
    base.remove_prefix(1);  // kPEPE: 1,000 PEPE
    factor = 1000;
  } else {
    constexpr std::array<std::pair<std::string_view, double>, 5> kMultipliers = {
        {{"1000000", 1e6}, {"100000", 1e5}, {"10000", 1e4}, {"1000", 1e3}, {"1M", 1e6}}};
    for (const auto& [prefix, f] : kMultipliers) {
      if (base.size() > prefix.size() && base.substr(0, prefix.size()) == prefix &&
          std::isalpha(static_cast<unsigned char>(base[prefix.size()]))) {
        base.remove_prefix(prefix.size());
        factor = f;
        break;
      }
    }
  }
  if (base.empty()) return CoinInfo{std::string(symbol), 1};
  CoinInfo out;
  out.coin.reserve(base.size());
  for (char c : base) out.coin += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (out.coin == "XBT") out.coin = "BTC";  // BitMEX
  out.qty_factor = factor;
  return out;
}

}  // namespace liqdb
