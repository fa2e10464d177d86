// The `liqdb` virtual-table module: a liqdb store's series as an SQL table.
//
//   CREATE VIRTUAL TABLE liq USING liqdb(store='data/btc', kind='liquidations');
//   CREATE VIRTUAL TABLE pos USING liqdb(store='data/btc', kind='positions');
//   CREATE VIRTUAL TABLE mkt USING liqdb(store='data/btc', kind='market');
//
//   SELECT * FROM liq WHERE symbol IN ('BTCUSDT', 'ETHUSDT') AND side = 'long'
//     AND ts >= '2024-03-01' AND ts < '2024-03-02';
//   INSERT INTO liq VALUES ('2024-03-01T12:00:00.250Z', 'binance', 'BTCUSDT',
//                           'long', 61234.5, 0.25, NULL);
//
// Options (each at most once): store= and kind= (both required; a relative
// store path is taken from the database file's folder, see store_path.h),
// mode= ('auto' by default, or 'readonly': the table refuses INSERT).
//
// Files: CREATE VIRTUAL TABLE (xCreate) creates the store if it is missing;
// connecting to a declared table (xConnect, e.g. opening a .sqlite file or
// PRAGMA table_info) touches nothing on disk. Reads open the store as a
// reader that takes no lock (store_path.h), so any number of processes read
// while one writes. See "Untrusted files" in the README for the threat model.
//
// Columns, per kind (SchemaOf): ts INTEGER, exchange TEXT, symbol TEXT,
// [account TEXT,] [side TEXT,] then the kind's value columns as REAL:
//   liquidations  price, qty, notional
//   positions     size, entry_price, leverage, liq_price (NULL = NaN inside)
//   market        mark_price, open_interest
//
// The declaration is persistent (xCreate = xConnect). DROP TABLE removes the
// declaration only; the store folder and its data stay.
//
// Reads: `ts` ranges (<, <=, >, >=, =; integer µs or ISO-8601 text),
// `exchange`, `symbol`, `coin` and `side` equality and IN (…), and value
// column comparisons (<, <=, >, >=, =, BETWEEN) are pushed into the scan,
// which skips chunks by their zone maps and filters decoded column blocks
// (query/scan.cc); only the columns the statement uses are decoded, and a
// statement using none (count(*)) reads only chunk headers where no row
// filter is needed. Rows come chunk by chunk; when that saves SQLite a sort
// (ORDER BY ts within one series; ORDER BY or GROUP BY exchange, symbol[, ts])
// the scan comes series by series in time order instead, and for ORDER BY ts
// across series of liquidations or market samples the series are merged by
// ts (orderByConsumed), so ORDER BY ts LIMIT n reads only the start of each.
// `coin` is a hidden column (CoinOf(exchange, symbol), liqdb/coin.h): SELECT *
// and INSERT … VALUES keep their columns; an INSERT may name it, never
// contradict it.
//
// Writes: INSERT only (UPDATE/DELETE fail: the tables are append-only), and
// only into a table this connection created, or after the connection called
// liqdb_allow_writes() (SQLITE_DIRECTONLY, so a trigger or view in a file
// someone sent cannot call it). The first INSERT opens the store for writing
// and the connection keeps it (and RocksDB's write lock) until it closes,
// sealing what it staged (Store::Seal) when the table disconnects; if
// another process writes the store, the INSERT fails naming its pid. Rows
// are checked as they arrive (a bad row fails its statement, naming the column
// and value), buffered per transaction, and written atomically and durably
// with Store::AppendAll at xSync. xRollback drops them; xSavepoint/
// xRelease/xRollbackTo make a failing statement inside a transaction leave
// nothing of itself. A NULL notional is price × qty. Rows already in the store
// are skipped (the store's ingest is idempotent, see store.h). Limitation: a
// SELECT inside the transaction does not see the transaction's own INSERTs.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/sql_args.h"
#include "extension/store_path.h"
#include "extension/table_registry.h"
#include "extension/tvf_interrupt.h"

#include "liqdb/coin.h"
#include "liqdb/scan.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"
#include "liqdb/types.h"

namespace liqdb::ext {

namespace {

// ---- schema ----------------------------------------------------------------

enum class ColType { kTs, kExchange, kSymbol, kAccount, kSide, kValue, kCoin };

struct ColumnDef {
  std::string name;
  ColType type;
  int value = -1;  // index into Columns::values for kValue
};

std::vector<ColumnDef> ColumnsOf(Kind kind) {
  const KindSchema& s = SchemaOf(kind);
  std::vector<ColumnDef> cols = {
      {"ts", ColType::kTs}, {"exchange", ColType::kExchange}, {"symbol", ColType::kSymbol}};
  if (s.has_account) cols.push_back({"account", ColType::kAccount});
  if (s.has_side) cols.push_back({"side", ColType::kSide});
  for (int c = 0; c < s.num_values; ++c) cols.push_back({s.value_names[c], ColType::kValue, c});
  // Hidden, so that SELECT * and INSERT ... VALUES keep the columns they had.
  cols.push_back({"coin", ColType::kCoin});
  return cols;
}

std::string DeclareSql(const std::vector<ColumnDef>& cols) {
  std::string sql = "CREATE TABLE x(";
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i > 0) sql += ", ";
    sql += cols[i].name;
    switch (cols[i].type) {
      case ColType::kTs: sql += " INTEGER"; break;
      case ColType::kValue: sql += " REAL"; break;
      case ColType::kCoin: sql += " TEXT HIDDEN"; break;
      default: sql += " TEXT"; break;
    }
  }
  return sql + ")";
}

// The ColumnMask bit that materialises column `c` (0 for exchange/symbol,
// which come from the series key).
ColumnMask MaskOf(const ColumnDef& c) {
  switch (c.type) {
    case ColType::kTs: return kMaskTs;
    case ColType::kAccount: return kMaskAccount;
    case ColType::kSide: return kMaskSide;
    case ColType::kValue: return MaskValue(c.value);
    default: return 0;
  }
}

// ---- the table -------------------------------------------------------------

// Per connection: whether liqdb_allow_writes() was called. Shared by the
// module and the function registrations, freed with the connection.
struct ConnectionState {
  bool writes_allowed = false;
};
using ConnectionRef = std::shared_ptr<ConnectionState>;

