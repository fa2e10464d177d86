// liq_price_histogram read from chunks' price rollups (query/price_histogram.cc,
// storage/price_rollup.cc) gives the bins a row-by-row count gives, for
// steps the rollup serves and steps it does not, ranges on whole hours and
// ranges that cut one; and the binning rule the rollups rest on
// (liqdb/price_bins.h) holds for prices near bin edges.
#include "storage/price_rollup.h"

#include <rocksdb/db.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "storage/keys.h"
#include "test_util.h"

#include "liqdb/price_bins.h"
#include "liqdb/query.h"
#include "liqdb/store.h"

namespace liqdb {
namespace {

using test::TempDir;

constexpr Timestamp kHour = 3'600'000'000;
constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01

// 6 hours of BTC on one venue, 12,000 rows an hour at prices on a 0.1 tick
// within $30 of a drifting level: dense enough (32+ rows per hour and bin)
// for every chunk to carry a price rollup.
Columns DenseRows() {
  std::mt19937_64 rng(7);
  Columns c(Kind::kLiquidations);
  for (int i = 0; i < 72'000; ++i) {
    const Timestamp t = kT0 + static_cast<Timestamp>(i) * (6 * kHour / 72'000);
    const int64_t tenths = 600'000 + i / 120 + static_cast<int64_t>(rng() % 300);
    const double price = static_cast<double>(tenths) / 10.0;
    const double qty = static_cast<double>(1 + rng() % 5000) / 1000.0;
    c.AddLiquidation(t, rng() % 3 == 0 ? Side::kShort : Side::kLong, price, qty, price * qty);
  }
  return c;
}

class DenseStore {
 public:
  DenseStore() {
    StoreOptions o;
    o.chunk_rows = 16'000;  // four or five chunks, each over parts of two or three hours
    o.sync = false;
    auto s = Store::Open(dir_.path(), o);
    REQUIRE(s.ok());
    store_ = *s;
    REQUIRE(store_->Append({{"binance", "BTCUSDT"}, rows_}).ok());
    REQUIRE(store_->Seal(true).ok());
  }

  // Bins by exact integer arithmetic: prices are whole tenths, steps whole
  // thousandths.
  std::map<int64_t, LiqPriceHistogramRow> Oracle(Timestamp from, Timestamp to, double step) const {
    std::map<int64_t, LiqPriceHistogramRow> want;
    const int64_t step_thousandths = std::llround(step * 1000);
    for (size_t i = 0; i < rows_.size(); ++i) {
      if (rows_.ts[i] < from || rows_.ts[i] >= to) continue;
      const int64_t p = std::llround(rows_.values[liq_col::kPrice][i] * 10) * 100;
      const int64_t bin = p / step_thousandths;
      auto& r = want[bin];
      r.price = static_cast<double>(bin) * step;
      (rows_.side[i] == 0 ? r.long_count : r.short_count)++;
      (rows_.side[i] == 0 ? r.long_notional : r.short_notional) += rows_.values[liq_col::kNotional][i];
    }
    return want;
  }

  LiqPriceHistogramWork Check(Timestamp from, Timestamp to, double step) {
    INFO("step " << step << ", from +" << (from - kT0) / 60'000'000 << " min, to +" << (to - kT0) / 60'000'000
                 << " min");
    LiqPriceHistogramWork work;
    auto got = LiqPriceHistogram(*store_, {from, to, step, {"BTCUSDT"}, {}, {}}, &work);
    REQUIRE(got.ok());
    const auto want = Oracle(from, to, step);
    REQUIRE(got->size() == want.size());
    size_t i = 0;
    for (const auto& [bin, r] : want) {
      const auto& g = (*got)[i++];
      CHECK(g.price == r.price);
      CHECK(g.long_count == r.long_count);
      CHECK(g.short_count == r.short_count);
      CHECK(g.long_notional == Approx(r.long_notional).epsilon(1e-12));
      CHECK(g.short_notional == Approx(r.short_notional).epsilon(1e-12));
    }
    return work;
  }

  Store& store() { return *store_; }
  std::string path() const { return dir_.path(); }
  void Close() { store_.reset(); }

 private:
  TempDir dir_;
  std::shared_ptr<Store> store_;
  Columns rows_ = DenseRows();
};

}  // namespace

TEST_CASE("price histograms over whole hours read the price rollups and equal a row-by-row count",
          "[query][histogram][price_rollup]") {
  DenseStore s;
  // The whole span, then whole hours that cut chunks but no hour slot.
  for (auto [from, to] : {std::pair{kT0 - kHour, kT0 + 7 * kHour}, std::pair{kT0 + kHour, kT0 + 4 * kHour}}) {
    for (double step : {50.0, 10.0, 25.0, 5.0, 1000.0}) {
      const LiqPriceHistogramWork work = s.Check(from, to, step);
      CHECK(work.decoded == 0);
      // $1000 bins hold each chunk's $45 of prices whole: the headers answer.
      CHECK((step < 1000 ? work.from_rollup : work.from_header) > 0);
    }
  }
}

TEST_CASE("price histograms the rollups cannot answer decode the rows, with the same bins",
          "[query][histogram][price_rollup]") {
  DenseStore s;
  // A step that is no whole number of the rollups' (0.25 here).
  LiqPriceHistogramWork work = s.Check(kT0, kT0 + 6 * kHour, 12.34);
  CHECK(work.from_rollup == 0);
  CHECK(work.decoded > 0);
  // Edges inside an hour: the chunks holding them are decoded, the others read
  // from their rollups.
  work = s.Check(kT0 + kHour / 2, kT0 + 5 * kHour + 60'000'000, 50.0);
  CHECK(work.decoded == 2);
  CHECK(work.from_rollup > 0);
}

// Rewrites the first price rollup part of the store at `path` through
// RocksDB, its checksum intact, as `mutate` leaves it.
void RewriteFirstPriceRollup(const std::string& path, const std::function<void(PriceRollup*)>& mutate) {
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, storage::kTagChunk)); it->Valid() && it->key()[0] == storage::kTagChunk;
       it->Next()) {
    if (static_cast<uint8_t>(it->key()[it->key().size() - 1]) != storage::kPartRollupPrice) continue;
    PriceRollup r;
    REQUIRE(storage::DecodePriceRollupPart(it->value().ToStringView(), &r).ok());
    mutate(&r);
    REQUIRE(db->Put(rocksdb::WriteOptions(), it->key(), storage::EncodePriceRollupPart(r)).ok());
    return;
  }
  FAIL("no price rollup part in the store");
}

