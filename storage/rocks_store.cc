// RocksStore: open, directory, write path (dedupe, staging, sealing),
// compaction, verification and decoding of chunks.
#include "storage/rocks_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "storage/dedupe.h"
#include "storage/keys.h"
#include "storage/log_check.h"
#include "storage/price_rollup.h"
#include "storage/process_lock.h"

#include "liqdb/price_bins.h"

namespace liqdb::storage {

namespace fs = std::filesystem;

Status FromRocks(const rocksdb::Status& s, const std::string& context) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption(context + ": " + s.ToString());
  if (s.IsNotFound()) return Status::NotFound(context + ": " + s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument(context + ": " + s.ToString());
  return Status::IOError(context + ": " + s.ToString());
}

namespace {

// Version 2 added checksums to checkpoint values; version 1 stores are
// upgraded in place by their first writer (their checkpoints, derived data,
// are dropped and recomputed) and read without checkpoints until then.
constexpr uint32_t kStoreFormatVersion = 2;
constexpr uint32_t kOldestFormatVersion = 1;
// Part id under which checkpoint values are checksummed (see SealPart).
constexpr uint8_t kCheckpointSeed = 'K';
const char* const kMetaFormat = "format_version";
const char* const kMetaNextChunk = "next_chunk_id";
const char* const kMetaNextSeries = "next_series_id";

std::string U64Value(uint64_t v) {
  return std::string(reinterpret_cast<const char*>(&v), 8);
}

bool ChunkOrder(const ChunkMeta& a, const ChunkMeta& b) {
  return a.min_ts != b.min_ts ? a.min_ts < b.min_ts : a.chunk_id < b.chunk_id;
}

ChunkKey KeyOf(const ChunkMeta& m, uint8_t part) {
  return ChunkKey{m.kind, m.series_id, m.min_ts, m.chunk_id, part};
}

// Part ids of a chunk other than the header.
std::vector<uint8_t> BodyParts(const ChunkMeta& m) {
  std::vector<uint8_t> parts;
  if (HasRollup(m, kRollupMinute)) parts.push_back(kPartRollupMinute);
  if (HasRollup(m, kRollupHour)) parts.push_back(kPartRollupHour);
  if (m.has_price_rollup) parts.push_back(kPartRollupPrice);
  const KindSchema& s = SchemaOf(m.kind);
  for (int c = 0; c < ColumnCount(m.kind); ++c) {
    if (c == kColumnSide && !s.has_side) continue;
    if (c == kColumnAccount && !s.has_account) continue;
    parts.push_back(static_cast<uint8_t>(kPartColumn + c));
  }
  return parts;
}

Columns Slice(const Columns& rows, size_t begin, size_t end) {
  Columns out(rows.kind);
  auto range = [&](const auto& v) { return std::decay_t<decltype(v)>(v.begin() + begin, v.begin() + end); };
  out.ts = range(rows.ts);
  if (!rows.side.empty()) out.side = range(rows.side);
  if (!rows.account.empty()) {
    // Keep only the names this slice uses: each chunk stores its dictionary.
    std::vector<uint32_t> remap(rows.account_dict.size(), UINT32_MAX);
    out.account.reserve(end - begin);
    for (size_t i = begin; i < end; ++i) {
      uint32_t& id = remap[rows.account[i]];
      if (id == UINT32_MAX) {
        id = static_cast<uint32_t>(out.account_dict.size());
        out.account_dict.push_back(rows.account_dict[rows.account[i]]);
      }
      out.account.push_back(id);
    }
  }
  for (size_t c = 0; c < rows.values.size(); ++c) out.values[c] = range(rows.values[c]);
  return out;
}

// Concatenates `parts` (same kind) and sorts by time.
Columns MergeSorted(std::vector<Columns>* parts, Kind kind) {
  size_t total = 0;
  for (const auto& p : *parts) total += p.size();
  Columns out(kind);
  out.Reserve(total);
  for (const auto& p : *parts) out.AppendRows(p);
  out.SortByTime();
  return out;
}

std::atomic<uint64_t> g_secondary_counter{0};

}  // namespace

RocksStore::RocksStore(std::string path, const StoreOptions& options)
    : path_(std::move(path)), options_(options) {}

RocksStore::~RocksStore() {
  if (db_) {
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (!secondary_path_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_path_, ec);
  }
}

rocksdb::Options RocksStore::DbOptions(bool create_if_missing) {
  rocksdb::Options ro;
  ro.create_if_missing = create_if_missing;
  ro.compression = rocksdb::kLZ4Compression;
  ro.bottommost_compression = rocksdb::kZSTD;
  ro.max_open_files = -1;  // required by secondaries; keeps table readers open
  ro.IncreaseParallelism(2);
  ro.write_buffer_size = 64 << 20;
  // RocksDB's default (point in time) stops replaying the write-ahead log at
  // the first bad record and opens anyway: acknowledged rows would vanish
  // without a word. This mode still accepts a torn last record (a crash while
  // writing) but fails on damage; `liqdb recover` accepts the loss explicitly.
  ro.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  ro.paranoid_checks = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(128 << 20);
  table.block_size = 64 << 10;
  ro.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return ro;
}

Result<std::shared_ptr<RocksStore>> RocksStore::OpenFolder(const std::string& path,
                                                           const StoreOptions& options) {
  std::shared_ptr<RocksStore> store(new RocksStore(path, options));
  std::error_code ec;
  const bool exists = fs::exists(fs::path(path) / "CURRENT", ec);
  const bool read_only = options.mode == StoreOptions::Mode::kReadOnly;
  if (!exists) {
    if (read_only || !options.create_if_missing) return Status::NotFound("no liqdb store at '" + path + "'");
    fs::create_directories(path, ec);
    if (ec) return Status::IOError("cannot create store folder '" + path + "': " + ec.message());
  }

  rocksdb::Options ro = DbOptions(options.create_if_missing && !read_only);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  auto open_secondary = [&] {
    // A secondary takes no lock and writes nothing into the store: its own
    // info log goes to a private temporary folder, removed when it closes.
    RemoveStaleSecondaries();
    store->secondary_path_ = (fs::temp_directory_path() / ("liqdb-secondary-" + std::to_string(::getpid()) +
                                                           "-" + std::to_string(g_secondary_counter++)))
                                 .string();
    store->read_only_ = true;
    store->secondary_ = true;
    return rocksdb::DB::OpenAsSecondary(ro, path, store->secondary_path_, &raw);
  };
  if (read_only) {
    s = open_secondary();
  } else {
    s = rocksdb::DB::Open(ro, path, &raw);
    if (!s.ok() && s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      if (options.mode == StoreOptions::Mode::kAuto) {
        s = open_secondary();  // another process writes this store: follow it
      } else {
        return Status::Busy(WriterBusyMessage(path));
      }
    }
  }
  if (!s.ok()) {
    if (s.IsCorruption()) return Status::Corruption(DescribeDamage(path, s.ToString()));
    return FromRocks(s, "cannot open store '" + path + "'");
  }
  store->db_.reset(raw);
  LIQDB_RETURN_IF_ERROR(store->LoadDirectory(false));
  return store;
}

Status RocksStore::LoadDirectory(bool lock_held) {
  std::map<std::pair<Kind, SeriesKey>, uint32_t> series_ids;
  std::unordered_map<uint32_t, SeriesEntry> series;
  std::unordered_map<uint32_t, std::vector<ChunkMeta>> chunks;
  std::vector<BadChunk> bad;
  uint64_t next_chunk = 1;
  uint32_t next_series = 1;

  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), MetaKey(kMetaFormat), &value);
  uint64_t version = kStoreFormatVersion;
  if (s.IsNotFound()) {
    if (!read_only_) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      s = db_->Put(wo, MetaKey(kMetaFormat), U64Value(kStoreFormatVersion));
      if (!s.ok()) return FromRocks(s, "store '" + path_ + "'");
    }
  } else if (!s.ok()) {
    return FromRocks(s, "store '" + path_ + "'");
  } else {
    if (value.size() != 8) return Status::Corruption("store '" + path_ + "': bad format version record");
    std::memcpy(&version, value.data(), 8);
    if (version < kOldestFormatVersion || version > kStoreFormatVersion) {
      return Status::NotSupported("store '" + path_ + "' has format version " + std::to_string(version) +
                                  "; this liqdb reads versions " + std::to_string(kOldestFormatVersion) +
                                  " to " + std::to_string(kStoreFormatVersion));
    }
    if (version < kStoreFormatVersion && !read_only_) {
      LIQDB_RETURN_IF_ERROR(UpgradeFormat());
      version = kStoreFormatVersion;
    }
  }
  format_version_ = static_cast<uint32_t>(version);
  if (db_->Get(rocksdb::ReadOptions(), MetaKey(kMetaNextChunk), &value).ok() && value.size() == 8) {
    std::memcpy(&next_chunk, value.data(), 8);
  }
  if (db_->Get(rocksdb::ReadOptions(), MetaKey(kMetaNextSeries), &value).ok() && value.size() == 8) {
    uint64_t v;
    std::memcpy(&v, value.data(), 8);
    next_series = static_cast<uint32_t>(v);
  }

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, kTagSeries)); it->Valid() && it->key()[0] == kTagSeries; it->Next()) {
    Kind kind;
    SeriesKey key;
    if (!ParseSeriesKeyBytes(it->key().ToStringView(), &kind, &key) || it->value().size() != 4) {
      return Status::Corruption("store '" + path_ + "': malformed series dictionary entry");
    }
    uint32_t id;
    std::memcpy(&id, it->value().data(), 4);
    series_ids[{kind, key}] = id;
    series[id] = SeriesEntry{kind, key};
    next_series = std::max(next_series, id + 1);
  }
  for (it->Seek(std::string(1, kTagHeader)); it->Valid() && it->key()[0] == kTagHeader; it->Next()) {
    ChunkKey ck;
    if (!DecodeChunkKey(it->key().ToStringView(), &ck)) {
      return Status::Corruption("store '" + path_ + "': malformed chunk header key");
    }
    ChunkMeta meta;
    meta.kind = ck.kind;
    meta.series_id = ck.series_id;
    meta.chunk_id = ck.chunk_id;
    Status hs = DecodeHeader(it->value().ToStringView(), &meta);
    if (hs.ok() && meta.min_ts != ck.min_ts) hs = Status::Corruption("header min_ts differs from key");
    next_chunk = std::max(next_chunk, ck.chunk_id + 1);
    if (!hs.ok()) {
      auto sit = series.find(ck.series_id);
      const std::string name =
          sit == series.end() ? "" : " " + sit->second.key.exchange + "/" + sit->second.key.symbol;
      bad.push_back(BadChunk{ck.kind, ck.series_id,
                             "store '" + path_ + "': chunk " + std::to_string(ck.chunk_id) + " (" +
                                 KindName(ck.kind) + name + "): header: " + hs.message()});
      continue;
    }
    chunks[ck.series_id].push_back(meta);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "store '" + path_ + "'");
  for (auto& [id, list] : chunks) std::sort(list.begin(), list.end(), ChunkOrder);

  std::unique_lock lock(dir_mu_, std::defer_lock);
  if (!lock_held) lock.lock();
  series_ids_ = std::move(series_ids);
  series_ = std::move(series);
  chunks_ = std::move(chunks);
  bad_chunks_ = std::move(bad);
  ForgetListing();
  next_chunk_id_ = next_chunk;
  next_series_id_ = next_series;
  return Status::OK();
}