struct LiqdbTable : sqlite3_vtab {
  LiqdbTable() : sqlite3_vtab{} {}
  ~LiqdbTable() { sqlite3_free(zErrMsg); }

  sqlite3* db = nullptr;
  std::string schema, name;
  Kind kind = Kind::kLiquidations;
  std::vector<ColumnDef> cols;
  std::shared_ptr<TableInfo> info;
  bool read_only = false;     // mode='readonly'
  bool created_here = false;  // by CREATE VIRTUAL TABLE in this connection
  ConnectionRef connection;
  std::shared_ptr<Store> writer;  // opened by the first INSERT

  // The transaction's buffered INSERTs: one batch per series, the batch of
  // every row in insertion order, and (savepoint level, rows) marks.
  std::vector<SeriesBatch> pending;
  std::map<SeriesKey, size_t> pending_index;
  std::vector<uint32_t> journal;
  std::vector<std::pair<int, size_t>> savepoints;
};

struct LiqdbCursor : sqlite3_vtab_cursor {
  LiqdbCursor() : sqlite3_vtab_cursor{} {}
  std::shared_ptr<Store> store;  // keeps the store open while the cursor lives
  std::unique_ptr<RowScanner> scanner;
  ScanBlock block;
  size_t row = 0;
  bool eof = true;
  SqlInterrupt interrupt;  // the scan's `cancel`: sqlite3_interrupt inside one xNext
  SeriesKey coin_of;       // the series `coin` was derived for
  std::string coin;
  size_t skip = 0;     // rows still to skip (pushed OFFSET)
  int64_t limit = -1;  // rows to return at most (pushed LIMIT; -1 none)
  int64_t returned = 0;
};

// A failed scan call: an interrupt stays SQLITE_INTERRUPT.
int ScanFailed(sqlite3_vtab* vtab, LiqdbCursor* cur, const Status& s, const std::string& table) {
  if (cur->interrupt.interrupted()) {
    SetVtabError(vtab, table + ": interrupted");
    return SQLITE_INTERRUPT;
  }
  return VtabStatus(vtab, s.WithContext(table));
}

LiqdbTable* TableOf(sqlite3_vtab* vtab) {
  return static_cast<LiqdbTable*>(vtab);
}
LiqdbCursor* CursorOf(sqlite3_vtab_cursor* cur) {
  return static_cast<LiqdbCursor*>(cur);
}

// ---- options ---------------------------------------------------------------

struct Options {
  std::string store;
  Kind kind = Kind::kLiquidations;
  bool read_only = false;
};

std::string Unquote(std::string v) {
  auto trim = [](std::string& s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  };
  trim(v);
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front()) {
    const char q = v.front();
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      out += v[i];
      if (v[i] == q && i + 2 < v.size() && v[i + 1] == q) ++i;  // '' → '
    }
    return out;
  }
  return v;
}

// `create`: a new declaration (CREATE VIRTUAL TABLE), which must name its
// kind. Declarations stored by liqdb 0.1, which defaulted to liquidations,
// still connect as liquidations.
Result<Options> ParseOptions(int argc, const char* const* argv, bool create) {
  Options o;
  bool have_store = false, have_kind = false;
  std::set<std::string> seen;
  for (int i = 3; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("liqdb: option '" + arg + "' must be key=value, e.g. store='data/btc'");
    }
    const std::string key = Unquote(arg.substr(0, eq));
    const std::string value = Unquote(arg.substr(eq + 1));
    if (!seen.insert(key).second) {
      return Status::InvalidArgument("liqdb: option " + key + "= is given more than once");
    }
    if (key == "store") {
      if (value.empty()) return Status::InvalidArgument("liqdb: store must not be empty");
      o.store = value;
      have_store = true;
    } else if (key == "kind") {
      auto kind = ParseKind(value);
      if (!kind) {
        return Status::InvalidArgument("liqdb: unknown kind '" + value +
                                       "' (expected 'liquidations', 'positions' or 'market')");
      }
      o.kind = *kind;
      have_kind = true;
    } else if (key == "mode") {
      if (value == "readonly" || value == "read_only") {
        o.read_only = true;
      } else if (value == "auto" || value == "readwrite") {
        o.read_only = false;
      } else {
        return Status::InvalidArgument("liqdb: unknown mode '" + value + "' (expected 'auto' or 'readonly')");
      }
    } else {
      return Status::InvalidArgument("liqdb: unknown option '" + key + "' (expected store, kind, mode)");
    }
  }
  if (!have_store || (create && !have_kind)) {
    return Status::InvalidArgument(std::string("liqdb: missing ") + (have_store ? "kind=" : "store=") +
                                   " option, e.g. CREATE VIRTUAL TABLE liq USING "
                                   "liqdb(store='data/btc', kind='liquidations'); kinds: "
                                   "'liquidations', 'positions', 'market'");
  }
  return o;
}

// xCreate (create = true) and xConnect: the declaration is persistent. Only
// xCreate touches the disk, to create the store when it is missing.
int ConnectTable(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err,
                 bool create) {
  try {
    auto options = ParseOptions(argc, argv, create);
    if (!options.ok()) {
      *err = sqlite3_mprintf("%s", options.status().message().c_str());
      return SQLITE_ERROR;
    }
    auto folder = ResolveStorePath(db, argv[1], options->store);
    if (!folder.ok()) {
      *err = sqlite3_mprintf("liqdb: %s", folder.status().message().c_str());
      return SQLITE_ERROR;
    }
    if (create && !options->read_only) {
      Status s = CreateStoreIfMissing(*folder);
      if (!s.ok()) {
        *err = sqlite3_mprintf("liqdb: %s", s.message().c_str());
        return SQLITE_ERROR;
      }
    }
    auto table = std::make_unique<LiqdbTable>();
    table->db = db;
    table->schema = argv[1];
    table->name = argv[2];
    table->kind = options->kind;
    table->cols = ColumnsOf(options->kind);
    table->info = std::make_shared<TableInfo>();
    table->info->kind = options->kind;
    table->info->folder = *folder;
    table->read_only = options->read_only;
    table->created_here = create;
    table->connection = *static_cast<ConnectionRef*>(aux);
    int rc = sqlite3_declare_vtab(db, DeclareSql(table->cols).c_str());
    if (rc != SQLITE_OK) {
      *err = sqlite3_mprintf("liqdb: cannot declare the table: %s", sqlite3_errmsg(db));
      return rc;
    }
    // Reading is harmless even from a view or trigger of an untrusted file
    // (it creates and locks nothing); writing needs the consent above.
    rc = sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
    if (rc != SQLITE_OK) return rc;
    RegisterTable(db, table->schema, table->name, table->info);
    *out = table.release();
    return SQLITE_OK;
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    *err = sqlite3_mprintf("liqdb internal error: %s", e.what());
    return SQLITE_ERROR;
  }
}

