// The hidden-column arguments of liqdb's table-valued functions.
//
// A table-valued function `f(a, b, c)` is a virtual table whose arguments are
// HIDDEN columns: SQLite passes `f('x', 1, 2)` as the constraints a = 'x',
// b = 1, c = 2, exactly as `SELECT * FROM f WHERE a = 'x' AND b = 1 ...` would,
// so views and BI tools can use either form (as ext/misc/series.c does).
//
// TvfBestIndex claims every usable `=` constraint on a hidden column. idxNum
// bit j is set when hidden argument j is present; the present arguments reach
// xFilter's argv in ascending j. TvfArgs keeps copies of them for xFilter and
// for xColumn on the hidden columns. A function may also take `=`/IN
// constraints on some result columns as filters (TvfSignature::filters).
//
// Thread-safety: per cursor.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "extension/sqlite_api.h"

#include "liqdb/status.h"

namespace liqdb::ext {

// The vtab of a table-valued function: it only remembers its connection,
// which resolves the `source` argument.
struct TvfTable : sqlite3_vtab {
  explicit TvfTable(sqlite3* connection) : sqlite3_vtab{}, db(connection) {}
  ~TvfTable() { sqlite3_free(zErrMsg); }
  sqlite3* db;
};

// xConnect of a table-valued function: declares `schema_sql`.
int TvfConnect(sqlite3* db, const char* function, const char* schema_sql, sqlite3_vtab** out, char** err);
// xDisconnect.
int TvfDisconnect(sqlite3_vtab* vtab);

// One result column of a table-valued function.
struct TvfColumn {
  const char* name;  // "bucket"
  const char* type;  // "INTEGER", "REAL"
};

// Describes one function's columns: the one place that names them. The
// declared schema (TvfSchemaSql) and the index of the first argument column
// are derived from it; each file's column-index enum is checked against it.
struct TvfSignature {
  const char* function;            // "liq_histogram"
  std::vector<TvfColumn> columns;  // result columns, in order
  std::vector<const char*> names;  // argument names, in order: hidden columns after the results
  int required;                    // the first `required` arguments must be given
  int sorted_column = -1;          // rows come in ascending order of this column
  // Result columns (TEXT) whose `=` and `IN (…)` constraints the function
  // applies itself (liq_breakdown's exchange, symbol, coin): filter k is
  // columns[filters[k]]. At most kMaxTvfFilters.
  std::vector<int> filters = {};

  int first_hidden() const { return static_cast<int>(columns.size()); }
};

// idxNum layout: bit j (< kTvfFilterBit) argument j present; bit
// kTvfFilterBit + k filter k present; bit kTvfInBit + k filter k is an IN
// list handed over all at once (sqlite3_vtab_in). xFilter's argv holds the
// present arguments in ascending j, then the present filters in ascending k.
constexpr int kTvfFilterBit = 16;
constexpr int kTvfInBit = 24;
constexpr int kMaxTvfFilters = 4;

// "CREATE TABLE x(bucket INTEGER, …, source HIDDEN, "from" HIDDEN, …)".
std::string TvfSchemaSql(const TvfSignature& sig);

// xBestIndex for a table-valued function. No side effects. Claims an
// `ORDER BY <sorted_column>` (ascending) as already satisfied.
int TvfBestIndex(const TvfSignature& sig, sqlite3_index_info* info);

// The argument values of one xFilter call.
class TvfArgs {
 public:
  TvfArgs() = default;
  TvfArgs(const TvfArgs&) = delete;
  TvfArgs& operator=(const TvfArgs&) = delete;
  ~TvfArgs();

  // Copies argv according to idxNum; fails naming the first missing required argument.
  Status Load(const TvfSignature& sig, int idx_num, int argc, sqlite3_value** argv);
  // Argument j, or nullptr when absent.
  sqlite3_value* Get(int j) const { return j < static_cast<int>(values_.size()) ? values_[j] : nullptr; }
  // Argument j when present and not NULL.
  bool Has(int j) const;
  // The values filter k must take (every value of an IN list; NULLs, which
  // match nothing, left out), or nullptr when the statement has no such
  // constraint.
  const std::vector<std::string>* Filter(int k) const {
    return k < static_cast<int>(filters_.size()) && filters_[k].has_value() ? &*filters_[k] : nullptr;
  }

 private:
  void Clear();
  std::vector<sqlite3_value*> values_;
  std::vector<std::optional<std::vector<std::string>>> filters_;
};

}  // namespace liqdb::ext
