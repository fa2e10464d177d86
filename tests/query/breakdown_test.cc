// LiqBreakdown against a brute-force oracle that walks the appended rows one
// by one, and the work it does: chunks inside the range come from their zone
// maps, and only the chunks an edge cuts are looked into — through a rollup
// when the edges are whole hours or minutes, by decoding otherwise.
#include <cmath>
#include <map>

#include <catch2/catch.hpp>

#include "test_util.h"

#include "liqdb/query.h"
#include "liqdb/store.h"

namespace liqdb {
namespace {

using test::RandomLiquidations;
using test::TempDir;

constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01
constexpr Timestamp kHour = 3'600'000'000;

void CheckClose(double actual, double expected) {
  CHECK(std::abs(actual - expected) <= 1e-9 * std::max(1.0, std::abs(expected)));
}

struct Source {
  SeriesKey key;
  double factor;  // coin units per stored unit, by hand: 1000PEPEUSDT is 1,000 PEPE
  const char* coin;
  Columns rows;
};

class BreakdownFixture {
 public:
  BreakdownFixture() {
    StoreOptions o;
    o.chunk_rows = 500;
    o.sync = false;
    auto s = Store::Open(dir_.path(), o);
    REQUIRE(s.ok());
    store_ = *s;
    Add({"binance", "BTCUSDT"}, 1, "BTC", RandomLiquidations(3000, kT0, 10 * kHour, 1));
    Add({"binance", "1000PEPEUSDT"}, 1000, "PEPE", RandomLiquidations(1200, kT0, 10 * kHour, 2));
    Add({"okx", "BTC-USD-SWAP"}, 1, "BTC", RandomLiquidations(2000, kT0 + kHour, 8 * kHour, 3));
    Add({"hyperliquid", "BTC"}, 1, "BTC", RandomLiquidations(1500, kT0, 10 * kHour, 4, true));
    Add({"bybit", "ETHUSDT"}, 1, "ETH", RandomLiquidations(1000, kT0 + 2 * kHour, 3 * kHour, 5));
    REQUIRE(store_->Seal(true).ok());
  }

  void Add(const SeriesKey& key, double factor, const char* coin, Columns rows) {
    REQUIRE(store_->Append({key, rows}).ok());
    sources_.push_back({key, factor, coin, std::move(rows)});
  }

  // (exchange, symbol) → sums in coin units.
  std::map<SeriesKey, std::array<SideSums, 2>> Oracle(const LiqBreakdownSpec& spec) const {
    auto in = [](const std::vector<std::string>& l, const std::string& v) {
      return l.empty() || std::find(l.begin(), l.end(), v) != l.end();
    };
    std::map<SeriesKey, std::array<SideSums, 2>> out;
    for (const Source& s : sources_) {
      if (!in(spec.exchanges, s.key.exchange) || !in(spec.symbols, s.key.symbol) || !in(spec.coins, s.coin)) {
        continue;
      }
      for (size_t i = 0; i < s.rows.size(); ++i) {
        if (s.rows.ts[i] < spec.from || s.rows.ts[i] >= spec.to) continue;
        SideSums& sums = out[s.key][s.rows.side[i]];
        sums.count++;
        sums.qty += s.rows.values[liq_col::kQty][i] * s.factor;
        sums.notional += s.rows.values[liq_col::kNotional][i];
      }
    }
    return out;
  }

  LiqBreakdownWork Check(const LiqBreakdownSpec& spec) const {
    LiqBreakdownWork work;
    auto got = LiqBreakdown(*store_, spec, &work);
    REQUIRE(got.ok());
    const auto want = Oracle(spec);
    REQUIRE(got->size() == want.size());
    size_t n = 0;
    for (const auto& [key, sums] : want) {  // both in (exchange, symbol) order
      const LiqBreakdownRow& r = (*got)[n++];
      INFO(key.exchange << " " << key.symbol);
      CHECK(r.series == key);
      for (int side = 0; side < 2; ++side) {
        CHECK(r.sides[side].count == sums[side].count);
        CheckClose(r.sides[side].qty, sums[side].qty);
        CheckClose(r.sides[side].notional, sums[side].notional);
      }
    }
    return work;
  }

