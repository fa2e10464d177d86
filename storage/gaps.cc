// Gap records: the times a recorder had no data from a feed (Store::PutGap,
// ListGaps), their checksums, and their check by verify and recover. The
// bytes are in docs/format.md ("Gaps").
#include <rocksdb/write_batch.h>

#include <cstring>

#include "storage/chunk_format.h"
#include "storage/gap_format.h"
#include "storage/keys.h"
#include "storage/rocks_store.h"

namespace liqdb {

std::string_view Utf8Prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  // A cut before a continuation byte (10xxxxxx) would split its character:
  // move it back to that character's lead byte, at most 3 bytes (the longest
  // UTF-8 character is 4); a longer run of continuation bytes is not UTF-8.
  size_t n = max_bytes;
  for (int back = 0; back < 3 && n > 0 && (static_cast<uint8_t>(text[n]) & 0xC0) == 0x80; ++back) --n;
  if ((static_cast<uint8_t>(text[n]) & 0xC0) == 0x80) n = max_bytes;
  return text.substr(0, n);
}

}  // namespace liqdb

namespace liqdb::storage {

namespace {

// Seed of a gap record's checksum, which covers its key too: a damaged venue,
// feed or start is caught like a damaged end or reason.
constexpr uint8_t kGapSeed = 'G';
constexpr uint8_t kGapVersion = 1;
// version u8, to i64, then the reason.
constexpr size_t kGapFixedBytes = 1 + 8;

}  // namespace

std::string EncodeGapValue(const std::string& key, const Gap& gap) {
  std::string payload = key;
  payload.push_back(static_cast<char>(kGapVersion));
  const int64_t to = gap.to;
  payload.append(reinterpret_cast<const char*>(&to), 8);
  payload.append(gap.reason);
  return SealPart(kGapSeed, std::move(payload)).substr(key.size());
}

Status DecodeGap(std::string_view key, std::string_view value, Gap* gap) {
  if (value.size() < kGapFixedBytes + 8) {
    return Status::Corruption("value truncated (" + std::to_string(value.size()) + " bytes, at least " +
                              std::to_string(kGapFixedBytes + 8) + " expected)");
  }
  std::string sealed(key);
  sealed.append(value);
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(kGapSeed, sealed, &payload));
  if (!DecodeGapKey(key, &gap->from, &gap->venue, &gap->feed)) return Status::Corruption("malformed key");
  payload.remove_prefix(key.size());
  if (static_cast<uint8_t>(payload[0]) != kGapVersion) {
    return Status::Corruption("unknown gap record version " +
                              std::to_string(static_cast<uint8_t>(payload[0])));
  }
  int64_t to = 0;
  std::memcpy(&to, payload.data() + 1, 8);
  gap->to = to;
  if (gap->to <= gap->from) return Status::Corruption("end not after start");
  const std::string_view reason = payload.substr(kGapFixedBytes);
  if (reason.size() > Store::kMaxGapReason) {
    return Status::Corruption("reason of " + std::to_string(reason.size()) + " bytes (at most " +
                              std::to_string(Store::kMaxGapReason) + ")");
  }
  gap->reason = std::string(reason);
  return Status::OK();
}

namespace {

// Where a record is, for messages: its key's readable parts when they parse.
std::string DescribeGapKey(const std::string& path, std::string_view key) {
  Timestamp from = 0;
  std::string venue, feed;
  std::string where = "store '" + path + "': gap";
  if (DecodeGapKey(key, &from, &venue, &feed)) {
    where += " " + venue + "/" + feed + " from " + std::to_string(from);
  }
  return where;
}

Status ValidateGap(const Gap& gap) {
  auto bad_name = [](const std::string& s) { return !IsVenueFeedName(s); };
  if (bad_name(gap.venue))
    return Status::InvalidArgument("gap: venue must be non-empty text without NUL bytes");
  if (bad_name(gap.feed))
    return Status::InvalidArgument("gap: feed must be non-empty text without NUL bytes");
  if (gap.from >= gap.to) {
    return Status::InvalidArgument("gap " + gap.venue + "/" + gap.feed + ": from (" +
                                   std::to_string(gap.from) + ") must be before to (" +
                                   std::to_string(gap.to) + ")");
  }
  if (gap.reason.size() > Store::kMaxGapReason) {
    return Status::InvalidArgument("gap " + gap.venue + "/" + gap.feed + ": reason longer than " +
                                   std::to_string(Store::kMaxGapReason) + " bytes");
  }
  return Status::OK();
}

}  // namespace

Status RocksStore::PutGap(const Gap& gap) {
  LIQDB_RETURN_IF_ERROR(CheckWritable());
  LIQDB_RETURN_IF_ERROR(ValidateGap(gap));
  const std::string key = GapKey(gap.from, gap.venue, gap.feed);
  std::lock_guard write_lock(write_mu_);
  rocksdb::WriteOptions wo;
  wo.sync = true;  // durable on return, whatever options_.sync says: gaps are few
  return FromRocks(db_->Put(wo, key, EncodeGapValue(key, gap)), "store '" + path_ + "': gap");
}

Result<std::vector<Gap>> RocksStore::ListGaps(Timestamp from, Timestamp to) const {
  (void)MaybeRefresh();  // a failed catch-up leaves the last state, which is consistent
  std::vector<Gap> out;
  if (from >= to) return out;
  // Keys sort by start: every gap starting before `to` is a candidate; its
  // end decides. Gaps are few (one per disconnect), so the scan is short.
  rocksdb::ReadOptions ro;
  const std::string upper = GapKey(to, "", "");
  rocksdb::Slice upper_slice(upper);
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(std::string(1, kTagGap)); it->Valid() && it->key()[0] == kTagGap; it->Next()) {
    const std::string_view key = it->key().ToStringView();
    Gap gap;
    Status s = DecodeGap(key, it->value().ToStringView(), &gap);
    if (!s.ok()) {
      return Status::Corruption(DescribeGapKey(path_, key) + ": " + s.message() +
                                " (liqdb recover drops damaged gap records)");
    }
    if (gap.to > from) out.push_back(std::move(gap));
  }
  LIQDB_RETURN_IF_ERROR(FromRocks(it->status(), "store '" + path_ + "': gaps"));
  return out;
}

Status RocksStore::CheckGaps(const std::function<void(const std::string&)>& report, bool drop,
                             uint64_t* bad) {
  *bad = 0;
  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(std::string(1, kTagGap)); it->Valid() && it->key()[0] == kTagGap; it->Next()) {
    const std::string_view key = it->key().ToStringView();
    Gap gap;
    Status s = DecodeGap(key, it->value().ToStringView(), &gap);
    if (s.ok()) continue;
    ++*bad;
    report(DescribeGapKey(path_, key) + ": " + s.message() + (drop ? " (dropped)" : ""));
    if (drop) wb.Delete(it->key()).PermitUncheckedError();
  }
  LIQDB_RETURN_IF_ERROR(FromRocks(it->status(), "store '" + path_ + "': gaps"));
  if (drop && wb.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->Write(wo, &wb), "store '" + path_ + "': dropping bad gap records");
  }
  return Status::OK();
}

}  // namespace liqdb::storage
