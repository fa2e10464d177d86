// liq_map: the liquidation map at one moment — the levels in force at `at`,
// binned by price, with their cumulative curves — over a liqdb table of kind
// 'positions' (real positions) or 'market' (the OI-delta model).
//
//   SELECT * FROM liq_map('pos', '2024-03-01T12:00:00Z', 100);
//   SELECT price, cum_long, cum_short FROM liq_map('mkt', '2024-03-01', 50,
//       'BTCUSDT', 'binance', 10, 50);
//
// Arguments (hidden columns source, at, price_step, symbol, exchange,
// min_leverage, max_leverage): source names a liqdb table of this connection;
// at is a time (integer µs or ISO-8601); price_step a number > 0;
// symbol/exchange NULL or omitted = all; min/max_leverage inclusive bounds,
// NULL or omitted = none. For a positions source a position with NULL
// leverage fails a bound; for a market source the bounds keep the default
// profile's tiers within them (default lookback '7d', long_share 0.5, mmr
// 0.005). One row per non-empty bin in ascending price: `cum_long` at p is
// the long notional in bins at or above p (what a fall to p would
// liquidate), `cum_short` the short notional in bins at or below p.
// The meaning is DESIGN.md's "Liquidation map"; the kernel is LiqMap
// (heatmap.h), which answers the map as a whole; xNext walks its bins.
#include <memory>
#include <string>
#include <vector>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/sql_args.h"
#include "extension/table_registry.h"
#include "extension/tvf_args.h"

#include "liqdb/heatmap.h"
#include "liqdb/timeparse.h"

namespace liqdb::ext {

namespace {

constexpr const char* kName = "liq_map";

// Column indexes.
enum : int {
  kPrice = 0,
  kLongNotional,
  kShortNotional,
  kCumLong,
  kCumShort,
  kFirstHidden,  // the arguments follow
};
// Argument indexes (hidden column = kFirstHidden + argument).
enum : int { kArgSource = 0, kArgAt, kArgStep, kArgSymbol, kArgExchange, kArgMinLeverage, kArgMaxLeverage };

const TvfSignature kSignature{
    kName,
    kFirstHidden,
    {"source", "at", "price_step", "symbol", "exchange", "min_leverage", "max_leverage"},
    3,
    kPrice};

struct MapCursor : sqlite3_vtab_cursor {
  MapCursor() : sqlite3_vtab_cursor{} {}
  TvfArgs args;
  std::vector<LiqMapRow> rows;
  size_t pos = 0;
};

MapCursor* CursorOf(sqlite3_vtab_cursor* cur) {
  return static_cast<MapCursor*>(cur);
}

int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return TvfConnect(db, kName,
                    "CREATE TABLE x(price REAL, long_notional REAL, short_notional REAL, "
                    "cum_long REAL, cum_short REAL, source HIDDEN, at HIDDEN, price_step HIDDEN, "
                    "symbol HIDDEN, exchange HIDDEN, min_leverage HIDDEN, max_leverage HIDDEN)",
                    out, err);
}

// idxNum bit j: argument j (source, at, price_step, symbol, exchange,
// min_leverage, max_leverage) is present; present arguments reach xFilter in
// that order (tvf_args.h).
int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return GuardVtab(vtab, [&] { return TvfBestIndex(kSignature, info); });
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  return GuardVtab(vtab, [&] {
    *out = new MapCursor();
    return SQLITE_OK;
  });
}

int Close(sqlite3_vtab_cursor* cur) {
  delete CursorOf(cur);
  return SQLITE_OK;
}

// Resolves `source` to a positions or a market table.
Result<std::shared_ptr<const TableInfo>> LookupPositionsOrMarket(sqlite3* db, const std::string& source) {
  auto positions = LookupSource(db, source, Kind::kPositions, kName);
  if (positions.ok()) return positions;
  auto market = LookupSource(db, source, Kind::kMarket, kName);
  if (market.ok()) return market;
  // Both failed: the same reason (unknown source, not a liqdb table) or a
  // liquidations table; say that either kind would do.
  std::string message = positions.status().message();
  const std::string needs = "needs a 'positions' table";
  const size_t at = message.find(needs);
  if (at != std::string::npos) message.replace(at, needs.size(), "needs a 'positions' or a 'market' table");
  return Status::InvalidArgument(message);
}

