// Heartbeat records: when a recorder was last known to be recording a feed
// (Store::PutHeartbeat, GetHeartbeat), their checksums, and their check by
// verify and recover. The next recorder run reads them to store the time no
// recorder ran as a gap. The bytes are in docs/format.md ("Heartbeats").
#include <rocksdb/write_batch.h>

#include <cstring>

#include "storage/chunk_format.h"
#include "storage/keys.h"
#include "storage/rocks_store.h"

namespace liqdb::storage {

namespace {

// Seed of a heartbeat record's checksum, which covers its key too (as a gap
// record's does): a damaged venue or feed is caught like a damaged time.
constexpr uint8_t kHeartbeatSeed = 'A';
constexpr uint8_t kHeartbeatVersion = 1;
// version u8, alive i64, checksum u64: nothing else, nothing optional.
constexpr size_t kHeartbeatValueBytes = 1 + 8 + 8;

std::string EncodeHeartbeatValue(const std::string& key, Timestamp alive) {
  std::string payload = key;
  payload.push_back(static_cast<char>(kHeartbeatVersion));
  const int64_t v = alive;
  payload.append(reinterpret_cast<const char*>(&v), 8);
  return SealPart(kHeartbeatSeed, std::move(payload)).substr(key.size());
}

// Decodes one record; a failure's message says what is wrong, not where.
Status DecodeHeartbeat(std::string_view key, std::string_view value, Timestamp* alive) {
  if (value.size() != kHeartbeatValueBytes) {
    return Status::Corruption("value of " + std::to_string(value.size()) + " bytes (" +
                              std::to_string(kHeartbeatValueBytes) + " expected)");
  }
  std::string sealed(key);
  sealed.append(value);
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(kHeartbeatSeed, sealed, &payload));
  std::string venue, feed;
  if (!DecodeHeartbeatKey(key, &venue, &feed)) return Status::Corruption("malformed key");
  payload.remove_prefix(key.size());
  if (static_cast<uint8_t>(payload[0]) != kHeartbeatVersion) {
    return Status::Corruption("unknown heartbeat record version " +
                              std::to_string(static_cast<uint8_t>(payload[0])));
  }
  int64_t v = 0;
  std::memcpy(&v, payload.data() + 1, 8);
  *alive = v;
  return Status::OK();
}

std::string DescribeHeartbeatKey(const std::string& path, std::string_view key) {
  std::string venue, feed;
  std::string where = "store '" + path + "': heartbeat";
  if (DecodeHeartbeatKey(key, &venue, &feed)) where += " " + venue + "/" + feed;
  return where;
}

}  // namespace

Status RocksStore::PutHeartbeat(const Heartbeat& heartbeat) {
  LIQDB_RETURN_IF_ERROR(CheckWritable());
  if (!IsVenueFeedName(heartbeat.venue) || !IsVenueFeedName(heartbeat.feed)) {
    return Status::InvalidArgument("heartbeat: venue and feed must be non-empty text without NUL bytes");
  }
  const std::string key = HeartbeatKey(heartbeat.venue, heartbeat.feed);
  std::lock_guard write_lock(write_mu_);
  rocksdb::WriteOptions wo;
  wo.sync = true;  // a heartbeat lost in a crash would hide downtime behind the previous one
  return FromRocks(db_->Put(wo, key, EncodeHeartbeatValue(key, heartbeat.alive)),
                   "store '" + path_ + "': heartbeat");
}

Result<std::optional<Timestamp>> RocksStore::GetHeartbeat(const std::string& venue,
                                                          const std::string& feed) const {
  (void)MaybeRefresh();  // a failed catch-up leaves the last state, which is consistent
  if (!IsVenueFeedName(venue) || !IsVenueFeedName(feed)) {
    return Status::InvalidArgument("heartbeat: venue and feed must be non-empty text without NUL bytes");
  }
  const std::string key = HeartbeatKey(venue, feed);
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (rs.IsNotFound()) return std::optional<Timestamp>();
  LIQDB_RETURN_IF_ERROR(FromRocks(rs, "store '" + path_ + "': heartbeat"));
  Timestamp alive = 0;
  Status s = DecodeHeartbeat(key, value, &alive);
  if (!s.ok()) {
    return Status::Corruption(DescribeHeartbeatKey(path_, key) + ": " + s.message() +
                              " (liqdb recover drops damaged heartbeat records)");
  }
  return std::optional<Timestamp>(alive);
}

Status RocksStore::CheckHeartbeats(const std::function<void(const std::string&)>& report, bool drop,
                                   uint64_t* bad) {
  *bad = 0;
  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, kTagHeartbeat)); it->Valid() && it->key()[0] == kTagHeartbeat; it->Next()) {
    const std::string_view key = it->key().ToStringView();
    Timestamp alive = 0;
    Status s = DecodeHeartbeat(key, it->value().ToStringView(), &alive);
    if (s.ok()) continue;
    ++*bad;
    report(DescribeHeartbeatKey(path_, key) + ": " + s.message() + (drop ? " (dropped)" : ""));
    if (drop) wb.Delete(it->key()).PermitUncheckedError();
  }
  LIQDB_RETURN_IF_ERROR(FromRocks(it->status(), "store '" + path_ + "': heartbeats"));
  if (drop && wb.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Write(wo, &wb), "store '" + path_ + "': dropping bad heartbeat records");
  }
  return Status::OK();
}

}  // namespace liqdb::storage
