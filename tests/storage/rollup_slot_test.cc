// RollupSlotCursor: the same slot as floor(ts / resolution) for every row,
// in time order, out of order, across zero and at the ends of int64 (where
// the slot's own time range does not fit).
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/chunk_format.h"

namespace liqdb {
namespace {

// floor(ts / r) in 128-bit arithmetic, which no int64 input can overflow.
int64_t FloorSlot(int64_t ts, int64_t r) {
  const __int128 a = ts, b = r;
  __int128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  return static_cast<int64_t>(q);
}

TEST_CASE("rollup slot cursor: hand-computed slots of an hour", "[store][rollup]") {
  constexpr int64_t kHour = 3'600'000'000;
  storage::RollupSlotCursor c(kHour);
  CHECK(c.SlotOf(0) == 0);
  CHECK(c.SlotOf(kHour - 1) == 0);
  CHECK(c.SlotOf(kHour) == 1);
  CHECK(c.SlotOf(kHour - 1) == 0);  // back into the slot before
  CHECK(c.SlotOf(-1) == -1);
  CHECK(c.SlotOf(-kHour) == -1);
  CHECK(c.SlotOf(-kHour - 1) == -2);
  CHECK(c.SlotOf(1'709'251'200'312'000) == 474'792);  // 2024-03-01 00:00:00.312 UTC
  CHECK(c.SlotOf(1'709'254'799'999'999) == 474'792);
  CHECK(c.SlotOf(1'709'254'800'000'000) == 474'793);
  // At the ends of int64: 9223372036854775807 / 3.6e9 = 2562047788.015...
  CHECK(c.SlotOf(std::numeric_limits<int64_t>::max()) == 2'562'047'788);
  CHECK(c.SlotOf(std::numeric_limits<int64_t>::min()) == -2'562'047'789);
  CHECK(c.SlotOf(std::numeric_limits<int64_t>::min() + 1) == -2'562'047'789);
  CHECK(c.SlotOf(std::numeric_limits<int64_t>::max() - 1) == 2'562'047'788);
}

TEST_CASE("rollup slot cursor: any order of rows gives floor(ts / r)", "[store][rollup]") {
  std::mt19937_64 rng(7);
  for (const int64_t r : {int64_t{1}, int64_t{60'000'000}, int64_t{3'600'000'000}}) {
    storage::RollupSlotCursor c(r);
    std::vector<int64_t> ts;
    int64_t t = -5 * r;
    for (int i = 0; i < 2000; ++i) {  // mostly ascending, with jumps back
      t += static_cast<int64_t>(rng() % static_cast<uint64_t>(r / 7 + 2));
      ts.push_back(i % 97 == 0 ? t - 3 * r : t);
    }
    for (const int64_t x : ts) REQUIRE(c.SlotOf(x) == FloorSlot(x, r));
  }
}

}  // namespace
}  // namespace liqdb
