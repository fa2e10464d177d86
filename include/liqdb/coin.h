// Coins: the base asset a venue instrument trades, so that one coin can be
// read across every venue (BTCUSDT on binance, BTC-USDT-SWAP on okx,
// BTCUSD_PERP on Binance COIN-M and BTC on Hyperliquid are all BTC).
//
// Stored quantities are in the instrument's base units (ingest turns
// contracts into base units, see liqdb/ingest.h); a few instruments quote a
// multiple of the coin (Binance 1000PEPEUSDT, Hyperliquid kPEPE: 1,000 PEPE),
// so a quantity in coin units is qty × qty_factor. docs/sql.md ("Coins") has
// the rule per venue.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace liqdb {

struct CoinInfo {
  std::string coin;       // upper case, e.g. "BTC", "PEPE"; the symbol itself when its shape is unknown
  double qty_factor = 1;  // coin units per stored quantity unit
};

// The coin of `symbol` on `exchange` (a lower-case venue id).
CoinInfo CoinOf(std::string_view exchange, std::string_view symbol);

// A coin as a user writes it ('btc', ' BTC', 'XBT'), in CoinOf's spelling:
// trimmed, upper case, XBT read as BTC.
std::string NormalizeCoin(std::string_view text);

}  // namespace liqdb
