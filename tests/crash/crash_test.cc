// CI's short crash run: 24 SIGKILLs, four per writer kind (crash_harness.h),
// and not one acknowledged row lost, duplicated or half-written.
// bench/crash_soak runs the same harness with 500 and more kills.
// First, the check itself: stores built by hand with each kind of damage
// the harness looks for must fail it, with the reason named.
#include <functional>
#include <iostream>
#include <vector>

#include <catch2/catch.hpp>

#include "test_util.h"
#include "tests/crash/crash_harness.h"

#include "liqdb/store.h"

namespace liqdb::crash {
namespace {

// Rows i of group g (crash_rows.h), Layout::kSplit, appended in one batch.
void Put(Store& store, int64_t g, std::vector<int> rows, double qty_delta = 0) {
  std::vector<SeriesBatch> batches = {{RowSeries(Layout::kSplit, g, 0), Columns(Kind::kLiquidations)},
                                      {RowSeries(Layout::kSplit, g, 1), Columns(Kind::kLiquidations)}};
  for (int i : rows) {
    const double qty = GroupQty(g) + qty_delta;
    batches[i % 2].rows.AddLiquidation(GroupTs(g), RowSide(i), RowPrice(i), qty, RowPrice(i) * qty);
  }
  REQUIRE(store.AppendAll(batches).ok());
}

const std::vector<int> kWhole = {0, 1, 2, 3, 4, 5};

// A store with groups 0 and 1 whole, plus what `extra` adds; checked
// against groups 0, 1 acknowledged and `more` states after them.
CheckResult Check(const std::function<void(Store&)>& extra, std::vector<GroupState> more = {}) {
  test::TempDir dir;
  {
    auto s = Store::Open(dir.Sub("s"));
    REQUIRE(s.ok());
    Put(**s, 0, kWhole);
    Put(**s, 1, kWhole);
    extra(**s);
  }
  Expect e;
  e.Set(0, kAcked);
  e.Set(1, kAcked);
  for (size_t i = 0; i < more.size(); ++i) e.Set(static_cast<int64_t>(2 + i), more[i]);
  return CheckStore(dir.Sub("s"), e);
}

TEST_CASE("the crash check passes a good store and names each kind of damage", "[crash]") {
  SECTION("good: two whole acknowledged groups, an in-flight one absent") {
    CheckResult r = Check([](Store&) {}, {kMaybe});
    CHECK(r.failure == "");
    CHECK(r.rows == 12);
    CHECK(r.present == std::vector<int64_t>{0, 1});
  }
  SECTION("good: the in-flight group whole") {
    CheckResult r = Check([](Store& s) { Put(s, 2, kWhole); }, {kMaybe});
    CHECK(r.failure == "");
    CHECK(r.present == std::vector<int64_t>{0, 1, 2});
  }
  SECTION("half a group") {
    CheckResult r = Check([](Store& s) { Put(s, 2, {0, 1, 2}); }, {kMaybe});
    CHECK_THAT(r.failure, Catch::Contains("group 2 is half there (3 of 6 rows)"));
  }
  SECTION("an acknowledged group missing") {
    CheckResult r = Check([](Store&) {}, {kAcked});
    CHECK_THAT(r.failure, Catch::Contains("acknowledged group 2 is missing"));
  }
  SECTION("a row twice") {
    CheckResult r = Check([](Store& s) { Put(s, 2, {0, 1, 2, 3, 4, 5, 4}); }, {kAcked});
    CHECK_THAT(r.failure, Catch::Contains("group 2 row 4 stored 2 times"));
  }
  SECTION("a group never written") {
    CheckResult r = Check([](Store& s) { Put(s, 3, kWhole); }, {kAcked});
    CHECK_THAT(r.failure, Catch::Contains("a row that was never written"));
  }
  SECTION("a rolled-back group") {
    CheckResult r = Check([](Store& s) { Put(s, 2, kWhole); }, {kAbsent});
    CHECK_THAT(r.failure, Catch::Contains("group 2 was rolled back or never sent, yet is stored"));
  }
  SECTION("a wrong value") {
    CheckResult r = Check([](Store& s) { Put(s, 2, kWhole, 0.5); }, {kMaybe});
    CHECK_THAT(r.failure, Catch::Contains("group 2 row 0 has wrong values or series"));
  }
  SECTION("no store although rows were acknowledged") {
    test::TempDir dir;
    Expect e;
    e.Set(0, kAcked);
    CHECK_THAT(CheckStore(dir.Sub("none"), e).failure, Catch::Contains("the store is gone"));
    e.Set(0, kMaybe);
    CheckResult r = CheckStore(dir.Sub("none"), e);
    CHECK(r.failure == "");
    CHECK(r.missing_store);
  }
}

TEST_CASE("every writer survives SIGKILL at random moments", "[crash]") {
  test::TempDir dir;
  CrashOptions o;
  o.work_dir = dir.Sub("crash");
  o.writer_path = LIQDB_CRASH_WRITER_PATH;
  o.cli_path = LIQDB_CLI_PATH;
  o.seed = 20261201;
  o.kills = 24;
  o.log = [](const std::string& line) { std::cout << line << "\n"; };
  const CrashReport r = RunCrashHarness(o);
  std::cout << FormatReport(r);
  INFO(FormatReport(r));
  CHECK(r.failures.empty());
  REQUIRE(r.kinds.size() == 6);
  for (const auto& [name, t] : r.kinds) {
    INFO(name);
    CHECK(t.kills == 4);
    CHECK(t.survived == t.kills);
    CHECK(t.rows_checked > 0);
  }
  // The writers that never stop on their own were killed while running.
  CHECK(r.kinds.at("api").mid_run == 4);
  CHECK(r.kinds.at("sql").mid_run == 4);
  CHECK(r.kinds.at("ingest-stdin").mid_run == 4);
}

}  // namespace
}  // namespace liqdb::crash
