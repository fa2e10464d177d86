// The interrupt probe of long table-valued function calls (see tvf_interrupt.h).
#include "extension/tvf_interrupt.h"

namespace liqdb::ext {

namespace {
// About a thousand opcodes with loop jumps, the places where SQLite checks
// the interrupt flag and counts steps for the progress handler: a progress
// handler set for every N opcodes is called about once per N/1000 probes,
// i.e. in proportion to the engine work between probes. Costs ~20 µs.
constexpr const char* kProbe =
    "WITH RECURSIVE liqdb_probe(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM liqdb_probe WHERE n < 100) "
    "SELECT count(*) FROM liqdb_probe";
}  // namespace

SqlInterrupt::~SqlInterrupt() {
  sqlite3_finalize(probe_);
}

void SqlInterrupt::Bind(sqlite3* db) {
  if (db != db_) {
    sqlite3_finalize(probe_);
    probe_ = nullptr;
    db_ = db;
  }
  interrupted_ = false;
  bound_at_ = std::chrono::steady_clock::now();
}

Status SqlInterrupt::Check() {
  if (db_ == nullptr) return Status::OK();
  if (std::chrono::steady_clock::now() - bound_at_ < kCancelCheckInterval) return Status::OK();
  int rc = SQLITE_OK;
  if (probe_ == nullptr) {
    // The parser itself stops on the interrupt flag.
    rc = sqlite3_prepare_v2(db_, kProbe, -1, &probe_, nullptr);
  }
  if (probe_ != nullptr) {
    while ((rc = sqlite3_step(probe_)) == SQLITE_ROW) {
    }
    sqlite3_reset(probe_);
  }
  if (rc == SQLITE_INTERRUPT) {
    interrupted_ = true;
    return Status::IOError("interrupted");
  }
  return Status::OK();
}

}  // namespace liqdb::ext
