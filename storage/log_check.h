// Reads RocksDB log files (write-ahead logs `NNNNNN.log` and `MANIFEST-NNNNNN`)
// record by record, independently of RocksDB, to say exactly where one is
// damaged and what a recovery that stops there would drop.
//
// RocksDB's default recovery (point in time) stops replaying a WAL at the first
// bad record without an error: acknowledged rows vanish silently. liqdb opens
// stores in a stricter mode that fails instead, and uses this reader to turn
// that failure into a message naming the file and byte offset, and to list the
// liqdb chunks in the records that `liqdb recover` gives up. The record format
// (32 KiB blocks of checksummed fragments) is documented in docs/format.md.
//
// Thread-safety: stateless functions over files that nobody else writes, or
// that a writer only appends to (an incomplete last record is a torn tail).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "liqdb/status.h"

namespace liqdb::storage {

struct LogDamage {
  bool damaged = false;
  uint64_t offset = 0;  // byte offset of the first bad fragment
  std::string reason;   // "checksum mismatch", "bad record length", …
};

struct LogScan {
  std::string file;                // path of the log file
  uint64_t size = 0;               // bytes in the file
  uint64_t records = 0;            // whole logical records read before any damage
  bool torn_tail = false;          // ends in an incomplete record (a crash while writing)
  LogDamage damage;                // the first bad fragment, if any
  std::vector<std::string> after;  // logical records that follow the damage and are intact
};

// Reads `path` to the end. `on_record` sees every intact logical record before
// the damage (may be empty). IOError if the file cannot be read.
Result<LogScan> ScanLogFile(const std::string& path,
                            const std::function<void(std::string_view)>& on_record = nullptr);

// The write-ahead logs (`*.log`) of the RocksDB folder `dir`, oldest first.
std::vector<std::string> WalFiles(const std::string& dir);
// The manifest named by the folder's CURRENT file ("" if there is none).
std::string CurrentManifest(const std::string& dir);

}  // namespace liqdb::storage
