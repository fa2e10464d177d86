// liq_breakdown: one row per series — who got liquidated where — over a
// liqdb table of kind 'liquidations', from chunk zone maps and rollups.
//
//   SELECT * FROM liq_breakdown('liq', '2024-03-01', '2024-03-02');
//   SELECT exchange, symbol, long_notional + short_notional AS total
//     FROM liq_breakdown('liq', '2024-03-01', '2024-03-02') WHERE coin = 'BTC';
//   SELECT * FROM liq_breakdown('liq', '2024-03-01', '2024-03-02')
//     WHERE exchange IN ('binance', 'okx') AND coin IN ('BTC', 'ETH');
//
// Arguments (hidden columns source, "from", "to"): source names a liqdb
// table of this connection; [from, to) are times (integer µs from 10^14 on,
// or ISO-8601). Result columns exchange, symbol and coin take `=` and
// `IN (…)` in the WHERE clause, applied before any chunk is read
// (TvfSignature::filters); coins are written as CoinOf spells them, any case
// ('btc' is BTC), exchanges in any case ('Binance' is binance). Quantities
// are in coin units (stored qty × the coin's qty_factor, docs/sql.md
// "Coins"), notionals in the quote currency. Rows: series with at least one
// liquidation in range, in (exchange, symbol) order.
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
#include "liqdb/query.h"

namespace liqdb::ext {

namespace {

constexpr const char* kName = "liq_breakdown";

// Column indexes.
enum : int {
  kExchange = 0,
  kSymbol,
  kCoin,
  kLongCount,
  kLongQty,
  kLongNotional,
  kShortCount,
  kShortQty,
  kShortNotional,
  kFirstHidden,  // the arguments follow
};
// Argument indexes (hidden column = kFirstHidden + argument).
enum : int { kArgSource = 0, kArgFrom, kArgTo };
// Filter indexes (TvfArgs::Filter).
enum : int { kFilterExchange = 0, kFilterSymbol, kFilterCoin };

constexpr TvfColumn kColumns[] = {
    {"exchange", "TEXT"},       {"symbol", "TEXT"},    {"coin", "TEXT"},
    {"long_count", "INTEGER"},  {"long_qty", "REAL"},  {"long_notional", "REAL"},
    {"short_count", "INTEGER"}, {"short_qty", "REAL"}, {"short_notional", "REAL"}};
static_assert(std::size(kColumns) == kFirstHidden, "kColumns and the column-index enum disagree");

const TvfSignature kSignature{kName,
                              {std::begin(kColumns), std::end(kColumns)},
                              {"source", "from", "to"},
                              3,
                              -1,
                              {kExchange, kSymbol, kCoin}};

struct BreakdownCursor : TvfCursor {
  std::vector<LiqBreakdownRow> rows;
  size_t at = 0;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status Start(sqlite3* db, BreakdownCursor* cur, int idx_num, int argc, sqlite3_value** argv) {
  LIQDB_RETURN_IF_ERROR(cur->args.Load(kSignature, idx_num, argc, argv));
  LIQDB_ASSIGN_OR_RETURN(auto source, ReadText(cur->args.Get(kArgSource), "source", false));
  LiqBreakdownSpec spec;
  spec.cancel = &cur->interrupt;
  LIQDB_ASSIGN_OR_RETURN(spec.from, ReadTimeArgument(cur->args.Get(kArgFrom), "from"));
  LIQDB_ASSIGN_OR_RETURN(spec.to, ReadTimeArgument(cur->args.Get(kArgTo), "to"));
  LIQDB_RETURN_IF_ERROR(ValidateLiqBreakdownSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(auto table, LookupSource(db, *source, Kind::kLiquidations, kName));
  bool none = false;  // a filter that can match nothing (= NULL, an empty IN list)
  if (const auto* v = cur->args.Filter(kFilterExchange)) {
    for (const std::string& e : *v) spec.exchanges.push_back(Lower(e));
    none |= v->empty();
  }
  if (const auto* v = cur->args.Filter(kFilterSymbol)) {
    spec.symbols = *v;
    none |= v->empty();
  }
  if (const auto* v = cur->args.Filter(kFilterCoin)) {
    for (const std::string& c : *v) spec.coins.push_back(NormalizeCoin(c));
    none |= v->empty();
  }
  if (none) return Status::OK();
  // A name the source does not hold fails naming the closest it does, as in
  // every analytics function (series_args.h); each value of an IN list alone.
  auto check = [&](std::vector<std::string>* values,
                   std::optional<std::string> SeriesArgs::*field) -> Status {
    for (std::string& v : *values) {
      SeriesArgs one;
      one.*field = v;
      LIQDB_RETURN_IF_ERROR(CheckSeriesArgs(*table->store, Kind::kLiquidations, *source, &one));
      v = *(one.*field);
    }
    return Status::OK();
  };
  LIQDB_RETURN_IF_ERROR(check(&spec.exchanges, &SeriesArgs::exchange));
  LIQDB_RETURN_IF_ERROR(check(&spec.symbols, &SeriesArgs::symbol));
  LIQDB_RETURN_IF_ERROR(check(&spec.coins, &SeriesArgs::coin));
  LIQDB_ASSIGN_OR_RETURN(cur->rows, LiqBreakdown(*table->store, spec));
  return Status::OK();
}

void ResultColumn(const BreakdownCursor& cur, sqlite3_context* ctx, int i) {
  const LiqBreakdownRow& r = cur.rows[cur.at];
  const auto& longs = r.sides[static_cast<int>(Side::kLong)];
  const auto& shorts = r.sides[static_cast<int>(Side::kShort)];
  auto text = [&](const std::string& s) {
    sqlite3_result_text(ctx, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  };
  switch (i) {
    case kExchange: text(r.series.exchange); break;
    case kSymbol: text(r.series.symbol); break;
    case kCoin: text(r.coin); break;
    case kLongCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(longs.count)); break;
    case kLongQty: sqlite3_result_double(ctx, longs.qty); break;
    case kLongNotional: sqlite3_result_double(ctx, longs.notional); break;
    case kShortCount: sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(shorts.count)); break;
    case kShortQty: sqlite3_result_double(ctx, shorts.qty); break;
    case kShortNotional: sqlite3_result_double(ctx, shorts.notional); break;
    default: sqlite3_result_null(ctx);
  }
}

struct Traits {
  using Cursor = BreakdownCursor;
  static constexpr const char* kName = ::liqdb::ext::kName;
  static const TvfSignature& Signature() { return kSignature; }
  static void Reset(Cursor* cur) {
    cur->rows.clear();
    cur->at = 0;
  }
  static Status Start(sqlite3* db, Cursor* cur, int idx_num, int argc, sqlite3_value** argv) {
    return ::liqdb::ext::Start(db, cur, idx_num, argc, argv);
  }
  static Status Advance(Cursor* cur) {
    ++cur->at;
    return Status::OK();
  }
  static bool AtEnd(const Cursor& cur) { return cur.at >= cur.rows.size(); }
  static void Result(const Cursor& cur, sqlite3_context* ctx, int i) { ResultColumn(cur, ctx, i); }
};

const sqlite3_module kModule = TvfModule<Traits>::Make();

}  // namespace

int RegisterLiqBreakdown(sqlite3* db) {
  return sqlite3_create_module_v2(db, kName, &kModule, nullptr, nullptr);
}

}  // namespace liqdb::ext
