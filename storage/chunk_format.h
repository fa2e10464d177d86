// The byte format of a columnar chunk: one RocksDB value per part.
//
// A chunk is a time-sorted run of rows of one series. It is stored as
//   - a header part: the zone map (ChunkMeta) and the directory of parts;
//   - one part per column (ts, side, account, each value column), so a scan
//     reads and decodes only the columns it needs;
//   - for liquidations, rollup parts: per-minute and per-hour, per-side
//     count/qty/notional, so coarse histograms never touch the row columns.
// Every part value ends with an 8-byte XXH3-64 checksum of its payload
// (seeded with the part id). docs/format.md has the byte layout.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb::storage {

constexpr uint8_t kChunkFormatVersion = 1;

// Column indexes inside a chunk; a value column c is kColumnValue0 + c.
constexpr int kColumnTs = 0;
constexpr int kColumnSide = 1;
constexpr int kColumnAccount = 2;
constexpr int kColumnValue0 = 3;

// Column part encodings (first payload byte of a column part).
constexpr uint8_t kColumnCodecPlain = 0;     // the column's codec (ts/side/dict/double)
constexpr uint8_t kColumnCodecNullable = 1;  // presence bitmap + doubles of the non-NULL rows
constexpr uint8_t kColumnCodecProduct = 2;   // notional == price * qty for every row: no payload

struct EncodedChunk {
  ChunkMeta meta;
  std::vector<std::pair<uint8_t, std::string>> parts;  // part id -> value, header first
};

// Encodes `rows` (non-empty, sorted by ts) as a chunk.
EncodedChunk EncodeChunk(const Columns& rows, uint32_t series_id, uint64_t chunk_id, bool sealed);

// Checks a part's trailing checksum and returns its payload.
Status CheckPart(uint8_t part, std::string_view value, std::string_view* payload);
// payload ‖ XXH3-64(payload, seed = part): the checksummed form CheckPart reads.
std::string SealPart(uint8_t part, std::string payload);

// Decodes a header part value. `meta.kind/series_id/chunk_id` come from the key.
Status DecodeHeader(std::string_view value, ChunkMeta* meta);

// Decodes one column part value into `out` (rows already sized by the caller
// for ts). A product-coded notional needs price and qty decoded first.
Status DecodeColumnPart(Kind kind, int column, std::string_view value, uint32_t rows, Columns* out);

// The column codec byte (kColumnCodec*) of a value column part.
Status ValueColumnCodec(int column, std::string_view value, uint8_t* codec);

// Value column `column` (a plain or nullable part, not a product) at rows
// at[0..m) (ascending, each < rows) into out[0..m): the values
// DecodeColumnPart gives there.
Status DecodeValuesAt(Kind kind, int column, std::string_view value, uint32_t rows, const uint32_t* at,
                      size_t m, double* out);

// Value column `column` (a plain part): the rows whose value is greater
// than t and their values, where the column's encoding finds them without
// decoding it whole (DecodeDoublesAbove); *found false where it cannot.
Status DecodeValuesAbove(Kind kind, int column, std::string_view value, uint32_t rows, double t,
                         std::vector<uint32_t>* at, std::vector<double>* values, bool* found);

// Which column parts a mask needs (adds price and qty for a product-coded
// notional is the caller's job: they are cheap and always requested with it).
bool ColumnInMask(int column, ColumnMask mask);
int ColumnCount(Kind kind);

// Rollups at `resolution` (one of kRollupResolutions) and their part ids.
uint8_t RollupPart(int64_t resolution);
// The slot of `ts`: floor(ts / resolution).
int64_t RollupSlotOf(Timestamp ts, int64_t resolution);
// RollupSlotOf over timestamps that stay in one slot for many rows (a
// chunk's, in time order): a division only when a row leaves the slot
// before. Any order gives the same slots.
class RollupSlotCursor {
 public:
  explicit RollupSlotCursor(int64_t resolution) : resolution_(resolution) {}
  int64_t SlotOf(Timestamp ts) {
    if (ts < first_ || ts > last_) Enter(ts);
    return slot_;
  }

 private:
  void Enter(Timestamp ts);
  int64_t resolution_;
  int64_t slot_ = 0;
  Timestamp first_ = 1, last_ = 0;  // the slot's time range; empty until the first row
};
void BuildRollup(const Columns& rows, int64_t resolution, std::vector<RollupSlot>* out);
std::string EncodeRollupPart(uint8_t part, const std::vector<RollupSlot>& rollup);
Status DecodeRollupPart(uint8_t part, std::string_view value, std::vector<RollupSlot>* out);

// The zone map of rows (count, ts and price range, per-side sums).
ChunkMeta ComputeMeta(const Columns& rows);

}  // namespace liqdb::storage