  TempDir dir_;
  std::shared_ptr<Store> store_;
  std::vector<Source> sources_;
};

TEST_CASE("LiqBreakdown equals a row-by-row sum per series, in coin units", "[query][breakdown]") {
  BreakdownFixture f;
  LiqBreakdownSpec spec;
  spec.from = kT0;
  spec.to = kT0 + 24 * kHour;
  f.Check(spec);
  spec.coins = {"BTC"};
  f.Check(spec);
  spec.coins = {"PEPE", "ETH"};
  f.Check(spec);
  spec.coins = {};
  spec.exchanges = {"okx", "hyperliquid"};
  f.Check(spec);
  spec.exchanges = {};
  spec.symbols = {"1000PEPEUSDT"};
  f.Check(spec);
  // The factor is applied: PEPE quantities are 1,000 × the stored ones.
  auto pepe = LiqBreakdown(*f.store_, spec);
  REQUIRE(pepe.ok());
  REQUIRE(pepe->size() == 1);
  CHECK((*pepe)[0].coin == "PEPE");
  CHECK((*pepe)[0].qty_factor == 1000);
  // No rows in range: no row (as GROUP BY); an unknown coin selects nothing.
  spec.symbols = {};
  spec.from = kT0 - 5 * kHour;
  spec.to = kT0 - kHour;
  CHECK(LiqBreakdown(*f.store_, spec)->empty());
  spec.from = kT0;
  spec.to = kT0 + kHour;
  spec.coins = {"DOGE"};
  CHECK(LiqBreakdown(*f.store_, spec)->empty());
}

TEST_CASE("LiqBreakdown reads zone maps inside the range and looks only into edge chunks",
          "[query][breakdown]") {
  BreakdownFixture f;
  LiqBreakdownSpec spec;
  // Everything: headers only.
  spec.from = kT0 - kHour;
  spec.to = kT0 + 24 * kHour;
  LiqBreakdownWork all = f.Check(spec);
  CHECK(all.from_header > 10);
  CHECK(all.from_rollup == 0);
  CHECK(all.decoded == 0);
  // Whole-hour edges: the cut chunks come from their rollups, nothing is decoded.
  spec.from = kT0 + 2 * kHour;
  spec.to = kT0 + 7 * kHour;
  LiqBreakdownWork hours = f.Check(spec);
  CHECK(hours.from_header > 0);
  CHECK(hours.from_rollup > 0);
  CHECK(hours.decoded == 0);
  // Ragged edges: only chunks that meet an edge are decoded, never one wholly inside.
  spec.from = kT0 + 2 * kHour + 123'456;
  spec.to = kT0 + 7 * kHour - 7'000'001;
  LiqBreakdownWork ragged = f.Check(spec);
  // The chunks meeting the range, counted from their headers: inside, or cut by an edge.
  uint64_t inside = 0, cut = 0;
  auto reader = f.store_->ReadChunks(Kind::kLiquidations, {}, spec.from, spec.to);
  REQUIRE(reader.ok());
  for (; (*reader)->Valid(); (*reader)->Next()) {
    const ChunkMeta& m = (*reader)->meta();
    (m.min_ts >= spec.from && m.max_ts < spec.to ? inside : cut)++;
  }
  CHECK(cut > 0);
  CHECK(ragged.decoded == cut);
  CHECK(ragged.from_header == inside);
  CHECK(ragged.from_rollup == 0);
}

TEST_CASE("LiqBreakdown refuses an empty range", "[query][breakdown]") {
  BreakdownFixture f;
  LiqBreakdownSpec spec;
  spec.from = kT0;
  spec.to = kT0;
  auto r = LiqBreakdown(*f.store_, spec);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("must be before"));
}

}  // namespace
}  // namespace liqdb
