// Coin derivation from venue symbols (liqdb/coin.h). Per venue shape:
//   dashed      okx BTC-USDT-SWAP, BTC-USD-SWAP, BTC-USD-240628; deribit
//               BTC-PERPETUAL, BTC-28MAR25, SOL_USDC-PERPETUAL; bybit BTC-27DEC24
//               → the part before the first '-' (and before a '_').
//   underscore  binance BTCUSD_PERP, BTCUSD_250328, BTCUSDT_250328
//               → the part before the '_', then its quote as below.
//   joined      binance/bybit/bitmex/others BTCUSDT, BTCUSDC, BTCUSD, BTCPERP,
//               BTCFDUSD, bybit BTCUSDH25, bitmex XBTUSD, XBTZ24 → strip the
//               quote (longest first) or the month-code expiry.
//   hyperliquid BTC → the symbol itself; kPEPE → PEPE (1,000 PEPE each).
// Then a size multiplier prefix (1000PEPE, 10000LADYS, 1MBABYDOGE) sets
// qty_factor, the rest is upper-cased, and XBT (BitMEX) reads as BTC. A
// symbol no rule shortens is its own coin.
#include "liqdb/coin.h"

#include <array>
#include <cctype>
#include <cstdint>

namespace liqdb {

namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// A futures month code and two-digit year: H25 (Bybit BTCUSDH25, BitMEX XBTZ24).
bool IsMonthCodeExpiry(std::string_view s) {
  if (s.size() != 3) return false;
  constexpr std::string_view kMonths = "FGHJKMNQUVXZ";
  return kMonths.find(s[0]) != std::string_view::npos && IsDigit(s[1]) && IsDigit(s[2]);
}

// The base of a joined symbol (BTCUSDT → BTC); `base` itself when no quote or
// expiry is recognised.
std::string_view StripQuote(std::string_view base, std::string_view exchange) {
  // Longest first: BTCFDUSD is BTC quoted in FDUSD, not BTCFD in USD.
  constexpr std::array<std::string_view, 6> kQuotes = {"FDUSD", "BUSD", "USDT", "USDC", "USD", "PERP"};
  for (std::string_view q : kQuotes) {
    if (EndsWith(base, q)) return base.substr(0, base.size() - q.size());
  }
  for (std::string_view q : {std::string_view("USDT"), std::string_view("USD")}) {
    // BTCUSDH25 / BTCUSDTH25
    const size_t at = base.rfind(q);
    if (at != std::string_view::npos && at > 0 && IsMonthCodeExpiry(base.substr(at + q.size()))) {
      return base.substr(0, at);
    }
  }
  // BitMEX quarterlies carry no quote: XBTZ24, ETHH25.
  if (exchange == "bitmex" && base.size() > 3 && IsMonthCodeExpiry(base.substr(base.size() - 3))) {
    return base.substr(0, base.size() - 3);
  }
  return base;
}

// Strips a size multiplier prefix, returning its factor (1 when none).
double StripMultiplier(std::string_view* base) {
  constexpr std::array<std::pair<std::string_view, double>, 5> kMultipliers = {
      {{"1000000", 1e6}, {"100000", 1e5}, {"10000", 1e4}, {"1000", 1e3}, {"1M", 1e6}}};
  for (const auto& [prefix, f] : kMultipliers) {
    if (base->size() > prefix.size() && base->substr(0, prefix.size()) == prefix &&
        std::isalpha(static_cast<unsigned char>((*base)[prefix.size()]))) {
      base->remove_prefix(prefix.size());
      return f;
    }
  }
  return 1;
}

std::string Upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

CoinInfo CoinOf(std::string_view exchange, std::string_view symbol) {
  std::string_view base = symbol;
  double factor = 1;
  if (exchange == "hyperliquid") {
    // Perps are named by their coin; kPEPE is a lot of 1,000 PEPE.
    if (base.size() > 1 && base[0] == 'k' && std::isupper(static_cast<unsigned char>(base[1]))) {
      base.remove_prefix(1);
      factor = 1000;
    }
  } else if (const size_t dash = base.find('-'); dash != std::string_view::npos && dash > 0) {
    base = base.substr(0, dash);
    if (const size_t us = base.find('_'); us != std::string_view::npos && us > 0) {
      base = base.substr(0, us);  // deribit SOL_USDC-PERPETUAL
    }
    factor = StripMultiplier(&base);
  } else {
    if (const size_t us = base.find('_'); us != std::string_view::npos && us > 0) {
      base = base.substr(0, us);
    }
    base = StripQuote(base, exchange);
    factor = StripMultiplier(&base);
  }
  if (base.empty()) return CoinInfo{std::string(symbol), 1};
  CoinInfo out;
  out.coin = Upper(base);
  if (out.coin == "XBT") out.coin = "BTC";  // BitMEX
  out.qty_factor = factor;
  return out;
}

std::string NormalizeCoin(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string coin = Upper(text);
  if (coin == "XBT") coin = "BTC";
  return coin;
}

}  // namespace liqdb