std::string RocksStore::DescribeChunk(const ChunkMeta& meta) const {
  std::string where = std::string("store '") + path_ + "': chunk " + std::to_string(meta.chunk_id) + " (" +
                      KindName(meta.kind);
  {
    std::shared_lock lock(dir_mu_, std::try_to_lock);
    if (lock.owns_lock()) {
      auto it = series_.find(meta.series_id);
      if (it != series_.end()) where += " " + it->second.key.exchange + "/" + it->second.key.symbol;
    }
  }
  return where + ")";
}

Status RocksStore::CheckWritable() const {
  if (read_only_) {
    return Status::NotSupported("store '" + path_ + "' is open read-only" +
                                (secondary_ ? " (another process is writing it)" : ""));
  }
  return Status::OK();
}

std::vector<ChunkMeta> RocksStore::ChunksOf(uint32_t series_id) const {
  std::shared_lock lock(dir_mu_);
  auto it = chunks_.find(series_id);
  return it == chunks_.end() ? std::vector<ChunkMeta>() : it->second;
}

uint32_t RocksStore::SeriesIdFor(Kind kind, const SeriesKey& key, rocksdb::WriteBatch* wb,
                                 std::map<std::pair<Kind, SeriesKey>, uint32_t>* new_series) {
  {
    std::shared_lock lock(dir_mu_);
    auto it = series_ids_.find({kind, key});
    if (it != series_ids_.end()) return it->second;
  }
  auto it = new_series->find({kind, key});
  if (it != new_series->end()) return it->second;
  const uint32_t id = next_series_id_ + static_cast<uint32_t>(new_series->size());
  (*new_series)[{kind, key}] = id;
  wb->Put(SeriesKeyBytes(kind, key), std::string(reinterpret_cast<const char*>(&id), 4))
      .PermitUncheckedError();
  return id;
}

