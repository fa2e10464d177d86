// liq_histogram: forced closures bucketed by time, one row for every bucket
// in range (zero-filled), over a liqdb table of kind 'liquidations'.
//
//   SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h');
//   SELECT bucket, long_notional, short_notional
//     FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '5m', 'BTCUSDT', 'binance');
//   CREATE VIEW hourly AS
//     SELECT * FROM liq_histogram WHERE source = 'liq' AND "from" = '2024-03-01'
//       AND "to" = '2024-03-08' AND interval = '1h';
//
//   SELECT * FROM liq_histogram('liq', '2024-03-01', '2024-03-02', '1h') WHERE coin = 'BTC';
//
// Arguments (hidden columns source, "from", "to", interval, symbol,
// exchange, coin): source names a liqdb table of this connection; from/to are
// times ([from, to), integer µs or ISO-8601); interval is µs or '5m'-style;
// symbol/exchange/coin NULL or omitted = all, checked against the table
// (series_args.h). Quantities are in coin units, NULL when the selected
// series hold several coins (BTC plus SOL adds nothing up); notionals always
// add. Buckets are aligned to multiples of the interval since the epoch;
// `bucket` is the bucket's start in µs.
// Rows stream from LiqHistogramCursor one per xNext.
#include <iterator>
#include <memory>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/series_args.h"
#include "extension/sql_args.h"
#include "extension/table_registry.h"
#include "extension/tvf_args.h"
#include "extension/tvf_module.h"

#include "liqdb/query.h"
#include "liqdb/timeparse.h"

namespace liqdb::ext {

namespace {

constexpr const char* kName = "liq_histogram";

// Column indexes.
enum : int {
  kBucket = 0,
  kLongCount,
  kLongQty,
  kLongNotional,
  kShortCount,
  kShortQty,
  kShortNotional,
  kFirstHidden,  // the arguments follow
};
// Argument indexes (hidden column = kFirstHidden + argument).
enum : int { kArgSource = 0, kArgFrom, kArgTo, kArgInterval, kArgSymbol, kArgExchange, kArgCoin };

constexpr TvfColumn kColumns[] = {{"bucket", "INTEGER"},      {"long_count", "INTEGER"},
                                  {"long_qty", "REAL"},       {"long_notional", "REAL"},
                                  {"short_count", "INTEGER"}, {"short_qty", "REAL"},
                                  {"short_notional", "REAL"}};
static_assert(std::size(kColumns) == kFirstHidden, "kColumns and the column-index enum disagree");

const TvfSignature kSignature{kName,
                              {std::begin(kColumns), std::end(kColumns)},
                              {"source", "from", "to", "interval", "symbol", "exchange", "coin"},
                              4,
                              kBucket};

struct HistogramCursor : TvfCursor {
  std::shared_ptr<Store> store;  // outlives `cursor`
  std::unique_ptr<LiqHistogramCursor> cursor;
  LiqHistogramRow row;
  bool eof = true;
  bool qty_null = false;  // the selection spans several coins: adding their quantities means nothing
};

Status Fetch(HistogramCursor* cur) {
  auto more = cur->cursor->Next(&cur->row);
  if (!more.ok()) return more.status();
  cur->eof = !*more;
  return Status::OK();
}

Status Start(sqlite3* db, HistogramCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  LiqHistogramSpec spec;
  spec.cancel = &cur->interrupt;
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTimeArgument(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTimeArgument(cur->args.Get(kArgTo), "to"));
  LIQDB_ASSIGN_OR_RETURN(spec.interval, ReadInterval(cur->args.Get(kArgInterval), "interval"));
  LIQDB_ASSIGN_OR_RETURN(
      SeriesArgs series,
      ReadSeriesArgs(cur->args.Get(kArgSymbol), cur->args.Get(kArgExchange), cur->args.Get(kArgCoin)));
  LIQDB_RETURN_IF_ERROR(ValidateLiqHistogramSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kLiquidations, kName));
  cur->store = table->store;
  LIQDB_RETURN_IF_ERROR(CheckSeriesArgs(*cur->store, Kind::kLiquidations, *source, &series));
  spec.symbols = series.symbols();
  spec.exchanges = series.exchanges();
  spec.coins = series.coins();
  cur->qty_null = SelectedCoins(*cur->store, Kind::kLiquidations, series).size() > 1;
  LIQDB_ASSIGN_OR_RETURN(cur->cursor, LiqHistogramCursor::Open(*cur->store, spec));
  return Fetch(cur);
}

void ResultColumn(const HistogramCursor* cur, sqlite3_context* ctx, int i) {
  const auto& longs = cur->row.sides[static_cast<int>(Side::kLong)];
  const auto& shorts = cur->row.sides[static_cast<int>(Side::kShort)];
  switch (i) {
    case kBucket: sqlite3_result_int64(ctx, cur->row.bucket); break;
    case kLongCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(longs.count)); break;
    case kLongQty:
      if (cur->qty_null) {
        sqlite3_result_null(ctx);
      } else {
        sqlite3_result_double(ctx, longs.qty);
      }
      break;
    case kLongNotional: sqlite3_result_double(ctx, longs.notional); break;
    case kShortCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(shorts.count)); break;
    case kShortQty:
      if (cur->qty_null) {
        sqlite3_result_null(ctx);
      } else {
        sqlite3_result_double(ctx, shorts.qty);
      }
      break;
    case kShortNotional: sqlite3_result_double(ctx, shorts.notional); break;
    default: sqlite3_result_null(ctx);
  }
}

struct Traits {
  using Cursor = HistogramCursor;
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

int RegisterLiqHistogram(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
