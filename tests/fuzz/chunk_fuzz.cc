// Fuzzes storage/chunk_format's decoders the way a scan meets a chunk read
// from RocksDB: the header part first, then each column part with the row
// count the header claims, then the rollup parts. A crafted store carries
// valid checksums, so the target seals each payload itself (unless the input
// asks to keep its bytes), letting the fuzzer reach past CheckPart.
//
// Input: kind byte, flags byte (bit 0: parts carry their own checksums),
// then parts as [part id u8][length u16 LE][bytes], the header first.
// tests/fuzz/make_seeds.cc writes real chunks in this framing.
//
// Properties: no crash, no read out of bounds, no allocation beyond what the
// bytes can justify; and a chunk whose parts all decode re-encodes
// (EncodeChunk) to parts that decode to the same rows, bit for bit.
#include <xxhash.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "storage/chunk_format.h"
#include "storage/codec/bitpack.h"
#include "storage/codec/bytes.h"
#include "storage/keys.h"
#include "storage/price_rollup.h"
#include "tests/fuzz/fuzz_util.h"

#include "liqdb/types.h"

using namespace liqdb;
using namespace liqdb::storage;
using liqdb::fuzz::SameBits;

namespace {

constexpr uint32_t kFuzzMaxRows = 1 << 16;

std::string Seal(uint8_t part, std::string_view payload) {
  std::string v(payload);
  const uint64_t sum = XXH3_64bits_withSeed(payload.data(), payload.size(), part);
  v.append(reinterpret_cast<const char*>(&sum), 8);
  return v;
}

bool SameColumns(const Columns& a, const Columns& b, const KindSchema& schema) {
  if (a.ts != b.ts) return false;
  if (schema.has_side && a.side != b.side) return false;
  if (schema.has_account) {
    if (a.account.size() != b.account.size()) return false;
    for (size_t i = 0; i < a.account.size(); ++i) {
      if (a.AccountOf(i) != b.AccountOf(i)) return false;
    }
  }
  for (int c = 0; c < schema.num_values; ++c) {
    if (a.values[c].size() != b.values[c].size()) return false;
    for (size_t i = 0; i < a.values[c].size(); ++i) {
      if (!SameBits(a.values[c][i], b.values[c][i])) return false;
    }
  }
  return true;
}

// Decodes every column of a chunk in the order a full scan does (price and
// qty before a product-coded notional).
Status DecodeAll(Kind kind, const std::map<uint8_t, std::string>& parts, uint32_t rows, Columns* out) {
  const KindSchema& schema = SchemaOf(kind);
  *out = Columns(kind);
  for (int c = 0; c < ColumnCount(kind); ++c) {
    if ((c == kColumnSide && !schema.has_side) || (c == kColumnAccount && !schema.has_account)) continue;
    auto it = parts.find(static_cast<uint8_t>(kPartColumn + c));
    if (it == parts.end()) return Status::Corruption("missing column part");
    LIQDB_RETURN_IF_ERROR(DecodeColumnPart(kind, c, it->second, rows, out));
  }
  return Status::OK();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const Kind kind = static_cast<Kind>(1 + data[0] % 3);
  const bool raw = (data[1] & 1) != 0;
  std::map<uint8_t, std::string> parts;
  std::string header;
  bool first = true;
  size_t at = 2;
  while (at + 3 <= size) {
    const uint8_t id = data[at];
    const size_t len = std::min<size_t>(data[at + 1] | (data[at + 2] << 8), size - at - 3);
    const std::string_view bytes(reinterpret_cast<const char*>(data) + at + 3, len);
    at += 3 + len;
    std::string value = raw ? std::string(bytes) : Seal(first ? kPartHeader : id, bytes);
    if (first) {
      header = std::move(value);
      first = false;
    } else {
      parts[id] = std::move(value);
    }
  }
  if (first) return 0;

  ChunkMeta meta;
  meta.kind = kind;
  if (!DecodeHeader(header, &meta).ok()) return 0;
  FUZZ_CHECK(meta.rows > 0 && meta.min_ts <= meta.max_ts && meta.rows <= kMaxCodecRows);
  // A chunk may really hold up to kMaxCodecRows rows in a few bytes (equal
  // values pack to nothing), and decoding it then legitimately takes ~1 GB
  // and seconds under ASan: past a size the fuzzer learns nothing new, so
  // such inputs stop here (the caps themselves are checked above and in
  // tests/storage/chunk_decode_test.cc).
  if (meta.rows > kFuzzMaxRows) return 0;

  // Rollups decode on their own (coarse histograms read nothing else).
  for (uint8_t part : {kPartRollupMinute, kPartRollupHour}) {
    auto it = parts.find(part);
    if (it == parts.end()) continue;
    // The slot count leads the payload (see kFuzzMaxRows for why big ones stop).
    uint64_t count = 0;
    ByteReader peek(it->second);
    if (peek.GetVarint(&count).ok() && count > kFuzzMaxRows) continue;
    std::vector<RollupSlot> slots;
    if (!DecodeRollupPart(part, it->second, &slots).ok()) continue;
    std::vector<RollupSlot> back;
    FUZZ_CHECK(DecodeRollupPart(part, EncodeRollupPart(part, slots), &back).ok());
    FUZZ_CHECK(back.size() == slots.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      FUZZ_CHECK(back[i].slot == slots[i].slot);
      for (int s = 0; s < 2; ++s) {
        FUZZ_CHECK(back[i].sides[s].count == slots[i].sides[s].count);
        FUZZ_CHECK(SameBits(back[i].sides[s].qty, slots[i].sides[s].qty));
        FUZZ_CHECK(SameBits(back[i].sides[s].notional, slots[i].sides[s].notional));
      }
    }
  }
  if (auto it = parts.find(kPartRollupPrice); it != parts.end()) {
    // The cell count follows the 8-byte step.
    uint64_t count = 0;
    ByteReader peek(it->second.size() > 8 ? std::string_view(it->second).substr(8) : std::string_view());
    PriceRollup rollup;
    if (peek.GetVarint(&count).ok() && count <= kFuzzMaxRows &&
        DecodePriceRollupPart(it->second, &rollup).ok()) {
      PriceRollup back;
      FUZZ_CHECK(DecodePriceRollupPart(EncodePriceRollupPart(rollup), &back).ok());
      FUZZ_CHECK(back.size() == rollup.size() && SameBits(back.step, rollup.step));
      FUZZ_CHECK(back.slot == rollup.slot && back.bin == rollup.bin && back.count == rollup.count);
      for (int s = 0; s < 2; ++s) {
        for (size_t i = 0; i < rollup.size(); ++i) {
          FUZZ_CHECK(SameBits(back.notional[s][i], rollup.notional[s][i]));
        }
      }
    }
  }

  Columns rows;
  if (!DecodeAll(kind, parts, meta.rows, &rows).ok()) return 0;
  FUZZ_CHECK(rows.size() == meta.rows);
  const KindSchema& schema = SchemaOf(kind);
  for (uint8_t s : rows.side) FUZZ_CHECK(s <= 1);
  for (uint32_t a : rows.account) FUZZ_CHECK(a < rows.account_dict.size());
  // EncodeChunk wants rows sorted by time, as every writer gives it.
  if (!rows.IsSortedByTime()) return 0;

  EncodedChunk again = EncodeChunk(rows, 7, 9, meta.sealed);
  FUZZ_CHECK(!again.parts.empty() && again.parts.front().first == kPartHeader);
  ChunkMeta meta2;
  meta2.kind = kind;
  FUZZ_CHECK(DecodeHeader(again.parts.front().second, &meta2).ok());
  FUZZ_CHECK(meta2.rows == rows.size() && meta2.min_ts == rows.ts.front() && meta2.max_ts == rows.ts.back());
  std::map<uint8_t, std::string> parts2(again.parts.begin() + 1, again.parts.end());
  Columns rows2;
  FUZZ_CHECK(DecodeAll(kind, parts2, meta2.rows, &rows2).ok());
  FUZZ_CHECK(SameColumns(rows, rows2, schema));
  return 0;
}
