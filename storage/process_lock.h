// Who holds a store's write lock, for error messages a person can act on.
//
// RocksDB takes an fcntl write lock on the store's LOCK file for as long as a
// writer has it open. A second writer only learns "Resource temporarily
// unavailable"; F_GETLK on the same file tells which process holds it.
//
// Thread-safety: stateless.
#pragma once

#include <optional>
#include <string>

namespace liqdb::storage {

// The pid of the process holding `dir`/LOCK, if another process holds it.
std::optional<long> LockHolderPid(const std::string& dir);

// "store 'D' is being written by another process (pid N); …" — one sentence.
std::string WriterBusyMessage(const std::string& dir);

}  // namespace liqdb::storage
