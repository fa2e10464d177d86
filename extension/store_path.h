// Where a liqdb table's store lives on disk, and opening it.
//
// A `store=` path that is relative is taken relative to the folder of the
// database file that declares the table (sqlite3_db_filename of its schema);
// for ':memory:' and temporary databases, relative to the working directory.
// The folder and its parents are created on first use.
//
// Thread-safety: stateless; Store::Open shares one handle per folder per process.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "extension/sqlite_api.h"
#include "liqdb/status.h"
#include "liqdb/store.h"

namespace liqdb::ext {

// The absolute, normalised folder for `store` as declared in schema `schema` of `db`.
Result<std::string> ResolveStorePath(sqlite3* db, const char* schema, std::string_view store);

// Creates the folder if missing (unless read-only) and opens the shared Store.
Result<std::shared_ptr<Store>> OpenStoreAt(const std::string& folder, bool read_only);

}  // namespace liqdb::ext
