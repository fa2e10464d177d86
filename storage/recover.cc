// Damage in a store's logs: the message a failed open gives, and
// RocksStore::Recover, which opens a damaged store accepting the loss and says
// what was given up (see Store::Recover in liqdb/store.h).
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <signal.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "storage/chunk_format.h"
#include "storage/keys.h"
#include "storage/log_check.h"
#include "storage/process_lock.h"
#include "storage/rocks_store.h"

namespace liqdb::storage {

namespace fs = std::filesystem;

namespace {

// What the intact records after a damaged one would have changed: chunk
// headers written and deleted, and series created.
class BatchSummary : public rocksdb::WriteBatch::Handler {
 public:
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    if (cf != 0 || key.empty()) return rocksdb::Status::OK();
    if (key[0] == kTagHeader) {
      ChunkKey ck;
      ChunkMeta meta;
      if (DecodeChunkKey(key.ToStringView(), &ck) && DecodeHeader(value.ToStringView(), &meta).ok()) {
        meta.kind = ck.kind;
        meta.series_id = ck.series_id;
        meta.chunk_id = ck.chunk_id;
        added_[ck.chunk_id] = meta;
      }
    } else if (key[0] == kTagSeries && value.size() == 4) {
      Kind kind;
      SeriesKey sk;
      uint32_t id;
      std::memcpy(&id, value.data(), 4);
      if (ParseSeriesKeyBytes(key.ToStringView(), &kind, &sk)) series_[id] = {kind, sk};
    }
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    if (cf != 0 || key.empty() || key[0] != kTagHeader) return rocksdb::Status::OK();
    ChunkKey ck;
    if (!DecodeChunkKey(key.ToStringView(), &ck)) return rocksdb::Status::OK();
    if (added_.erase(ck.chunk_id) == 0) deleted_.emplace(ck.series_id, ck.chunk_id);
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t cf, const rocksdb::Slice& key) override {
    return DeleteCF(cf, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status MarkBeginPrepare(bool) override { return rocksdb::Status::OK(); }
  rocksdb::Status MarkEndPrepare(const rocksdb::Slice&) override { return rocksdb::Status::OK(); }
  rocksdb::Status MarkCommit(const rocksdb::Slice&) override { return rocksdb::Status::OK(); }
  rocksdb::Status MarkRollback(const rocksdb::Slice&) override { return rocksdb::Status::OK(); }

  std::map<uint64_t, ChunkMeta> added_;              // chunk id → header, net of later deletes
  std::set<std::pair<uint32_t, uint64_t>> deleted_;  // (series, chunk id) of older chunks deleted
  std::map<uint32_t, std::pair<Kind, SeriesKey>> series_;
};

std::string UtcStamp() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

struct LogFindings {
  std::vector<std::string> findings;      // one line per damaged file
  std::vector<std::string> dropped;       // intact records a point-in-time recovery gives up
  std::vector<std::string> damaged_wals;  // the first damaged WAL and every later one
  uint64_t unreadable = 0;                // damaged records (their content is lost)
  bool wal_damaged = false;
  bool manifest_damaged = false;
  std::string manifest;
};

LogFindings InspectLogs(const std::string& dir) {
  LogFindings f;
  for (const std::string& wal : WalFiles(dir)) {
    if (f.wal_damaged) {
      // Replay stops at the first damage: later logs are given up whole.
      f.damaged_wals.push_back(wal);
      auto scan = ScanLogFile(wal, [&](std::string_view r) { f.dropped.emplace_back(r); });
      if (scan.ok()) {
        for (auto& r : scan->after) f.dropped.push_back(std::move(r));
        if (scan->damage.damaged) ++f.unreadable;
      }
      continue;
    }
    auto scan = ScanLogFile(wal);
    if (!scan.ok()) {
      f.findings.push_back(scan.status().message());
      continue;
    }
    if (!scan->damage.damaged) continue;
    f.wal_damaged = true;
    f.damaged_wals.push_back(wal);
    f.unreadable = 1;
    f.findings.push_back("write-ahead log '" + wal + "': " + scan->damage.reason + " at byte " +
                         std::to_string(scan->damage.offset) + " of " + std::to_string(scan->size));
    for (auto& r : scan->after) f.dropped.push_back(std::move(r));
  }
  f.manifest = CurrentManifest(dir);
  if (!f.manifest.empty()) {
    auto scan = ScanLogFile(f.manifest);
    if (scan.ok() && scan->damage.damaged) {
      f.manifest_damaged = true;
      f.findings.push_back("manifest '" + f.manifest + "': " + scan->damage.reason + " at byte " +
                           std::to_string(scan->damage.offset));
    }
  }
  return f;
}

}  // namespace

std::string RocksStore::DescribeDamage(const std::string& dir, const std::string& rocks_message) {
  LogFindings f = InspectLogs(dir);
  std::string msg = "store '" + dir + "' is damaged: ";
  if (f.findings.empty()) {
    msg += rocks_message;
  } else {
    for (size_t i = 0; i < f.findings.size(); ++i) msg += (i ? "; " : "") + f.findings[i];
    if (f.wal_damaged) {
      msg += " (the damaged record and " + std::to_string(f.dropped.size()) +
             " later record(s) could not be replayed)";
    }
  }
  return msg + ". Nothing was changed; `liqdb recover --store " + dir +
         "` opens it accepting the loss and lists what is lost";
}

Result<RecoveryReport> RocksStore::Recover(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(fs::path(path) / "CURRENT", ec))
    return Status::NotFound("no liqdb store at '" + path + "'");
  if (LockHolderPid(path)) return Status::Busy(WriterBusyMessage(path));