void RocksStore::PutChunk(const Columns& rows, uint32_t series_id, bool sealed, rocksdb::WriteBatch* wb,
                          std::vector<ChunkMeta>* added) {
  const uint64_t chunk_id = next_chunk_id_ + added->size();
  EncodedChunk chunk = EncodeChunk(rows, series_id, chunk_id, sealed);
  chunk.meta.kind = rows.kind;
  for (const auto& [part, value] : chunk.parts) {
    wb->Put(EncodeChunkKey(KeyOf(chunk.meta, part)), value).PermitUncheckedError();
  }
  added->push_back(chunk.meta);
}

void RocksStore::DeleteChunk(const ChunkMeta& meta, rocksdb::WriteBatch* wb) {
  wb->Delete(EncodeChunkKey(KeyOf(meta, kPartHeader))).PermitUncheckedError();
  for (uint8_t part : BodyParts(meta)) {
    wb->Delete(EncodeChunkKey(KeyOf(meta, part))).PermitUncheckedError();
  }
}

void RocksStore::PutRowsAsChunks(const Columns& rows, uint32_t series_id, bool seal_remainder,
                                 rocksdb::WriteBatch* wb, std::vector<ChunkMeta>* added) {
  // Under 2^24 rows: the codecs' limit, and what the SQL rowid (chunk id ×
  // 2^24 + position) assumes.
  const size_t target = ChunkTarget();
  size_t begin = 0;
  while (begin < rows.size()) {
    size_t end = std::min(rows.size(), begin + target);
    const bool full = end - begin == target;
    if (end == rows.size() && !full && !seal_remainder) {
      PutChunk(begin == 0 ? rows : Slice(rows, begin, end), series_id, false, wb, added);
      break;
    }
    PutChunk(begin == 0 && end == rows.size() ? rows : Slice(rows, begin, end), series_id, true, wb, added);
    begin = end;
  }
}

Status RocksStore::DecodeAll(const std::vector<ChunkMeta>& metas, std::vector<Columns>* out) const {
  out->clear();
  out->reserve(metas.size());
  for (const ChunkMeta& m : metas) {
    out->emplace_back(m.kind);
    LIQDB_RETURN_IF_ERROR(DecodeChunk(m, nullptr, kAllColumns, &out->back()));
  }
  return Status::OK();
}

Status RocksStore::CheckSeriesReadable(Kind kind, uint32_t series_id) const {
  std::shared_lock lock(dir_mu_);
  for (const BadChunk& b : bad_chunks_) {
    if (b.kind == kind && b.series_id == series_id) return Status::Corruption(b.message);
  }
  return Status::OK();
}

Status RocksStore::CommitWrite(rocksdb::WriteBatch* wb, const std::vector<ChunkMeta>& added,
                               const std::vector<ChunkMeta>& removed,
                               const std::map<std::pair<Kind, SeriesKey>, uint32_t>& new_series) {
  if (!added.empty()) {
    wb->Put(MetaKey(kMetaNextChunk), U64Value(next_chunk_id_ + added.size())).PermitUncheckedError();
  }
  if (!new_series.empty()) {
    wb->Put(MetaKey(kMetaNextSeries), U64Value(next_series_id_ + new_series.size())).PermitUncheckedError();
  }
  if (wb->Count() == 0) return Status::OK();
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  // Readers take their snapshot and their chunk list under the shared lock;
  // holding it exclusively from the write to the directory update means no
  // reader sees a snapshot without chunks its list names, or the reverse.
  std::unique_lock lock(dir_mu_);
  LIQDB_RETURN_IF_ERROR(FromRocks(db_->Write(wo, wb), "store '" + path_ + "': write failed"));

  for (const auto& [k, id] : new_series) {
    series_ids_[k] = id;
    series_[id] = SeriesEntry{k.first, k.second};
  }
  next_series_id_ += static_cast<uint32_t>(new_series.size());
  next_chunk_id_ += added.size();
  for (const ChunkMeta& m : removed) {
    auto& list = chunks_[m.series_id];
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const ChunkMeta& x) { return x.chunk_id == m.chunk_id; }),
               list.end());
  }
  for (const ChunkMeta& m : added) {
    auto& list = chunks_[m.series_id];
    list.insert(std::upper_bound(list.begin(), list.end(), m, ChunkOrder), m);
    if (m.sealed) sealed_since_settle_ += m.bytes;
  }
  ForgetListing();
  return Status::OK();
}

Status RocksStore::DropCheckpointsFrom(Kind kind, uint32_t series_id, Timestamp from,
                                       rocksdb::WriteBatch* wb) {
  const std::string prefix = CheckpointPrefix(kind, series_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(CheckpointKey(kind, series_id, from)); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    wb->Delete(it->key()).PermitUncheckedError();
  }
  return FromRocks(it->status(), "store '" + path_ + "': checkpoints");
}

Status RocksStore::PutCheckpoint(Kind kind, uint32_t series_id, Timestamp at, const std::string& state) {
  LIQDB_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard write_lock(write_mu_);
  rocksdb::WriteOptions wo;
  wo.sync = false;  // a lost checkpoint is only recomputed
  return FromRocks(db_->Put(wo, CheckpointKey(kind, series_id, at), SealPart(kCheckpointSeed, state)),
                   "store '" + path_ + "': checkpoint");
}

Status RocksStore::UpgradeFormat() {
  rocksdb::WriteBatch wb;
  wb.DeleteRange(std::string(1, kTagCheckpoint), std::string(1, kTagCheckpoint + 1)).PermitUncheckedError();
  wb.Put(MetaKey(kMetaFormat), U64Value(kStoreFormatVersion)).PermitUncheckedError();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &wb), "store '" + path_ + "': upgrading the format");
}

std::string RocksStore::DescribeCheckpoint(Kind kind, uint32_t series_id, Timestamp at) const {
  std::string where = "store '" + path_ + "': checkpoint at " + std::to_string(at) + " of " + KindName(kind);
  std::shared_lock lock(dir_mu_);
  auto it = series_.find(series_id);
  if (it != series_.end()) where += " " + it->second.key.exchange + "/" + it->second.key.symbol;
  return where;
}

