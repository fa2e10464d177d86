// The crash harness: starts liqdb writers of every kind, kills each with
// SIGKILL at a random moment, and checks the store it leaves behind.
//
// Writer kinds and what "acknowledged" means for each:
//   api          liqdb_crash_writer api: Store::AppendAll (sync) per group,
//                over two series, with seals and compactions in between. A
//                group is acknowledged once the writer printed "ack G".
//   sql          liqdb_crash_writer sql: BEGIN; INSERT × 6; COMMIT through
//                sqlite3 with liqdb.so. Acknowledged: COMMIT returned
//                SQLITE_OK ("ack G"); "rollback G" groups must never appear.
//   ingest-file  `liqdb ingest --store S FILE`. Acknowledged: exit status 0;
//                after a kill a re-run must complete the file, every row once.
//   ingest-stdin `liqdb ingest --store S -` fed group by group. What is
//                stored after a kill must be a prefix of what was fed (whole
//                groups, in order, once); feeding it all again to a new run
//                that exits 0 completes it.
//   seal/compact `liqdb seal` / `liqdb compact` on a copy of a store with
//                staged and overlapping chunks. Acknowledged: every row was;
//                after a kill the rows are exactly the same multiset, and a
//                re-run completes (no staged chunks; no overlapping chunks).
//
// After every kill: the store opens, Store::Verify passes (and `liqdb verify`
// at every fourth check), every acknowledged row is present exactly once, every
// group is whole or absent, and nothing that was never written is there.
//
// Not thread-safe; runs child processes (fork/exec) and waits for them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/crash/crash_rows.h"

namespace liqdb::crash {

struct CrashOptions {
  std::string work_dir;     // scratch folder (created; its content is replaced)
  std::string writer_path;  // liqdb_crash_writer
  std::string cli_path;     // liqdb
  uint64_t seed = 1;
  int kills = 24;  // spread round-robin over `kinds`
  std::vector<std::string> kinds = {"api", "sql", "ingest-file", "ingest-stdin", "seal", "compact"};
  std::function<void(const std::string&)> log;  // one line per kill; may be empty
};

struct KindTally {
  int kills = 0;
  int mid_run = 0;   // the process was still running when killed
  int survived = 0;  // every check passed afterwards
  uint64_t rows_checked = 0;
  uint64_t groups_acked = 0;  // acknowledged groups found whole (summed over checks)
};

struct CrashReport {
  std::map<std::string, KindTally> kinds;
  std::vector<std::string> failures;  // one line each: kind, kill number, what
  double seconds = 0;
};

CrashReport RunCrashHarness(const CrashOptions& options);

// ---- the check run after every kill (public so that it is tested itself) ----

// What may be in the store, per group.
enum GroupState : uint8_t {
  kNever = 0,   // never written: must be absent
  kAcked = 1,   // acknowledged: must be there, whole, once
  kMaybe = 2,   // in flight when killed: whole or absent
  kAbsent = 3,  // rolled back: must be absent
};

struct Expect {
  Layout layout = Layout::kSplit;
  std::vector<uint8_t> state;  // by group
  void Set(int64_t g, GroupState s) {
    if (g >= static_cast<int64_t>(state.size())) state.resize(static_cast<size_t>(g) + 1, kNever);
    state[static_cast<size_t>(g)] = s;
  }
  GroupState Get(int64_t g) const {
    return g >= 0 && g < static_cast<int64_t>(state.size()) ? static_cast<GroupState>(state[g]) : kNever;
  }
};

struct CheckResult {
  std::string failure;           // empty: all good
  std::vector<int64_t> present;  // groups found (whole), ascending
  uint64_t rows = 0;             // rows read back
  uint64_t acked = 0;            // acknowledged groups found whole
  uint64_t staged_chunks = 0;
  uint64_t chunks = 0;
  bool overlapping = false;  // two chunks of one series overlap in time
  bool missing_store = false;
};

// Opens the store at `path` (read-write, never creating it), runs
// Store::Verify, reads every row back and checks it against `e`: each row is
// one that was written, with its values and series; no row twice; every group
// whole or absent; acknowledged groups there; never-written and rolled-back
// groups absent. Closes the store before returning.
CheckResult CheckStore(const std::string& path, const Expect& e);

// The report as text lines (a table per kind plus the failures).
std::string FormatReport(const CrashReport& report);

}  // namespace liqdb::crash
