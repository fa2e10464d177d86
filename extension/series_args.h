// The series selection every analytics function takes — symbol, exchange and
// coin (a hidden `coin` column set in the WHERE clause) — read once and
// checked against what the source holds, so a name the source does not know
// fails with the closest names it does know instead of returning zeros:
//
//   no series ETHUSDT on okx; okx has ETH-USDT-SWAP
//   no exchange 'binanse' in liq; did you mean 'binance'? (liq has binance, bybit, okx)
//   coin 'ETH' contradicts symbol 'BTCUSDT' (a BTC instrument)
//
// Spellings are normalised first: exchange ids trimmed and lower-cased
// ('Binance' → binance), coins through NormalizeCoin ('btc' → BTC), a symbol
// that matches one known symbol but for case or spaces becomes that symbol.
//
// Thread-safety: stateless; the Store is only read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extension/sqlite_api.h"

#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb::ext {

struct SeriesArgs {
  std::optional<std::string> symbol, exchange, coin;  // nullopt: all

  // For the specs: empty vector = all.
  std::vector<std::string> symbols() const {
    return symbol ? std::vector{*symbol} : std::vector<std::string>{};
  }
  std::vector<std::string> exchanges() const {
    return exchange ? std::vector{*exchange} : std::vector<std::string>{};
  }
  std::vector<std::string> coins() const { return coin ? std::vector{*coin} : std::vector<std::string>{}; }
};

// Reads the three arguments (any may be nullptr or NULL = all) and normalises
// their spelling. Fails when one is not text.
Result<SeriesArgs> ReadSeriesArgs(sqlite3_value* symbol, sqlite3_value* exchange, sqlite3_value* coin);

// Checks `args` against the series of `kind` in `store`, naming `source` in
// messages; may correct a symbol's case. Fails (InvalidArgument) when the
// exchange, coin or symbol matches no series, or the coin contradicts the
// symbol.
Status CheckSeriesArgs(const Store& store, Kind kind, std::string_view source, SeriesArgs* args);

// The distinct coins of the series `args` selects, sorted.
std::vector<std::string> SelectedCoins(const Store& store, Kind kind, const SeriesArgs& args);

// The symbols to put in a spec that selects by symbols × exchanges only (the
// heatmap/map/cascade Store wrappers): the symbol when given, else with a
// coin the symbols of that coin's series on the selected exchanges (a
// symbol's coin depends on its exchange only for Hyperliquid's k-lots and
// BitMEX month codes, so the product selects the coin's series), else all.
std::vector<std::string> SymbolsForSpec(const Store& store, Kind kind, const SeriesArgs& args);

// Fails unless the series `args` selects hold at most one coin: a price axis
// (heatmaps, maps) is one coin's. Names the coins and how to pick one.
Status RequireOneCoin(const Store& store, Kind kind, const SeriesArgs& args);

}  // namespace liqdb::ext
