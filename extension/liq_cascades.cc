// liq_cascades: liquidation cascades — bursts of forced closures grouped by
// the time gap between consecutive events — over a liqdb table of kind
// 'liquidations'.
//
//   SELECT * FROM liq_cascades('liq', '2024-03-01', '2024-03-08', '30s', 1e6);
//   SELECT first_ts, events, long_notional FROM liq_cascades('liq',
//       '2024-03-01', '2024-03-02', 5000000, 250000, 'BTCUSDT', 'binance');
//
// Arguments (hidden columns source, "from", "to", max_gap, min_notional,
// symbol, exchange): source names a liqdb table of this connection; from/to
// are times ([from, to), integer µs or ISO-8601); max_gap a duration >= 0 (µs
// or '30s'-style; a gap equal to max_gap joins the group); min_notional a
// number >= 0 (a group is kept when its long + short notional reaches it);
// symbol/exchange/coin NULL or omitted = all (coin: every venue's series of
// that coin, merged in time order). One row per cascade in time order.
// The meaning is docs/sql.md's "Cascades"; the kernel is OpenCascades
// (heatmap.h). Cascades stream from its CascadeCursor one per xNext.
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

constexpr const char* kName = "liq_cascades";

// Column indexes.
enum : int {
  kFirstTs = 0,
  kLastTs,
  kEvents,
  kLongNotional,
  kShortNotional,
  kFirstPrice,
  kLastPrice,
  kFirstHidden,  // the arguments follow
};
// Argument indexes (hidden column = kFirstHidden + argument).
enum : int {
  kArgSource = 0,
  kArgFrom,
  kArgTo,
  kArgMaxGap,
  kArgMinNotional,
  kArgSymbol,
  kArgExchange,
  kArgCoin
};

constexpr TvfColumn kColumns[] = {
    {"first_ts", "INTEGER"},    {"last_ts", "INTEGER"},  {"events", "INTEGER"}, {"long_notional", "REAL"},
    {"short_notional", "REAL"}, {"first_price", "REAL"}, {"last_price", "REAL"}};
static_assert(std::size(kColumns) == kFirstHidden, "kColumns and the column-index enum disagree");

const TvfSignature kSignature{
    kName,
    {std::begin(kColumns), std::end(kColumns)},
    {"source", "from", "to", "max_gap", "min_notional", "symbol", "exchange", "coin"},
    5,
    kFirstTs};
struct CascadesCursor : TvfCursor {
  std::shared_ptr<Store> store;  // outlives `cursor`
  std::unique_ptr<CascadeCursor> cursor;
  CascadeRow cell;
  bool eof = true;
};

Status Fetch(CascadesCursor* cur) {
  auto more = cur->cursor->Next(&cur->cell);
  if (!more.ok()) return more.status();
  cur->eof = !*more;
  return Status::OK();
}

Status Start(sqlite3* db, CascadesCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  CascadeSpec spec;
  spec.cancel = &cur->interrupt;
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTimeArgument(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTimeArgument(cur->args.Get(kArgTo), "to"));
  LIQDB_ASSIGN_OR_RETURN(spec.max_gap, ReadDuration(cur->args.Get(kArgMaxGap), "max_gap"));
  LIQDB_ASSIGN_OR_RETURN(auto min_notional,
                         ReadNumber(cur->args.Get(kArgMinNotional), "min_notional", false));
  spec.min_notional = *min_notional;
  if (!(spec.min_notional >= 0)) {
    return Status::InvalidArgument("min_notional must be >= 0, got " +
                                   DescribeValue(cur->args.Get(kArgMinNotional)));
  }
  LIQDB_ASSIGN_OR_RETURN(
      SeriesArgs series,
      ReadSeriesArgs(cur->args.Get(kArgSymbol), cur->args.Get(kArgExchange), cur->args.Get(kArgCoin)));
  LIQDB_RETURN_IF_ERROR(ValidateCascadeSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kLiquidations, kName));
  cur->store = table->store;
  LIQDB_RETURN_IF_ERROR(CheckSeriesArgs(*cur->store, Kind::kLiquidations, *source, &series));
  spec.symbols = SymbolsForSpec(*cur->store, Kind::kLiquidations, series);
  spec.exchanges = series.exchanges();
  spec.coins = series.coins();
  LIQDB_ASSIGN_OR_RETURN(cur->cursor, OpenCascades(*cur->store, spec));
  return Fetch(cur);
}

void ResultColumn(const CascadesCursor* cur, sqlite3_context* ctx, int i) {
  const CascadeRow& c = cur->cell;
  switch (i) {
    case kFirstTs: sqlite3_result_int64(ctx, c.first_ts); break;
    case kLastTs: sqlite3_result_int64(ctx, c.last_ts); break;
    case kEvents: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c.events)); break;
    case kLongNotional: sqlite3_result_double(ctx, c.long_notional); break;
    case kShortNotional: sqlite3_result_double(ctx, c.short_notional); break;
    case kFirstPrice: sqlite3_result_double(ctx, c.first_price); break;
    case kLastPrice: sqlite3_result_double(ctx, c.last_price); break;
    default: sqlite3_result_null(ctx);
  }
}

struct Traits {
  using Cursor = CascadesCursor;
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

int RegisterLiqCascades(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
