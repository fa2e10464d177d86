// The RocksDB key layout of a store. Every key starts with a one-byte tag;
// integers are big-endian so that byte order is numeric order, and signed
// timestamps have their sign bit flipped for the same reason. docs/format.md
// documents each key and value byte by byte.
//
//   'M' <name>                                   -> metadata (format version, next ids)
//   'S' <kind:1> <exchange> 0x00 <symbol>        -> series id (u32 LE)
//   'H' <kind:1> <series:4> <min_ts:8> <chunk:8> 0x00     -> a chunk's header
//   'C' <kind:1> <series:4> <min_ts:8> <chunk:8> <part:1>  -> another part of it
//   'K' <kind:1> <series:4> <at:8>               -> a checkpoint (opaque state)
//   'G' <from:8> <venue> 0x00 <feed>             -> a gap (to, reason)
//   'A' <venue> 0x00 <feed>                      -> a recorder's heartbeat (last alive)
//
// Headers (zone map and part directory) live apart from the column data so
// that opening a store, and queries answered from zone maps, read only the
// small 'H' range. Other parts: kPartRollupMinute / kPartRollupHour (per-slot
// sums of a liquidation chunk) and kPartColumn + i (column i).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb::storage {

constexpr char kTagMeta = 'M';
constexpr char kTagSeries = 'S';
constexpr char kTagChunk = 'C';
constexpr char kTagHeader = 'H';
constexpr char kTagCheckpoint = 'K';
constexpr char kTagGap = 'G';
constexpr char kTagHeartbeat = 'A';  // "alive"; 'H' is the chunk headers'

constexpr uint8_t kPartHeader = 0x00;
constexpr uint8_t kPartRollupMinute = 0x01;
constexpr uint8_t kPartRollupHour = 0x02;
constexpr uint8_t kPartRollupPrice = 0x03;  // per (hour, price bin); storage/price_rollup.h
constexpr uint8_t kPartColumn = 0x10;       // + column index (see ColumnIndex in chunk_format.h)

constexpr size_t kChunkKeySize = 1 + 1 + 4 + 8 + 8 + 1;

std::string MetaKey(std::string_view name);
std::string SeriesKeyBytes(Kind kind, const SeriesKey& key);
// Parses a series dictionary key back; false if malformed.
bool ParseSeriesKeyBytes(std::string_view bytes, Kind* kind, SeriesKey* key);

struct ChunkKey {
  Kind kind;
  uint32_t series_id;
  Timestamp min_ts;
  uint64_t chunk_id;
  uint8_t part;
};
std::string EncodeChunkKey(const ChunkKey& key);
bool DecodeChunkKey(std::string_view bytes, ChunkKey* key);

// Checkpoint keys sort by time within (kind, series).
std::string CheckpointKey(Kind kind, uint32_t series_id, Timestamp at);
std::string CheckpointPrefix(Kind kind, uint32_t series_id);
bool DecodeCheckpointKey(std::string_view bytes, Timestamp* at);

// Gap keys sort by start time, then venue and feed (gaps.cc).
std::string GapKey(Timestamp from, std::string_view venue, std::string_view feed);
bool DecodeGapKey(std::string_view bytes, Timestamp* from, std::string* venue, std::string* feed);

// A venue or feed name as gap and heartbeat keys hold it: non-empty, no NUL.
bool IsVenueFeedName(std::string_view name);
// Heartbeat keys: one per (venue, feed) (heartbeats.cc).
std::string HeartbeatKey(std::string_view venue, std::string_view feed);
bool DecodeHeartbeatKey(std::string_view bytes, std::string* venue, std::string* feed);

void PutBigEndian32(std::string* out, uint32_t v);
void PutBigEndian64(std::string* out, uint64_t v);
uint32_t GetBigEndian32(const char* p);
uint64_t GetBigEndian64(const char* p);

}  // namespace liqdb::storage