int Create(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return ConnectTable(db, aux, argc, argv, out, err, true);
}

int Connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** err) {
  return ConnectTable(db, aux, argc, argv, out, err, false);
}

int Disconnect(sqlite3_vtab* vtab) {
  LiqdbTable* table = TableOf(vtab);
  try {
    UnregisterTable(table->db, table->schema, table->name, table->info.get());
  } catch (...) {
    // Out of memory while lower-casing the key: the entry stays until the
    // connection's next table of that name replaces it.
  }
  if (table->writer) {
    // The end of an SQL writer's run, as the end of a `liqdb ingest`: seal
    // what it staged so its chunks are large (store.h). Its rows are already
    // durable; a failure here only leaves them staged for the next writer.
    try {
      static_cast<void>(table->writer->Seal(true));
    } catch (...) {
    }
  }
  delete table;
  return SQLITE_OK;
}

// ---- query planning --------------------------------------------------------
//
// idxNum: the ColumnMask (store.h) of the columns the statement reads
//   (bit 0 ts, bit 1 side, bit 2 account, bit 3 + c value column c), plus
//   kPlanOrdered when the scan must come in series-major order (ORDER BY or
//   GROUP BY consumed; with kPlanSideRuns each series' long rows, then its
//   short ones, for a GROUP BY that names side), or kPlanTimeOrdered for
//   ORDER BY ts across series (the series merged by ts).
// idxStr: one token per xFilter argument, in argv order:
//   'a' ts > ?   'b' ts >= ?   'c' ts < ?   'd' ts <= ?   'e' ts = ?
//   'x' exchange = ?   's' symbol = ?   'i' side = ?   'k' coin = ?
//   'X' 'S' 'I' 'K': the same with every value of an IN (…) list in one
//   argument (sqlite3_vtab_in);
//   'g' 'h' 'l' 'm' 'q' followed by a digit c: value column c >, >=, <, <=, = ?
//   (BETWEEN arrives as >= and <=);
//   'N' LIMIT ?   'O' OFFSET ? (the scan skips those rows itself).
//
// Value constraints are omitted (SQLite does not check them again) only when
// their right-hand side is a number known now that a double compares
// exactly; otherwise (a parameter, text, an integer past 2^53) the scan
// applies a range that can only keep more rows, and SQLite checks each.
constexpr double kFullScanRows = 1e7;
constexpr int kPlanOrdered = 1 << 30;
constexpr int kPlanTimeOrdered = 1 << 29;
constexpr int kPlanSideRuns = 1 << 28;  // with kPlanOrdered: each series long rows, then short

// Whether `v` is a number the scan compares exactly as SQLite would.
bool ExactNumber(sqlite3_value* v) {
  if (v == nullptr) return false;
  if (sqlite3_value_type(v) == SQLITE_FLOAT) return true;
  if (sqlite3_value_type(v) != SQLITE_INTEGER) return false;
  const sqlite3_int64 i = sqlite3_value_int64(v);
  return i >= -(sqlite3_int64{1} << 53) && i <= (sqlite3_int64{1} << 53);
}

// The order a series-major scan can give the statement's ORDER BY, GROUP BY
// or DISTINCT (sqlite3_vtab_distinct): none, series by (exchange, symbol)
// with each one's rows in ts order, or that with each series' rows in two
// runs, long then short (for a grouping that names side as well; columns
// fixed by a one-value `=` need no order).
enum class SeriesOrder { kNone, kSeries, kSeriesThenSide };

SeriesOrder SeriesOrderSatisfies(const LiqdbTable& table, sqlite3_index_info* info, bool exchange_fixed,
                                 bool symbol_fixed, bool side_fixed) {
  if (info->nOrderBy <= 0) return SeriesOrder::kNone;
  std::vector<ColType> key;  // the order a series-major scan gives, fixed columns left out
  if (!exchange_fixed) key.push_back(ColType::kExchange);
  if (!symbol_fixed) key.push_back(ColType::kSymbol);
  auto fixed = [&](ColType t) {
    return (t == ColType::kExchange && exchange_fixed) || (t == ColType::kSymbol && symbol_fixed) ||
           (t == ColType::kSide && side_fixed);
  };
  const int distinct = sqlite3_vtab_distinct(info);
  if (distinct == 1 || distinct == 2) {
    // Rows need only be grouped: the columns named must be a leading part of
    // (exchange, symbol, side) or of (exchange, symbol, ts), in any order.
    // Grouping by side costs a second pass over each series' chunks (one
    // per side), far less than SQLite's sort of every row.
    std::set<ColType> named;
    for (int i = 0; i < info->nOrderBy; ++i) {
      const int col = info->aOrderBy[i].iColumn;
      if (col < 0 || col >= static_cast<int>(table.cols.size())) return SeriesOrder::kNone;
      const ColType t = table.cols[col].type;
      if (!fixed(t)) named.insert(t);
    }
    const bool by_side = named.count(ColType::kSide) != 0;
    key.push_back(by_side ? ColType::kSide : ColType::kTs);
    for (size_t k = 0; k < named.size(); ++k) {
      if (k >= key.size() || named.count(key[k]) == 0) return SeriesOrder::kNone;
    }
    return by_side ? SeriesOrder::kSeriesThenSide : SeriesOrder::kSeries;
  }
  key.push_back(ColType::kTs);
  size_t next = 0;
  for (int i = 0; i < info->nOrderBy; ++i) {
    const int col = info->aOrderBy[i].iColumn;
    if (col < 0 || col >= static_cast<int>(table.cols.size()) || info->aOrderBy[i].desc) {
      return SeriesOrder::kNone;
    }
    const ColType t = table.cols[col].type;
    if (fixed(t)) continue;
    if (next >= key.size() || key[next] != t) return SeriesOrder::kNone;
    ++next;
  }
  return SeriesOrder::kSeries;
}

