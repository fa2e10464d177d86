// Hidden-column arguments of the table-valued functions (see tvf_args.h).
#include "extension/tvf_args.h"

#include <algorithm>
#include <new>

namespace liqdb::ext {

std::string TvfSchemaSql(const TvfSignature& sig) {
  std::string sql = "CREATE TABLE x(";
  bool first = true;
  auto add = [&](const std::string& column) {
    if (!first) sql += ", ";
    sql += column;
    first = false;
  };
  for (const TvfColumn& c : sig.columns) add(std::string(c.name) + " " + c.type);
  // Quoted: "from" and "to" are keywords.
  for (const char* name : sig.names) add("\"" + std::string(name) + "\" HIDDEN");
  return sql + ")";
}

int TvfConnect(sqlite3* db, const char* function, const char* schema_sql, sqlite3_vtab** out, char** err) {
  const int rc = sqlite3_declare_vtab(db, schema_sql);
  if (rc != SQLITE_OK) {
    *err = sqlite3_mprintf("%s: %s", function, sqlite3_errmsg(db));
    return rc;
  }
  try {
    *out = new TvfTable(db);
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

int TvfDisconnect(sqlite3_vtab* vtab) {
  delete static_cast<TvfTable*>(vtab);
  return SQLITE_OK;
}

int TvfBestIndex(const TvfSignature& sig, sqlite3_index_info* info) {
  const int n = static_cast<int>(sig.names.size());
  std::vector<int> constraint_of(n, -1);
  unsigned unusable = 0;
  for (int i = 0; i < info->nConstraint; ++i) {
    const auto& c = info->aConstraint[i];
    const int j = c.iColumn - sig.first_hidden();
    if (j < 0 || j >= n || c.op != SQLITE_INDEX_CONSTRAINT_EQ) continue;
    if (!c.usable) {
      unusable |= 1u << j;
      continue;
    }
    constraint_of[j] = i;
  }
  // idxNum bit j: hidden argument j is present, in argv at its rank among the present ones.
  int idx_num = 0, argc = 0;
  for (int j = 0; j < n; ++j) {
    if (constraint_of[j] < 0) continue;
    info->aConstraintUsage[constraint_of[j]].argvIndex = ++argc;
    info->aConstraintUsage[constraint_of[j]].omit = 1;
    idx_num |= 1 << j;
  }
  // Filters: the first usable `=` (or IN) per filter column, compared as
  // binary text; the function applies it exactly (normalising the spelling,
  // e.g. 'btc' → 'BTC'), so SQLite does not check it again.
  const int filters = std::min(static_cast<int>(sig.filters.size()), kMaxTvfFilters);
  for (int k = 0; k < filters; ++k) {
    for (int i = 0; i < info->nConstraint; ++i) {
      const auto& c = info->aConstraint[i];
      if (c.iColumn != sig.filters[k] || c.op != SQLITE_INDEX_CONSTRAINT_EQ || !c.usable ||
          info->aConstraintUsage[i].argvIndex > 0) {
        continue;
      }
      const char* collation = sqlite3_vtab_collation(info, i);
      if (collation != nullptr && sqlite3_stricmp(collation, "BINARY") != 0) continue;
      if (sqlite3_vtab_in(info, i, -1)) {
        sqlite3_vtab_in(info, i, 1);
        idx_num |= 1 << (kTvfInBit + k);
      }
      info->aConstraintUsage[i].argvIndex = ++argc;
      info->aConstraintUsage[i].omit = 1;
      idx_num |= 1 << (kTvfFilterBit + k);
      break;
    }
  }
  // An argument whose value is not available yet (a join) must wait for a plan
  // that supplies it.
  if ((unusable & ~static_cast<unsigned>(idx_num)) != 0) return SQLITE_CONSTRAINT;
  const int required_mask = (1 << sig.required) - 1;
  if ((idx_num & required_mask) == required_mask) {
    // Each pushed filter makes the plan cheaper, so SQLite prefers pushing it.
    double cost = 1000;
    for (int k = 0; k < filters; ++k) {
      if (idx_num & (1 << (kTvfFilterBit + k))) cost /= 4;
    }
    info->estimatedCost = cost;
    info->estimatedRows = static_cast<sqlite3_int64>(cost);
  } else {
    // xFilter will report the missing argument; prefer any complete plan.
    info->estimatedCost = 1e15;
    info->estimatedRows = 1'000'000'000;
  }
  if (sig.sorted_column >= 0 && info->nOrderBy == 1 && info->aOrderBy[0].iColumn == sig.sorted_column &&
      !info->aOrderBy[0].desc) {
    info->orderByConsumed = 1;
  }
  info->idxNum = idx_num;
  return SQLITE_OK;
}

TvfArgs::~TvfArgs() {
  Clear();
}

void TvfArgs::Clear() {
  for (sqlite3_value* v : values_) sqlite3_value_free(v);
  values_.clear();
  filters_.clear();
}

namespace {

void AddText(sqlite3_value* v, std::vector<std::string>* out) {
  if (v == nullptr || sqlite3_value_type(v) == SQLITE_NULL) return;  // = NULL matches nothing
  const unsigned char* p = sqlite3_value_text(v);
  if (p == nullptr) return;
  out->emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(v)));
}

}  // namespace

bool TvfArgs::Has(int j) const {
  sqlite3_value* v = Get(j);
  return v != nullptr && sqlite3_value_type(v) != SQLITE_NULL;
}

Status TvfArgs::Load(const TvfSignature& sig, int idx_num, int argc, sqlite3_value** argv) {
  Clear();
  const int n = static_cast<int>(sig.names.size());
  values_.assign(n, nullptr);
  int k = 0;
  for (int j = 0; j < n; ++j) {
    if ((idx_num & (1 << j)) == 0 || k >= argc) continue;
    values_[j] = sqlite3_value_dup(argv[k++]);
    if (values_[j] == nullptr) return Status::IOError("out of memory");
  }
  const int filters = std::min(static_cast<int>(sig.filters.size()), kMaxTvfFilters);
  filters_.assign(filters, std::nullopt);
  for (int f = 0; f < filters; ++f) {
    if ((idx_num & (1 << (kTvfFilterBit + f))) == 0 || k >= argc) continue;
    sqlite3_value* v = argv[k++];
    std::vector<std::string> values;
    if (idx_num & (1 << (kTvfInBit + f))) {
      sqlite3_value* x = nullptr;
      int rc = sqlite3_vtab_in_first(v, &x);
      for (; rc == SQLITE_OK && x != nullptr; rc = sqlite3_vtab_in_next(v, &x)) AddText(x, &values);
      if (rc != SQLITE_OK && rc != SQLITE_DONE) return Status::IOError("cannot read an IN (…) list");
    } else {
      AddText(v, &values);
    }
    filters_[f] = std::move(values);
  }
  for (int j = 0; j < sig.required; ++j) {
    if (values_[j] == nullptr) {
      std::string usage = std::string(sig.function) + "(";
      for (int a = 0; a < n; ++a) {
        if (a < sig.required) {
          usage += std::string(a > 0 ? ", " : "") + sig.names[a];
        } else {
          usage += std::string(a > 0 ? " [, " : "[") + sig.names[a];
        }
      }
      usage += std::string(n - sig.required, ']');
      usage += ")";
      return Status::InvalidArgument(std::string(sig.function) + ": missing argument '" + sig.names[j] +
                                     "' (usage: " + usage + ")");
    }
  }
  return Status::OK();
}

}  // namespace liqdb::ext
