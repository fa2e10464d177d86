// The price rollup part (storage/price_rollup.cc): which step and cells a
// chunk gets, when it gets none, and that damaged or crafted parts are
// refused by name.
#include "storage/price_rollup.h"

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/chunk_format.h"
#include "storage/keys.h"

#include "liqdb/types.h"

using namespace liqdb;
using namespace liqdb::storage;

namespace {

constexpr Timestamp kHour = 3'600'000'000;
constexpr Timestamp kT0 = 1'709'251'200'000'000;  // 2024-03-01, a whole hour

// `n` rows at `price` and qty 2 in hour `hour` after kT0, one second apart.
void AddRun(Columns* c, int hour, size_t n, Side side, double price) {
  for (size_t i = 0; i < n; ++i) {
    c->AddLiquidation(kT0 + hour * kHour + static_cast<Timestamp>(i) * 1'000'000, side, price, 2.0,
                      price * 2.0);
  }
}

// Four runs of 40 rows: three prices in hour 0, one in hour 1.
Columns FourCells() {
  Columns c(Kind::kLiquidations);
  AddRun(&c, 0, 40, Side::kLong, 100.5);
  AddRun(&c, 0, 40, Side::kShort, 103.0);
  AddRun(&c, 0, 40, Side::kLong, 107.0);
  AddRun(&c, 1, 40, Side::kShort, 100.5);
  return c;
}

}  // namespace

TEST_CASE("a chunk's price rollup has the finest step within 256 bins and one cell per hour and bin",
          "[chunk][price_rollup]") {
  PriceRollup r;
  REQUIRE(BuildPriceRollup(FourCells(), &r));
  // Prices 100.5 .. 107: 0.025 would span 261 bins, 0.05 spans 131.
  CHECK(r.step == 0.05);
  REQUIRE(r.size() == 4);
  const int64_t slot0 = kT0 / kHour;
  struct Want {
    int64_t slot, bin;
    int64_t long_count, short_count;
    double long_notional, short_notional;
  };
  // bin = price / 0.05; notional = 40 rows × price × 2.
  const Want want[] = {{slot0, 2010, 40, 0, 8040.0, 0},
                       {slot0, 2060, 0, 40, 0, 8240.0},
                       {slot0, 2140, 40, 0, 8560.0, 0},
                       {slot0 + 1, 2010, 0, 40, 0, 8040.0}};
  for (size_t i = 0; i < 4; ++i) {
    INFO("cell " << i);
    CHECK(r.slot[i] == want[i].slot);
    CHECK(r.bin[i] == want[i].bin);
    CHECK(r.count[0][i] == want[i].long_count);
    CHECK(r.count[1][i] == want[i].short_count);
    CHECK(r.notional[0][i] == Approx(want[i].long_notional).epsilon(1e-12));
    CHECK(r.notional[1][i] == Approx(want[i].short_notional).epsilon(1e-12));
  }
}

TEST_CASE("a chunk gets no price rollup where it would not pay or could misplace a row",
          "[chunk][price_rollup]") {
  PriceRollup r;
  SECTION("fewer than 32 rows per cell") {
    Columns c(Kind::kLiquidations);
    for (int i = 0; i < 40; ++i) AddRun(&c, 0, 1, Side::kLong, 1000.0 + i);
    CHECK_FALSE(BuildPriceRollup(c, &r));
  }
  SECTION("a price within the binning rule's snap margin") {
    // Prices 1000 .. 1200 take step 1 (201 bins); 1100 less 1.5e-9
    // relative lies between half and twice the 1e-9 snap tolerance below
    // the edge at 1100.
    Columns c(Kind::kLiquidations);
    AddRun(&c, 0, 40, Side::kLong, 1000.0);
    AddRun(&c, 0, 40, Side::kLong, 1200.0);
    REQUIRE(BuildPriceRollup(c, &r));
    CHECK(r.step == 1.0);
    AddRun(&c, 0, 1, Side::kShort, 1100.0 * (1 - 1.5e-9));
    CHECK_FALSE(BuildPriceRollup(c, &r));
  }
  SECTION("prices spanning more than 256 bins of a step they stay above") {
    // 0.5 .. 200: step 1 spans 201 bins but 0.5 / 1 < 1.
    Columns c(Kind::kLiquidations);
    AddRun(&c, 0, 40, Side::kLong, 0.5);
    AddRun(&c, 0, 40, Side::kLong, 200.0);
    CHECK_FALSE(BuildPriceRollup(c, &r));
  }
  SECTION("a NaN price") {
    Columns c = FourCells();
    c.values[liq_col::kPrice][5] = std::nan("");
    CHECK_FALSE(BuildPriceRollup(c, &r));
  }
}

