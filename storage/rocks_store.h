// RocksStore: the Store implementation on RocksDB.
//
// It keeps the store's directory in memory: the series dictionary and every
// chunk's zone map (loaded from the 'H' key range at open, updated after each
// successful write). Reads take a RocksDB snapshot plus a copy of the chunk
// list they need, so a concurrent seal or compaction never changes what an
// open reader sees.
//
// Thread-safety: all public methods are safe to call concurrently; writers
// are serialised by write_mu_, the directory is guarded by dir_mu_.
#pragma once

#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/chunk_format.h"

#include "liqdb/store.h"

namespace liqdb::storage {

// Staged rows of a series that span this much event time are sealed.
constexpr Timestamp kSealSpan = 86400LL * kMicrosPerSecond;
// Staged chunks a series may hold before appends merge them (tiering).
constexpr size_t kStagedTierAt = 32;

// A RocksDB status as a liqdb Status, prefixed with `context`.
Status FromRocks(const rocksdb::Status& s, const std::string& context);

class RocksStore final : public Store, public std::enable_shared_from_this<RocksStore> {
 public:
  static Result<std::shared_ptr<RocksStore>> OpenFolder(const std::string& path, const StoreOptions& options);
  ~RocksStore() override;
  // See Store::Recover.
  static Result<RecoveryReport> Recover(const std::string& path);

  const std::string& path() const override { return path_; }
  bool read_only() const override { return read_only_; }
  size_t chunk_rows() const override { return ChunkTarget(); }

  Result<AppendStats> Append(const SeriesBatch& batch) override;
  Result<AppendStats> AppendAll(const std::vector<SeriesBatch>& batches) override;
  Result<AppendStats> AppendAll(std::vector<SeriesBatch>&& batches) override;
  Status Seal(bool force) override;
  Status Compact() override;
  Status Verify(const std::function<void(const std::string&)>& report) override;
  Status Refresh() override;
  std::vector<SeriesInfo> ListSeries(std::optional<Kind> kind) const override;
  std::shared_ptr<const std::vector<SeriesInfo>> SeriesListing() const override;
  Result<StoreStats> Stats() const override;
  Status PutCheckpoint(Kind kind, uint32_t series_id, Timestamp at, const std::string& state) override;
  Result<std::optional<Checkpoint>> LatestCheckpoint(Kind kind, uint32_t series_id,
                                                     Timestamp at_or_before) const override;
  Result<std::unique_ptr<ChunkReader>> ReadChunks(Kind kind, const std::vector<uint32_t>& series_ids,
                                                  Timestamp from, Timestamp to) const override;
  Status PutGap(const Gap& gap) override;                                          // gaps.cc
  Result<std::vector<Gap>> ListGaps(Timestamp from, Timestamp to) const override;  // gaps.cc
  Status PutHeartbeat(const Heartbeat& heartbeat) override;                        // heartbeats.cc
  Result<std::optional<Timestamp>> GetHeartbeat(const std::string& venue,
                                                const std::string& feed) const override;  // heartbeats.cc

  // For ChunkReader: reads and decodes parts of one chunk at a snapshot.
  Status DecodeChunk(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, ColumnMask mask,
                     Columns* out) const;
  Status ReadRollup(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int64_t resolution,
                    std::vector<RollupSlot>* out) const;
  Status ReadPriceRollup(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, PriceRollup* out) const;
  Result<bool> IsProduct(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int value_column) const;
  Status DecodeValuesAt(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int value_column,
                        const uint32_t* at, size_t m, double* out) const;
  Status DecodeValuesAbove(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int value_column,
                           double t, std::vector<uint32_t>* at, std::vector<double>* values,
                           bool* found) const;
  rocksdb::DB* db() const { return db_.get(); }
  // Reads column part `column` of a chunk into *value (NotFound: Corruption).
  Status GetColumnPart(const ChunkMeta& meta, const rocksdb::Snapshot* snapshot, int column,
                       rocksdb::PinnableSlice* value) const;
  // "store <path>: chunk <id> (<kind> <exchange>/<symbol>)", for error messages.
  std::string DescribeChunk(const ChunkMeta& meta) const;

 private:
  struct SeriesEntry {
    Kind kind;
    SeriesKey key;
  };
  // A chunk the directory could not load: reads of its series fail with it.
  struct BadChunk {
    Kind kind;
    uint32_t series_id;
    std::string message;
  };

