// Zone maps of position chunks holding close rows whose entry_price is NULL:
// the NULL bounds nothing and adds nothing to the side sums.
#include <cmath>

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

}  // namespace
}  // namespace liqdb