// Whether the statement orders by ts alone, ascending, which a merge of the
// selected series by ts gives (not for positions: their blocks carry account
// dictionaries the merge does not splice).
bool TimeOrderSatisfies(const LiqdbTable& table, sqlite3_index_info* info) {
  if (table.kind == Kind::kPositions || info->nOrderBy != 1 || info->aOrderBy[0].desc) return false;
  const int col = info->aOrderBy[0].iColumn;
  return col >= 0 && col < static_cast<int>(table.cols.size()) && table.cols[col].type == ColType::kTs;
}

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  return GuardVtab(vtab, [&] {
    LiqdbTable* table = TableOf(vtab);
    // Columns read: colUsed bit i is column i (bit 63 stands for all beyond).
    ColumnMask mask = 0;
    for (size_t i = 0; i < table->cols.size(); ++i) {
      if (i >= 63 || (info->colUsed & (sqlite3_uint64{1} << i)) != 0) mask |= MaskOf(table->cols[i]);
    }
    std::string plan;
    int args = 0;
    double rows = kFullScanRows;
    bool lower = false, upper = false, exchange_fixed = false, symbol_fixed = false, side_fixed = false;
    int limit_at = -1, offset_at = -1;
    bool exact = true;  // every constraint is answered by the scan alone
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT || c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
        (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT ? limit_at : offset_at) = c.usable ? i : -1;
        continue;
      }
      if (!c.usable || c.iColumn < 0 || c.iColumn >= static_cast<int>(table->cols.size())) {
        exact = false;
        continue;
      }
      const ColumnDef& col = table->cols[c.iColumn];
      const ColType type = col.type;
      std::string token;
      bool omit = true;
      if (type == ColType::kTs) {
        switch (c.op) {
          case SQLITE_INDEX_CONSTRAINT_GT: token = "a"; break;
          case SQLITE_INDEX_CONSTRAINT_GE: token = "b"; break;
          case SQLITE_INDEX_CONSTRAINT_LT: token = "c"; break;
          case SQLITE_INDEX_CONSTRAINT_LE: token = "d"; break;
          case SQLITE_INDEX_CONSTRAINT_EQ: token = "e"; break;
          default: break;
        }
        if (token == "a" || token == "b") {
          if (!lower) rows *= 0.25;
          lower = true;
        } else if (token == "c" || token == "d") {
          if (!upper) rows *= 0.25;
          upper = true;
        } else if (token == "e") {
          rows *= 1e-5;
        }
      } else if ((type == ColType::kExchange || type == ColType::kSymbol || type == ColType::kSide ||
                  type == ColType::kCoin) &&
                 c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
        // Only binary comparisons are exact matches of the stored text.
        const char* collation = sqlite3_vtab_collation(info, i);
        if (collation != nullptr && sqlite3_stricmp(collation, "BINARY") != 0) {
          exact = false;  // SQLite's to evaluate
          continue;
        }
        const bool all_at_once = sqlite3_vtab_in(info, i, -1) != 0;
        if (all_at_once) sqlite3_vtab_in(info, i, 1);
        char code = type == ColType::kExchange ? 'x'
                    : type == ColType::kSymbol ? 's'
                    : type == ColType::kSide   ? 'i'
                                               : 'k';
        if (all_at_once) code = static_cast<char>(code - 'a' + 'A');
        if (code == 'x') exchange_fixed = true;
        if (code == 's') symbol_fixed = true;
        if (code == 'i') side_fixed = true;
        token = std::string(1, code);
        rows *= type == ColType::kSide ? 0.5 : (all_at_once ? 0.2 : 0.1);
      } else if (type == ColType::kValue) {
        switch (c.op) {
          case SQLITE_INDEX_CONSTRAINT_GT: token = "g"; break;
          case SQLITE_INDEX_CONSTRAINT_GE: token = "h"; break;
          case SQLITE_INDEX_CONSTRAINT_LT: token = "l"; break;
          case SQLITE_INDEX_CONSTRAINT_LE: token = "m"; break;
          case SQLITE_INDEX_CONSTRAINT_EQ: token = "q"; break;
          default: break;
        }
        if (token.empty()) continue;
        token += static_cast<char>('0' + col.value);
        sqlite3_value* rhs = nullptr;
        omit = sqlite3_vtab_rhs_value(info, i, &rhs) == SQLITE_OK && ExactNumber(rhs);
        rows *= c.op == SQLITE_INDEX_CONSTRAINT_EQ ? 0.01 : 0.3;
      }
      if (token.empty() || !omit) exact = false;
      if (token.empty()) continue;
      plan += token;
      info->aConstraintUsage[i].argvIndex = ++args;
      info->aConstraintUsage[i].omit = omit ? 1 : 0;
    }
    const SeriesOrder order = SeriesOrderSatisfies(*table, info, exchange_fixed, symbol_fixed, side_fixed);
    const bool ordered = order != SeriesOrder::kNone;
    const bool side_runs = order == SeriesOrder::kSeriesThenSide;
    const bool time_ordered = !ordered && TimeOrderSatisfies(*table, info);
    // LIMIT and OFFSET are the scan's only when the rows it returns are
    // exactly the statement's, in the statement's order: then an OFFSET skips
    // whole blocks (undecoded when no column is read) and the scan ends at
    // the LIMIT.
    if (exact && limit_at >= 0 && (info->nOrderBy == 0 || ordered || time_ordered)) {
      plan += 'N';
      info->aConstraintUsage[limit_at].argvIndex = ++args;
      info->aConstraintUsage[limit_at].omit = 1;
      if (offset_at >= 0) {
        plan += 'O';
        info->aConstraintUsage[offset_at].argvIndex = ++args;
        info->aConstraintUsage[offset_at].omit = 1;
      }
    }
    constexpr auto kPlanBits = static_cast<ColumnMask>(kPlanOrdered | kPlanTimeOrdered | kPlanSideRuns);
    info->idxNum = static_cast<int>(mask & ~kPlanBits) | (ordered ? kPlanOrdered : 0) |
                   (time_ordered ? kPlanTimeOrdered : 0) | (side_runs ? kPlanSideRuns : 0);
    if (!plan.empty()) {
      info->idxStr = sqlite3_mprintf("%s", plan.c_str());
      if (info->idxStr == nullptr) return SQLITE_NOMEM;
      info->needToFreeIdxStr = 1;
    }
    rows = std::max(rows, 1.0);
    info->estimatedRows = static_cast<sqlite3_int64>(rows);
    // An ordered scan opens one reader per series and merges overlapping
    // chunks (a time-ordered one merges the series too): a little dearer
    // than the plain scan, far cheaper than a sort.
    info->estimatedCost = 10.0 + rows * (side_runs ? 1.1 : ordered ? 1.05 : time_ordered ? 1.1 : 1.0);
    info->orderByConsumed = ordered || time_ordered ? 1 : 0;
    return SQLITE_OK;
  });
}