Result<std::optional<Store::Checkpoint>> RocksStore::LatestCheckpoint(Kind kind, uint32_t series_id,
                                                                      Timestamp at_or_before) const {
  const std::string prefix = CheckpointPrefix(kind, series_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(CheckpointKey(kind, series_id, at_or_before));
  if (!it->status().ok()) return FromRocks(it->status(), "store '" + path_ + "': checkpoints");
  if (!it->Valid() || !it->key().starts_with(prefix)) return std::optional<Checkpoint>();
  Checkpoint cp;
  if (!DecodeCheckpointKey(it->key().ToStringView(), &cp.at)) {
    return Status::Corruption("store '" + path_ + "': malformed checkpoint key");
  }
  // A version-1 store open read-only: its checkpoints carry no checksum, so
  // they are not trusted; readers replay instead.
  if (format_version_ < 2) return std::optional<Checkpoint>();
  std::string_view payload;
  Status c = CheckPart(kCheckpointSeed, it->value().ToStringView(), &payload);
  if (!c.ok()) return Status::Corruption(DescribeCheckpoint(kind, series_id, cp.at) + ": " + c.message());
  cp.state = std::string(payload);
  return std::optional<Checkpoint>(std::move(cp));
}

Result<AppendStats> RocksStore::Append(const SeriesBatch& batch) {
  return AppendAll(std::vector<SeriesBatch>{batch});
}

Result<AppendStats> RocksStore::AppendAll(const std::vector<SeriesBatch>& batches) {
  LIQDB_RETURN_IF_ERROR(CheckWritable());
  return AppendAll(std::vector<SeriesBatch>(batches));
}

Result<AppendStats> RocksStore::AppendAll(std::vector<SeriesBatch>&& batches) {
  LIQDB_RETURN_IF_ERROR(CheckWritable());
  AppendStats stats;
  // Validate everything before writing anything: a batch is all or nothing.
  std::map<std::pair<Kind, SeriesKey>, Columns> groups;
  for (SeriesBatch& b : batches) {
    if (b.key.exchange.empty()) return Status::InvalidArgument("exchange must not be empty");
    if (b.key.symbol.empty()) return Status::InvalidArgument("symbol must not be empty");
    if (b.key.exchange.find('\0') != std::string::npos) {
      return Status::InvalidArgument("exchange must not contain a NUL byte");
    }
    Status v = ValidateRows(b.rows);
    if (!v.ok()) return v.WithContext(b.key.exchange + "/" + b.key.symbol);
    stats.received += b.rows.size();
    if (b.rows.empty()) continue;
    auto [it, inserted] = groups.try_emplace({b.rows.kind, b.key}, b.rows.kind);
    if (inserted) {
      it->second = std::move(b.rows);
    } else {
      it->second.AppendRows(b.rows);
    }
  }

  std::lock_guard write_lock(write_mu_);
  rocksdb::WriteBatch wb;
  std::map<std::pair<Kind, SeriesKey>, uint32_t> new_series;
  std::vector<ChunkMeta> added, removed;
  for (auto& [gk, rows] : groups) {
    const uint32_t sid = SeriesIdFor(gk.first, gk.second, &wb, &new_series);
    LIQDB_RETURN_IF_ERROR(CheckSeriesReadable(gk.first, sid));
    rows.SortByTime();
    const Timestamp lo = rows.ts.front(), hi = rows.ts.back();
    std::vector<ChunkMeta> overlapping;
    for (const ChunkMeta& m : ChunksOf(sid)) {
      if (m.max_ts >= lo && m.min_ts <= hi) overlapping.push_back(m);
    }
    if (!overlapping.empty()) {
      std::vector<Columns> stored;
      LIQDB_RETURN_IF_ERROR(DecodeAll(overlapping, &stored));
      stats.duplicates += DropStoredRows(stored, &rows);
    }
    if (rows.empty()) continue;
    stats.stored += rows.size();
    // A checkpoint at t covers rows before t: those after this batch's first row are stale.
    const Timestamp first = rows.ts.front();
    LIQDB_RETURN_IF_ERROR(
        DropCheckpointsFrom(gk.first, sid, first == kMaxTimestamp ? first : first + 1, &wb));
    LIQDB_RETURN_IF_ERROR(WriteSeriesRows(gk.first, sid, std::move(rows), false, &wb, &added, &removed));
  }
  LIQDB_RETURN_IF_ERROR(CommitWrite(&wb, added, removed, new_series));
  return stats;
}

Status RocksStore::WriteSeriesRows(Kind kind, uint32_t series_id, Columns rows, bool force_seal,
                                   rocksdb::WriteBatch* wb, std::vector<ChunkMeta>* added,
                                   std::vector<ChunkMeta>* removed) {
  const std::vector<ChunkMeta> chunks = ChunksOf(series_id);
  std::vector<ChunkMeta> staged;
  uint64_t staged_rows = 0;
  Timestamp lo = rows.empty() ? kMaxTimestamp : rows.ts.front();
  Timestamp hi = rows.empty() ? kMinTimestamp : rows.ts.back();
  for (const ChunkMeta& m : chunks) {
    if (m.sealed) continue;
    staged.push_back(m);
    staged_rows += m.rows;
    lo = std::min(lo, m.min_ts);
    hi = std::max(hi, m.max_ts);
  }
  const uint64_t total = staged_rows + rows.size();
  if (total == 0) return Status::OK();
  const uint64_t target = ChunkTarget();
  // The day rule: a quiet series (a live feed of a small symbol) would keep
  // its rows staged for weeks; sealing a day at a time bounds that.
  const bool seal_all = force_seal || (hi - lo >= kSealSpan);
  if (!seal_all && total < target) {
    // Stays staged. Tiering keeps the staged chunks few: once there are
    // kStagedTierAt of them, the new rows absorb the newest staged chunks
    // while each is no bigger than what has been gathered so far (a binary
    // counter: at most kStagedTierAt + log2(rows) staged chunks, each row
    // rewritten at most log2(chunk_rows / rows per append) times before it is
    // sealed). Below that, one append is one staged chunk in one log record.
    if (rows.empty()) return Status::OK();
    if (staged.size() < kStagedTierAt) {
      PutChunk(rows, series_id, false, wb, added);
      return Status::OK();
    }
    std::sort(staged.begin(), staged.end(),
              [](const ChunkMeta& a, const ChunkMeta& b) { return a.chunk_id > b.chunk_id; });
    std::vector<ChunkMeta> group;
    uint64_t acc = rows.size();
    for (const ChunkMeta& m : staged) {
      if (m.rows > acc) break;
      group.push_back(m);
      acc += m.rows;
    }
    if (group.empty()) {
      PutChunk(rows, series_id, false, wb, added);
      return Status::OK();
    }
    std::vector<Columns> parts;
    LIQDB_RETURN_IF_ERROR(DecodeAll(group, &parts));
    parts.push_back(std::move(rows));
    const Columns merged = MergeSorted(&parts, kind);
    for (const ChunkMeta& m : group) DeleteChunk(m, wb);
    removed->insert(removed->end(), group.begin(), group.end());
    PutChunk(merged, series_id, false, wb, added);
    return Status::OK();
  }
  // Seal: the staged rows and the new ones, cut into chunks of chunk_rows.
  std::vector<ChunkMeta> group = staged;
  if (seal_all && total % target != 0) {
    // The last chunk would be short: let it absorb the series' newest short
    // sealed chunks, again as a binary counter (each no bigger than what has
    // been gathered), so repeated small runs leave O(log) short chunks and
    // rewrite each row O(log(chunk_rows / rows per run)) times, never the
    // whole series.
    std::vector<ChunkMeta> sealed;
    for (const ChunkMeta& m : chunks) {
      if (m.sealed) sealed.push_back(m);
    }
    uint64_t acc = total % target;
    for (auto it = sealed.rbegin(); it != sealed.rend(); ++it) {  // newest first (by min_ts)
      if (it->rows >= target || it->rows > acc) break;
      group.push_back(*it);
      acc += it->rows;
    }
  }
  if (group.empty()) {
    PutRowsAsChunks(rows, series_id, seal_all, wb, added);
    return Status::OK();
  }
  std::vector<Columns> parts;
  LIQDB_RETURN_IF_ERROR(DecodeAll(group, &parts));
  if (!rows.empty()) parts.push_back(std::move(rows));
  const Columns merged = MergeSorted(&parts, kind);
  for (const ChunkMeta& m : group) DeleteChunk(m, wb);
  removed->insert(removed->end(), group.begin(), group.end());
  PutRowsAsChunks(merged, series_id, seal_all, wb, added);
  return Status::OK();
}

Status RocksStore::SealSeries(uint32_t series_id, bool force) {
  Kind kind;
  {
    std::shared_lock lock(dir_mu_);
    auto it = series_.find(series_id);
    if (it == series_.end()) return Status::OK();
    kind = it->second.kind;
  }
  rocksdb::WriteBatch wb;
  std::vector<ChunkMeta> added, removed;
  LIQDB_RETURN_IF_ERROR(WriteSeriesRows(kind, series_id, Columns(kind), force, &wb, &added, &removed));
  return CommitWrite(&wb, added, removed, {});
}

Status RocksStore::RewriteChunks(const std::vector<ChunkMeta>& group, uint32_t series_id,
                                 bool seal_remainder) {
  std::vector<Columns> parts;
  LIQDB_RETURN_IF_ERROR(DecodeAll(group, &parts));
  Columns merged = MergeSorted(&parts, group.front().kind);
  rocksdb::WriteBatch wb;
  std::vector<ChunkMeta> added;
  for (const ChunkMeta& m : group) DeleteChunk(m, &wb);
  PutRowsAsChunks(merged, series_id, seal_remainder, &wb, &added);
  return CommitWrite(&wb, added, group, {});
}

Status RocksStore::Seal(bool force) {
  LIQDB_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard write_lock(write_mu_);
  std::vector<uint32_t> ids;
  {
    std::shared_lock lock(dir_mu_);
    for (const auto& [id, list] : chunks_) ids.push_back(id);
  }
  for (uint32_t id : ids) LIQDB_RETURN_IF_ERROR(SealSeries(id, force));
  if (!force) return Status::OK();
  return SettleFiles();
}

Status RocksStore::SettleFiles() {
  // The end of a big run: flush the memtable, so the write-ahead log (which
  // holds every staged chunk written and deleted during the run) is dropped
  // and rows merged away inside the memtable never reach a table file. Small
  // runs leave their few bytes in the log: a flush per run of 100 rows would
  // only make tiny table files for RocksDB to merge.
  uint64_t memtable = 0;
  if (db_->GetIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &memtable) &&
      memtable >= (8u << 20)) {
    LIQDB_RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions()), "store '" + path_ + "': flush"));
  }
  // Table files may still hold chunks merged away after an earlier flush.
  // Rewrite them once they are mostly garbage: each compaction then removes
  // at least half of what it reads, so its cost stays a small multiple of
  // the bytes the runs wrote.
  uint64_t live = 0, sst = 0;
  {
    std::shared_lock lock(dir_mu_);
    for (const auto& [id, list] : chunks_) {
      for (const ChunkMeta& m : list) live += m.bytes;
    }
  }
  // A run that sealed a large share of the store (a bulk load into a new or
  // small store) is compacted too: its table files, fresh from the
  // memtable, hold the staged chunks it wrote and deleted, and are LZ4; the
  // bottom level holds only live chunks, ZSTD-compressed (about 30% smaller
  // on `liqdb gen`'s and the venues' archives). It costs at most about three
  // times what the run wrote.
  const bool big_run = sealed_since_settle_ >= kSettleRunBytes && 2 * sealed_since_settle_ >= live;
  sealed_since_settle_ = 0;
  if (!db_->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst)) return Status::OK();
  if (!big_run && sst <= 2 * live + (4u << 20)) return Status::OK();
  return FromRocks(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr),
                   "store '" + path_ + "': compaction");
}

