// liq_histogram and liq_price_histogram against a brute-force oracle that
// walks the generated rows one by one. Chunk sizes and ranges are chosen so
// every path runs: header sums, per-minute rollups, decoded rows, staged and
// overlapping chunks, and range edges that cut a minute.
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

struct Source {
  SeriesKey key;
  Columns rows;
};

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void CheckClose(double actual, double expected) {
  CHECK(std::abs(actual - expected) <= 1e-9 * std::max(1.0, std::abs(expected)));
}

class HistogramFixture {
 public:
  HistogramFixture() {
    StoreOptions o;
    o.chunk_rows = 700;
    o.sync = false;
    auto s = Store::Open(dir_.path(), o);
    REQUIRE(s.ok());
    store_ = *s;
    const Timestamp t0 = 1'709'251'200'000'000;  // 2024-03-01
    // BTC on two venues, in three out-of-order pieces (overlapping chunks),
    // plus a staged tail; ETH elsewhere in time.
    AddSource({"binance", "BTCUSDT"}, RandomLiquidations(3000, t0 + 3'600'000'000, 7'200'000'000, 1));
    AddSource({"binance", "BTCUSDT"}, RandomLiquidations(2500, t0, 10'800'000'000, 2, true));
    AddSource({"binance", "BTCUSDT"}, RandomLiquidations(100, t0 + 10'000'000'000, 600'000'000, 3));
    AddSource({"bybit", "BTCUSDT"}, RandomLiquidations(1800, t0, 86'400'000'000, 4));
    AddSource({"binance", "ETHUSDT"}, RandomLiquidations(900, t0 - 3'600'000'000, 3'600'000'000, 5));
  }

  void AddSource(const SeriesKey& key, Columns rows) {
    auto r = store_->Append({key, rows});
    REQUIRE(r.ok());
    REQUIRE(r->stored == rows.size());
    sources_.push_back({key, std::move(rows)});
  }

  bool Selected(const Source& s, const std::vector<std::string>& symbols,
                const std::vector<std::string>& exchanges) const {
    auto in = [](const std::vector<std::string>& l, const std::string& v) {
      return l.empty() || std::find(l.begin(), l.end(), v) != l.end();
    };
    return in(symbols, s.key.symbol) && in(exchanges, s.key.exchange);
  }

  // bucket → sums, every bucket from floor(from) to floor(to-1) present.
  std::map<Timestamp, std::array<SideSums, 2>> Oracle(const LiqHistogramSpec& spec) const {
    std::map<Timestamp, std::array<SideSums, 2>> out;
    for (Timestamp b = FloorDiv(spec.from, spec.interval) * spec.interval; b < spec.to; b += spec.interval) {
      out[b];
    }
    for (const Source& s : sources_) {
      if (!Selected(s, spec.symbols, spec.exchanges)) continue;
      for (size_t i = 0; i < s.rows.size(); ++i) {
        const Timestamp t = s.rows.ts[i];
        if (t < spec.from || t >= spec.to) continue;
        SideSums& sums = out[FloorDiv(t, spec.interval) * spec.interval][s.rows.side[i]];
        sums.count++;
        sums.qty += s.rows.values[liq_col::kQty][i];
        sums.notional += s.rows.values[liq_col::kNotional][i];
      }
    }
    return out;
  }

  void CheckHistogram(const LiqHistogramSpec& spec) {
    auto got = LiqHistogram(*store_, spec);
    REQUIRE(got.ok());
    auto want = Oracle(spec);
    REQUIRE(got->size() == want.size());
    size_t i = 0;
    for (const auto& [bucket, sums] : want) {
      const LiqHistogramRow& row = (*got)[i++];
      CHECK(row.bucket == bucket);
      for (int side = 0; side < 2; ++side) {
        CHECK(row.sides[side].count == sums[side].count);
        CheckClose(row.sides[side].qty, sums[side].qty);
        CheckClose(row.sides[side].notional, sums[side].notional);
      }
    }
  }

  TempDir dir_;
  std::shared_ptr<Store> store_;
  std::vector<Source> sources_;
};

TEST_CASE_METHOD(HistogramFixture, "liq_histogram equals a row-by-row count", "[query][histogram]") {
  const Timestamp day = 1'709'251'200'000'000;
  const Timestamp m = kMicrosPerMinute;
  SECTION("hourly over a day, BTCUSDT on every venue (rollups)") {
    CheckHistogram({day, day + 86'400'000'000, 3600 * kMicrosPerSecond, {"BTCUSDT"}, {}, {}});
  }
  SECTION("5-minute buckets, one venue") {
    CheckHistogram({day, day + 21'600'000'000, 5 * m, {"BTCUSDT"}, {"binance"}, {}});
  }
  SECTION("7-second buckets (decoded rows)") {
    CheckHistogram({day + 3'600'000'000, day + 5'400'000'000, 7 * kMicrosPerSecond, {}, {}, {}});
  }
  SECTION("range edges that cut minutes") {
    CheckHistogram({day + 1'234'567'891, day + 9'876'543'210, 15 * m, {}, {}, {}});
  }
  SECTION("one bucket holding whole chunks (header sums)") {
    CheckHistogram({day - 86'400'000'000 * 3, day + 86'400'000'000 * 4, 7 * 86'400'000'000LL, {}, {}, {}});
  }
  SECTION("all symbols, a bucket that does not divide a minute") {
    CheckHistogram({day - 3'600'000'000, day + 7'200'000'000, 90'500'000, {}, {}, {}});
  }
  SECTION("unknown symbol: every bucket zero") {
    CheckHistogram({day, day + 3'600'000'000, 10 * m, {"NOPE"}, {}, {}});
  }
  SECTION("after sealing and compacting, the same answers") {
    REQUIRE(store_->Seal(true).ok());
    REQUIRE(store_->Compact().ok());
    CheckHistogram({day, day + 86'400'000'000, 3600 * kMicrosPerSecond, {"BTCUSDT"}, {}, {}});
    CheckHistogram({day + 1'234'567'891, day + 9'876'543'210, 15 * m, {}, {}, {}});
  }
}

TEST_CASE_METHOD(HistogramFixture, "liq_price_histogram equals a row-by-row count", "[query][histogram]") {
  const Timestamp day = 1'709'251'200'000'000;
  for (double step : {50.0, 0.5, 1000.0, 12.34}) {
    LiqPriceHistogramSpec spec{day - 3'600'000'000, day + 43'200'000'000, step, {"BTCUSDT"}, {}, {}};
    auto got = LiqPriceHistogram(*store_, spec);
    REQUIRE(got.ok());
    std::map<double, LiqPriceHistogramRow> want;
    for (const Source& s : sources_) {
      if (!Selected(s, spec.symbols, spec.exchanges)) continue;
      for (size_t i = 0; i < s.rows.size(); ++i) {
        if (s.rows.ts[i] < spec.from || s.rows.ts[i] >= spec.to) continue;
        // Prices are whole tenths and steps whole thousandths: the bin index
        // in exact integer arithmetic.
        const int64_t p_thousandths = std::llround(s.rows.values[liq_col::kPrice][i] * 10) * 100;
        const double bin = static_cast<double>(p_thousandths / std::llround(step * 1000)) * step;
        auto& r = want[bin];
        r.price = bin;
        (s.rows.side[i] == 0 ? r.long_count : r.short_count)++;
        (s.rows.side[i] == 0 ? r.long_notional : r.short_notional) += s.rows.values[liq_col::kNotional][i];
      }
    }
    REQUIRE(got->size() == want.size());
    size_t i = 0;
    for (const auto& [bin, r] : want) {
      const auto& g = (*got)[i++];
      CHECK(g.price == bin);
      CHECK(g.long_count == r.long_count);
      CHECK(g.short_count == r.short_count);
      CheckClose(g.long_notional, r.long_notional);
      CheckClose(g.short_notional, r.short_notional);
    }
  }
}

TEST_CASE("price bins put a price on a bin edge in the bin that starts there", "[query][histogram]") {
  TempDir dir;
  auto store = Store::Open(dir.path());
  REQUIRE(store.ok());
  Columns rows(Kind::kLiquidations);
  // In doubles, 0.3 / 0.1 = 2.9999999999999996 and 2.3 / 0.1 = 22.999999999999996.
  for (double p : {0.3, 2.3, 0.35, 0.1}) rows.AddLiquidation(1000, Side::kLong, p, 1, p);
  REQUIRE((*store)->Append({{"x", "Y"}, rows}).ok());
  auto h = LiqPriceHistogram(**store, {0, 2000, 0.1, {}, {}, {}});
  REQUIRE(h.ok());
  REQUIRE(h->size() == 3);
  CHECK((*h)[0].price == 1 * 0.1);
  CHECK((*h)[0].long_count == 1);
  CHECK((*h)[1].price == 3 * 0.1);  // 0.3 and 0.35
  CHECK((*h)[1].long_count == 2);
  CHECK((*h)[2].price == 23 * 0.1);
  CHECK((*h)[2].long_count == 1);
}

TEST_CASE("histogram arguments are checked", "[query][histogram][bad-input]") {
  TempDir dir;
  auto store = Store::Open(dir.path());
  REQUIRE(store.ok());
  auto check = [&](LiqHistogramSpec spec, const char* what) {
    auto r = LiqHistogramCursor::Open(**store, spec);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    CHECK_THAT(r.status().message(), Catch::Contains(what));
  };
  check({100, 100, 10, {}, {}, {}}, "before");
  check({200, 100, 10, {}, {}, {}}, "before");
  check({0, 100, 0, {}, {}, {}}, "interval");
  check({0, 100, -5, {}, {}, {}}, "interval");
  check({0, 86'400'000'000LL * 365 * 10, 1'000'000, {}, {}, {}}, "limit");
  // A span wider than int64 must not wrap: -9e18 .. 9e18 in steps of 3e18 is
  // seven buckets, zero-filled.
  auto wide = LiqHistogram(
      **store,
      {-9'000'000'000'000'000'000LL, 9'000'000'000'000'000'001LL, 3'000'000'000'000'000'000LL, {}, {}, {}});
  REQUIRE(wide.ok());
  REQUIRE(wide->size() == 7);
  CHECK(wide->front().bucket == -9'000'000'000'000'000'000LL);
  CHECK(wide->back().bucket == 9'000'000'000'000'000'000LL);
  auto p = LiqPriceHistogram(**store, {0, 100, 0.0, {}, {}, {}});
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.status().message(), Catch::Contains("price_step"));
  p = LiqPriceHistogram(**store, {0, 100, std::nan(""), {}, {}, {}});
  REQUIRE_FALSE(p.ok());
}

TEST_CASE("a chunk of fewer than 16 rows per minute keeps only its hour rollup; minute histograms decode it",
          "[query][histogram]") {
  TempDir dir;
  StoreOptions o;
  o.chunk_rows = 1000;
  o.sync = false;
  auto opened = Store::Open(dir.path(), o);
  REQUIRE(opened.ok());
  Store& store = **opened;
  const Timestamp t0 = 1'709'251'200'000'000;  // 2024-03-01
  const int64_t kMinute = 60'000'000;
  // 1,000 rows each: 50 per minute over 20 minutes (dense), 1 per minute (sparse).
  const Columns dense = RandomLiquidations(1000, t0, 20 * kMinute, 21);
  const Columns sparse = RandomLiquidations(1000, t0, 1000 * kMinute, 22);
  REQUIRE(store.Append({{"binance", "BTCUSDT"}, dense}).ok());
  REQUIRE(store.Append({{"binance", "XRPUSDT"}, sparse}).ok());
  REQUIRE(store.Seal(true).ok());

  auto reader = store.ReadChunks(Kind::kLiquidations, {}, kMinTimestamp, kMaxTimestamp);
  REQUIRE(reader.ok());
  int chunks = 0;
  for (auto& r = *reader; r->Valid(); r->Next(), ++chunks) {
    const bool is_dense = r->series().symbol == "BTCUSDT";
    INFO(r->series().symbol);
    CHECK(HasRollup(r->meta(), kRollupHour));
    CHECK(HasRollup(r->meta(), kRollupMinute) == is_dense);
    std::vector<RollupSlot> slots;
    const Status s = r->ReadRollup(kRollupMinute, &slots);
    CHECK(s.ok() == is_dense);
    if (!is_dense) CHECK(s.IsNotFound());
  }
  CHECK(chunks == 2);

  // Minute buckets over both, against the rows summed by hand.
  for (const char* symbol : {"BTCUSDT", "XRPUSDT"}) {
    const Columns& rows = std::string(symbol) == "BTCUSDT" ? dense : sparse;
    std::map<Timestamp, std::array<double, 4>>
        want;  // long count, short count, long notional, short notional
    for (size_t i = 0; i < rows.size(); ++i) {
      auto& w = want[rows.ts[i] - rows.ts[i] % kMinute];
      w[rows.side[i]] += 1;
      w[2 + rows.side[i]] += rows.values[liq_col::kNotional][i];
    }
    LiqHistogramSpec spec;
    spec.from = t0;
    spec.to = t0 + 1001 * kMinute;
    spec.interval = kMinute;
    spec.symbols = {symbol};
    auto got = LiqHistogram(store, spec);
    REQUIRE(got.ok());
    size_t matched = 0;
    for (const LiqHistogramRow& row : *got) {
      auto it = want.find(row.bucket);
      if (it == want.end()) {
        CHECK(row.sides[0].count + row.sides[1].count == 0);
        continue;
      }
      ++matched;
      for (int side = 0; side < 2; ++side) {
        CHECK(static_cast<double>(row.sides[side].count) == it->second[side]);
        CheckClose(row.sides[side].notional, it->second[2 + side]);
      }
    }
    CHECK(matched == want.size());
  }
}

}  // namespace
}  // namespace liqdb
