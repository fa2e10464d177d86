// liq_map: the liquidation map at one moment — the levels in force at `at`,
// binned by price, with their cumulative curves — over a liqdb table of kind
// 'positions' (real positions) or 'market' (the OI-delta model).
//
//   SELECT * FROM liq_map('pos', '2024-03-01T12:00:00Z', 100);
//   SELECT price, cum_long, cum_short FROM liq_map('mkt', '2024-03-01', 50,
//       'BTCUSDT', 'binance', 10, 50);
//
// Arguments (hidden columns source, at, price_step, symbol, exchange,
// min_leverage, max_leverage, coin, max_age): source names a liqdb table of this connection;
// at is a time (integer µs or ISO-8601); price_step a number > 0;
// symbol/exchange NULL or omitted = all; min/max_leverage inclusive bounds,
// NULL or omitted = none. For a positions source a position with NULL
// leverage fails a bound; for a market source the bounds keep the default
// profile's tiers within them (default lookback '7d', long_share 0.5, mmr
// 0.005), and `max_age` (a market source only; default none) drops levels
// opened max_age or more before `at`. One row per non-empty bin in ascending price: `cum_long` at p is
// the long notional in bins at or above p (what a fall to p would
// liquidate), `cum_short` the short notional in bins at or below p.
// The meaning is docs/sql.md's "Liquidation map"; the kernel is LiqMap
// (heatmap.h), which answers the map as a whole; xNext walks its bins.
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/series_args.h"
#include "extension/sql_args.h"
#include "extension/table_registry.h"
#include "extension/tvf_args.h"
#include "extension/tvf_module.h"

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
enum : int {
  kArgSource = 0,
  kArgAt,
  kArgStep,
  kArgSymbol,
  kArgExchange,
  kArgMinLeverage,
  kArgMaxLeverage,
  kArgCoin,
  kArgMaxAge
};

constexpr TvfColumn kColumns[] = {{"price", "REAL"},
                                  {"long_notional", "REAL"},
                                  {"short_notional", "REAL"},
                                  {"cum_long", "REAL"},
                                  {"cum_short", "REAL"}};
static_assert(std::size(kColumns) == kFirstHidden, "kColumns and the column-index enum disagree");

const TvfSignature kSignature{
    kName,
    {std::begin(kColumns), std::end(kColumns)},
    {"source", "at", "price_step", "symbol", "exchange", "min_leverage", "max_leverage", "coin", "max_age"},
    3,
    kPrice};

struct MapCursor : TvfCursor {
  std::vector<LiqMapRow> rows;
  size_t pos = 0;
};

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
  spec.cancel = &cur->interrupt;
  LIQDB_ASSIGN_OR_RETURN(spec.at, ReadTimeArgument(cur->args.Get(kArgAt), "at"));
  LIQDB_ASSIGN_OR_RETURN(auto step, ReadNumber(cur->args.Get(kArgStep), "price_step", false));
  spec.price_step = *step;
  if (!(spec.price_step > 0)) {
    return Status::InvalidArgument("price_step must be > 0, got " + DescribeValue(cur->args.Get(kArgStep)));
  }
  LIQDB_ASSIGN_OR_RETURN(
      SeriesArgs series,
      ReadSeriesArgs(cur->args.Get(kArgSymbol), cur->args.Get(kArgExchange), cur->args.Get(kArgCoin)));
  if (cur->args.Has(kArgMinLeverage)) {
    LIQDB_ASSIGN_OR_RETURN(spec.min_leverage,
                           ReadNumber(cur->args.Get(kArgMinLeverage), "min_leverage", false));
  }
  if (cur->args.Has(kArgMaxLeverage)) {
    LIQDB_ASSIGN_OR_RETURN(spec.max_leverage,
                           ReadNumber(cur->args.Get(kArgMaxLeverage), "max_leverage", false));
  }
  if (cur->args.Has(kArgMaxAge)) {
    LIQDB_ASSIGN_OR_RETURN(spec.model.max_age, ReadInterval(cur->args.Get(kArgMaxAge), "max_age"));
  }
  LIQDB_RETURN_IF_ERROR(ValidateLiqMapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupPositionsOrMarket(db, *source));
  if (spec.model.max_age && table->kind != Kind::kMarket) {
    return Status::InvalidArgument(std::string(kName) +
                                   ": max_age ages the model's levels, so it needs a "
                                   "'market' table; '" +
                                   *source +
                                   "' is a positions table, whose rows "
                                   "say themselves when a position closes");
  }
  LIQDB_RETURN_IF_ERROR(CheckSeriesArgs(*table->store, table->kind, *source, &series));
  LIQDB_RETURN_IF_ERROR(RequireOneCoin(*table->store, table->kind, series));
  spec.symbols = SymbolsForSpec(*table->store, table->kind, series);
  spec.exchanges = series.exchanges();
  LIQDB_ASSIGN_OR_RETURN(cur->rows, LiqMap(*table->store, table->kind, spec));
  return Status::OK();
}

void ResultColumn(const MapCursor* cur, sqlite3_context* ctx, int i) {
  const LiqMapRow& row = cur->rows[cur->pos];
  switch (i) {
    case kPrice: sqlite3_result_double(ctx, row.price); break;
    case kLongNotional: sqlite3_result_double(ctx, row.long_notional); break;
    case kShortNotional: sqlite3_result_double(ctx, row.short_notional); break;
    case kCumLong: sqlite3_result_double(ctx, row.cum_long); break;
    case kCumShort: sqlite3_result_double(ctx, row.cum_short); break;
    default: sqlite3_result_null(ctx);
  }
}

struct Traits {
  using Cursor = MapCursor;
  static constexpr const char* kName = ::liqdb::ext::kName;
  static const TvfSignature& Signature() { return kSignature; }
  static void Reset(Cursor* cur) {
    cur->rows.clear();
    cur->pos = 0;
  }
  static Status Start(sqlite3* db, Cursor* cur, int idx_num, int argc, sqlite3_value** argv) {
    return ::liqdb::ext::Start(db, cur, idx_num, argc, argv);
  }
  static Status Advance(Cursor* cur) {
    ++cur->pos;
    return Status::OK();
  }
  static bool AtEnd(const Cursor& cur) { return cur.pos >= cur.rows.size(); }
  static void Result(const Cursor& cur, sqlite3_context* ctx, int i) { ResultColumn(&cur, ctx, i); }
};

const sqlite3_module kModule = TvfModule<Traits>::Make();

}  // namespace

int RegisterLiqMap(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