  RecoveryReport report;
  LogFindings f = InspectLogs(path);
  report.findings = f.findings;
  report.unreadable_records = f.unreadable;
  if (f.wal_damaged || f.manifest_damaged) {
    // Copies of what recovery discards, for forensics; RocksDB ignores sub-folders.
    const fs::path kept = fs::path(path) / ("damaged-" + UtcStamp());
    fs::create_directories(kept, ec);
    if (ec) return Status::IOError("cannot create '" + kept.string() + "': " + ec.message());
    std::vector<std::string> copies = f.damaged_wals;
    if (f.manifest_damaged) copies.push_back(f.manifest);
    for (const std::string& file : copies) {
      fs::copy_file(file, kept / fs::path(file).filename(), fs::copy_options::overwrite_existing, ec);
      if (ec)
        return Status::IOError("cannot copy '" + file + "' to '" + kept.string() + "': " + ec.message());
    }
    report.kept = kept.string();
  }

  rocksdb::Options options = DbOptions(false);
  if (f.wal_damaged) options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  rocksdb::Status s;
  {
    rocksdb::DB* raw = nullptr;
    if (!f.manifest_damaged) s = rocksdb::DB::Open(options, path, &raw);
    if (f.manifest_damaged || s.IsCorruption()) {
      // The manifest (the list of table files) is unreadable: rebuild it from
      // the table files themselves.
      if (raw != nullptr) delete raw;
      raw = nullptr;
      s = rocksdb::RepairDB(path, options);
      if (!s.ok()) return Status::Corruption("store '" + path + "': repair failed: " + s.ToString());
      report.findings.push_back("rebuilt the manifest from the store's table files");
      s = rocksdb::DB::Open(options, path, &raw);
    }
    if (!s.ok())
      return Status::Corruption("store '" + path + "': cannot open after recovery: " + s.ToString());
    // Record the recovery and flush: the flush moves RocksDB past every old
    // log, damaged ones included, so they are not replayed again at the next
    // open. (With nothing replayed the memtable would be empty, no flush
    // would happen and the damaged log would stay live.)
    const uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                   std::chrono::system_clock::now().time_since_epoch())
                                                   .count());
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = raw->Put(wo, MetaKey("last_recovery"), std::string(reinterpret_cast<const char*>(&now), 8));
    if (s.ok()) s = raw->Flush(rocksdb::FlushOptions());
    raw->Close().PermitUncheckedError();
    delete raw;
    if (!s.ok()) return Status::IOError("store '" + path + "': flush after recovery: " + s.ToString());
  }
  report.changed = f.wal_damaged || f.manifest_damaged;

  StoreOptions so;
  so.mode = StoreOptions::Mode::kReadWrite;
  so.create_if_missing = false;
  auto opened = OpenFolder(path, so);
  if (!opened.ok()) return opened.status();
  RocksStore& store = **opened;

  // What the dropped records would have added, net of what they rewrote.
  BatchSummary summary;
  for (const std::string& rep : f.dropped) {
    rocksdb::WriteBatch batch(rep);
    batch.Iterate(&summary).PermitUncheckedError();
  }
  std::map<uint32_t, RecoveryReport::Lost> lost;
  auto lost_of = [&](uint32_t series_id, Kind kind) -> RecoveryReport::Lost& {
    auto [it, inserted] = lost.try_emplace(series_id);
    if (inserted) {
      it->second.kind = kind;
      auto known = store.series_.find(series_id);
      if (known != store.series_.end()) {
        it->second.series = known->second.key;
      } else if (auto created = summary.series_.find(series_id); created != summary.series_.end()) {
        it->second.series = created->second.second;
      }
    }
    return it->second;
  };
  for (const auto& [id, meta] : summary.added_) {
    RecoveryReport::Lost& l = lost_of(meta.series_id, meta.kind);
    l.min_ts = l.rows == 0 ? meta.min_ts : std::min(l.min_ts, meta.min_ts);
    l.max_ts = l.rows == 0 ? meta.max_ts : std::max(l.max_ts, meta.max_ts);
    l.rows += meta.rows;
  }
  for (const auto& [series_id, chunk_id] : summary.deleted_) {
    for (const ChunkMeta& m : store.ChunksOf(series_id)) {
      if (m.chunk_id == chunk_id) lost_of(series_id, m.kind).rows -= m.rows;
    }
  }
  for (auto& [id, l] : lost) {
    if (l.rows != 0) report.lost.push_back(l);
  }

  uint64_t bad_checkpoints = 0;
  LIQDB_RETURN_IF_ERROR(store.CheckCheckpoints(
      [&](const std::string& line) { report.findings.push_back(line); }, true, &bad_checkpoints));
  uint64_t bad_gaps = 0;
  LIQDB_RETURN_IF_ERROR(
      store.CheckGaps([&](const std::string& line) { report.findings.push_back(line); }, true, &bad_gaps));
  uint64_t bad_heartbeats = 0;
  LIQDB_RETURN_IF_ERROR(store.CheckHeartbeats(
      [&](const std::string& line) { report.findings.push_back(line); }, true, &bad_heartbeats));
  report.changed = report.changed || bad_checkpoints > 0 || bad_gaps > 0 || bad_heartbeats > 0;
  return report;
}

void RocksStore::RemoveStaleSecondaries() {
  // A reader killed before it closed leaves its folder behind.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(ec), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("liqdb-secondary-", 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + 16, nullptr, 10);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    fs::remove_all(entry.path(), ec);
  }
}

}  // namespace liqdb::storage
