// Symbol/exchange/coin arguments: reading, normalising, checking against the
// store's series with suggestions (series_args.h).
#include "extension/series_args.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <set>

#include "extension/sql_args.h"

#include "liqdb/coin.h"
#include "liqdb/suggest.h"

namespace liqdb::ext {

namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "a, b, c" of at most `max` names, then "… (n in all)".
std::string List(const std::vector<std::string>& names, size_t max = 8) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > max) out += ", … (" + std::to_string(names.size()) + " in all)";
  return out;
}

// `names` ordered by closeness to `word` (case-insensitive edit distance), ties by name.
std::vector<std::string> ByCloseness(const std::string& word, std::vector<std::string> names) {
  const std::string w = Upper(word);
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return EditDistance(w, Upper(a)) < EditDistance(w, Upper(b));
  });
  return names;
}

}  // namespace

Result<SeriesArgs> ReadSeriesArgs(sqlite3_value* symbol, sqlite3_value* exchange, sqlite3_value* coin) {
  SeriesArgs out;
  LIQDB_ASSIGN_OR_RETURN(auto s, ReadText(symbol, "symbol", true));
  LIQDB_ASSIGN_OR_RETURN(auto e, ReadText(exchange, "exchange", true));
  LIQDB_ASSIGN_OR_RETURN(auto c, ReadText(coin, "coin", true));
  if (s) out.symbol = Trim(*s);
  if (e) out.exchange = Lower(Trim(*e));
  if (c) out.coin = NormalizeCoin(*c);
  return out;
}

std::vector<std::string> SelectedCoins(const Store& store, Kind kind, const SeriesArgs& args) {
  std::set<std::string> coins;
  for (const SeriesInfo& s : *store.SeriesListing()) {
    if (s.kind != kind) continue;
    if (args.exchange && s.key.exchange != *args.exchange) continue;
    if (args.symbol && s.key.symbol != *args.symbol) continue;
    const std::string coin = CoinOf(s.key.exchange, s.key.symbol).coin;
    if (args.coin && coin != *args.coin) continue;
    coins.insert(coin);
  }
  return {coins.begin(), coins.end()};
}

std::vector<std::string> SymbolsForSpec(const Store& store, Kind kind, const SeriesArgs& args) {
  if (args.symbol) return {*args.symbol};
  if (!args.coin) return {};
  std::set<std::string> symbols;
  for (const SeriesInfo& s : *store.SeriesListing()) {
    if (s.kind != kind) continue;
    if (args.exchange && s.key.exchange != *args.exchange) continue;
    if (CoinOf(s.key.exchange, s.key.symbol).coin == *args.coin) symbols.insert(s.key.symbol);
  }
  return {symbols.begin(), symbols.end()};
}

Status RequireOneCoin(const Store& store, Kind kind, const SeriesArgs& args) {
  const std::vector<std::string> coins = SelectedCoins(store, kind, args);
  if (coins.size() <= 1) return Status::OK();
  return Status::InvalidArgument(
      "the selected " + std::string(KindName(kind)) + " hold several coins (" + List(coins) +
      "), and a price axis is one coin's: set coin or symbol (WHERE coin = '" + coins.front() + "')");
}