TEST_CASE("an encoded chunk carries its price rollup, flagged in the header", "[chunk][price_rollup]") {
  EncodedChunk chunk = EncodeChunk(FourCells(), 1, 1, true);
  CHECK(chunk.meta.has_price_rollup);
  ChunkMeta meta;
  REQUIRE(DecodeHeader(chunk.parts.front().second, &meta).ok());
  CHECK(meta.has_price_rollup);
  const std::string* part = nullptr;
  for (const auto& [id, value] : chunk.parts) {
    if (id == kPartRollupPrice) part = &value;
  }
  REQUIRE(part != nullptr);
  PriceRollup back;
  REQUIRE(DecodePriceRollupPart(*part, &back).ok());
  PriceRollup built;
  REQUIRE(BuildPriceRollup(FourCells(), &built));
  REQUIRE(back.size() == built.size());
  CHECK(back.step == built.step);
  CHECK(back.slot == built.slot);
  CHECK(back.bin == built.bin);
  CHECK(back.count == built.count);
  CHECK(back.notional == built.notional);

  Columns sparse(Kind::kLiquidations);
  for (int i = 0; i < 40; ++i) AddRun(&sparse, 0, 1, Side::kLong, 1000.0 + i);
  EncodedChunk without = EncodeChunk(sparse, 1, 2, true);
  CHECK_FALSE(without.meta.has_price_rollup);
  REQUIRE(DecodeHeader(without.parts.front().second, &meta).ok());
  CHECK_FALSE(meta.has_price_rollup);
  for (const auto& [id, value] : without.parts) CHECK(id != kPartRollupPrice);
}

TEST_CASE("damaged or crafted price rollup parts are corrupt, by name", "[chunk][price_rollup][corrupt]") {
  PriceRollup r;
  REQUIRE(BuildPriceRollup(FourCells(), &r));
  PriceRollup out;
  auto expect = [&](const std::string& value, const std::string& words) {
    Status s = DecodePriceRollupPart(value, &out);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(s.message().find(words) != std::string::npos);
  };
  std::string flipped = EncodePriceRollupPart(r);
  flipped[10] ^= 0x20;
  expect(flipped, "checksum");

  PriceRollup bad = r;
  std::swap(bad.bin[1], bad.bin[2]);
  expect(EncodePriceRollupPart(bad), "out of order");
  bad = r;
  bad.slot[3] = bad.slot[2];  // same slot, lower bin
  expect(EncodePriceRollupPart(bad), "out of order");
  bad = r;
  bad.count[0][0] = bad.count[1][0] = 0;
  expect(EncodePriceRollupPart(bad), "empty cell");
  bad = r;
  bad.count[1][0] = -1;
  expect(EncodePriceRollupPart(bad), "negative count");
  bad = r;
  bad.step = -1;
  expect(EncodePriceRollupPart(bad), "bad step");
  bad.step = INFINITY;
  expect(EncodePriceRollupPart(bad), "bad step");
  bad = r;
  bad.Resize(0);
  expect(EncodePriceRollupPart(bad), "cell count");
  // A valid part with a byte more (checksum recomputed) is not read short.
  std::string value = EncodePriceRollupPart(r);
  std::string payload = value.substr(0, value.size() - 8) + '\0';
  expect(SealPart(kPartRollupPrice, payload), "trailing bytes");
}
