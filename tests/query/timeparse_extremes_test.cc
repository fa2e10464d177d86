// FormatTime and AlignDown at the ends of the int64 µs range, which SQL
// arguments can reach (ParseTime accepts any int64). Found by
// tests/fuzz/timeparse_fuzz.cc. Expected texts computed apart from liqdb with
// Python's datetime, shifted by whole 400-year cycles (146097 days).
#include <catch2/catch.hpp>

#include "liqdb/timeparse.h"
#include "liqdb/types.h"

using namespace liqdb;

TEST_CASE("FormatTime renders the first and last int64 microseconds", "[timeparse]") {
  // UBSan trapped on the overflow of days * µs-per-day for INT64_MIN.
  CHECK(FormatTime(kMinTimestamp) == "-290308-12-21T19:59:05.224192Z");
  CHECK(FormatTime(kMaxTimestamp) == "294247-01-10T04:00:54.775807Z");
  CHECK(FormatTime(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(FormatTime(-86400000000) == "1969-12-31T00:00:00Z");
}

TEST_CASE("the earliest time parses and formats without overflow", "[timeparse]") {
  auto t = ParseTime("-9223372036854775808");
  REQUIRE(t.ok());
  CHECK(*t == kMinTimestamp);
  CHECK(FormatTime(*t) == "-290308-12-21T19:59:05.224192Z");
  // Its 1-µs floor is itself; a 1-day floor is below the range and saturates upward.
  CHECK(AlignDown(*t, 1) == kMinTimestamp);
  CHECK(AlignDown(*t, 86400000000) == kMinTimestamp + 14454775808);
}
