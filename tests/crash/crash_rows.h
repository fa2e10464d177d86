// The rows the crash harness writes and checks: every row names its group
// (a transaction or batch) and its place in the group, so a store read back
// after a kill tells exactly which groups are there, once, and whole.
//
// Group g holds kGroupRows liquidations, all at ts = kT0 + g * 10 ms (one
// timestamp, so `liqdb ingest`, which never cuts a flush inside one series'
// timestamp, also writes a group whole or not at all). Row i of the group has
// price 100 + i and qty (1 + g % 1000) / 1000, so both the group and the row
// are read back from the values, and a damaged value column is caught.
#pragma once

#include <cstdint>
#include <string>

#include "liqdb/types.h"

namespace liqdb::crash {

constexpr int kGroupRows = 6;
constexpr Timestamp kT0 = 1709251200000000;  // 2024-03-01T00:00:00Z
constexpr Timestamp kGroupStep = 10000;      // 10 ms: a file of 30,000 groups spans 5 minutes

inline Timestamp GroupTs(int64_t g) {
  return kT0 + g * kGroupStep;
}
inline double RowPrice(int i) {
  return 100.0 + i;
}
inline double GroupQty(int64_t g) {
  return static_cast<double>(1 + g % 1000) / 1000.0;
}
inline Side RowSide(int i) {
  return i % 2 == 0 ? Side::kLong : Side::kShort;
}

// Which series a row goes to. kSplit spreads every group over two series
// (multi-series atomicity); kAlternate puts whole groups alternately in two
// series (ingest: one series per timestamp group); kMany spreads groups over
// kManySeries symbols (the seal/compact store).
enum class Layout { kSplit, kAlternate, kMany };
constexpr int kManySeries = 24;

inline SeriesKey RowSeries(Layout layout, int64_t g, int i) {
  switch (layout) {
    case Layout::kSplit: return {i % 2 == 0 ? "binance" : "bybit", "BTCUSDT"};
    case Layout::kAlternate: return {g % 2 == 0 ? "binance" : "bybit", "BTCUSDT"};
    case Layout::kMany: return {"binance", "SYM" + std::to_string(g % kManySeries) + "USDT"};
  }
  return {};
}

}  // namespace liqdb::crash
