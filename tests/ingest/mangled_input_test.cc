// Mangled input never crashes an adapter or leaks a half-parsed line: every
// sample line cut at every length and with bytes flipped either parses into
// rows or is rejected with a reason. (Run under LIQDB_SANITIZE for teeth.)
#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

using namespace liqdb;
using namespace liqdb::testing;

TEST_CASE("every adapter survives truncated and corrupted lines", "[adapters][mangled]") {
  const std::vector<std::pair<Format, std::string>> inputs = {
      {Format::kBinanceForceOrder, "binance-forceorder.jsonl"},
      {Format::kBinanceLiquidationSnapshot, "binance-liquidation-snapshot.csv"},
      {Format::kBybitLiquidation, "bybit-liquidation.jsonl"},
      {Format::kOkxLiquidationOrders, "okx-liquidation-orders.jsonl"},
      {Format::kHyperliquidClearinghouse, "hyperliquid-clearinghouse.jsonl"},
      {Format::kTardisLiquidations, "tardis-liquidations.csv"},
      {Format::kTardisDerivativeTicker, "tardis-derivative-ticker.csv"},
      {Format::kBinanceMarkPrice, "binance-mark-price.jsonl"},
      {Format::kBybitTicker, "bybit-ticker.jsonl"},
      {Format::kOkxMarkPrice, "okx-mark-price.jsonl"},
      {Format::kLiqdbRaw, "liqdb-raw.jsonl"},
      {Format::kCsv, "tardis-liquidations.csv"},  // the wrong format: all rejected, none crash
  };
  uint64_t seed = 42;
  auto rnd = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(seed >> 33);
  };
  for (const auto& [format, file] : inputs) {
    INFO(FormatName(format));
    std::istringstream in(Sample(file));
    std::string text;
    for (std::string line; std::getline(in, line);) {
      for (size_t cut = 0; cut < line.size(); ++cut) text += line.substr(0, cut) + "\n";
      for (int k = 0; k < 200; ++k) {
        std::string m = line;
        for (int f = 0; f < 3; ++f) m[rnd() % m.size()] = static_cast<char>(rnd() % 256);
        for (char& c : m) {
          if (c == '\n') c = ' ';
        }
        text += m + "\n";
      }
    }
    IngestOptions o;
    o.symbol = "BTCUSD_PERP";
    Parsed p = ParseWith(format, text, o);
    CHECK(p.rows.size() + p.errors.size() + p.stats.skipped + p.stats.repeats > 0);
    for (const Row& r : p.rows) {
      // What an adapter lets through passes the store's validation.
      SeriesBatch b{SeriesKey{r.exchange, r.symbol}, Columns(r.kind)};
      if (r.kind == Kind::kLiquidations) {
        b.rows.AddLiquidation(r.ts, static_cast<Side>(r.side), r.values[0], r.values[1], r.values[2]);
      } else if (r.kind == Kind::kMarket) {
        b.rows.AddMarket(r.ts, r.values[0], r.values[1]);
      } else {
        b.rows.AddPosition(r.ts, r.account, static_cast<Side>(r.side), r.values[0], r.values[1],
                           std::isnan(r.values[2]) ? std::nullopt : std::optional<double>(r.values[2]),
                           std::isnan(r.values[3]) ? std::nullopt : std::optional<double>(r.values[3]));
      }
      Status s = ValidateRows(b.rows);
      CHECK(s.ok());
      CHECK_FALSE(r.exchange.empty());
      CHECK_FALSE(r.symbol.empty());
    }
  }
}