  RocksStore(std::string path, const StoreOptions& options);
  // The RocksDB options every liqdb store is opened with.
  static rocksdb::Options DbOptions(bool create_if_missing);
  // The error for a store RocksDB refused as corrupt: which log is damaged
  // where, and what to do (recover.cc).
  static std::string DescribeDamage(const std::string& dir, const std::string& rocks_message);
  // Removes temporary secondary folders of processes that no longer exist.
  static void RemoveStaleSecondaries();
  // Version 1 → current: drops the unchecksummed checkpoints.
  Status UpgradeFormat();
  std::string DescribeCheckpoint(Kind kind, uint32_t series_id, Timestamp at) const;
  // Checks every checkpoint value's checksum; reports and counts bad ones.
  // Deletes them too when `drop` (recovery).
  Status CheckCheckpoints(const std::function<void(const std::string&)>& report, bool drop, uint64_t* bad);
  // Checks every gap record's checksum and key (gaps.cc); reports and counts
  // bad ones. Deletes them too when `drop` (recovery: a damaged gap would
  // otherwise fail every ListGaps).
  Status CheckGaps(const std::function<void(const std::string&)>& report, bool drop, uint64_t* bad);
  // The same for heartbeat records (heartbeats.cc); a dropped one only makes
  // the next recorder run record no downtime gap for its feed.
  Status CheckHeartbeats(const std::function<void(const std::string&)>& report, bool drop, uint64_t* bad);
  // Reads the directory from the 'S' and 'H' ranges; takes dir_mu_ unless held.
  Status LoadDirectory(bool lock_held);
  // Drops SeriesListing's list after a directory change; caller holds dir_mu_ exclusively.
  void ForgetListing();
  Status CheckWritable() const;
  // A secondary catches up with its writer at most once per second, on the
  // first read after that: SQL readers and BI tools see new rows within a
  // second without calling Refresh themselves.
  Status MaybeRefresh() const;

  // Write-path helpers; callers hold write_mu_.
  uint32_t SeriesIdFor(Kind kind, const SeriesKey& key, rocksdb::WriteBatch* wb,
                       std::map<std::pair<Kind, SeriesKey>, uint32_t>* new_series);
  void PutChunk(const Columns& rows, uint32_t series_id, bool sealed, rocksdb::WriteBatch* wb,
                std::vector<ChunkMeta>* added);
  void DeleteChunk(const ChunkMeta& meta, rocksdb::WriteBatch* wb);
  // Writes `rows` (sorted) as sealed chunks of chunk_rows rows; a remainder
  // shorter than that is staged unless `seal_remainder`.
  void PutRowsAsChunks(const Columns& rows, uint32_t series_id, bool seal_remainder, rocksdb::WriteBatch* wb,
                       std::vector<ChunkMeta>* added);
  // Deletes the checkpoints of a series at or after `from` (they describe a
  // history that an append before them changes).
  Status DropCheckpointsFrom(Kind kind, uint32_t series_id, Timestamp from, rocksdb::WriteBatch* wb);
  Status DecodeAll(const std::vector<ChunkMeta>& metas, std::vector<Columns>* out) const;
  std::vector<ChunkMeta> ChunksOf(uint32_t series_id) const;
  Status CheckSeriesReadable(Kind kind, uint32_t series_id) const;
  Status CommitWrite(rocksdb::WriteBatch* wb, const std::vector<ChunkMeta>& added,
                     const std::vector<ChunkMeta>& removed,
                     const std::map<std::pair<Kind, SeriesKey>, uint32_t>& new_series);
  // The write policy (see Store, "Write path"): writes the new `rows`
  // (sorted, deduplicated; may be empty) of a series with its staged
  // chunks: staged and tiered, or sealed once there are chunk_rows of them,
  // once they span kSealSpan, or when `force_seal` (then the short last chunk
  // absorbs the series' newest short sealed chunks).
  Status WriteSeriesRows(Kind kind, uint32_t series_id, Columns rows, bool force_seal,
                         rocksdb::WriteBatch* wb, std::vector<ChunkMeta>* added,
                         std::vector<ChunkMeta>* removed);
  // chunk_rows within the codecs' limit.
  size_t ChunkTarget() const { return std::clamp<uint32_t>(options_.chunk_rows, 1, (1u << 24) - 1); }
  Status SealSeries(uint32_t series_id, bool force);
  // After Seal(true): flushes the memtable, compacts table files that are
  // mostly garbage, or all of them after a run that sealed at least
  // kSettleRunBytes and half the store's bytes. Caller holds write_mu_.
  Status SettleFiles();
  static constexpr uint64_t kSettleRunBytes = 1u << 20;
  // Replaces `group` (chunks of one series) by its rows merged, sorted and
  // cut into chunks, in one write.
  Status RewriteChunks(const std::vector<ChunkMeta>& group, uint32_t series_id, bool seal_remainder);
  Status CompactSeries(uint32_t series_id);

  const std::string path_;
  const StoreOptions options_;
  bool read_only_ = false;
  bool secondary_ = false;
  uint32_t format_version_ = 0;
  std::string secondary_path_;
  std::unique_ptr<rocksdb::DB> db_;

  std::mutex write_mu_;
  uint64_t sealed_since_settle_ = 0;  // chunk bytes sealed since the last SettleFiles; under write_mu_
  mutable std::shared_mutex dir_mu_;
  std::map<std::pair<Kind, SeriesKey>, uint32_t> series_ids_;
  std::unordered_map<uint32_t, SeriesEntry> series_;
  // Per series: its chunks ordered by (min_ts, chunk_id).
  std::unordered_map<uint32_t, std::vector<ChunkMeta>> chunks_;
  std::vector<BadChunk> bad_chunks_;
  // SeriesListing's list, built on first use after a directory change; a
  // writer clears it while holding dir_mu_ exclusively (lock order: dir_mu_,
  // then listing_mu_).
  mutable std::mutex listing_mu_;
  mutable std::shared_ptr<const std::vector<SeriesInfo>> listing_;
  uint32_t next_series_id_ = 1;
  mutable std::atomic<int64_t> last_refresh_ns_{0};
  uint64_t next_chunk_id_ = 1;
};

}  // namespace liqdb::storage
