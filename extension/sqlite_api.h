// The SQLite API as seen from inside the loadable extension.
//
// liqdb.so does not link libsqlite3: every sqlite3_* call goes through the
// routine table the host hands to sqlite3_liqdb_init (SQLITE_EXTENSION_INIT2).
// liqdb_extension.cc defines that table pointer (SQLITE_EXTENSION_INIT1);
// every other file of the extension includes this header, which declares it.
#pragma once

#include <sqlite3ext.h>

SQLITE_EXTENSION_INIT3
