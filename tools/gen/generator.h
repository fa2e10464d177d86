// The synthetic market generator behind `liqdb gen`: deterministic,
// realistic liquidations, positions and market samples for demos, tests and
// benchmarks.
//
// One coherent story per symbol: a mark-price path (a correlated random walk
// with volatility regimes and a few market-wide sharp moves) drives, per
// venue,
//   - market samples: mark price on the tick grid and open interest that
//     builds up in calm phases and is drained by liquidations;
//   - positions: thousands of accounts opening, resizing and closing
//     positions around the path with leverage from a 2-125x mix weighted to
//     5-25x; an account whose liquidation price is crossed is closed
//     (size 0) and its forced fills appear among the liquidations, so the
//     heatmap shows levels building and being swept;
//   - liquidations: a self-exciting (Hawkes-like) arrival process whose base
//     rate rises steeply with the speed of the price move, giving cascades of
//     thousands of fills within seconds during sharp moves; ~60% longs in
//     down-moves and mostly shorts in up-moves; prices on the tick grid,
//     sizes on the lot grid, notional = price × qty.
//
// Determinism: the same options give the same rows, bit for bit, on every
// run. The RNG and distributions are our own (libstdc++'s are
// implementation-defined); only libm's exp/log/sin/cos could differ between
// platforms.
// Each symbol's path depends only on (seed, symbol), so adding a symbol or a
// venue does not change the others' prices.
//
// Use: Create(), then NextWindow() until it returns false; after each call
// TakeBatches() hands out the rows generated so far. Windows are disjoint in
// time, so a batch taken after a window never splits rows that share a
// timestamp (the Store's idempotency rule).
//
// Thread-safety: one thread per Generator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb::gen {

struct GenOptions {
  uint64_t seed = 1;
  Timestamp from = 1709251200LL * kMicrosPerSecond;  // 2024-03-01T00:00:00Z
  Timestamp duration = 30LL * 86400 * kMicrosPerSecond;
  // Symbols by base asset or any venue spelling: "BTCUSDT", "BTC", "BTC-USDT-SWAP".
  std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  std::vector<std::string> exchanges = {"binance", "bybit", "okx"};
  // Liquidation events over all series (approximate: arrivals are random).
  uint64_t liquidations = 1'000'000;
  // Position rows over all series (approximate).
  uint64_t positions = 500'000;
  // Accounts per venue trading the largest symbol (smaller symbols get fewer).
  uint32_t accounts = 2000;
  // Market sample interval, µs (a multiple of one second).
  Timestamp market_interval = kMicrosPerSecond;
  // Simulated time per NextWindow() call.
  Timestamp window = 3600 * kMicrosPerSecond;
};

// The static description of a (venue, symbol) series.
struct SeriesSpec {
  SeriesKey key;     // venue-native symbol: okx spells BTCUSDT "BTC-USDT-SWAP"
  std::string base;  // "BTC"
  double tick = 0;   // price grid
  double lot = 0;    // size grid (base units)
  int price_decimals = 0;
  int qty_decimals = 0;
};

// The base asset of a symbol spelling ("BTCUSDT", "btc", "BTC-USDT-SWAP" ->
// "BTC"), or InvalidArgument listing the known ones.
Result<std::string> ParseBase(std::string_view symbol);
// The venue-native symbol of a base asset on a venue.
std::string VenueSymbol(std::string_view exchange, std::string_view base);
// Known venues and bases, for help texts.
std::vector<std::string> KnownExchanges();
std::vector<std::string> KnownBases();

// Rows generated so far counted per kind.
struct GenCounts {
  uint64_t liquidations = 0, positions = 0, market = 0;
};

class Generator {
 public:
  static Result<std::unique_ptr<Generator>> Create(const GenOptions& options);
  ~Generator();
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Simulates the next window of time. False once the whole duration is done.
  bool NextWindow();
  // Moves out the buffered rows of `kind` as one batch per series (only
  // series with at least `min_rows` rows, or every non-empty one when
  // `min_rows` is 0). Rows of each batch are time-sorted.
  std::vector<SeriesBatch> TakeBatches(Kind kind, size_t min_rows = 0);
  // Drops buffered rows of a kind nobody wants (saves memory).
  void Discard(Kind kind);

  const std::vector<SeriesSpec>& series() const;
  // The spec of a series key, or nullptr.
  const SeriesSpec* FindSeries(const SeriesKey& key) const;
  // Fraction of the duration simulated, in [0, 1].
  double progress() const;
  // Simulated time reached (the end of the last window).
  Timestamp now() const;
  const GenCounts& counts() const;

 private:
  struct Impl;
  explicit Generator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace liqdb::gen
