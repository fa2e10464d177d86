// Where a liqdb table's store lives on disk, and opening it.
//
// A `store=` path that is relative is taken relative to the folder of the
// database file that declares the table (sqlite3_db_filename of its schema);
// for ':memory:' and temporary databases, relative to the working directory.
//
// Reading never creates, locks or writes anything in a store folder: a read
// uses the process's writer handle when it has one, else a RocksDB secondary
// (store.h). Only CREATE VIRTUAL TABLE creates a store, and only an INSERT
// opens one for writing (see "Untrusted files" in the README).
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

// The store for reads: "no liqdb store at '…'" when the folder holds none.
Result<std::shared_ptr<Store>> OpenStoreForReading(const std::string& folder);
// The store for writes: fails with one sentence naming the other writer's pid
// when another process writes it. Never creates it.
Result<std::shared_ptr<Store>> OpenStoreForWriting(const std::string& folder);
// Creates an empty store in `folder` (and the folder) unless one is there.
Status CreateStoreIfMissing(const std::string& folder);

}  // namespace liqdb::ext
