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
// symbol/exchange NULL or omitted = all. One row per cascade in time order.
// The meaning is DESIGN.md's "Cascades"; the kernel is OpenCascades
// (heatmap.h). Cascades stream from its CascadeCursor one per xNext.
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
enum : int { kArgSource = 0, kArgFrom, kArgTo, kArgMaxGap, kArgMinNotional, kArgSymbol, kArgExchange };

const TvfSignature kSignature{kName,
                              kFirstHidden,
                              {"source", "from", "to", "max_gap", "min_notional", "symbol", "exchange"},
                              5,
                              kFirstTs};
struct CascadesCursor : sqlite3_vtab_cursor {
  CascadesCursor() : sqlite3_vtab_cursor{} {}
  TvfArgs args;
  std::shared_ptr<Store> store;  // outlives `cursor`
  std::unique_ptr<CascadeCursor> cursor;
  CascadeRow cell;
  int64_t rowid = 0;
  bool eof = true;
};

CascadesCursor* CursorOf(sqlite3_vtab_cursor* cur) {
  return static_cast<CascadesCursor*>(cur);
}

int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return TvfConnect(db, kName,
                    "CREATE TABLE x(first_ts INTEGER, last_ts INTEGER, events INTEGER, long_notional REAL, "
                    "short_notional REAL, first_price REAL, last_price REAL, source HIDDEN, "
                    "\"from\" HIDDEN, \"to\" HIDDEN, max_gap HIDDEN, min_notional HIDDEN, "
                    "symbol HIDDEN, exchange HIDDEN)",
                    out, err);
}

// idxNum bit j: argument j (source, from, to, max_gap, min_notional, symbol,
// exchange) is present; present arguments reach
// xFilter in that order (tvf_args.h).
int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return GuardVtab(vtab, [&] { return TvfBestIndex(kSignature, info); });
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  return GuardVtab(vtab, [&] {
    *out = new CascadesCursor();
    return SQLITE_OK;
  });
}

int Close(sqlite3_vtab_cursor* cur) {
  delete CursorOf(cur);
  return SQLITE_OK;
}

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
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTime(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTime(cur->args.Get(kArgTo), "to"));
  LIQDB_ASSIGN_OR_RETURN(spec.max_gap, ReadDuration(cur->args.Get(kArgMaxGap), "max_gap"));
  LIQDB_ASSIGN_OR_RETURN(auto min_notional,
                         ReadNumber(cur->args.Get(kArgMinNotional), "min_notional", false));
  spec.min_notional = *min_notional;
  if (!(spec.min_notional >= 0)) {
    return Status::InvalidArgument("min_notional must be >= 0, got " +
                                   DescribeValue(cur->args.Get(kArgMinNotional)));
  }
  if (cur->args.Has(kArgSymbol)) {
    LIQDB_ASSIGN_OR_RETURN(auto symbol, ReadText(cur->args.Get(kArgSymbol), "symbol", false));
    spec.symbols.push_back(*symbol);
  }
  if (cur->args.Has(kArgExchange)) {
    LIQDB_ASSIGN_OR_RETURN(auto exchange, ReadText(cur->args.Get(kArgExchange), "exchange", false));
    spec.exchanges.push_back(*exchange);
  }
  if (spec.from >= spec.to) {
    return Status::InvalidArgument("from (" + FormatTime(spec.from) + ") must be before to (" +
                                   FormatTime(spec.to) + ")");
  }
  LIQDB_RETURN_IF_ERROR(ValidateCascadeSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kLiquidations, kName));
  cur->store = table->store;
  LIQDB_ASSIGN_OR_RETURN(cur->cursor, OpenCascades(*cur->store, spec));
  return Fetch(cur);
}

int Filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  CascadesCursor* cur = CursorOf(base);
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
  CascadesCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    ++cur->rowid;
    return VtabStatus(base->pVtab, Fetch(cur).WithContext(kName));
  });
}

int Eof(sqlite3_vtab_cursor* base) {
  return CursorOf(base)->eof ? 1 : 0;
}

int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  const CascadesCursor* cur = CursorOf(base);
  const CascadeRow& c = cur->cell;
  switch (i) {
    case kFirstTs: sqlite3_result_int64(ctx, c.first_ts); break;
    case kLastTs: sqlite3_result_int64(ctx, c.last_ts); break;
    case kEvents: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(c.events)); break;
    case kLongNotional: sqlite3_result_double(ctx, c.long_notional); break;
    case kShortNotional: sqlite3_result_double(ctx, c.short_notional); break;
    case kFirstPrice: sqlite3_result_double(ctx, c.first_price); break;
    case kLastPrice: sqlite3_result_double(ctx, c.last_price); break;
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
  m.xCreate = nullptr;  // eponymous only: used as liq_cascades(...)
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

int RegisterLiqCascades(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