Status RocksStore::CompactSeries(uint32_t series_id) {
  const std::vector<ChunkMeta> chunks = ChunksOf(series_id);
  const uint64_t small = options_.chunk_rows / 2;
  const uint64_t max_group_rows = uint64_t{8} * options_.chunk_rows;
  // Groups of consecutive chunks (by min_ts) that overlap in time, or are
  // undersized neighbours, or staged: each group is rewritten as one run.
  size_t i = 0;
  while (i < chunks.size()) {
    size_t j = i + 1;
    Timestamp group_max = chunks[i].max_ts;
    uint64_t group_rows = chunks[i].rows;
    bool needs_rewrite = !chunks[i].sealed;
    while (j < chunks.size() && group_rows < max_group_rows) {
      const ChunkMeta& next = chunks[j];
      const bool overlaps = next.min_ts <= group_max;
      const bool undersized = next.rows < small || chunks[j - 1].rows < small || !next.sealed;
      if (!overlaps && !undersized) break;
      needs_rewrite = true;
      group_max = std::max(group_max, next.max_ts);
      group_rows += next.rows;
      ++j;
    }
    if (needs_rewrite) {
      LIQDB_RETURN_IF_ERROR(
          RewriteChunks(std::vector<ChunkMeta>(chunks.begin() + i, chunks.begin() + j), series_id, true));
    }
    i = j;
  }
  return Status::OK();
}

