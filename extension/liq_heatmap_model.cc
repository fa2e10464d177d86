// liq_heatmap_model: the OI-delta model liquidation heatmap over a liqdb
// table of kind 'market', for venues that publish no positions.
//
//   SELECT * FROM liq_heatmap_model('mkt', '2024-03-01', '2024-03-02', '5m', 50,
//                                   'BTCUSDT', 'binance');
//   SELECT * FROM liq_heatmap_model('mkt', '2024-03-01', '2024-03-02', '1h', 100,
//       'BTCUSDT', 'binance', '20:0.5,50:0.5', '3d', 0.6, 0.004);
//
//   SELECT * FROM liq_heatmap_model('mkt', '2024-03-01', '2024-03-02', '1h', 100) WHERE coin = 'BTC';
//
// Arguments (hidden columns source, "from", "to", interval, price_step,
// symbol, exchange, leverage_profile, lookback, long_share, mmr, coin,
// max_age): as
// liq_heatmap; the model replays each selected series on its own and the
// heatmap is their sum (SumHeatmaps), so symbol/exchange are optional when a
// coin (or the table) picks one coin's series; leverage_profile is 'L:w,L:w,…' (default
// '10:0.3,25:0.25,50:0.25,100:0.2', weights normalised); lookback a duration
// (default '7d'); long_share in [0, 1] (default 0.5); mmr in [0, 1) (default
// 0.005); max_age a duration (default none: `WHERE max_age = '3d'` drops
// levels opened 3 days or more before each bucket's end). NULL or omitted
// optional arguments take their defaults.
// Output: as liq_heatmap; `positions` counts the model's levels in the cell.
// The meaning is docs/sql.md's "Model heatmap"; the kernel is OpenModelHeatmap
// (heatmap.h). Cells stream from its HeatmapCursor one per xNext.
#include <iterator>
#include <memory>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/series_args.h"
#include "extension/sql_args.h"
#include "extension/table_registry.h"
#include "extension/tvf_args.h"
#include "extension/tvf_module.h"

#include "liqdb/coin.h"
#include "liqdb/heatmap.h"
#include "liqdb/timeparse.h"

namespace liqdb::ext {

namespace {

constexpr const char* kName = "liq_heatmap_model";

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
  kArgProfile,
  kArgLookback,
  kArgLongShare,
  kArgMmr,
  kArgCoin,
  kArgMaxAge,
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
                               "leverage_profile", "lookback", "long_share", "mmr", "coin", "max_age"},
                              5,
                              kBucket};

struct ModelCursor : TvfCursor {
  std::shared_ptr<Store> store;  // outlives `cursor`
  std::unique_ptr<HeatmapCursor> cursor;
  HeatmapCell cell;
  bool eof = true;
};

Status Fetch(ModelCursor* cur) {
  auto more = cur->cursor->Next(&cur->cell);
  if (!more.ok()) return more.status();
  cur->eof = !*more;
  return Status::OK();
}

// Text that must be present: NULL is an error naming the argument.
Result<std::string> RequiredText(sqlite3_value* value, const char* name) {
  auto text = ReadText(value, name, false);
  if (!text.ok()) return text.status();
  return text.value().value_or(std::string());
}

Status Start(sqlite3* db, ModelCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  ModelHeatmapSpec spec;
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
  if (cur->args.Has(kArgProfile)) {
    LIQDB_ASSIGN_OR_RETURN(spec.model.leverage_profile,
                           RequiredText(cur->args.Get(kArgProfile), "leverage_profile"));
  }
  if (cur->args.Has(kArgLookback)) {
    LIQDB_ASSIGN_OR_RETURN(spec.model.lookback, ReadDuration(cur->args.Get(kArgLookback), "lookback"));
  }
  if (cur->args.Has(kArgLongShare)) {
    LIQDB_ASSIGN_OR_RETURN(auto share, ReadNumber(cur->args.Get(kArgLongShare), "long_share", false));
    spec.model.long_share = *share;
  }
  if (cur->args.Has(kArgMmr)) {
    LIQDB_ASSIGN_OR_RETURN(auto mmr, ReadNumber(cur->args.Get(kArgMmr), "mmr", false));
    spec.model.mmr = *mmr;
  }
  if (cur->args.Has(kArgMaxAge)) {
    LIQDB_ASSIGN_OR_RETURN(spec.model.max_age, ReadInterval(cur->args.Get(kArgMaxAge), "max_age"));
  }
  LIQDB_RETURN_IF_ERROR(ValidateModelHeatmapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kMarket, kName));
  cur->store = table->store;
  LIQDB_RETURN_IF_ERROR(CheckSeriesArgs(*cur->store, Kind::kMarket, *source, &series));
  LIQDB_RETURN_IF_ERROR(RequireOneCoin(*cur->store, Kind::kMarket, series));
  // Each matching series' own model, summed cell by cell.
  std::vector<std::unique_ptr<HeatmapCursor>> parts;
  for (const SeriesInfo& s : cur->store->ListSeries(Kind::kMarket)) {
    if ((series.symbol && s.key.symbol != *series.symbol) ||
        (series.exchange && s.key.exchange != *series.exchange) ||
        (series.coin && CoinOf(s.key.exchange, s.key.symbol).coin != *series.coin)) {
      continue;
    }
    ModelHeatmapSpec one = spec;
    one.symbol = s.key.symbol;
    one.exchange = s.key.exchange;
    LIQDB_ASSIGN_OR_RETURN(auto part, OpenModelHeatmap(*cur->store, one));
    parts.push_back(std::move(part));
  }
  cur->cursor = parts.size() == 1 ? std::move(parts.front()) : SumHeatmaps(std::move(parts));
  return Fetch(cur);
}

void ResultColumn(const ModelCursor* cur, sqlite3_context* ctx, int i) {
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
  using Cursor = ModelCursor;
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

int RegisterLiqHeatmapModel(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
