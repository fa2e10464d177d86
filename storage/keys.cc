// Encoding and decoding of the store's RocksDB keys (see keys.h).
#include "storage/keys.h"

namespace liqdb::storage {

void PutBigEndian32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

void PutBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}

uint32_t GetBigEndian32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t GetBigEndian64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

namespace {
// Flipping the sign bit maps int64 order onto unsigned byte order.
uint64_t OrderedTs(Timestamp ts) {
  return static_cast<uint64_t>(ts) ^ (uint64_t{1} << 63);
}
Timestamp UnorderedTs(uint64_t v) {
  return static_cast<Timestamp>(v ^ (uint64_t{1} << 63));
}
// `venue 0x00 feed`, both non-empty, no other NUL: the tail of gap and
// heartbeat keys.
bool SplitVenueFeed(std::string_view rest, std::string* venue, std::string* feed) {
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos || nul == 0 || nul + 1 == rest.size()) return false;
  if (rest.find('\0', nul + 1) != std::string_view::npos) return false;
  *venue = std::string(rest.substr(0, nul));
  *feed = std::string(rest.substr(nul + 1));
  return true;
}
}  // namespace

std::string MetaKey(std::string_view name) {
  std::string k(1, kTagMeta);
  k.append(name);
  return k;
}

std::string SeriesKeyBytes(Kind kind, const SeriesKey& key) {
  std::string k(1, kTagSeries);
  k.push_back(static_cast<char>(kind));
  k.append(key.exchange);
  k.push_back('\0');
  k.append(key.symbol);
  return k;
}

bool ParseSeriesKeyBytes(std::string_view bytes, Kind* kind, SeriesKey* key) {
  if (bytes.size() < 3 || bytes[0] != kTagSeries) return false;
  const uint8_t k = static_cast<uint8_t>(bytes[1]);
  if (k < 1 || k > 3) return false;
  *kind = static_cast<Kind>(k);
  const std::string_view rest = bytes.substr(2);
  const size_t nul = rest.find('\0');
  if (nul == std::string_view::npos) return false;
  key->exchange = std::string(rest.substr(0, nul));
  key->symbol = std::string(rest.substr(nul + 1));
  return true;
}

std::string EncodeChunkKey(const ChunkKey& key) {
  std::string k;
  k.reserve(kChunkKeySize);
  k.push_back(key.part == kPartHeader ? kTagHeader : kTagChunk);
  k.push_back(static_cast<char>(key.kind));
  PutBigEndian32(&k, key.series_id);
  PutBigEndian64(&k, OrderedTs(key.min_ts));
  PutBigEndian64(&k, key.chunk_id);
  k.push_back(static_cast<char>(key.part));
  return k;
}

bool DecodeChunkKey(std::string_view bytes, ChunkKey* key) {
  if (bytes.size() != kChunkKeySize || (bytes[0] != kTagChunk && bytes[0] != kTagHeader)) return false;
  const uint8_t k = static_cast<uint8_t>(bytes[1]);
  if (k < 1 || k > 3) return false;
  key->kind = static_cast<Kind>(k);
  key->series_id = GetBigEndian32(bytes.data() + 2);
  key->min_ts = UnorderedTs(GetBigEndian64(bytes.data() + 6));
  key->chunk_id = GetBigEndian64(bytes.data() + 14);
  key->part = static_cast<uint8_t>(bytes[22]);
  if ((bytes[0] == kTagHeader) != (key->part == kPartHeader)) return false;
  return true;
}

std::string CheckpointPrefix(Kind kind, uint32_t series_id) {
  std::string k(1, kTagCheckpoint);
  k.push_back(static_cast<char>(kind));
  PutBigEndian32(&k, series_id);
  return k;
}

std::string CheckpointKey(Kind kind, uint32_t series_id, Timestamp at) {
  std::string k = CheckpointPrefix(kind, series_id);
  PutBigEndian64(&k, OrderedTs(at));
  return k;
}

bool DecodeCheckpointKey(std::string_view bytes, Timestamp* at) {
  if (bytes.size() != 14 || bytes[0] != kTagCheckpoint) return false;
  *at = UnorderedTs(GetBigEndian64(bytes.data() + 6));
  return true;
}

bool IsVenueFeedName(std::string_view name) {
  return !name.empty() && name.find('\0') == std::string_view::npos;
}

std::string GapKey(Timestamp from, std::string_view venue, std::string_view feed) {
  std::string k(1, kTagGap);
  PutBigEndian64(&k, OrderedTs(from));
  k.append(venue);
  k.push_back('\0');
  k.append(feed);
  return k;
}

bool DecodeGapKey(std::string_view bytes, Timestamp* from, std::string* venue, std::string* feed) {
  if (bytes.size() < 1 + 8 + 3 || bytes[0] != kTagGap) return false;
  *from = UnorderedTs(GetBigEndian64(bytes.data() + 1));
  return SplitVenueFeed(bytes.substr(9), venue, feed);
}

std::string HeartbeatKey(std::string_view venue, std::string_view feed) {
  std::string k(1, kTagHeartbeat);
  k.append(venue);
  k.push_back('\0');
  k.append(feed);
  return k;
}

bool DecodeHeartbeatKey(std::string_view bytes, std::string* venue, std::string* feed) {
  if (bytes.size() < 1 + 3 || bytes[0] != kTagHeartbeat) return false;
  return SplitVenueFeed(bytes.substr(1), venue, feed);
}

}  // namespace liqdb::storage
