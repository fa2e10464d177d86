// Store::Open: one shared handle per store folder per process.
//
// RocksDB locks a folder per process, so a second DB::Open of the same folder
// would fail; every SQLite connection and command in one process that names a
// store must share the handle. A read-only request is served by any open
// handle; a writing request never by a read-only one. The registry holds weak
// references: a store closes when its last user lets go.
#include <filesystem>
#include <map>
#include <mutex>

#include "storage/rocks_store.h"

#include "liqdb/store.h"

namespace liqdb {

namespace {
std::mutex g_registry_mu;
// Handles opened for writing (kAuto/kReadWrite; a kAuto handle may have
// become a read-only secondary because another process writes the folder).
std::map<std::string, std::weak_ptr<Store>>& Writers() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Store>>();
  return *registry;
}
// Handles opened with kReadOnly. They take no lock, so a writer opened later
// in the same process gets its own handle instead of this read-only one.
std::map<std::string, std::weak_ptr<Store>>& Readers() {
  static auto* registry = new std::map<std::string, std::weak_ptr<Store>>();
  return *registry;
}
std::shared_ptr<Store> Find(std::map<std::string, std::weak_ptr<Store>>& registry, const std::string& key) {
  auto it = registry.find(key);
  return it == registry.end() ? nullptr : it->second.lock();
}
}  // namespace

Result<std::shared_ptr<Store>> Store::Open(const std::string& path, const StoreOptions& options) {
  if (path.empty()) return Status::InvalidArgument("store path is empty");
  const bool read_only = options.mode == StoreOptions::Mode::kReadOnly;
  {
    // A path that is a registered key is canonical already: the extension
    // asks again with the same path for every statement, and resolving it
    // (a readlink per component) would cost more than the lookup.
    std::lock_guard lock(g_registry_mu);
    if (auto existing = Find(Writers(), path)) return existing;
    if (read_only) {
      if (auto existing = Find(Readers(), path)) return existing;
    }
  }
  std::error_code ec;
  std::filesystem::path canonical =
      std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  if (ec) return Status::InvalidArgument("bad store path '" + path + "': " + ec.message());
  const std::string key = canonical.string();

  std::lock_guard lock(g_registry_mu);
  if (auto existing = Find(Writers(), key)) return existing;
  if (read_only) {
    if (auto existing = Find(Readers(), key)) return existing;
  }
  auto opened = storage::RocksStore::OpenFolder(key, options);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<Store> store = std::move(opened).value();
  (read_only ? Readers() : Writers())[key] = store;
  return store;
}

Result<RecoveryReport> Store::Recover(const std::string& path) {
  std::error_code ec;
  const std::string key = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec).string();
  if (ec || path.empty()) return Status::InvalidArgument("bad store path '" + path + "'");
  std::lock_guard lock(g_registry_mu);
  if (Find(Writers(), key) || Find(Readers(), key)) {
    return Status::Busy("store '" + key + "' is open in this process; close it before recovering");
  }
  return storage::RocksStore::Recover(key);
}

}  // namespace liqdb
