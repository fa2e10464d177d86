// SqlInterrupt: lets engine work inside one xFilter/xNext call notice
// sqlite3_interrupt() and the progress handler of its connection.
//
// SQLite checks both only between its own opcodes, and 3.40 has no
// sqlite3_is_interrupted(), so a call that works for seconds before it has a
// row (a price histogram summing every row before its first bin, a heatmap
// replaying history up to `from`) could not be stopped. The engine's long
// loops ask a Cancellation every few milliseconds (liqdb/cancel.h); this one
// answers by running a tiny probe statement on the same connection. The
// probe runs SQLite's own VM, so it fails with SQLITE_INTERRUPT exactly when
// the connection is interrupted (the flag stays set while the outer
// statement runs) or when the progress handler, called as the probe's
// opcodes add up, returns non-zero. The probe reads no table, so it takes no
// lock and cannot disturb the outer statement.
//
// Thread-safety: one cursor's, on its connection's thread.
#pragma once

#include <chrono>

#include "extension/sqlite_api.h"

#include "liqdb/cancel.h"
#include "liqdb/status.h"

namespace liqdb::ext {

class SqlInterrupt final : public Cancellation {
 public:
  SqlInterrupt() = default;
  SqlInterrupt(const SqlInterrupt&) = delete;
  SqlInterrupt& operator=(const SqlInterrupt&) = delete;
  ~SqlInterrupt() override;

  // Watches `db` from now on and forgets an earlier interrupt (each xFilter).
  void Bind(sqlite3* db);
  // OK, or a Status saying the statement was interrupted (and interrupted()
  // turns true). A probe that fails for another reason lets the work go on.
  // No probe in the first kCancelCheckInterval after Bind: it costs tens of
  // µs, a quarter of a short call, and SQLite checks between its own
  // opcodes anyway.
  Status Check() override;
  // Whether the last failure came from here: the caller then returns
  // SQLITE_INTERRUPT rather than SQLITE_ERROR.
  bool interrupted() const { return interrupted_; }

 private:
  sqlite3* db_ = nullptr;
  std::chrono::steady_clock::time_point bound_at_{};
  sqlite3_stmt* probe_ = nullptr;
  bool interrupted_ = false;
};

}  // namespace liqdb::ext