Status RocksStore::Compact() {
  LIQDB_RETURN_IF_ERROR(CheckWritable());
  std::lock_guard write_lock(write_mu_);
  std::vector<uint32_t> ids;
  {
    std::shared_lock lock(dir_mu_);
    for (const auto& [id, list] : chunks_) ids.push_back(id);
  }
  for (uint32_t id : ids) LIQDB_RETURN_IF_ERROR(CompactSeries(id));
  return FromRocks(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr),
                   "store '" + path_ + "': compaction");
}

Status RocksStore::Verify(const std::function<void(const std::string&)>& report) {
  uint64_t bad = 0;
  std::vector<ChunkMeta> all;
  {
    std::shared_lock lock(dir_mu_);
    for (const BadChunk& b : bad_chunks_) {
      report(b.message);
      ++bad;
    }
    for (const auto& [id, list] : chunks_) all.insert(all.end(), list.begin(), list.end());
  }
  for (const ChunkMeta& m : all) {
    Columns rows(m.kind);
    Status s = DecodeChunk(m, nullptr, kAllColumns, &rows);
    if (s.ok()) {
      ChunkMeta check = ComputeMeta(rows);
      if (check.rows != m.rows || check.min_ts != m.min_ts || check.max_ts != m.max_ts ||
          check.sides[0].count != m.sides[0].count || check.sides[1].count != m.sides[1].count) {
        s = Status::Corruption(DescribeChunk(m) + ": rows disagree with the zone map");
      }
    }
    for (int64_t resolution : kRollupResolutions) {
      if (!s.ok()) break;
      if (!HasRollup(m, resolution)) continue;
      std::vector<RollupSlot> rollup;
      s = ReadRollup(m, nullptr, resolution, &rollup);
      uint64_t count = 0;
      for (const auto& r : rollup) count += r.sides[0].count + r.sides[1].count;
      if (s.ok() && count != m.rows) s = Status::Corruption(DescribeChunk(m) + ": rollup disagrees");
    }
    if (s.ok() && m.has_price_rollup) {
      PriceRollup by_price;
      s = ReadPriceRollup(m, nullptr, &by_price);  // checks the counts against the header
    }
    if (!s.ok()) {
      report(s.message());
      ++bad;
    }
  }
  uint64_t bad_checkpoints = 0;
  LIQDB_RETURN_IF_ERROR(CheckCheckpoints(report, false, &bad_checkpoints));
  uint64_t bad_gaps = 0;
  LIQDB_RETURN_IF_ERROR(CheckGaps(report, false, &bad_gaps));
  uint64_t bad_heartbeats = 0;
  LIQDB_RETURN_IF_ERROR(CheckHeartbeats(report, false, &bad_heartbeats));
  // The write-ahead logs hold acknowledged rows not yet in table files; a
  // damaged record there would be lost at the next open.
  uint64_t bad_logs = 0;
  for (const std::string& wal : WalFiles(path_)) {
    auto scan = ScanLogFile(wal);
    if (!scan.ok()) {
      report(scan.status().message());
      ++bad_logs;
    } else if (scan->damage.damaged) {
      report("store '" + path_ + "': write-ahead log '" + wal + "': " + scan->damage.reason + " at byte " +
             std::to_string(scan->damage.offset));
      ++bad_logs;
    }
  }
  if (bad + bad_checkpoints + bad_gaps + bad_heartbeats + bad_logs > 0) {
    std::string what;
    auto add = [&](uint64_t n, const char* noun) {
      if (n == 0) return;
      if (!what.empty()) what += ", ";
      what += std::to_string(n) + " " + noun;
    };
    add(bad, "bad chunk(s)");
    add(bad_checkpoints, "bad checkpoint(s)");
    add(bad_gaps, "bad gap record(s)");
    add(bad_heartbeats, "bad heartbeat record(s)");
    add(bad_logs, "damaged write-ahead log(s)");
    return Status::Corruption("store '" + path_ + "': " + what);
  }
  return Status::OK();
}

Status RocksStore::CheckCheckpoints(const std::function<void(const std::string&)>& report, bool drop,
                                    uint64_t* bad) {
  *bad = 0;
  if (format_version_ < 2) return Status::OK();  // unchecksummed; never used (see LatestCheckpoint)
  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, kTagCheckpoint)); it->Valid() && it->key()[0] == kTagCheckpoint; it->Next()) {
    const std::string_view key = it->key().ToStringView();
    std::string_view payload;
    Status c = CheckPart(kCheckpointSeed, it->value().ToStringView(), &payload);
    Timestamp at = 0;
    if (c.ok() && !DecodeCheckpointKey(key, &at)) c = Status::Corruption("malformed key");
    if (c.ok()) continue;
    ++*bad;
    Kind kind = Kind::kLiquidations;
    uint32_t series_id = 0;
    if (key.size() >= 6) {
      kind = static_cast<Kind>(static_cast<uint8_t>(key[1]));
      series_id = GetBigEndian32(key.data() + 2);
    }
    report(DescribeCheckpoint(kind, series_id, at) + ": " + c.message() +
           (drop ? " (dropped; it is recomputed by the next seal)" : ""));
    if (drop) wb.Delete(it->key()).PermitUncheckedError();
  }
  LIQDB_RETURN_IF_ERROR(FromRocks(it->status(), "store '" + path_ + "': checkpoints"));
  if (drop && wb.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Write(wo, &wb), "store '" + path_ + "': dropping bad checkpoints");
  }
  return Status::OK();
}

Status RocksStore::Refresh() {
  if (secondary_) {
    std::unique_lock lock(dir_mu_);
    LIQDB_RETURN_IF_ERROR(FromRocks(db_->TryCatchUpWithPrimary(), "store '" + path_ + "': refresh"));
    return LoadDirectory(true);
  }
  return Status::OK();
}

