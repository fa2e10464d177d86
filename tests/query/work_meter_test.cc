// WorkMeter (liqdb/cancel.h): when long work asks its Cancellation whether
// to go on, and that a refusal stops it with the Cancellation's Status.
#include <chrono>

#include <catch2/catch.hpp>

#include "liqdb/cancel.h"

namespace liqdb {
namespace {

using Clock = std::chrono::steady_clock;

class CountingCancel : public Cancellation {
 public:
  Status Check() override {
    ++asked;
    return stop ? Status::IOError("stopped") : Status::OK();
  }
  int asked = 0;
  bool stop = false;
};

// Ticks until `d` has passed since `start`; the first non-OK Status, if any.
Status TickFor(WorkMeter* meter, Clock::time_point start, Clock::duration d) {
  while (Clock::now() - start < d) {
    Status s = meter->Tick();
    if (!s.ok()) return s;
  }
  return Status::OK();
}

TEST_CASE("work meter: asked at its first clock read, then at most once per interval", "[cancel]") {
  CountingCancel cancel;
  WorkMeter meter(&cancel);
  const auto start = Clock::now();
  // The clock is read every 256 units; the first read asks.
  for (int i = 0; i < 255; ++i) REQUIRE(meter.Tick().ok());
  CHECK(cancel.asked == 0);
  REQUIRE(meter.Tick().ok());
  CHECK(cancel.asked == 1);
  // Asked again while the work goes on, never twice in one interval.
  while (cancel.asked < 3 && Clock::now() - start < std::chrono::seconds(5)) {
    if (!meter.Tick().ok()) FAIL("a Cancellation that says go on stopped the work");
  }
  CHECK(cancel.asked == 3);
  CHECK(Clock::now() - start >= 2 * kCancelCheckInterval);
}

TEST_CASE("work meter: a refusal stops the work with its Status; no Cancellation never stops", "[cancel]") {
  CountingCancel cancel;
  cancel.stop = true;
  WorkMeter meter(&cancel);
  const auto start = Clock::now();
  const Status s = TickFor(&meter, start, 20 * kCancelCheckInterval);
  CHECK(s.IsIOError());
  CHECK(s.message() == "stopped");
  CHECK(cancel.asked == 1);
  CHECK(Clock::now() - start < 10 * kCancelCheckInterval);  // stopped at the first ask, not at the end

  WorkMeter none;
  CHECK(TickFor(&none, Clock::now(), 2 * kCancelCheckInterval).ok());
}

}  // namespace
}  // namespace liqdb