// ---- scanning --------------------------------------------------------------

int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  return GuardVtab(vtab, [&] {
    *out = new LiqdbCursor();
    return SQLITE_OK;
  });
}

int Close(sqlite3_vtab_cursor* cur) {
  delete CursorOf(cur);
  return SQLITE_OK;
}

// Saturating conversions of a ts bound to the half-open [from, to).
Timestamp SaturatingPlusOne(Timestamp t) {
  return t == kMaxTimestamp ? kMaxTimestamp : t + 1;
}

Timestamp ClampToTimestamp(double d) {
  if (d <= -9.2e18) return kMinTimestamp;
  if (d >= 9.2e18) return kMaxTimestamp;
  return static_cast<Timestamp>(d);
}

// Narrows [*from, *to) by one ts constraint. *empty when it can match nothing.
Status ApplyTsBound(char code, sqlite3_value* v, Timestamp* from, Timestamp* to, bool* empty) {
  const int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) {  // comparisons with NULL are never true
    *empty = true;
    return Status::OK();
  }
  Timestamp lo = kMinTimestamp, hi = kMaxTimestamp;  // the bound as [lo, hi)
  if (type == SQLITE_FLOAT) {
    const double d = sqlite3_value_double(v);
    if (std::isnan(d)) {
      *empty = true;
      return Status::OK();
    }
    const Timestamp fl = ClampToTimestamp(std::floor(d)), ce = ClampToTimestamp(std::ceil(d));
    switch (code) {
      case 'a': lo = SaturatingPlusOne(fl); break;
      case 'b': lo = ce; break;
      case 'c': hi = ce; break;
      case 'd': hi = SaturatingPlusOne(fl); break;
      default:
        if (fl != ce) {
          *empty = true;
          return Status::OK();
        }
        lo = fl;
        hi = SaturatingPlusOne(fl);
    }
  } else {
    auto t = ReadTime(v, "ts");
    if (!t.ok()) return t.status();
    switch (code) {
      case 'a':
        if (*t == kMaxTimestamp) *empty = true;
        lo = SaturatingPlusOne(*t);
        break;
      case 'b': lo = *t; break;
      case 'c': hi = *t; break;
      case 'd': hi = SaturatingPlusOne(*t); break;
      default: lo = *t; hi = SaturatingPlusOne(*t);
    }
  }
  *from = std::max(*from, lo);
  *to = std::min(*to, hi);
  return Status::OK();
}

// The text values of an `=` (one value) or IN (every value) argument.
std::set<std::string> ValuesOf(sqlite3_value* v, bool in_list) {
  std::set<std::string> out;
  auto add = [&](sqlite3_value* x) {
    if (x == nullptr || sqlite3_value_type(x) == SQLITE_NULL) return;
    const unsigned char* text = sqlite3_value_text(x);
    if (text != nullptr) out.emplace(reinterpret_cast<const char*>(text), sqlite3_value_bytes(x));
  };
  if (!in_list) {
    add(v);
    return out;
  }
  sqlite3_value* x = nullptr;
  for (int rc = sqlite3_vtab_in_first(v, &x); rc == SQLITE_OK && x != nullptr;
       rc = sqlite3_vtab_in_next(v, &x)) {
    add(x);
  }
  return out;
}

void Intersect(std::optional<std::set<std::string>>* acc, std::set<std::string> values) {
  if (!acc->has_value()) {
    *acc = std::move(values);
    return;
  }
  std::set<std::string> both;
  for (const auto& s : **acc) {
    if (values.count(s) != 0) both.insert(s);
  }
  *acc = std::move(both);
}

// Adds the range of one value-column constraint (token op letter `op`) to
// the filter. A right-hand side the scan cannot compare exactly gives a
// wider range (SQLite checks those rows again, see BestIndex); text is left
// to SQLite entirely. *empty when it can match nothing.
void ApplyValueBound(char op, int column, sqlite3_value* v, ScanFilter* filter, bool* empty) {
  const int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL) {  // comparisons with NULL are never true
    *empty = true;
    return;
  }
  if (type != SQLITE_INTEGER && type != SQLITE_FLOAT) return;
  ValueRange r;
  r.column = column;
  const double d = sqlite3_value_double(v);
  const bool exact = ExactNumber(v);
  const double inf = std::numeric_limits<double>::infinity();
  const double below = exact ? d : std::nextafter(d, -inf), above = exact ? d : std::nextafter(d, inf);
  switch (op) {
    case 'g':
      r.lo = below;
      r.lo_open = exact;
      break;
    case 'h': r.lo = below; break;
    case 'l':
      r.hi = above;
      r.hi_open = exact;
      break;
    case 'm': r.hi = above; break;
    default:
      r.lo = below;
      r.hi = above;
      break;
  }
  filter->value_ranges.push_back(r);
}

// Moves to the next row, past `skip` rows (a pushed OFFSET) and not beyond
// `limit` rows (a pushed LIMIT); eof at the end.
Status Advance(LiqdbCursor* cur) {
  if (cur->limit >= 0 && cur->returned >= cur->limit) {
    cur->eof = true;
    cur->scanner.reset();
    return Status::OK();
  }
  while (true) {
    const size_t left = cur->block.size() - (cur->row + 1);  // row is -1 on a fresh block
    if (left > cur->skip) {
      cur->row += 1 + cur->skip;
      cur->skip = 0;
      ++cur->returned;
      return Status::OK();
    }
    cur->skip -= left;  // whole blocks skipped: undecoded ones were never read
    if (!cur->scanner) {
      cur->eof = true;
      return Status::OK();
    }
    auto more = cur->scanner->Next(&cur->block);
    if (!more.ok()) return more.status();
    cur->row = static_cast<size_t>(-1);
    if (!*more) {
      cur->block = ScanBlock();
      cur->eof = true;
      cur->scanner.reset();
      return Status::OK();
    }
    if (cur->coin_of != cur->block.series) {
      cur->coin_of = cur->block.series;
      cur->coin = CoinOf(cur->block.series.exchange, cur->block.series.symbol).coin;
    }
  }
}

