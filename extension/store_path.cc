// Resolving and opening a liqdb table's store folder (see store_path.h).
#include "extension/store_path.h"

#include <filesystem>
#include <system_error>

namespace liqdb::ext {

namespace fs = std::filesystem;

Result<std::string> ResolveStorePath(sqlite3* db, const char* schema, std::string_view store) {
  if (store.empty()) return Status::InvalidArgument("store must not be empty");
  std::error_code ec;
  fs::path path(store);
  if (path.is_relative()) {
    const char* file = sqlite3_db_filename(db, schema);
    fs::path base;
    if (file != nullptr && file[0] != '\0') {
      base = fs::path(file).parent_path();
    }
    if (base.empty()) {
      base = fs::current_path(ec);
      if (ec) return Status::IOError("cannot read the working directory: " + ec.message());
    }
    path = base / path;
  }
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return Status::IOError("cannot resolve store path '" + path.string() + "': " + ec.message());
  absolute = absolute.lexically_normal();
  std::string out = absolute.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Result<std::shared_ptr<Store>> OpenStoreAt(const std::string& folder, bool read_only) {
  StoreOptions options;
  if (read_only) {
    options.mode = StoreOptions::Mode::kReadOnly;
    options.create_if_missing = false;
  } else {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return Status::IOError("cannot create store folder '" + folder + "': " + ec.message());
  }
  auto store = Store::Open(folder, options);
  if (!store.ok()) return store.status().WithContext("cannot open store '" + folder + "'");
  return store;
}

}  // namespace liqdb::ext
