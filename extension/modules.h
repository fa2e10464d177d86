// Registration of each SQL object the extension defines, one per file.
// sqlite3_liqdb_init (liqdb_extension.cc) calls them all on a connection.
#pragma once

#include "extension/sqlite_api.h"

namespace liqdb::ext {

int RegisterLiqdbModule(sqlite3* db);        // liqdb_vtab.cc: the `liqdb` module
int RegisterLiqHistogram(sqlite3* db);       // liq_histogram.cc
int RegisterLiqPriceHistogram(sqlite3* db);  // liq_price_histogram.cc
int RegisterScalars(sqlite3* db);            // scalars.cc: liq_price, liqdb_version
int RegisterLiqHeatmap(sqlite3* db);         // liq_heatmap.cc
int RegisterLiqHeatmapModel(sqlite3* db);    // liq_heatmap_model.cc
int RegisterLiqMap(sqlite3* db);             // liq_map.cc
int RegisterLiqCascades(sqlite3* db);        // liq_cascades.cc
int RegisterLiqBreakdown(sqlite3* db);       // liq_breakdown.cc
int RegisterLiqGaps(sqlite3* db);            // liq_gaps.cc

}  // namespace liqdb::ext
