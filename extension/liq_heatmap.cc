// liq_heatmap: the snapshot liquidation heatmap over a liqdb table of kind
// 'positions' — for each time bucket, the notional that would be force-closed
// at each price bin by the positions in force at the bucket's end.
//
//   SELECT * FROM liq_heatmap('pos', '2024-03-01', '2024-03-02', '5m', 50);
//   SELECT bucket, price, long_notional FROM liq_heatmap('pos', '2024-03-01',
//       '2024-03-02', '1h', 100, 'BTCUSDT', 'binance', 10, 50);
//   CREATE VIEW btc_heat AS
//     SELECT * FROM liq_heatmap('pos', '2024-03-01', '2024-03-02', '5m', 50);
//
// Arguments (hidden columns source, "from", "to", interval, price_step,
// symbol, exchange, min_leverage, max_leverage): source names a liqdb table
// of this connection; from/to are times ([from, to), integer µs or
// ISO-8601); interval is µs or '5m'-style; price_step a number > 0;
// symbol/exchange NULL or omitted = all; min/max_leverage inclusive bounds,
// NULL or omitted = none (a position with NULL leverage fails a bound).
// Output: the non-empty cells in (bucket, price) order; `price` is the bin's
// lower edge. The meaning is docs/sql.md's "Snapshot heatmap"; the kernel is
// OpenSnapshotHeatmap (heatmap.h), seeded from the store's keyframes. Cells
// stream from its HeatmapCursor one per xNext.
#include <iterator>
#include <memory>

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

constexpr const char* kName = "liq_heatmap";

// Column indexes.
enum : int {
  kBucket = 0,
  kPrice,
  kLongNotional,
  kShortNotional,
  kPositions,
  kFirstHidden,  // the arguments follow
};
// Argument indexes (hidden column = kFirstHidden + argument).
enum : int {
  kArgSource = 0,
  kArgFrom,
  kArgTo,
  kArgInterval,
  kArgStep,
  kArgSymbol,
  kArgExchange,
  kArgMinLeverage,
  kArgMaxLeverage,
  kArgCoin,
};

constexpr TvfColumn kColumns[] = {{"bucket", "INTEGER"},
                                  {"price", "REAL"},
                                  {"long_notional", "REAL"},
                                  {"short_notional", "REAL"},
                                  {"positions", "INTEGER"}};
static_assert(std::size(kColumns) == kFirstHidden, "kColumns and the column-index enum disagree");

const TvfSignature kSignature{kName,
                              {std::begin(kColumns), std::end(kColumns)},
                              {"source", "from", "to", "interval", "price_step", "symbol", "exchange",
                               "min_leverage", "max_leverage", "coin"},
                              5,
                              kBucket};

struct HeatCursor : TvfCursor {
  std::shared_ptr<Store> store;  // outlives `cursor`
  std::unique_ptr<HeatmapCursor> cursor;
  HeatmapCell cell;
  bool eof = true;
};

Status Fetch(HeatCursor* cur) {
  auto more = cur->cursor->Next(&cur->cell);
  if (!more.ok()) return more.status();
  cur->eof = !*more;
  return Status::OK();
}

Status Start(sqlite3* db, HeatCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  SnapshotHeatmapSpec spec;
  spec.cancel = &cur->interrupt;
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTimeArgument(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTimeArgument(cur->args.Get(kArgTo), "to"));
  LIQDB_ASSIGN_OR_RETURN(spec.interval, ReadInterval(cur->args.Get(kArgInterval), "interval"));
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
  LIQDB_RETURN_IF_ERROR(ValidateSnapshotHeatmapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kPositions, kName));
  cur->store = table->store;
  LIQDB_RETURN_IF_ERROR(CheckSeriesArgs(*cur->store, Kind::kPositions, *source, &series));
  LIQDB_RETURN_IF_ERROR(RequireOneCoin(*cur->store, Kind::kPositions, series));
  spec.symbols = SymbolsForSpec(*cur->store, Kind::kPositions, series);
  spec.exchanges = series.exchanges();
  LIQDB_ASSIGN_OR_RETURN(cur->cursor, OpenSnapshotHeatmap(*cur->store, spec));
  return Fetch(cur);
}

void ResultColumn(const HeatCursor* cur, sqlite3_context* ctx, int i) {
  const HeatmapCell& c = cur->cell;
  switch (i) {
    case kBucket: sqlite3_result_int64(ctx, c.bucket); break;
    case kPrice: sqlite3_result_double(ctx, c.price); break;
    case kLongNotional: sqlite3_result_double(ctx, c.long_notional); break;
    case kShortNotional: sqlite3_result_double(ctx, c.short_notional); break;
    case kPositions: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c.positions)); break;
    default: sqlite3_result_null(ctx);
  }
}

struct Traits {
  using Cursor = HeatCursor;
  static constexpr const char* kName = ::liqdb::ext::kName;
  static const TvfSignature& Signature() { return kSignature; }
  static void Reset(Cursor* cur) {
    cur->cursor.reset();
    cur->store.reset();
    cur->eof = true;
  }
  static Status Start(sqlite3* db, Cursor* cur, int idx_num, int argc, sqlite3_value** argv) {
    return ::liqdb::ext::Start(db, cur, idx_num, argc, argv);
  }
  static Status Advance(Cursor* cur) { return Fetch(cur); }
  static bool AtEnd(const Cursor& cur) { return cur.eof; }
  static void Result(const Cursor& cur, sqlite3_context* ctx, int i) { ResultColumn(&cur, ctx, i); }
};

const sqlite3_module kModule = TvfModule<Traits>::Make();

}  // namespace

int RegisterLiqHeatmap(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