Status RocksStore::MaybeRefresh() const {
  if (!secondary_) return Status::OK();
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_refresh_ns_.load();
  if (now - last < 1'000'000'000 || !last_refresh_ns_.compare_exchange_strong(last, now)) {
    return Status::OK();
  }
  // Refresh changes only the directory, which is guarded for readers.
  return const_cast<RocksStore*>(this)->Refresh();
}

void RocksStore::ForgetListing() {
  std::lock_guard lock(listing_mu_);
  listing_.reset();
}

std::shared_ptr<const std::vector<SeriesInfo>> RocksStore::SeriesListing() const {
  (void)MaybeRefresh();  // if it fails the directory stays stale but consistent; reads report it
  std::shared_lock dir_lock(dir_mu_);
  std::lock_guard lock(listing_mu_);
  if (listing_) return listing_;
  auto out = std::make_shared<std::vector<SeriesInfo>>();
  out->reserve(series_ids_.size());
  for (const auto& [k, id] : series_ids_) {
    SeriesInfo info{k.first, id, k.second};
    auto it = chunks_.find(id);
    if (it != chunks_.end()) {
      bool first = true;
      for (const ChunkMeta& m : it->second) {
        info.rows += m.rows;
        info.chunks++;
        info.staged_chunks += m.sealed ? 0 : 1;
        info.bytes += m.bytes;
        info.min_ts = first ? m.min_ts : std::min(info.min_ts, m.min_ts);
        info.max_ts = first ? m.max_ts : std::max(info.max_ts, m.max_ts);
        first = false;
      }
    }
    out->push_back(std::move(info));
  }
  listing_ = std::move(out);
  return listing_;
}

std::vector<SeriesInfo> RocksStore::ListSeries(std::optional<Kind> kind) const {
  const std::shared_ptr<const std::vector<SeriesInfo>> all = SeriesListing();
  if (!kind) return *all;
  std::vector<SeriesInfo> out;
  for (const SeriesInfo& s : *all) {
    if (s.kind == *kind) out.push_back(s);
  }
  return out;
}

Result<StoreStats> RocksStore::Stats() const {
  StoreStats stats;
  stats.series = ListSeries(std::nullopt);
  for (const SeriesInfo& s : stats.series) {
    stats.rows += s.rows;
    stats.chunks += s.chunks;
    stats.chunk_bytes += s.bytes;
  }
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(path_, ec)) {
    if (entry.is_regular_file(ec)) stats.disk_bytes += entry.file_size(ec);
  }
  return stats;
}

Status RocksStore::DecodeChunk(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, ColumnMask mask,
                               Columns* out) const {
  const KindSchema& schema = SchemaOf(meta.kind);
  if (meta.kind == Kind::kLiquidations && (mask & MaskValue(liq_col::kNotional))) {
    // A product-coded notional is rebuilt from price and qty.
    mask |= MaskValue(liq_col::kPrice) | MaskValue(liq_col::kQty);
  }
  if (out->kind != meta.kind) *out = Columns(meta.kind);
  // Columns decoded again keep their size: each decoder overwrites every
  // row, and resizing an emptied vector would first zero it (a memset per
  // column per chunk). The others are emptied, as "not decoded".
  out->ClearAccounts();
  if (!ColumnInMask(kColumnTs, mask)) out->ts.clear();
  if (!ColumnInMask(kColumnSide, mask)) out->side.clear();
  out->values.resize(schema.num_values);
  for (int c = 0; c < schema.num_values; ++c) {
    if (!ColumnInMask(kColumnValue0 + c, mask)) out->values[c].clear();
  }
  rocksdb::PinnableSlice value;
  for (int c = 0; c < ColumnCount(meta.kind); ++c) {
    if (c == kColumnSide && !schema.has_side) continue;
    if (c == kColumnAccount && !schema.has_account) continue;
    if (!ColumnInMask(c, mask)) continue;
    LIQDB_RETURN_IF_ERROR(GetColumnPart(meta, snapshot, c, &value));
    Status d = DecodeColumnPart(meta.kind, c, value.ToStringView(), meta.rows, out);
    if (!d.ok()) {
      return Status::Corruption(DescribeChunk(meta) + ": column " + std::to_string(c) + ": " + d.message());
    }
  }
  return Status::OK();
}

Status RocksStore::GetColumnPart(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int column,
                                 rocksdb::PinnableSlice* value) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  value->Reset();
  const uint8_t part = static_cast<uint8_t>(kPartColumn + column);
  rocksdb::Status s = db_->Get(ro, db_->DefaultColumnFamily(), EncodeChunkKey(KeyOf(meta, part)), value);
  if (s.IsNotFound()) {
    return Status::Corruption(DescribeChunk(meta) + ": column " + std::to_string(column) + " is missing");
  }
  if (!s.ok()) return FromRocks(s, DescribeChunk(meta));
  return Status::OK();
}

Result<bool> RocksStore::IsProduct(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot,
                                   int value_column) const {
  if (meta.kind != Kind::kLiquidations || value_column != liq_col::kNotional) return false;
  const int column = kColumnValue0 + value_column;
  rocksdb::PinnableSlice value;
  LIQDB_RETURN_IF_ERROR(GetColumnPart(meta, snapshot, column, &value));
  uint8_t codec = 0;
  Status d = ValueColumnCodec(column, value.ToStringView(), &codec);
  if (!d.ok()) {
    return Status::Corruption(DescribeChunk(meta) + ": column " + std::to_string(column) + ": " +
                              d.message());
  }
  return codec == kColumnCodecProduct;
}

Status RocksStore::DecodeValuesAt(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int value_column,
                                  const uint32_t* at, size_t m, double* out) const {
  const int column = kColumnValue0 + value_column;
  rocksdb::PinnableSlice value;
  LIQDB_RETURN_IF_ERROR(GetColumnPart(meta, snapshot, column, &value));
  Status d = storage::DecodeValuesAt(meta.kind, column, value.ToStringView(), meta.rows, at, m, out);
  if (!d.ok() && !d.IsInvalidArgument()) {
    return Status::Corruption(DescribeChunk(meta) + ": column " + std::to_string(column) + ": " +
                              d.message());
  }
  return d;
}

