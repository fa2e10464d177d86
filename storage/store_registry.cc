// Store::Open: one shared handle per store folder per process.
//
// RocksDB locks a folder per process, so a second DB::Open of the same folder
// would fail; every SQLite connection and command in one process that names a
// store must share the handle. The registry holds weak references: a store
// closes when its last user lets go.
#include <filesystem>
#include <map>
#include <mutex>

#include "liqdb/store.h"
#include "storage/rocks_store.h"

namespace liqdb {

namespace {
std::mutex g_registry_mu;
std::map<std::string, std::weak_ptr<Store>>& Registry() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Store>>();
  return *registry;
}
}  // namespace

Result<std::shared_ptr<Store>> Store::Open(const std::string& path, const StoreOptions& options) {
  if (path.empty()) return Status::InvalidArgument("store path is empty");
  std::error_code ec;
  std::filesystem::path canonical = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  if (ec) return Status::InvalidArgument("bad store path '" + path + "': " + ec.message());
  const std::string key = canonical.string();

  std::lock_guard lock(g_registry_mu);
  auto& registry = Registry();
  auto it = registry.find(key);
  if (it != registry.end()) {
    if (auto existing = it->second.lock()) return existing;
  }
  auto opened = storage::RocksStore::OpenFolder(key, options);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<Store> store = std::move(opened).value();
  registry[key] = store;
  return store;
}

}  // namespace liqdb
