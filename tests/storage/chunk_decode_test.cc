// Decoding hostile chunk parts (storage/chunk_format.cc): parts with valid
// checksums but lying contents, as a crafted store would carry them. Found by
// tests/fuzz/chunk_fuzz.cc.
#define XXH_INLINE_ALL  // the checksum helper below needs no link to libxxhash
#include <xxhash.h>

#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "storage/chunk_format.h"
#include "storage/keys.h"

#include "liqdb/types.h"

using namespace liqdb;
using namespace liqdb::storage;

namespace {

// A part value as the store writes it: payload + XXH3-64 seeded with the part id.
std::string Sealed(uint8_t part, std::string payload) {
  const uint64_t sum = XXH3_64bits_withSeed(payload.data(), payload.size(), part);
  payload.append(reinterpret_cast<const char*>(&sum), 8);
  return payload;
}

// A one-row liquidations header whose row count says `rows` (bytes 3..6 of
// the payload: version, kind, flags, then rows u32), resealed.
std::string HeaderClaiming(uint32_t rows) {
  Columns c(Kind::kLiquidations);
  c.AddLiquidation(1000, Side::kLong, 10.0, 2.0, 20.0);
  EncodedChunk chunk = EncodeChunk(c, 1, 1, true);
  REQUIRE(chunk.parts.front().first == kPartHeader);
  std::string payload = chunk.parts.front().second.substr(0, chunk.parts.front().second.size() - 8);
  std::memcpy(payload.data() + 3, &rows, 4);
  return Sealed(kPartHeader, payload);
}

}  // namespace

TEST_CASE("a header claiming more rows than any chunk holds is corrupt", "[chunk][corrupt]") {
  ChunkMeta meta;
  meta.kind = Kind::kLiquidations;
  CHECK(DecodeHeader(HeaderClaiming(1), &meta).ok());  // the resealed control decodes
  CHECK(meta.rows == 1);
  // 2^24 rows is the codecs' limit (and above any chunk_rows a writer uses).
  CHECK(DecodeHeader(HeaderClaiming(1u << 24), &meta).ok());
  for (uint32_t rows : {(1u << 24) + 1, 0xFFFFFFFFu}) {
    ChunkMeta m;
    m.kind = Kind::kLiquidations;
    Status s = DecodeHeader(HeaderClaiming(rows), &m);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(s.message().find(std::to_string(rows)) != std::string::npos);
  }
}

TEST_CASE("a column part asked for 4 billion rows fails before allocating them", "[chunk][corrupt]") {
  // A ts column of one row; asked for 2^32-1 rows, the decoder used to size
  // the column (32 GB) before the codec could refuse.
  Columns c(Kind::kLiquidations);
  c.AddLiquidation(1000, Side::kLong, 10.0, 2.0, 20.0);
  EncodedChunk chunk = EncodeChunk(c, 1, 1, true);
  for (const auto& [part, value] : chunk.parts) {
    if (part < kPartColumn) continue;
    Columns out(Kind::kLiquidations);
    Status s = DecodeColumnPart(Kind::kLiquidations, part - kPartColumn, value, 0xFFFFFFFFu, &out);
    CHECK(s.code() == Status::Code::kCorruption);
    CHECK(out.ts.size() < 2);
  }
}

TEST_CASE("a rollup part claiming more slots than a chunk has rows is corrupt", "[chunk][corrupt]") {
  // Payload: slot count varint, then the slot column. 2^24 + 1 slots cannot
  // come from a chunk of at most 2^24 rows; the old limit (2^26) let a short
  // part size a 3.7 GB output before the slot column failed to decode.
  std::string payload;
  uint64_t m = (uint64_t{1} << 24) + 1;
  while (m >= 0x80) {
    payload.push_back(static_cast<char>(m | 0x80));
    m >>= 7;
  }
  payload.push_back(static_cast<char>(m));
  std::vector<RollupSlot> out;
  Status s = DecodeRollupPart(kPartRollupMinute, Sealed(kPartRollupMinute, payload), &out);
  CHECK(s.code() == Status::Code::kCorruption);
  CHECK(s.message().find("16777217") != std::string::npos);
  CHECK(out.empty());
}

TEST_CASE("a real rollup part still round-trips", "[chunk]") {
  std::vector<RollupSlot> slots(3);
  for (int i = 0; i < 3; ++i) {
    slots[i].slot = 100 + i;
    slots[i].sides[0] = {static_cast<uint64_t>(i + 1), 0.5 * i, 10.0 * i};
  }
  std::vector<RollupSlot> back;
  REQUIRE(DecodeRollupPart(kPartRollupHour, EncodeRollupPart(kPartRollupHour, slots), &back).ok());
  REQUIRE(back.size() == 3);
  CHECK(back[2].slot == 102);
  CHECK(back[2].sides[0].count == 3);
  CHECK(back[2].sides[0].notional == 20.0);
}