// idxNum and idxStr: see BestIndex.
int Filter(sqlite3_vtab_cursor* base, int idx_num, const char* idx_str, int argc, sqlite3_value** argv) {
  LiqdbCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    LiqdbTable* table = TableOf(base->pVtab);
    cur->scanner.reset();
    cur->block = ScanBlock();
    cur->row = 0;
    cur->eof = true;
    cur->skip = 0;
    cur->limit = -1;
    cur->returned = 0;
    auto reader = table->info->Reader();
    if (!reader.ok()) return VtabStatus(base->pVtab, reader.status().WithContext(table->name));
    cur->store = std::move(reader).value();

    ScanFilter filter;
    filter.kind = table->kind;
    filter.ordered = (idx_num & kPlanOrdered) != 0;
    filter.time_ordered = (idx_num & kPlanTimeOrdered) != 0;
    filter.side_runs = (idx_num & kPlanSideRuns) != 0;
    std::optional<std::set<std::string>> exchanges, symbols, coins;
    bool empty = false;
    const std::string plan = idx_str != nullptr ? idx_str : "";
    size_t at = 0;
    for (int j = 0; j < argc && at < plan.size(); ++j) {
      const char code = plan[at++];
      switch (code) {
        case 'a':
        case 'b':
        case 'c':
        case 'd':
        case 'e': {
          Status s = ApplyTsBound(code, argv[j], &filter.from, &filter.to, &empty);
          if (!s.ok()) return VtabStatus(base->pVtab, s.WithContext(table->name));
          break;
        }
        case 'x':
        case 'X': Intersect(&exchanges, ValuesOf(argv[j], code == 'X')); break;
        case 's':
        case 'S': Intersect(&symbols, ValuesOf(argv[j], code == 'S')); break;
        case 'k':
        case 'K': Intersect(&coins, ValuesOf(argv[j], code == 'K')); break;
        case 'N': {
          const sqlite3_int64 n = sqlite3_value_int64(argv[j]);
          if (n >= 0) cur->limit = n;  // a negative LIMIT is no limit
          break;
        }
        case 'O': {
          const sqlite3_int64 n = sqlite3_value_int64(argv[j]);
          cur->skip = n > 0 ? static_cast<size_t>(n) : 0;
          break;
        }
        case 'g':
        case 'h':
        case 'l':
        case 'm':
        case 'q':
          if (at < plan.size()) ApplyValueBound(code, plan[at++] - '0', argv[j], &filter, &empty);
          break;
        case 'i':
        case 'I': {
          uint8_t m = 0;
          for (const std::string& s : ValuesOf(argv[j], code == 'I')) {
            if (auto side = ParseSide(s)) m |= static_cast<uint8_t>(1u << static_cast<int>(*side));
          }
          filter.side_mask &= m;
          break;
        }
        default: break;
      }
    }
    if (exchanges) {
      if (exchanges->empty()) empty = true;
      filter.exchanges.assign(exchanges->begin(), exchanges->end());
    }
    if (symbols) {
      if (symbols->empty()) empty = true;
      filter.symbols.assign(symbols->begin(), symbols->end());
    }
    if (coins) {
      if (coins->empty()) empty = true;
      filter.coins.assign(coins->begin(), coins->end());
    }
    if (SchemaOf(table->kind).has_side && filter.side_mask == 0) empty = true;
    if (empty || filter.from >= filter.to) return SQLITE_OK;  // eof

    cur->interrupt.Bind(table->db);
    filter.cancel = &cur->interrupt;
    const ColumnMask mask = static_cast<ColumnMask>(idx_num) &
                            ~static_cast<ColumnMask>(kPlanOrdered | kPlanTimeOrdered | kPlanSideRuns);
    auto scanner = RowScanner::Open(*cur->store, filter, mask);
    if (!scanner.ok()) return VtabStatus(base->pVtab, scanner.status().WithContext(table->name));
    cur->scanner = std::move(scanner).value();
    cur->eof = false;
    cur->row = static_cast<size_t>(-1);
    cur->block.rows.Clear();
    Status s = Advance(cur);
    return s.ok() ? SQLITE_OK : ScanFailed(base->pVtab, cur, s, table->name);
  });
}

int Next(sqlite3_vtab_cursor* base) {
  LiqdbCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    Status s = Advance(cur);
    return s.ok() ? SQLITE_OK : ScanFailed(base->pVtab, cur, s, TableOf(base->pVtab)->name);
  });
}

int Eof(sqlite3_vtab_cursor* base) {
  return CursorOf(base)->eof ? 1 : 0;
}

