// The recorder's gap and heartbeat writer (record/side_writer.h): what is put
// is in the store after Drain and Close, a later state of the same record
// replaces the earlier one, a failed write is reported, and no heartbeat is
// written after a failed gap (it would hide the missing gap).
#include "record/side_writer.h"

#include <catch2/catch.hpp>

#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb::record {
namespace {

constexpr Timestamp kT0 = 1'718'000'000'000'000;

TEST_CASE("side writer: gaps and heartbeats are stored by Drain and Close; puts after Close too",
          "[record]") {
  test::TempDir dir;
  auto store = Store::Open(dir.Sub("s"));
  REQUIRE(store.ok());
  std::vector<Status> errors;
  SideWriter w(store->get(), [&](const Status& s) { errors.push_back(s); });
  w.PutGap(Gap{"bybit", "market-linear", kT0, kT0 + 10, "no data (open when last stored)"});
  w.PutGap(Gap{"bybit", "market-linear", kT0, kT0 + 20, "no data"});  // the same gap, later
  w.PutHeartbeat(Heartbeat{"bybit", "market-linear", kT0 + 5});
  w.Drain();
  auto gaps = (*store)->ListGaps(kMinTimestamp, kMaxTimestamp);
  REQUIRE(gaps.ok());
  REQUIRE(gaps->size() == 1);
  CHECK((*gaps)[0].to == kT0 + 20);
  CHECK((*gaps)[0].reason == "no data");
  CHECK(*(*store)->GetHeartbeat("bybit", "market-linear") == kT0 + 5);
  w.PutHeartbeat(Heartbeat{"bybit", "market-linear", kT0 + 30});
  w.Close();
  CHECK(*(*store)->GetHeartbeat("bybit", "market-linear") == kT0 + 30);
  w.PutHeartbeat(Heartbeat{"bybit", "market-linear", kT0 + 40});  // on this thread now
  CHECK(*(*store)->GetHeartbeat("bybit", "market-linear") == kT0 + 40);
  CHECK(errors.empty());
}

TEST_CASE("side writer: a failed gap write is reported and stops the heartbeats", "[record]") {
  test::TempDir dir;
  auto store = Store::Open(dir.Sub("s"));
  REQUIRE(store.ok());
  std::vector<Status> errors;
  {
    SideWriter w(store->get(), [&](const Status& s) { errors.push_back(s); });
    w.PutHeartbeat(Heartbeat{"okx", "market", kT0});
    w.Drain();
    w.PutGap(Gap{"okx", "market", kT0 + 10, kT0 + 10, "empty: refused by the store"});
    w.PutHeartbeat(Heartbeat{"okx", "market", kT0 + 20});
  }  // the destructor closes: everything pending was tried
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].IsInvalidArgument());
  CHECK_THAT(errors[0].message(), Catch::Contains("okx market: storing a gap"));
  // The heartbeat stays where it was before the failure.
  CHECK(*(*store)->GetHeartbeat("okx", "market") == kT0);
}

}  // namespace
}  // namespace liqdb::record