TEST_CASE("a price rollup that disagrees with its chunk's header is reported as corruption",
          "[query][histogram][price_rollup][corrupt]") {
  DenseStore s;
  const std::string path = s.path();
  s.Close();
  std::string words;
  SECTION("a count more than the header's") {
    RewriteFirstPriceRollup(path, [](PriceRollup* r) { ++r->count[0][0]; });
    words = "price rollup disagrees with the header";
  }
  SECTION("a cell in an hour the chunk does not reach") {
    RewriteFirstPriceRollup(path, [](PriceRollup* r) { r->slot.back() += 1'000'000'000; });
    words = "outside the chunk's hours or prices";
  }
  SECTION("a step the header's prices do not give") {
    RewriteFirstPriceRollup(path, [](PriceRollup* r) { r->step *= 2; });
    words = "step disagrees";
  }
  auto store = Store::Open(path);
  REQUIRE(store.ok());
  // $5 bins: finer than a chunk's prices, so no header answers for it.
  auto h = LiqPriceHistogram(**store, {kT0, kT0 + 6 * kHour, 5.0, {}, {}, {}});
  REQUIRE_FALSE(h.ok());
  CHECK(h.status().code() == Status::Code::kCorruption);
  CHECK(h.status().message().find(words) != std::string::npos);
  // verify names it too.
  std::vector<std::string> reports;
  (void)(*store)->Verify([&](const std::string& m) { reports.push_back(m); });
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].find(words) != std::string::npos);
  // A step the rollups do not serve decodes every chunk instead.
  CHECK(LiqPriceHistogram(**store, {kT0, kT0 + 6 * kHour, 12.34, {}, {}, {}}).ok());
}

TEST_CASE("a rollup bin b at step s lands where the binning rule puts its rows at step k·s",
          "[query][price_bins]") {
  // Prices of every magnitude and decimal count, and prices placed on and
  // just off bin edges (the snap's 1e-9 tolerance and either side of it).
  std::mt19937_64 rng(11);
  const double steps[] = {1e-6, 5e-6, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1,
                          0.5,  1,    2.5,  5,      10,   25,   50,    100};
  const double offsets[] = {0, 1e-12, -1e-12, 0.4e-9, -0.4e-9, 0.9e-9, -0.9e-9, 1.1e-9, -1.1e-9, 3e-9, -3e-9};
  uint64_t checked = 0, refused = 0;
  for (int trial = 0; trial < 200'000; ++trial) {
    const double s = steps[rng() % std::size(steps)];
    const int64_t k = 1 + static_cast<int64_t>(rng() % 200);
    // The step as a person writes it ("0.25", "50"), not k * s computed.
    char text[64];
    std::snprintf(text, sizeof text, "%.12g", static_cast<double>(k) * s);
    const double step = std::strtod(text, nullptr);
    const int64_t ratio = PriceRollupRatio(s, step);
    REQUIRE(ratio == k);
    double price = 0;
    if (trial % 2 == 0) {
      const int decimals = static_cast<int>(rng() % 9);
      std::snprintf(text, sizeof text, "%.*f", decimals,
                    s * static_cast<double>(1 + rng() % 60'000'000) / std::pow(10.0, rng() % 3));
      price = std::strtod(text, nullptr);
    } else {
      const double edge = static_cast<double>(1 + rng() % 100'000) * step;
      price = edge * (1 + offsets[rng() % std::size(offsets)]);
    }
    int64_t bin = 0;
    if (!ClearPriceBin(price, s, &bin)) {
      ++refused;
      continue;
    }
    ++checked;
    const int64_t want = bin / k - ((bin % k != 0) && bin < 0);
    const double got = PriceBinIndex(price, step);
    if (got != static_cast<double>(want)) {
      FAIL("price " << price << " s " << s << " step " << step << ": rollup bin " << bin << " -> " << want
                    << ", rule " << got);
    }
  }
  // Most prices are clear of the edge; the offsets inside the margin are not.
  CHECK(checked > 150'000);
  CHECK(refused > 5'000);
  CHECK(PriceRollupRatio(0.5, 12.34) == 0);
  CHECK(PriceRollupRatio(50, 25) == 0);
  CHECK(PriceRollupRatio(0.05, 0.1) == 2);
}

}  // namespace liqdb