int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int i) {
  LiqdbCursor* cur = CursorOf(base);
  return GuardVtab(base->pVtab, [&] {
    const LiqdbTable* table = TableOf(base->pVtab);
    if (cur->eof || i < 0 || i >= static_cast<int>(table->cols.size())) {
      sqlite3_result_null(ctx);
      return SQLITE_OK;
    }
    const ColumnDef& col = table->cols[i];
    const Columns& rows = cur->block.rows;
    const size_t r = cur->row;
    switch (col.type) {
      case ColType::kTs:
        if (r < rows.ts.size()) {
          sqlite3_result_int64(ctx, rows.ts[r]);
        } else {
          sqlite3_result_null(ctx);  // not decoded: the plan said ts is unused
        }
        break;
      case ColType::kExchange: {
        const std::string& s = cur->block.series.exchange;
        sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        break;
      }
      case ColType::kSymbol: {
        const std::string& s = cur->block.series.symbol;
        sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        break;
      }
      case ColType::kAccount:
        if (r < rows.account.size() && rows.account[r] < rows.account_dict.size()) {
          const std::string& s = rows.AccountOf(r);
          sqlite3_result_text(ctx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
        } else {
          sqlite3_result_null(ctx);
        }
        break;
      case ColType::kSide:
        if (r < rows.side.size()) {
          sqlite3_result_text(ctx, SideName(static_cast<Side>(rows.side[r])), -1, SQLITE_STATIC);
        } else {
          sqlite3_result_null(ctx);
        }
        break;
      case ColType::kCoin:
        sqlite3_result_text(ctx, cur->coin.data(), static_cast<int>(cur->coin.size()), SQLITE_TRANSIENT);
        break;
      case ColType::kValue: {
        // Not decoded (outside the mask) or NaN: NULL.
        const std::vector<double>* v =
            col.value < static_cast<int>(rows.values.size()) ? &rows.values[col.value] : nullptr;
        if (v != nullptr && r < v->size() && !std::isnan((*v)[r])) {
          sqlite3_result_double(ctx, (*v)[r]);
        } else {
          sqlite3_result_null(ctx);  // NULL leverage/liq_price, or not decoded
        }
        break;
      }
    }
    return SQLITE_OK;
  });
}

// A row's rowid is its identity in the store: chunk id × 2^24 + position in
// the chunk (chunks hold fewer than 2^24 rows). Two cursors over the same
// rows agree on it, which SQLite's MULTI-INDEX OR plan needs: it runs one
// scan per OR term and drops rows whose rowid it has already returned.
int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  const LiqdbCursor* cur = CursorOf(base);
  *rowid = static_cast<sqlite3_int64>((cur->block.ChunkOf(cur->row) << 24) | cur->block.PositionOf(cur->row));
  return SQLITE_OK;
}

// ---- writing ---------------------------------------------------------------

// Checks one INSERT's values (argv[2 + column]) and builds its row.
Status ReadRow(const LiqdbTable& table, sqlite3_value** values, SeriesKey* key, Columns* row) {
  const KindSchema& schema = SchemaOf(table.kind);
  Timestamp ts = 0;
  Side side = Side::kLong;
  std::string account;
  std::vector<double> nums(schema.num_values, std::nan(""));
  std::optional<std::string> coin;
  for (size_t i = 0; i < table.cols.size(); ++i) {
    const ColumnDef& col = table.cols[i];
    sqlite3_value* v = values[i];
    switch (col.type) {
      case ColType::kTs: {
        auto t = ReadTime(v, "ts");
        if (!t.ok()) return t.status();
        ts = *t;
        break;
      }
      case ColType::kExchange:
      case ColType::kSymbol:
      case ColType::kAccount: {
        auto text = ReadText(v, col.name, false);
        if (!text.ok()) return text.status();
        if (text->value().empty() && col.type != ColType::kAccount) {
          return Status::InvalidArgument(col.name + " must not be empty");
        }
        if (col.type == ColType::kExchange) {
          // Venue ids are lower-case (docs/sql.md), as every ingest adapter
          // writes them: 'Binance' must not become a series of its own.
          key->exchange = **text;
          for (char& c : key->exchange) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (col.type == ColType::kSymbol) key->symbol = **text;
        if (col.type == ColType::kAccount) account = **text;
        break;
      }
      case ColType::kSide: {
        auto text = ReadText(v, "side", false);
        if (!text.ok()) return text.status();
        auto parsed = ParseSide(**text);
        if (!parsed) {
          return Status::InvalidArgument("side must be 'long' or 'short', got " + DescribeValue(v));
        }
        side = *parsed;
        break;
      }
      case ColType::kCoin: {
        auto text = ReadText(v, "coin", true);
        if (!text.ok()) return text.status();
        coin = *text;
        break;
      }
      case ColType::kValue: {
        const bool derived = table.kind == Kind::kLiquidations && col.value == liq_col::kNotional;
        auto num = ReadNumber(v, col.name, schema.value_nullable[col.value] || derived);
        if (!num.ok()) return num.status();
        if (num->has_value()) nums[col.value] = **num;
        break;
      }
    }
  }
  if (coin) {
    // The coin is derived from the symbol; a row may name it, not change it.
    const std::string derived = CoinOf(key->exchange, key->symbol).coin;
    if (*coin != derived) {
      return Status::InvalidArgument("coin '" + *coin + "' contradicts symbol '" + key->symbol + "' on " +
                                     key->exchange + ", whose coin is '" + derived +
                                     "' (coin is derived; leave it out)");
    }
  }
  if (table.kind == Kind::kLiquidations && std::isnan(nums[liq_col::kNotional])) {
    nums[liq_col::kNotional] = nums[liq_col::kPrice] * nums[liq_col::kQty];
  }
  *row = Columns(table.kind);
  row->ts.push_back(ts);
  if (schema.has_side) row->side.push_back(static_cast<uint8_t>(side));
  if (schema.has_account) row->account.push_back(row->InternAccount(account));
  for (int c = 0; c < schema.num_values; ++c) row->values[c].push_back(nums[c]);
  Status s = ValidateRows(*row);
  if (!s.ok()) {
    std::string msg = s.message();
    if (msg.rfind("row 1: ", 0) == 0) msg.erase(0, 7);
    return Status::InvalidArgument(msg);
  }
  return Status::OK();
}

void PopLastRow(Columns* rows) {
  if (rows->ts.empty()) return;
  rows->ts.pop_back();
  if (!rows->side.empty()) rows->side.pop_back();
  if (!rows->account.empty()) rows->account.pop_back();
  for (auto& v : rows->values) {
    if (!v.empty()) v.pop_back();
  }
}

// Drops buffered rows beyond the first `keep`.
void TruncatePending(LiqdbTable* table, size_t keep) {
  while (table->journal.size() > keep) {
    PopLastRow(&table->pending[table->journal.back()].rows);
    table->journal.pop_back();
  }
}

void ClearPending(LiqdbTable* table) {
  table->pending.clear();
  table->pending_index.clear();
  table->journal.clear();
  table->savepoints.clear();
}

int Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid) {
  return GuardVtab(vtab, [&] {
    LiqdbTable* table = TableOf(vtab);
    if (argc == 1 || sqlite3_value_type(argv[0]) != SQLITE_NULL) {
      SetVtabError(vtab,
                   table->name + ": liqdb tables are append-only (UPDATE and DELETE are not supported)");
      return SQLITE_ERROR;
    }
    if (table->read_only) {
      SetVtabError(vtab,
                   table->name + ": cannot INSERT: the table is read-only (declared with mode='readonly')");
      return SQLITE_READONLY;
    }
    if (!table->created_here && !table->connection->writes_allowed) {
      SetVtabError(vtab, table->name +
                             ": cannot INSERT: this connection did not create the table, and writes "
                             "from SQL into stores declared in a database file need consent: run "
                             "SELECT liqdb_allow_writes(); first (only for files you trust)");
      return SQLITE_READONLY;
    }
    if (!table->writer) {
      auto writer = OpenStoreForWriting(table->info->folder);
      if (!writer.ok()) return VtabStatus(vtab, writer.status().WithContext(table->name + ": cannot INSERT"));
      table->writer = std::move(writer).value();
    }
    if (argc != static_cast<int>(table->cols.size()) + 2) {
      SetVtabError(vtab, table->name + ": wrong number of values");
      return SQLITE_ERROR;
    }
    SeriesKey key;
    Columns row;
    Status s = ReadRow(*table, argv + 2, &key, &row);
    if (!s.ok()) return VtabStatus(vtab, s.WithContext(table->name + ": cannot INSERT"));
    auto [it, inserted] = table->pending_index.emplace(key, table->pending.size());
    if (inserted) table->pending.push_back(SeriesBatch{key, Columns(table->kind)});
    table->pending[it->second].rows.AppendRow(row, 0);
    table->journal.push_back(static_cast<uint32_t>(it->second));
    *rowid = static_cast<sqlite3_int64>(table->journal.size());
    return SQLITE_OK;
  });
}

