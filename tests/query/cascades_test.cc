// Tests of liquidation cascades (query/cascades.cc): grouping by time gap
// (a gap equal to max_gap joins), the minimum notional, merging series in
// time order and the range bounds. Expected groups worked by hand.

#include <catch2/catch.hpp>

#include "liqdb/heatmap.h"

namespace liqdb {
namespace {

std::vector<CascadeRow> Run(std::vector<Columns> series, const CascadeSpec& spec) {
  std::vector<std::unique_ptr<SortedRowSource>> src;
  for (Columns& c : series) src.push_back(MemoryRowSource(std::move(c)));
  auto cursor = OpenCascades(std::move(src), spec);
  REQUIRE(cursor.ok());
  std::vector<CascadeRow> out;
  CascadeRow row;
  for (;;) {
    auto more = (*cursor)->Next(&row);
    REQUIRE(more.ok());
    if (!*more) break;
    out.push_back(row);
  }
  return out;
}

CascadeSpec Spec(Timestamp from, Timestamp to, int64_t gap, double min_notional) {
  CascadeSpec s;
  s.from = from;
  s.to = to;
  s.max_gap = gap;
  s.min_notional = min_notional;
  return s;
}

Columns Events() {
  Columns c(Kind::kLiquidations);
  c.AddLiquidation(0, Side::kLong, 100, 1, 100);
  c.AddLiquidation(10, Side::kLong, 99, 2, 198);    // gap 10 == max_gap: joins
  c.AddLiquidation(20, Side::kShort, 98, 1, 98);    // gap 10: joins
  c.AddLiquidation(31, Side::kLong, 97, 1, 97);     // gap 11 > 10: new group
  c.AddLiquidation(100, Side::kShort, 96, 5, 480);  // new group
  c.AddLiquidation(105, Side::kShort, 95, 1, 95);
  return c;
}

void CheckRow(const CascadeRow& r, Timestamp first, Timestamp last, uint64_t events, double long_n,
              double short_n, double first_p, double last_p) {
  INFO("group from " << r.first_ts);
  CHECK(r.first_ts == first);
  CHECK(r.last_ts == last);
  CHECK(r.events == events);
  CHECK(r.long_notional == Approx(long_n));
  CHECK(r.short_notional == Approx(short_n));
  CHECK(r.first_price == first_p);
  CHECK(r.last_price == last_p);
}

TEST_CASE("cascades: gap boundary joins, min_notional keeps", "[cascades]") {
  auto rows = Run({Events()}, Spec(0, 1000, 10, 0));
  // Groups: {0, 10, 20}: longs 100 + 198, short 98; {31}: long 97; {100, 105}: shorts 575.
  REQUIRE(rows.size() == 3);
  CheckRow(rows[0], 0, 20, 3, 298, 98, 100, 98);
  CheckRow(rows[1], 31, 31, 1, 97, 0, 97, 97);
  CheckRow(rows[2], 100, 105, 2, 0, 575, 96, 95);

  SECTION("min_notional 396 keeps totals >= 396 (396 and 575)") {
    auto r = Run({Events()}, Spec(0, 1000, 10, 396));
    REQUIRE(r.size() == 2);
    CHECK(r[0].first_ts == 0);
    CHECK(r[1].first_ts == 100);
  }
  SECTION("max_gap 9 splits every gap of 10") {
    auto r = Run({Events()}, Spec(0, 1000, 9, 0));
    REQUIRE(r.size() == 5);
    CHECK(r[4].events == 2);  // 100 and 105
  }
  SECTION("max_gap 0 groups only equal timestamps") {
    Columns c(Kind::kLiquidations);
    c.AddLiquidation(5, Side::kLong, 1, 1, 1);
    c.AddLiquidation(5, Side::kLong, 2, 1, 2);
    c.AddLiquidation(6, Side::kLong, 3, 1, 3);
    auto r = Run({c}, Spec(0, 10, 0, 0));
    REQUIRE(r.size() == 2);
    CheckRow(r[0], 5, 5, 2, 3, 0, 1, 2);
  }
  SECTION("range is half-open") {
    auto r = Run({Events()}, Spec(10, 100, 10, 0));
    // Events at 10, 20 | 31; the event at 100 is outside.
    REQUIRE(r.size() == 2);
    CheckRow(r[0], 10, 20, 2, 198, 98, 99, 98);
  }
  SECTION("no events: no groups") {
    CHECK(Run({Events()}, Spec(2000, 3000, 10, 0)).empty());
  }
}

TEST_CASE("cascades: series merge in time order", "[cascades]") {
  Columns a(Kind::kLiquidations), b(Kind::kLiquidations);
  a.AddLiquidation(0, Side::kLong, 100, 1, 100);
  a.AddLiquidation(30, Side::kLong, 97, 1, 97);
  b.AddLiquidation(15, Side::kShort, 101, 1, 101);
  b.AddLiquidation(40, Side::kShort, 102, 1, 102);
  // Alone each series has gaps of 30 and 25; merged: 0, 15, 30, 40 -> gaps 15, 15, 10.
  auto r = Run({a, b}, Spec(0, 100, 15, 0));
  REQUIRE(r.size() == 1);
  CheckRow(r[0], 0, 40, 4, 197, 203, 100, 102);
}

TEST_CASE("cascades: bad arguments", "[cascades]") {
  CHECK(ValidateCascadeSpec(Spec(0, 10, 0, 0)).ok());
  CHECK(ValidateCascadeSpec(Spec(10, 10, 1, 0)).IsInvalidArgument());
  CHECK(ValidateCascadeSpec(Spec(0, 10, -1, 0)).IsInvalidArgument());
  CHECK(ValidateCascadeSpec(Spec(0, 10, 1, -5)).IsInvalidArgument());
  CHECK(ValidateCascadeSpec(Spec(0, 10, 1, NAN)).IsInvalidArgument());
  CHECK(OpenCascades(std::vector<std::unique_ptr<SortedRowSource>>{}, Spec(5, 1, 1, 0))
            .status()
            .IsInvalidArgument());
}

}  // namespace
}  // namespace liqdb
