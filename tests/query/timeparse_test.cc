// Tests for query/timeparse.cc: ISO-8601 and integer times, intervals,
// formatting and alignment. Expected values are computed by hand.
#include "liqdb/timeparse.h"

#include <catch2/catch.hpp>

using liqdb::AlignDown;
using liqdb::FormatTime;
using liqdb::ParseDuration;
using liqdb::ParseInterval;
using liqdb::ParseTime;

namespace {
constexpr int64_t kMar1 = 1709251200000000;  // 2024-03-01T00:00:00Z
constexpr int64_t kHour = 3600000000;

int64_t T(const char* text) {
  auto r = ParseTime(text);
  INFO(text << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

std::string TimeError(const char* text) {
  auto r = ParseTime(text);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.status().IsInvalidArgument());
  return r.status().message();
}
}  // namespace

TEST_CASE("ParseTime reads integer microseconds", "[timeparse]") {
  CHECK(T("0") == 0);
  CHECK(T("1709251200000000") == kMar1);
  CHECK(T("-5") == -5);
  CHECK(T(" 42 ") == 42);
  CHECK(T("+7") == 7);
  CHECK_FALSE(ParseTime("99999999999999999999").ok());
}

TEST_CASE("ParseTime reads ISO-8601 dates and times", "[timeparse]") {
  CHECK(T("1970-01-01") == 0);
  CHECK(T("2024-03-01") == kMar1);
  CHECK(T("2024-03-01T00:00:00Z") == kMar1);
  CHECK(T("2024-03-01T12:00") == kMar1 + 12 * kHour);
  CHECK(T("2024-03-01T12:00:00Z") == kMar1 + 12 * kHour);
  CHECK(T("2024-03-01 12:00:00.250") == kMar1 + 12 * kHour + 250000);
  CHECK(T("2024-03-01T12:00:00.000001Z") == kMar1 + 12 * kHour + 1);
  CHECK(T("2024-03-01T12:00:00.5") == kMar1 + 12 * kHour + 500000);
  CHECK(T("2024-03-01t12:00:00z") == kMar1 + 12 * kHour);
  CHECK(T("2024-02-29") == kMar1 - 24 * kHour);  // leap day
  CHECK(T("2000-01-01") == 946684800000000);
  CHECK(T("2000-02-29") == 946684800000000 + 59 * 24 * kHour);
  CHECK(T("1969-12-31T23:59:59.999999Z") == -1);
  CHECK(T("1969-12-31") == -24 * kHour);
  CHECK(T("1900-03-01") == -2203891200000000);
}

TEST_CASE("ParseTime honours UTC offsets", "[timeparse]") {
  CHECK(T("2024-03-01T12:00:00+02:00") == kMar1 + 10 * kHour);
  CHECK(T("2024-03-01T12:00:00-05:30") == kMar1 + 17 * kHour + 30 * 60000000LL);
  CHECK(T("2024-03-01T12:00+0100") == kMar1 + 11 * kHour);
  CHECK(T("2024-03-01T01:00:00+02:00") == kMar1 - kHour);
  CHECK(T("2024-03-01T12:00:00+00:00") == T("2024-03-01T12:00:00Z"));
}

TEST_CASE("ParseTime rejects invalid text naming it", "[timeparse]") {
  CHECK_THAT(TimeError("2024-13-01"), Catch::Contains("2024-13-01") && Catch::Contains("month"));
  CHECK_THAT(TimeError("2024-02-30"), Catch::Contains("2024-02-30") && Catch::Contains("day 30"));
  CHECK_THAT(TimeError("2023-02-29"), Catch::Contains("day 29"));
  CHECK_THAT(TimeError("2024-04-31"), Catch::Contains("day 31"));
  CHECK_THAT(TimeError("2024-00-10"), Catch::Contains("month"));
  CHECK_THAT(TimeError("2024-03-00"), Catch::Contains("day 0"));
  CHECK_THAT(TimeError("2024-03-01T24:00"), Catch::Contains("hour"));
  CHECK_THAT(TimeError("2024-03-01T12:60"), Catch::Contains("minute"));
  CHECK_THAT(TimeError("2024-03-01T12:00:61"), Catch::Contains("second"));
  CHECK_THAT(TimeError("2024-03-01T12:00:00.1234567"), Catch::Contains("fractional"));
  CHECK_THAT(TimeError("2024-03-01T12:00:00."), Catch::Contains("decimal point"));
  CHECK_THAT(TimeError("2024-03-01T12:00:00+25:00"), Catch::Contains("offset"));
  CHECK_THAT(TimeError("yesterday"), Catch::Contains("'yesterday'"));
  CHECK_THAT(TimeError(""), Catch::Contains("empty"));
  CHECK_THAT(TimeError("2024-3-1"), Catch::Contains("YYYY-MM-DD"));
  CHECK_THAT(TimeError("2024-03-01x"), Catch::Contains("unexpected"));
  CHECK_THAT(TimeError("2024-03-01T12"), Catch::Contains("HH:MM"));
  CHECK_THAT(TimeError("12.5"), Catch::Contains("12.5"));
}

TEST_CASE("ParseInterval reads units and integers", "[timeparse]") {
  auto I = [](const char* text) {
    auto r = ParseInterval(text);
    INFO(text << ": " << r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  };
  CHECK(I("250us") == 250);
  CHECK(I("500ms") == 500000);
  CHECK(I("1s") == 1000000);
  CHECK(I("5m") == 300000000);
  CHECK(I("1h") == kHour);
  CHECK(I("4h") == 4 * kHour);
  CHECK(I("1d") == 24 * kHour);
  CHECK(I("1w") == 7 * 24 * kHour);
  CHECK(I("1.5h") == 90 * 60000000LL);
  CHECK(I("0.5s") == 500000);
  CHECK(I("15min") == 900000000);
  CHECK(I("3600000000") == kHour);
  CHECK(I(" 1h ") == kHour);
}

TEST_CASE("ParseInterval rejects non-positive and malformed intervals", "[timeparse]") {
  for (const char* bad :
       {"0", "0s", "-1", "-5m", "", "h", "5x", "5M", "1.5", "0.0000001s", "1e3", "999999999999999w"}) {
    auto r = ParseInterval(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    CHECK_THAT(r.status().message(), Catch::Contains("'" + std::string(bad) + "'"));
  }
  CHECK_THAT(ParseInterval("0").status().message(), Catch::Contains("greater than 0"));
  CHECK_THAT(ParseInterval("5x").status().message(), Catch::Contains("unknown unit"));
}

TEST_CASE("ParseDuration allows zero", "[timeparse]") {
  CHECK(*ParseDuration("0") == 0);
  CHECK(*ParseDuration("0s") == 0);
  CHECK(*ParseDuration("7d") == 7 * 24 * kHour);
  CHECK_FALSE(ParseDuration("-1s").ok());
}

TEST_CASE("FormatTime writes ISO-8601 UTC", "[timeparse]") {
  CHECK(FormatTime(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatTime(kMar1) == "2024-03-01T00:00:00Z");
  // A fraction only when non-zero: 3 digits for whole milliseconds, else 6.
  CHECK(FormatTime(kMar1 + 12 * kHour + 250000) == "2024-03-01T12:00:00.250Z");
  CHECK(FormatTime(kMar1 + 1000) == "2024-03-01T00:00:00.001Z");
  CHECK(FormatTime(kMar1 + 999000) == "2024-03-01T00:00:00.999Z");
  CHECK(FormatTime(kMar1 + 250001) == "2024-03-01T00:00:00.250001Z");
  CHECK(FormatTime(kMar1 + 1) == "2024-03-01T00:00:00.000001Z");
  CHECK(FormatTime(kMar1 + 10) == "2024-03-01T00:00:00.000010Z");
  CHECK(FormatTime(-1000) == "1969-12-31T23:59:59.999Z");
  CHECK(FormatTime(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(FormatTime(kMar1 - 24 * kHour) == "2024-02-29T00:00:00Z");
  for (int64_t ts : {int64_t{0}, kMar1, kMar1 + 1, int64_t{-1}, int64_t{-86400000000},
                     int64_t{253402300799999999}, int64_t{-62135596800000000}}) {
    INFO(ts);
    CHECK(T(FormatTime(ts).c_str()) == ts);
  }
}

TEST_CASE("AlignDown floors, also for negative timestamps", "[timeparse]") {
  CHECK(AlignDown(0, 10) == 0);
  CHECK(AlignDown(9, 10) == 0);
  CHECK(AlignDown(10, 10) == 10);
  CHECK(AlignDown(-1, 10) == -10);
  CHECK(AlignDown(-10, 10) == -10);
  CHECK(AlignDown(-11, 10) == -20);
  CHECK(AlignDown(kMar1 + 12 * kHour + 5, kHour) == kMar1 + 12 * kHour);
  // The floor of kMinTimestamp is not representable: saturates to the first aligned value.
  CHECK(AlignDown(INT64_MIN, 1000) % 1000 == 0);
  CHECK(AlignDown(INT64_MIN, 1000) < INT64_MIN + 1000);
}