// Writes the buffered rows, atomically and durably.
Status FlushPending(LiqdbTable* table) {
  std::vector<SeriesBatch> batches;
  for (SeriesBatch& b : table->pending) {
    if (!b.rows.empty()) batches.push_back(std::move(b));
  }
  ClearPending(table);
  if (batches.empty()) return Status::OK();
  auto stats = table->writer->AppendAll(batches);
  if (!stats.ok())
    return stats.status().WithContext(table->name + ": cannot write to store '" + table->info->folder + "'");
  return Status::OK();
}

int Begin(sqlite3_vtab* vtab) {
  ClearPending(TableOf(vtab));
  return SQLITE_OK;
}

int Sync(sqlite3_vtab* vtab) {
  return GuardVtab(vtab, [&] { return VtabStatus(vtab, FlushPending(TableOf(vtab))); });
}

int Commit(sqlite3_vtab* vtab) {
  // xSync has written everything; this only matters if it was skipped.
  return GuardVtab(vtab, [&] { return VtabStatus(vtab, FlushPending(TableOf(vtab))); });
}

int Rollback(sqlite3_vtab* vtab) {
  ClearPending(TableOf(vtab));
  return SQLITE_OK;
}

int Savepoint(sqlite3_vtab* vtab, int level) {
  return GuardVtab(vtab, [&] {
    LiqdbTable* table = TableOf(vtab);
    auto& marks = table->savepoints;
    marks.erase(std::remove_if(marks.begin(), marks.end(), [&](auto& m) { return m.first >= level; }),
                marks.end());
    marks.emplace_back(level, table->journal.size());
    return SQLITE_OK;
  });
}

int Release(sqlite3_vtab* vtab, int level) {
  auto& marks = TableOf(vtab)->savepoints;
  marks.erase(std::remove_if(marks.begin(), marks.end(), [&](auto& m) { return m.first >= level; }),
              marks.end());
  return SQLITE_OK;
}

int RollbackTo(sqlite3_vtab* vtab, int level) {
  LiqdbTable* table = TableOf(vtab);
  auto& marks = table->savepoints;
  // No mark for `level`: the savepoint predates this table's part in the
  // transaction, so everything buffered came after it.
  size_t keep = 0;
  for (const auto& m : marks) {
    if (m.first == level) keep = m.second;
  }
  TruncatePending(table, keep);
  marks.erase(std::remove_if(marks.begin(), marks.end(), [&](auto& m) { return m.first > level; }),
              marks.end());
  return SQLITE_OK;
}

int Rename(sqlite3_vtab* vtab, const char* new_name) {
  return GuardVtab(vtab, [&] {
    LiqdbTable* table = TableOf(vtab);
    UnregisterTable(table->db, table->schema, table->name, table->info.get());
    table->name = new_name;
    RegisterTable(table->db, table->schema, table->name, table->info);
    return SQLITE_OK;
  });
}

sqlite3_module MakeModule() {
  sqlite3_module m{};
  m.iVersion = 2;
  m.xCreate = Create;
  m.xConnect = Connect;
  m.xBestIndex = BestIndex;
  m.xDisconnect = Disconnect;
  m.xDestroy = Disconnect;  // the store's data stays; only the declaration goes
  m.xOpen = Open;
  m.xClose = Close;
  m.xFilter = Filter;
  m.xNext = Next;
  m.xEof = Eof;
  m.xColumn = Column;
  m.xRowid = Rowid;
  m.xUpdate = Update;
  m.xBegin = Begin;
  m.xSync = Sync;
  m.xCommit = Commit;
  m.xRollback = Rollback;
  m.xRename = Rename;
  m.xSavepoint = Savepoint;
  m.xRelease = Release;
  m.xRollbackTo = RollbackTo;
  return m;
}

const sqlite3_module kLiqdbModule = MakeModule();

void FreeConnectionRef(void* p) {
  delete static_cast<ConnectionRef*>(p);
}

// liqdb_allow_writes(): lets this connection INSERT into liqdb tables it did
// not create. Returns 1.
void AllowWrites(sqlite3_context* ctx, int, sqlite3_value**) {
  (*static_cast<ConnectionRef*>(sqlite3_user_data(ctx)))->writes_allowed = true;
  sqlite3_result_int(ctx, 1);
}

}  // namespace

int RegisterLiqdbModule(sqlite3* db) {
  auto state = std::make_shared<ConnectionState>();
  int rc = sqlite3_create_module_v2(db, "liqdb", &kLiqdbModule, new ConnectionRef(state), FreeConnectionRef);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function_v2(db, "liqdb_allow_writes", 0, SQLITE_UTF8 | SQLITE_DIRECTONLY,
                                    new ConnectionRef(state), AllowWrites, nullptr, nullptr,
                                    FreeConnectionRef);
}

}  // namespace liqdb::ext
