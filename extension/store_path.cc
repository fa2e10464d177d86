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

Result<std::shared_ptr<Store>> OpenStoreForReading(const std::string& folder) {
  StoreOptions options;
  options.mode = StoreOptions::Mode::kReadOnly;
  options.create_if_missing = false;
  return Store::Open(folder, options);
}

Result<std::shared_ptr<Store>> OpenStoreForWriting(const std::string& folder) {
  StoreOptions options;
  options.mode = StoreOptions::Mode::kReadWrite;
  options.create_if_missing = false;
  return Store::Open(folder, options);
}

Status CreateStoreIfMissing(const std::string& folder) {
  std::error_code ec;
  if (fs::exists(fs::path(folder) / "CURRENT", ec)) return Status::OK();
  StoreOptions options;
  options.mode = StoreOptions::Mode::kReadWrite;
  options.create_if_missing = true;
  auto store = Store::Open(folder, options);
  return store.ok() ? Status::OK() : store.status();
}

}  // namespace liqdb::ext
