// liq_heatmap_model: the OI-delta model liquidation heatmap over a liqdb
// table of kind 'market', for venues that publish no positions.
//
//   SELECT * FROM liq_heatmap_model('mkt', '2024-03-01', '2024-03-02', '5m', 50,
//                                   'BTCUSDT', 'binance');
//   SELECT * FROM liq_heatmap_model('mkt', '2024-03-01', '2024-03-02', '1h', 100,
//       'BTCUSDT', 'binance', '20:0.5,50:0.5', '3d', 0.6, 0.004);
//
// Arguments (hidden columns source, "from", "to", interval, price_step,
// symbol, exchange, leverage_profile, lookback, long_share, mmr): as
// liq_heatmap, except that symbol and exchange are required (the model
// replays one series); leverage_profile is 'L:w,L:w,…' (default
// '10:0.3,25:0.25,50:0.25,100:0.2', weights normalised); lookback a duration
// (default '7d'); long_share in [0, 1] (default 0.5); mmr in [0, 1) (default
// 0.005). NULL or omitted optional arguments take their defaults.
// Output: as liq_heatmap; `positions` counts the model's levels in the cell.
// The meaning is DESIGN.md's "Model heatmap"; the kernel is OpenModelHeatmap
// (heatmap.h). Cells stream from its HeatmapCursor one per xNext.
#include <memory>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/sql_args.h"
#include "extension/table_registry.h"
#include "extension/tvf_args.h"

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
};

const TvfSignature kSignature{kName,
                              kFirstHidden,
                              {"source", "from", "to", "interval", "price_step", "symbol", "exchange",
                               "leverage_profile", "lookback", "long_share", "mmr"},
                              7,
                              kBucket};

struct ModelCursor : sqlite3_vtab_cursor {
  ModelCursor() : sqlite3_vtab_cursor{} {}
  TvfArgs args;
  std::shared_ptr<Store> store;  // outlives `cursor`
  std::unique_ptr<HeatmapCursor> cursor;
  HeatmapCell cell;
  int64_t rowid = 0;
  bool eof = true;
};

ModelCursor* CursorOf(sqlite3_vtab_cursor* cur) {
  return static_cast<ModelCursor*>(cur);
}

int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return TvfConnect(db, kName,
                    "CREATE TABLE x(bucket INTEGER, price REAL, long_notional REAL, "
                    "short_notional REAL, positions INTEGER, source HIDDEN, \"from\" HIDDEN, "
                    "\"to\" HIDDEN, interval HIDDEN, price_step HIDDEN, symbol HIDDEN, "
                    "exchange HIDDEN, leverage_profile HIDDEN, lookback HIDDEN, "
                    "long_share HIDDEN, mmr HIDDEN)",
                    out, err);
}

// idxNum bit j: argument j (source, from, to, interval, price_step, symbol,
// exchange, leverage_profile, lookback, long_share, mmr) is present; present arguments reach
// xFilter in that order (tvf_args.h).
int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return GuardVtab(vtab, [&] { return TvfBestIndex(kSignature, info); });
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  return GuardVtab(vtab, [&] {
    *out = new ModelCursor();
    return SQLITE_OK;
  });
}

int Close(sqlite3_vtab_cursor* cur) {
  delete CursorOf(cur);
  return SQLITE_OK;
}

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
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTime(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTime(cur->args.Get(kArgTo), "to"));
  LIQDB_ASSIGN_OR_RETURN(spec.interval, ReadInterval(cur->args.Get(kArgInterval), "interval"));
  LIQDB_ASSIGN_OR_RETURN(auto step, ReadNumber(cur->args.Get(kArgStep), "price_step", false));
  spec.price_step = *step;
  if (!(spec.price_step > 0)) {
    return Status::InvalidArgument("price_step must be > 0, got " + DescribeValue(cur->args.Get(kArgStep)));
  }
  LIQDB_ASSIGN_OR_RETURN(spec.symbol, RequiredText(cur->args.Get(kArgSymbol), "symbol"));
  LIQDB_ASSIGN_OR_RETURN(spec.exchange, RequiredText(cur->args.Get(kArgExchange), "exchange"));
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
  if (spec.from >= spec.to) {
    return Status::InvalidArgument("from (" + FormatTime(spec.from) + ") must be before to (" +
                                   FormatTime(spec.to) + ")");
  }
  LIQDB_RETURN_IF_ERROR(ValidateModelHeatmapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kMarket, kName));
  cur->store = table->store;
  LIQDB_ASSIGN_OR_RETURN(cur->cursor, OpenModelHeatmap(*cur->store, spec));
  return Fetch(cur);
}

int Filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  ModelCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    cur->cursor.reset();
    cur->store.reset();
    cur->eof = true;
    cur->rowid = 0;
    Status s = Start(static_cast<TvfTable*>(base->pVtab)->db, cur, idx_num, argc, argv);
    if (!s.ok()) {
      cur->eof = true;
      const std::string& m = s.message();
      return VtabStatus(base->pVtab, m.rfind(kName, 0) == 0 ? s : s.WithContext(kName));
    }
    return SQLITE_OK;
  });
}

int Next(sqlite3_vtab_cursor* base) {
  ModelCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    ++cur->rowid;
    return VtabStatus(base->pVtab, Fetch(cur).WithContext(kName));
  });
}

int Eof(sqlite3_vtab_cursor* base) {
  return CursorOf(base)->eof ? 1 : 0;
}

int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  const ModelCursor* cur = CursorOf(base);
  const HeatmapCell& c = cur->cell;
  switch (i) {
    case kBucket: sqlite3_result_int64(ctx, c.bucket); break;
    case kPrice: sqlite3_result_double(ctx, c.price); break;
    case kLongNotional: sqlite3_result_double(ctx, c.long_notional); break;
    case kShortNotional: sqlite3_result_double(ctx, c.short_notional); break;
    case kPositions: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c.positions)); break;
    default: {
      sqlite3_value* arg = cur->args.Get(i - kFirstHidden);
      if (arg != nullptr) {
        sqlite3_result_value(ctx, arg);
      } else {
        sqlite3_result_null(ctx);
      }
    }
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = CursorOf(base)->rowid;
  return SQLITE_OK;
}

sqlite3_module MakeModule() {
  sqlite3_module m{};
  m.xCreate = nullptr;  // eponymous only: used as liq_heatmap_model(...)
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

int RegisterLiqHeatmapModel(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
