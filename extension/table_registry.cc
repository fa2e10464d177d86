// The per-connection registry of liqdb tables (see table_registry.h).
#include "extension/table_registry.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <tuple>

#include "extension/store_path.h"

namespace liqdb::ext {

namespace {

using Key = std::tuple<sqlite3*, std::string, std::string>;  // db, schema, table (lower case)

std::mutex g_mu;
std::map<Key, std::shared_ptr<const TableInfo>>& Tables() {
  static auto* tables = new std::map<Key, std::shared_ptr<const TableInfo>>();
  return *tables;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The registered table `name` of `db`: in `schema` if given, else temp, main,
// then any attached schema (SQLite's own search order).
std::shared_ptr<const TableInfo> Find(sqlite3* db, const std::string& schema, const std::string& name) {
  std::lock_guard lock(g_mu);
  auto& tables = Tables();
  if (!schema.empty()) {
    auto it = tables.find(Key(db, schema, name));
    return it == tables.end() ? nullptr : it->second;
  }
  for (const char* s : {"temp", "main"}) {
    auto it = tables.find(Key(db, s, name));
    if (it != tables.end()) return it->second;
  }
  for (const auto& [key, info] : tables) {
    if (std::get<0>(key) == db && std::get<2>(key) == name) return info;
  }
  return nullptr;
}

std::string QuoteIdentifier(std::string_view id) {
  std::string out = "\"";
  for (char c : id) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

}  // namespace

void RegisterTable(sqlite3* db, std::string_view schema, std::string_view name,
                   std::shared_ptr<const TableInfo> info) {
  std::lock_guard lock(g_mu);
  Tables()[Key(db, Lower(schema), Lower(name))] = std::move(info);
}

void UnregisterTable(sqlite3* db, std::string_view schema, std::string_view name, const TableInfo* info) {
  std::lock_guard lock(g_mu);
  auto& tables = Tables();
  auto it = tables.find(Key(db, Lower(schema), Lower(name)));
  if (it != tables.end() && it->second.get() == info) tables.erase(it);
}

Result<std::shared_ptr<const TableInfo>> LookupSource(sqlite3* db, std::string_view source,
                                                      std::optional<Kind> want, std::string_view function) {
  const std::string fn(function);
  std::string schema, name;
  const size_t dot = source.find('.');
  if (dot == std::string_view::npos) {
    name = Lower(source);
  } else {
    schema = Lower(source.substr(0, dot));
    name = Lower(source.substr(dot + 1));
  }
  if (name.empty()) return Status::InvalidArgument(fn + ": source must name a liqdb table, got ''");
  auto info = Find(db, schema, name);
  if (info == nullptr) {
    // Not connected yet in this connection (or not a liqdb table): preparing a
    // statement on it makes SQLite connect the virtual table.
    std::string sql = "SELECT 1 FROM ";
    if (!schema.empty()) sql += QuoteIdentifier(schema) + ".";
    sql += QuoteIdentifier(name) + " WHERE 0";
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    std::string prepare_error = rc == SQLITE_OK ? "" : sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) {
      if (prepare_error.rfind("no such table", 0) == 0) {
        return Status::InvalidArgument(fn + ": unknown source '" + std::string(source) + "' (" +
                                       prepare_error + ")");
      }
      return Status::InvalidArgument(fn + ": cannot use source '" + std::string(source) +
                                     "': " + prepare_error);
    }
    info = Find(db, schema, name);
    if (info == nullptr) {
      return Status::InvalidArgument(fn + ": source '" + std::string(source) +
                                     "' is not a liqdb table (declare it with CREATE VIRTUAL "
                                     "TABLE ... USING liqdb(store=..., kind=...))");
    }
  }
  if (want && info->kind != *want) {
    return Status::InvalidArgument(fn + ": source '" + std::string(source) + "' is a '" +
                                   KindName(info->kind) + "' table; " + fn + " needs a '" + KindName(*want) +
                                   "' table");
  }
  auto reader = info->Reader();
  if (!reader.ok()) return reader.status().WithContext(fn + ": source '" + std::string(source) + "'");
  auto out = std::make_shared<TableInfo>();
  out->kind = info->kind;
  out->folder = info->folder;
  out->store = std::move(reader).value();
  return std::shared_ptr<const TableInfo>(std::move(out));
}

Result<std::shared_ptr<Store>> TableInfo::Reader() const {
  auto store = OpenStoreForReading(folder);
  if (!store.ok()) return store.status();
  std::lock_guard lock(mu_);
  reader_ = *store;
  return store;
}

}  // namespace liqdb::ext