Status RocksStore::DecodeValuesAbove(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot,
                                     int value_column, double t, std::vector<uint32_t>* at,
                                     std::vector<double>* values, bool* found) const {
  const int column = kColumnValue0 + value_column;
  rocksdb::PinnableSlice value;
  LIQDB_RETURN_IF_ERROR(GetColumnPart(meta, snapshot, column, &value));
  Status d =
      storage::DecodeValuesAbove(meta.kind, column, value.ToStringView(), meta.rows, t, at, values, found);
  if (!d.ok() && !d.IsInvalidArgument()) {
    return Status::Corruption(DescribeChunk(meta) + ": column " + std::to_string(column) + ": " +
                              d.message());
  }
  return d;
}

Status RocksStore::ReadRollup(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int64_t resolution,
                              std::vector<RollupSlot>* out) const {
  if (!HasRollup(meta, resolution))
    return Status::NotFound(DescribeChunk(meta) + ": no rollup at that resolution");
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  rocksdb::PinnableSlice value;
  if (resolution != kRollupMinute && resolution != kRollupHour) {
    return Status::InvalidArgument("no rollup at resolution " + std::to_string(resolution));
  }
  const uint8_t part = RollupPart(resolution);
  rocksdb::Status s = db_->Get(ro, db_->DefaultColumnFamily(), EncodeChunkKey(KeyOf(meta, part)), &value);
  if (s.IsNotFound()) return Status::Corruption(DescribeChunk(meta) + ": rollup is missing");
  if (!s.ok()) return FromRocks(s, DescribeChunk(meta));
  Status d = DecodeRollupPart(part, value.ToStringView(), out);
  if (!d.ok()) return Status::Corruption(DescribeChunk(meta) + ": rollup: " + d.message());
  return Status::OK();
}

Status RocksStore::ReadPriceRollup(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot,
                                   PriceRollup* out) const {
  if (!meta.has_price_rollup) return Status::NotFound(DescribeChunk(meta) + ": no price rollup");
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      db_->Get(ro, db_->DefaultColumnFamily(), EncodeChunkKey(KeyOf(meta, kPartRollupPrice)), &value);
  if (s.IsNotFound()) return Status::Corruption(DescribeChunk(meta) + ": price rollup is missing");
  if (!s.ok()) return FromRocks(s, DescribeChunk(meta));
  Status d = DecodePriceRollupPart(value.ToStringView(), out, &meta);
  if (!d.ok()) return Status::Corruption(DescribeChunk(meta) + ": " + d.message());
  return Status::OK();
}

namespace {

class RocksChunkReader final : public ChunkReader {
 public:
  RocksChunkReader(std::shared_ptr<const RocksStore> store, const rocksdb::Snapshot* snapshot,
                   std::vector<ChunkMeta> chunks, std::vector<SeriesKey> keys)
      : store_(std::move(store)), snapshot_(snapshot), chunks_(std::move(chunks)), keys_(std::move(keys)) {}
  ~RocksChunkReader() override { store_->db()->ReleaseSnapshot(snapshot_); }

  bool Valid() const override { return pos_ < chunks_.size(); }
  void Next() override { ++pos_; }
  void Rewind() override { pos_ = 0; }
  const ChunkMeta& meta() const override { return chunks_[pos_]; }
  const SeriesKey& series() const override { return keys_[pos_]; }
  Status Decode(ColumnMask mask, Columns* out) override {
    return store_->DecodeChunk(chunks_[pos_], snapshot_, mask, out);
  }
  Status ReadRollup(int64_t resolution, std::vector<RollupSlot>* out) override {
    return store_->ReadRollup(chunks_[pos_], snapshot_, resolution, out);
  }
  Status ReadPriceRollup(PriceRollup* out) override {
    return store_->ReadPriceRollup(chunks_[pos_], snapshot_, out);
  }
  Result<bool> IsProduct(int value_column) override {
    return store_->IsProduct(chunks_[pos_], snapshot_, value_column);
  }
  Status DecodeValuesAt(int value_column, const uint32_t* at, size_t m, double* out) override {
    return store_->DecodeValuesAt(chunks_[pos_], snapshot_, value_column, at, m, out);
  }
  Status DecodeValuesAbove(int value_column, double t, std::vector<uint32_t>* at, std::vector<double>* values,
                           bool* found) override {
    return store_->DecodeValuesAbove(chunks_[pos_], snapshot_, value_column, t, at, values, found);
  }

 private:
  std::shared_ptr<const RocksStore> store_;
  const rocksdb::Snapshot* snapshot_;
  std::vector<ChunkMeta> chunks_;
  std::vector<SeriesKey> keys_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::unique_ptr<ChunkReader>> RocksStore::ReadChunks(Kind kind,
                                                            const std::vector<uint32_t>& series_ids,
                                                            Timestamp from, Timestamp to) const {
  LIQDB_RETURN_IF_ERROR(MaybeRefresh());
  std::vector<std::pair<ChunkMeta, SeriesKey>> picked;
  const rocksdb::Snapshot* snapshot = nullptr;
  {
    std::shared_lock lock(dir_mu_);
    auto wanted = [&](uint32_t id) {
      return series_ids.empty() || std::find(series_ids.begin(), series_ids.end(), id) != series_ids.end();
    };
    for (const BadChunk& b : bad_chunks_) {
      if (b.kind == kind && wanted(b.series_id)) return Status::Corruption(b.message);
    }
    auto take = [&](uint32_t id, const std::vector<ChunkMeta>& list) {
      auto s = series_.find(id);
      if (s == series_.end() || s->second.kind != kind) return;
      for (const ChunkMeta& m : list) {
        if (m.min_ts >= to) break;  // ordered by min_ts
        if (m.max_ts < from) continue;
        picked.emplace_back(m, s->second.key);
      }
    };
    if (series_ids.empty()) {
      for (const auto& [id, list] : chunks_) take(id, list);
    } else {
      // A query names a few of the store's series: look those up.
      std::vector<uint32_t> ids = series_ids;
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (uint32_t id : ids) {
        if (auto it = chunks_.find(id); it != chunks_.end()) take(id, it->second);
      }
    }
    snapshot = db_->GetSnapshot();  // consistent with the list just taken
  }
  std::sort(picked.begin(), picked.end(),
            [](const auto& a, const auto& b) { return ChunkOrder(a.first, b.first); });
  std::vector<ChunkMeta> metas;
  std::vector<SeriesKey> keys;
  metas.reserve(picked.size());
  keys.reserve(picked.size());
  for (auto& [m, k] : picked) {
    metas.push_back(m);
    keys.push_back(std::move(k));
  }
  return std::unique_ptr<ChunkReader>(
      new RocksChunkReader(shared_from_this(), snapshot, std::move(metas), std::move(keys)));
}

}  // namespace liqdb::storage
