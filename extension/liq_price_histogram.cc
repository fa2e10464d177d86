// liq_price_histogram: forced closures binned by price, over a liqdb table
// of kind 'liquidations' — where cascades once happened.
//
//   SELECT * FROM liq_price_histogram('liq', '2024-03-01', '2024-03-08', 100);
//   SELECT price, long_notional FROM liq_price_histogram('liq', '2024-03-01',
//       '2024-03-08', 50, 'BTCUSDT', 'binance') ORDER BY long_notional DESC LIMIT 10;
//
// Arguments (hidden columns source, "from", "to", price_step, symbol,
// exchange, coin): as liq_histogram, with price_step a number > 0 instead of an
// interval. One row per non-empty bin in ascending price; `price` is the bin's
// lower edge floor(p / step) * step.
//
// The query layer answers this histogram as a whole (LiqPriceHistogram); xNext
// then walks the bins one by one.
#include <iterator>
#include <memory>
#include <vector>

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

constexpr const char* kName = "liq_price_histogram";

// Column indexes.
enum : int {
  kPrice = 0,
  kLongCount,
  kLongNotional,
  kShortCount,
  kShortNotional,
  kFirstHidden,  // the arguments follow
};
// Argument indexes (hidden column = kFirstHidden + argument).
enum : int { kArgSource = 0, kArgFrom, kArgTo, kArgStep, kArgSymbol, kArgExchange, kArgCoin };

constexpr TvfColumn kColumns[] = {{"price", "REAL"},
                                  {"long_count", "INTEGER"},
                                  {"long_notional", "REAL"},
                                  {"short_count", "INTEGER"},
                                  {"short_notional", "REAL"}};
static_assert(std::size(kColumns) == kFirstHidden, "kColumns and the column-index enum disagree");

const TvfSignature kSignature{kName,
                              {std::begin(kColumns), std::end(kColumns)},
                              {"source", "from", "to", "price_step", "symbol", "exchange", "coin"},
                              4,
                              kPrice};

struct PriceCursor : TvfCursor {
  std::vector<LiqPriceHistogramRow> rows;
  size_t pos = 0;
};

Status Start(sqlite3* db, PriceCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  LiqPriceHistogramSpec spec;
  spec.cancel = &cur->interrupt;
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTimeArgument(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTimeArgument(cur->args.Get(kArgTo), "to"));
  LIQDB_ASSIGN_OR_RETURN(auto step, ReadNumber(cur->args.Get(kArgStep), "price_step", false));
  spec.price_step = *step;
  if (!(spec.price_step > 0)) {
    return Status::InvalidArgument("price_step must be > 0, got " + DescribeValue(cur->args.Get(kArgStep)));
  }
  LIQDB_ASSIGN_OR_RETURN(
      SeriesArgs series,
      ReadSeriesArgs(cur->args.Get(kArgSymbol), cur->args.Get(kArgExchange), cur->args.Get(kArgCoin)));
  LIQDB_RETURN_IF_ERROR(ValidateLiqPriceHistogramSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kLiquidations, kName));
  LIQDB_RETURN_IF_ERROR(CheckSeriesArgs(*table->store, Kind::kLiquidations, *source, &series));
  // Symbols of the coin as well as the coin: price_histogram.cc's scan filter takes symbols × exchanges.
  spec.symbols = SymbolsForSpec(*table->store, Kind::kLiquidations, series);
  spec.exchanges = series.exchanges();
  spec.coins = series.coins();
  LIQDB_ASSIGN_OR_RETURN(cur->rows, LiqPriceHistogram(*table->store, spec));
  return Status::OK();
}

void ResultColumn(const PriceCursor* cur, sqlite3_context* ctx, int i) {
  const LiqPriceHistogramRow& row = cur->rows[cur->pos];
  switch (i) {
    case kPrice: sqlite3_result_double(ctx, row.price); break;
    case kLongCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(row.long_count)); break;
    case kLongNotional: sqlite3_result_double(ctx, row.long_notional); break;
    case kShortCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(row.short_count)); break;
    case kShortNotional: sqlite3_result_double(ctx, row.short_notional); break;
    default: sqlite3_result_null(ctx);
  }
}

struct Traits {
  using Cursor = PriceCursor;
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

int RegisterLiqPriceHistogram(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
