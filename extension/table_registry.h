// The liqdb virtual tables open in each SQLite connection, so that the
// table-valued functions can resolve their `source` argument ('liq') to a
// store and a kind.
//
// The liqdb module registers a table in xCreate/xConnect and removes it in
// xDisconnect/xDestroy. A declared table that this connection has not used yet
// is not connected; LookupSource then prepares a trivial SELECT on it, which
// makes SQLite connect it, and looks again.
//
// Thread-safety: the registry is process-wide and guarded by a mutex; the
// entries of one connection are only used by that connection's thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "extension/sqlite_api.h"

#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb::ext {

// What a table-valued function needs to know about a liqdb table.
struct TableInfo {
  Kind kind = Kind::kLiquidations;
  std::string folder;            // absolute store folder
  std::shared_ptr<Store> store;  // set in what LookupSource returns: the store to read

  // Opens the store for reading (store_path.h), keeping the handle for the
  // next statement so a reader is not reopened every time.
  Result<std::shared_ptr<Store>> Reader() const;

 private:
  mutable std::mutex mu_;
  mutable std::shared_ptr<Store> reader_;
};

void RegisterTable(sqlite3* db, std::string_view schema, std::string_view name,
                   std::shared_ptr<const TableInfo> info);
// Removes the entry if it still points at `info`.
void UnregisterTable(sqlite3* db, std::string_view schema, std::string_view name, const TableInfo* info);

// Resolves `source` ('liq' or 'main.liq') of connection `db` to a liqdb table
// of kind `want` (any kind when nullopt: liq_gaps reads the table's store, not
// its series), with its store open for reading. `function` names the caller
// in error messages.
Result<std::shared_ptr<const TableInfo>> LookupSource(sqlite3* db, std::string_view source,
                                                      std::optional<Kind> want, std::string_view function);

}  // namespace liqdb::ext