Status Start(sqlite3* db, MapCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  LiqMapSpec spec;
  LIQDB_ASSIGN_OR_RETURN(spec.at, ReadTime(cur->args.Get(kArgAt), "at"));
  LIQDB_ASSIGN_OR_RETURN(auto step, ReadNumber(cur->args.Get(kArgStep), "price_step", false));
  spec.price_step = *step;
  if (!(spec.price_step > 0)) {
    return Status::InvalidArgument("price_step must be > 0, got " + DescribeValue(cur->args.Get(kArgStep)));
  }
  if (cur->args.Has(kArgSymbol)) {
    LIQDB_ASSIGN_OR_RETURN(auto symbol, ReadText(cur->args.Get(kArgSymbol), "symbol", false));
    spec.symbols.push_back(*symbol);
  }
  if (cur->args.Has(kArgExchange)) {
    LIQDB_ASSIGN_OR_RETURN(auto exchange, ReadText(cur->args.Get(kArgExchange), "exchange", false));
    spec.exchanges.push_back(*exchange);
  }
  if (cur->args.Has(kArgMinLeverage)) {
    LIQDB_ASSIGN_OR_RETURN(spec.min_leverage,
                           ReadNumber(cur->args.Get(kArgMinLeverage), "min_leverage", false));
  }
  if (cur->args.Has(kArgMaxLeverage)) {
    LIQDB_ASSIGN_OR_RETURN(spec.max_leverage,
                           ReadNumber(cur->args.Get(kArgMaxLeverage), "max_leverage", false));
  }
  LIQDB_RETURN_IF_ERROR(ValidateLiqMapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupPositionsOrMarket(db, *source));
  LIQDB_ASSIGN_OR_RETURN(cur->rows, LiqMap(*table->store, table->kind, spec));
  return Status::OK();
}

int Filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  MapCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    cur->rows.clear();
    cur->pos = 0;
    Status s = Start(static_cast<TvfTable*>(base->pVtab)->db, cur, idx_num, argc, argv);
    if (!s.ok()) {
      cur->rows.clear();
      const std::string& m = s.message();
      return VtabStatus(base->pVtab, m.rfind(kName, 0) == 0 ? s : s.WithContext(kName));
    }
    return SQLITE_OK;
  });
}

int Next(sqlite3_vtab_cursor* base) {
  ++CursorOf(base)->pos;
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* base) {
  const MapCursor* cur = CursorOf(base);
  return cur->pos >= cur->rows.size() ? 1 : 0;
}

int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  const MapCursor* cur = CursorOf(base);
  if (i >= kFirstHidden) {
    sqlite3_value* arg = cur->args.Get(i - kFirstHidden);
    if (arg != nullptr) {
      sqlite3_result_value(ctx, arg);
    } else {
      sqlite3_result_null(ctx);
    }
    return SQLITE_OK;
  }
  if (cur->pos >= cur->rows.size()) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  const LiqMapRow& row = cur->rows[cur->pos];
  switch (i) {
    case kPrice: sqlite3_result_double(ctx, row.price); break;
    case kLongNotional: sqlite3_result_double(ctx, row.long_notional); break;
    case kShortNotional: sqlite3_result_double(ctx, row.short_notional); break;
    case kCumLong: sqlite3_result_double(ctx, row.cum_long); break;
    case kCumShort: sqlite3_result_double(ctx, row.cum_short); break;
    default: sqlite3_result_null(ctx);
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = static_cast<sqlite3_int64>(CursorOf(base)->pos);
  return SQLITE_OK;
}

sqlite3_module MakeModule() {
  sqlite3_module m{};
  m.xCreate = nullptr;  // eponymous only: used as liq_map(...)
  m.xConnect = Connect;
  m.xBestIndex = BestIndex;
  m.xDisconnect = TvfDisconnect;
  m.xDestroy = TvfDisconnect;
  m.xOpen = Open;
  m.xClose = Close;
  m.xFilter = Filter;
  m.xNext = Next;
  m.xEof = Eof;
  m.xColumn = Column;
  m.xRowid = Rowid;
  return m;
}

const sqlite3_module kModule = MakeModule();

}  // namespace

int RegisterLiqMap(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
