// The entry point of liqdb.so, the SQLite loadable extension.
//
//   sqlite3 CLI:  .load ./build/liqdb
//   Python:       con.enable_load_extension(True); con.load_extension("./build/liqdb")
//
// Registers on the connection: the `liqdb` virtual-table module
// (liqdb_vtab.cc), the table-valued functions (liq_histogram,
// liq_price_histogram, liq_heatmap, liq_heatmap_model, liq_map,
// liq_cascades, liq_breakdown, liq_gaps) and the scalars (liq_price, liq_time,
// liq_iso, liqdb_version). The
// library stays loaded for the life of the process
// (SQLITE_OK_LOAD_PERMANENTLY): open RocksDB handles are process-wide and
// shared by every connection (store.h).
#include <exception>
#include <new>

#include "extension/modules.h"

SQLITE_EXTENSION_INIT1

namespace {
// sqlite3_vtab_in and friends (IN pushdown) arrived in SQLite 3.38.
constexpr int kMinSqliteVersion = 3038000;
}  // namespace

extern "C" int sqlite3_liqdb_init(sqlite3* db, char** err, const sqlite3_api_routines* api) {
  SQLITE_EXTENSION_INIT2(api);
  if (sqlite3_libversion_number() < kMinSqliteVersion) {
    *err = sqlite3_mprintf("liqdb needs SQLite 3.38 or newer, this is %s", sqlite3_libversion());
    return SQLITE_ERROR;
  }
  try {
    int rc = liqdb::ext::RegisterLiqdbModule(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqHistogram(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqPriceHistogram(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterScalars(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqHeatmap(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqHeatmapModel(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqMap(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqCascades(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqBreakdown(db);
    if (rc == SQLITE_OK) rc = liqdb::ext::RegisterLiqGaps(db);
    if (rc != SQLITE_OK) {
      *err = sqlite3_mprintf("liqdb: cannot register: %s", sqlite3_errmsg(db));
      return rc;
    }
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    *err = sqlite3_mprintf("liqdb: %s", e.what());
    return SQLITE_ERROR;
  }
  return SQLITE_OK_LOAD_PERMANENTLY;
}
