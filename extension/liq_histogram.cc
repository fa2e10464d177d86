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
// Arguments (hidden columns source, "from", "to", interval, symbol,
// exchange): source names a liqdb table of this connection; from/to are
// times ([from, to), integer µs or ISO-8601); interval is µs or '5m'-style;
// symbol/exchange NULL or omitted = all. Buckets are aligned to multiples of
// the interval since the epoch; `bucket` is the bucket's start in µs.
// Rows stream from LiqHistogramCursor one per xNext.
#include <memory>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/sql_args.h"
#include "extension/table_registry.h"
#include "extension/tvf_args.h"
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
enum : int { kArgSource = 0, kArgFrom, kArgTo, kArgInterval, kArgSymbol, kArgExchange };

const TvfSignature kSignature{kName, kFirstHidden,
                              {"source", "from", "to", "interval", "symbol", "exchange"}, 4, kBucket};

struct HistogramCursor : sqlite3_vtab_cursor {
  HistogramCursor() : sqlite3_vtab_cursor{} {}
  TvfArgs args;
  std::shared_ptr<Store> store;  // outlives `cursor`
  std::unique_ptr<LiqHistogramCursor> cursor;
  LiqHistogramRow row;
  int64_t rowid = 0;
  bool eof = true;
};

HistogramCursor* CursorOf(sqlite3_vtab_cursor* cur) { return static_cast<HistogramCursor*>(cur); }

int Connect(sqlite3* db, void*, int, const char* const*, sqlite3_vtab** out, char** err) {
  return TvfConnect(db, kName,
                    "CREATE TABLE x(bucket INTEGER, long_count INTEGER, long_qty REAL, "
                    "long_notional REAL, short_count INTEGER, short_qty REAL, short_notional REAL, "
                    "source HIDDEN, \"from\" HIDDEN, \"to\" HIDDEN, interval HIDDEN, "
                    "symbol HIDDEN, exchange HIDDEN)",
                    out, err);
}

// idxNum bit j: argument j (source, from, to, interval, symbol, exchange) is
// present; present arguments reach xFilter in that order (tvf_args.h).
int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return GuardVtab(vtab, [&] { return TvfBestIndex(kSignature, info); });
}

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  return GuardVtab(vtab, [&] {
    *out = new HistogramCursor();
    return SQLITE_OK;
  });
}

int Close(sqlite3_vtab_cursor* cur) {
  delete CursorOf(cur);
  return SQLITE_OK;
}

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
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTime(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTime(cur->args.Get(kArgTo), "to"));
  LIQDB_ASSIGN_OR_RETURN(spec.interval, ReadInterval(cur->args.Get(kArgInterval), "interval"));
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
  LIQDB_RETURN_IF_ERROR(ValidateLiqHistogramSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kLiquidations, kName));
  cur->store = table->store;
  LIQDB_ASSIGN_OR_RETURN(cur->cursor, LiqHistogramCursor::Open(*cur->store, spec));
  return Fetch(cur);
}

int Filter(sqlite3_vtab_cursor* base, int idx_num, const char*, int argc, sqlite3_value** argv) {
  HistogramCursor* cur = CursorOf(base);
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
  HistogramCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    ++cur->rowid;
    return VtabStatus(base->pVtab, Fetch(cur).WithContext(kName));
  });
}

int Eof(sqlite3_vtab_cursor* base) { return CursorOf(base)->eof ? 1 : 0; }

int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  const HistogramCursor* cur = CursorOf(base);
  const auto& longs = cur->row.sides[static_cast<int>(Side::kLong)];
  const auto& shorts = cur->row.sides[static_cast<int>(Side::kShort)];
  switch (i) {
    case kBucket: sqlite3_result_int64(ctx, cur->row.bucket); break;
    case kLongCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(longs.count)); break;
    case kLongQty: sqlite3_result_double(ctx, longs.qty); break;
    case kLongNotional: sqlite3_result_double(ctx, longs.notional); break;
    case kShortCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(shorts.count)); break;
    case kShortQty: sqlite3_result_double(ctx, shorts.qty); break;
    case kShortNotional: sqlite3_result_double(ctx, shorts.notional); break;
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
  m.xCreate = nullptr;  // eponymous only: used as liq_histogram(...)
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

int RegisterLiqHistogram(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
