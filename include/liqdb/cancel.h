// Stopping long engine work from outside, and the meter that decides when to
// ask.
//
// A query kernel may run for seconds before it can hand out a row (a price
// histogram adds up every row before its first bin; a heatmap replays
// history up to `from`). Its caller may want to stop it meanwhile: the SQLite
// extension must honour sqlite3_interrupt and the progress handler, which
// SQLite itself only checks between its own opcodes, never inside one
// xFilter/xNext call. So long loops tick a WorkMeter per unit of work (a row,
// a bucket, a chunk); the meter reads the clock every few hundred units and,
// every kCancelCheckInterval of wall time, asks the caller's Cancellation
// whether to go on. A non-OK answer stops the work and is returned as is.
//
// Thread-safety: a meter and its Cancellation belong to one cursor, used by
// one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>

#include "liqdb/status.h"

namespace liqdb {

// Asked now and then by long work whether to continue.
class Cancellation {
 public:
  virtual ~Cancellation() = default;
  // OK to continue; anything else stops the work with that Status.
  virtual Status Check() = 0;
};

// How often a meter asks: often enough that a stop lands well within 0.2 s,
// rarely enough that asking costs nothing measurable.
constexpr std::chrono::milliseconds kCancelCheckInterval{5};

class WorkMeter {
 public:
  // `cancel` may be null: then the meter never stops anything.
  explicit WorkMeter(Cancellation* cancel = nullptr) : cancel_(cancel) {}

  // Counts `units` of work; every so often asks the Cancellation.
  Status Tick(uint64_t units = 1) {
    if (cancel_ == nullptr) return Status::OK();
    pending_ += units;
    if (pending_ < kUnitsPerClockRead) return Status::OK();
    pending_ = 0;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_check_) return Status::OK();
    next_check_ = now + kCancelCheckInterval;
    return cancel_->Check();
  }

 private:
  // A unit is at most a few µs (one row, one bucket), so reading the clock
  // every 256 keeps checks within about a millisecond of being due.
  static constexpr uint64_t kUnitsPerClockRead = 256;
  Cancellation* cancel_;
  uint64_t pending_ = 0;
  std::chrono::steady_clock::time_point next_check_{};
};

}  // namespace liqdb