Status CheckSeriesArgs(const Store& store, Kind kind, std::string_view source, SeriesArgs* args) {
  if (!args->symbol && !args->exchange && !args->coin) return Status::OK();
  const std::shared_ptr<const std::vector<SeriesInfo>> listing = store.SeriesListing();
  const auto of_kind = [&](const SeriesInfo& s) { return s.kind == kind; };
  // The usual case first, without copying or building the name sets: a
  // series that matches every given argument exactly passes every check below as is.
  for (const SeriesInfo& s : *listing) {
    if (of_kind(s) && (!args->exchange || s.key.exchange == *args->exchange) &&
        (!args->symbol || s.key.symbol == *args->symbol) &&
        (!args->coin || CoinOf(s.key.exchange, s.key.symbol).coin == *args->coin)) {
      return Status::OK();
    }
  }
  std::vector<SeriesInfo> series;
  std::copy_if(listing->begin(), listing->end(), std::back_inserter(series), of_kind);
  const std::string src(source);
  const std::string kinds = std::string(KindName(kind));
  if (series.empty()) {
    return Status::InvalidArgument(src + " holds no " + kinds + " yet, so no series matches " +
                                   (args->symbol ? "symbol '" + *args->symbol + "'"
                                    : args->coin ? "coin '" + *args->coin + "'"
                                                 : "exchange '" + *args->exchange + "'"));
  }
  // Exchange: one of the ids the source holds.
  std::set<std::string> exchanges;
  for (const SeriesInfo& s : series) exchanges.insert(s.key.exchange);
  if (args->exchange && exchanges.count(*args->exchange) == 0) {
    const std::vector<std::string> known(exchanges.begin(), exchanges.end());
    std::string msg = "no exchange '" + *args->exchange + "' in " + src;
    if (auto near = Closest(*args->exchange, known)) msg += "; did you mean '" + *near + "'?";
    return Status::InvalidArgument(msg + " (" + src + " has " + List(known) + ")");
  }
  const std::string where = args->exchange ? " on " + *args->exchange : " in " + src;
  auto on_exchange = [&](const SeriesInfo& s) {
    return !args->exchange || s.key.exchange == *args->exchange;
  };
  // Symbol: exact, else the one known symbol equal but for case.
  if (args->symbol) {
    std::set<std::string> symbols, folded;
    for (const SeriesInfo& s : series) {
      if (!on_exchange(s)) continue;
      symbols.insert(s.key.symbol);
      if (Upper(s.key.symbol) == Upper(*args->symbol)) folded.insert(s.key.symbol);
    }
    if (symbols.count(*args->symbol) == 0 && folded.size() == 1) args->symbol = *folded.begin();
    if (symbols.count(*args->symbol) == 0) {
      // Suggest the same coin's instruments first (ETHUSDT → ETH-USDT-SWAP on okx), then near spellings.
      const std::string coin = CoinOf(args->exchange ? *args->exchange : "", *args->symbol).coin;
      std::vector<std::string> same_coin, all(symbols.begin(), symbols.end());
      for (const SeriesInfo& s : series) {
        if (on_exchange(s) && CoinOf(s.key.exchange, s.key.symbol).coin == coin &&
            std::find(same_coin.begin(), same_coin.end(), s.key.symbol) == same_coin.end()) {
          same_coin.push_back(s.key.symbol);
        }
      }
      std::string msg = "no series " + *args->symbol + where;
      const std::string holder = args->exchange ? *args->exchange : src;
      if (!same_coin.empty()) {
        msg += "; " + holder + " has " + List(ByCloseness(*args->symbol, same_coin));
      } else if (auto near = Closest(Upper(*args->symbol), [&] {
                   std::vector<std::string> up;
                   for (const std::string& a : all) up.push_back(Upper(a));
                   return up;
                 }())) {
        for (const std::string& a : all) {
          if (Upper(a) == *near) msg += "; did you mean " + a + "?";
        }
      } else {
        msg += "; " + holder + " has " + List(ByCloseness(*args->symbol, all));
      }
      return Status::InvalidArgument(msg);
    }
  }
  // Coin: held by some series (of the exchange); consistent with the symbol.
  if (args->coin) {
    std::set<std::string> coins;
    std::set<std::string> symbol_coins;
    for (const SeriesInfo& s : series) {
      if (!on_exchange(s)) continue;
      const std::string c = CoinOf(s.key.exchange, s.key.symbol).coin;
      coins.insert(c);
      if (args->symbol && s.key.symbol == *args->symbol) symbol_coins.insert(c);
    }
    if (coins.count(*args->coin) == 0) {
      const std::vector<std::string> known(coins.begin(), coins.end());
      std::string msg = "no coin '" + *args->coin + "'" + where;
      if (auto near = Closest(*args->coin, known)) msg += "; did you mean '" + *near + "'?";
      return Status::InvalidArgument(msg + " (coins" + where + ": " + List(known) + ")");
    }
    if (args->symbol && symbol_coins.count(*args->coin) == 0) {
      const std::vector<std::string> theirs(symbol_coins.begin(), symbol_coins.end());
      return Status::InvalidArgument("coin '" + *args->coin + "' contradicts symbol '" + *args->symbol +
                                     "' (a " + List(theirs) +
                                     " instrument); give one of them, or both agreeing");
    }
  }
  return Status::OK();
}

}  // namespace liqdb::ext
