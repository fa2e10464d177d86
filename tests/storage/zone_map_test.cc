// Zone maps: position chunks holding close rows whose entry_price is NULL
// (the NULL bounds nothing and adds nothing to the side sums), and the value
// ranges trailing the header (docs/format.md), including headers without
// them and damaged ones.
#include <cmath>
#include <cstring>
#include <string>

#include <catch2/catch.hpp>

#include "storage/chunk_format.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

TEST_CASE("zone map: NULL entry prices of close rows are left out of min/max and sums", "[store][zonemap]") {
  const double null = std::nan("");
  Columns rows(Kind::kPositions);
  rows.AddPosition(100, "a", Side::kLong, 0, null, null, null);  // a close, first in the chunk
  rows.AddPosition(200, "b", Side::kLong, 2, 50000, 10, null);
  rows.AddPosition(300, "c", Side::kShort, 1, 52000, 20, null);
  rows.AddPosition(400, "b", Side::kLong, 0, null, null, null);
  const ChunkMeta m = storage::ComputeMeta(rows);
  CHECK(m.min_price == 50000);
  CHECK(m.max_price == 52000);
  CHECK(m.sides[0].count == 3);
  CHECK(m.sides[0].qty == 2);
  CHECK(m.sides[0].notional == 100000);  // 2 × 50000; the closes add nothing
  CHECK(m.sides[1].notional == 52000);

  Columns closes(Kind::kPositions);
  closes.AddPosition(100, "a", Side::kShort, 0, null, null, null);
  const ChunkMeta only = storage::ComputeMeta(closes);
  CHECK(only.min_price == 0);
  CHECK(only.max_price == 0);
  CHECK_FALSE(std::isnan(only.sides[1].notional));
}

TEST_CASE("zone map: value ranges per column, NULLs left out, all-NULL as min > max", "[store][zonemap]") {
  const double null = std::nan("");
  Columns rows(Kind::kPositions);
  rows.AddPosition(100, "a", Side::kLong, 2, 50000, null, 45000);
  rows.AddPosition(200, "b", Side::kShort, 0.5, 52000, null, null);
  rows.AddPosition(300, "c", Side::kLong, 0, null, null, 0);
  const ChunkMeta m = storage::ComputeMeta(rows);
  REQUIRE(m.has_value_ranges);
  CHECK(m.min_value[pos_col::kSize] == 0);
  CHECK(m.max_value[pos_col::kSize] == 2);
  CHECK(m.min_value[pos_col::kEntryPrice] == 50000);
  CHECK(m.max_value[pos_col::kEntryPrice] == 52000);
  CHECK(m.min_value[pos_col::kLeverage] > m.max_value[pos_col::kLeverage]);  // every row NULL
  CHECK(m.min_value[pos_col::kLiqPrice] == 0);
  CHECK(m.max_value[pos_col::kLiqPrice] == 45000);
}

// The header payload of an encoded chunk (checksum stripped) and back.
std::string HeaderPayload(const storage::EncodedChunk& c) {
  const std::string& v = c.parts.front().second;
  return v.substr(0, v.size() - 8);
}

TEST_CASE("zone map: the header's value ranges round-trip, are optional, and damage is named",
          "[store][zonemap]") {
  Columns rows(Kind::kLiquidations);
  rows.AddLiquidation(10, Side::kLong, 100.5, 2, 201);
  rows.AddLiquidation(20, Side::kShort, 99.25, 4, 397);
  const storage::EncodedChunk chunk = storage::EncodeChunk(rows, 1, 7, true);
  ChunkMeta meta;
  meta.kind = Kind::kLiquidations;
  REQUIRE(storage::DecodeHeader(chunk.parts.front().second, &meta).ok());
  REQUIRE(meta.has_value_ranges);
  CHECK(meta.min_value[liq_col::kPrice] == 99.25);
  CHECK(meta.max_value[liq_col::kPrice] == 100.5);
  CHECK(meta.min_value[liq_col::kQty] == 2);
  CHECK(meta.max_value[liq_col::kNotional] == 397);

  const std::string payload = HeaderPayload(chunk);
  const size_t trailer = 1 + 3 * 16;  // count byte + (min, max) of price, qty, notional
  REQUIRE(payload.size() > trailer);
  REQUIRE(static_cast<uint8_t>(payload[payload.size() - trailer]) == 3);

  // A header written before the ranges existed: read, with no ranges.
  ChunkMeta old;
  old.kind = Kind::kLiquidations;
  const std::string without = payload.substr(0, payload.size() - trailer);
  REQUIRE(storage::DecodeHeader(storage::SealPart(0, without), &old).ok());
  CHECK_FALSE(old.has_value_ranges);
  CHECK(old.rows == 2);

  // A flipped byte fails the checksum.
  std::string flipped = chunk.parts.front().second;
  flipped[flipped.size() - 12] ^= 0x40;
  ChunkMeta bad;
  bad.kind = Kind::kLiquidations;
  CHECK(storage::DecodeHeader(flipped, &bad).IsCorruption());

  // Well-checksummed but malformed trailers are corrupt, each for its reason.
  auto decode = [](const std::string& p) {
    ChunkMeta m;
    m.kind = Kind::kLiquidations;
    return storage::DecodeHeader(storage::SealPart(0, p), &m);
  };
  std::string wrong_count = payload;
  wrong_count[payload.size() - trailer] = 4;
  CHECK_THAT(decode(wrong_count).message(), Catch::Contains("value ranges for 4 columns"));
  CHECK(decode(payload.substr(0, payload.size() - 8)).IsCorruption());  // truncated
  CHECK_THAT(decode(payload + "x").message(), Catch::Contains("trailing bytes"));
  std::string nan = payload;
  const double q = std::nan("");
  std::memcpy(&nan[payload.size() - 16], &q, 8);
  CHECK_THAT(decode(nan).message(), Catch::Contains("NaN"));
}

}  // namespace
}  // namespace liqdb
