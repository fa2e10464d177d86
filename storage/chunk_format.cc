// Encoding and decoding of chunk parts (see chunk_format.h, docs/format.md).
#include "storage/chunk_format.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "storage/codec/bitpack.h"
#include "storage/codec/bytes.h"
#include "storage/codec/dict_codec.h"
#include "storage/codec/double_codec.h"
#include "storage/codec/side_codec.h"
#include "storage/codec/ts_codec.h"
#include "storage/keys.h"
#include "storage/price_rollup.h"

namespace liqdb::storage {

namespace {

uint64_t PartChecksum(uint8_t part, std::string_view payload) {
  return XXH3_64bits_withSeed(payload.data(), payload.size(), part);
}

bool SameBits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// The NaN Columns uses for NULL; other NaN payloads are stored as plain doubles.
bool IsCanonicalNull(double v) {
  return SameBits(v, std::nan(""));
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string EncodeValueColumn(const Columns& rows, int c) {
  const std::vector<double>& v = rows.values[c];
  std::string out;
  ByteWriter w(&out);
  if (rows.kind == Kind::kLiquidations && c == liq_col::kNotional) {
    const auto& price = rows.values[liq_col::kPrice];
    const auto& qty = rows.values[liq_col::kQty];
    bool product = true;
    for (size_t i = 0; i < v.size() && product; ++i) product = SameBits(v[i], price[i] * qty[i]);
    if (product) {
      w.PutU8(kColumnCodecProduct);
      return out;
    }
  }
  const bool nullable = SchemaOf(rows.kind).value_nullable[c];
  size_t nulls = 0;
  if (nullable) {
    for (double x : v) nulls += IsCanonicalNull(x) ? 1 : 0;
  }
  if (nulls == 0) {
    w.PutU8(kColumnCodecPlain);
    EncodeDoubles(v.data(), v.size(), &w);
    return out;
  }
  w.PutU8(kColumnCodecNullable);
  std::vector<uint8_t> present(v.size());
  std::vector<double> dense;
  dense.reserve(v.size() - nulls);
  for (size_t i = 0; i < v.size(); ++i) {
    present[i] = IsCanonicalNull(v[i]) ? 0 : 1;
    if (present[i]) dense.push_back(v[i]);
  }
  EncodeSides(present.data(), present.size(), &w);
  EncodeDoubles(dense.data(), dense.size(), &w);
  return out;
}

}  // namespace

int ColumnCount(Kind kind) {
  return kColumnValue0 + SchemaOf(kind).num_values;
}

bool ColumnInMask(int column, ColumnMask mask) {
  return (mask & (1u << column)) != 0;
}

ChunkMeta ComputeMeta(const Columns& rows) {
  ChunkMeta m;
  m.kind = rows.kind;
  m.rows = static_cast<uint32_t>(rows.size());
  if (rows.empty()) return m;
  m.min_ts = *std::min_element(rows.ts.begin(), rows.ts.end());
  m.max_ts = *std::max_element(rows.ts.begin(), rows.ts.end());
  int price_col = 0;
  switch (rows.kind) {
    case Kind::kLiquidations: price_col = liq_col::kPrice; break;
    case Kind::kPositions: price_col = pos_col::kEntryPrice; break;
    case Kind::kMarket: price_col = mkt_col::kMarkPrice; break;
  }
  // A close row's entry price may be NULL (NaN): it bounds nothing.
  bool any_price = false;
  for (double p : rows.values[price_col]) {
    if (std::isnan(p)) continue;
    m.min_price = any_price ? std::min(m.min_price, p) : p;
    m.max_price = any_price ? std::max(m.max_price, p) : p;
    any_price = true;
  }
  const KindSchema& schema = SchemaOf(rows.kind);
  for (int c = 0; c < schema.num_values; ++c) {
    // NaN is NULL: it bounds nothing, and an all-NULL column keeps min > max.
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : rows.values[c]) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    m.min_value[c] = lo;
    m.max_value[c] = hi;
  }
  m.has_value_ranges = true;
  if (rows.kind == Kind::kLiquidations) {
    for (size_t i = 0; i < rows.size(); ++i) {
      SideSums& s = m.sides[rows.side[i]];
      s.count++;
      s.qty += rows.values[liq_col::kQty][i];
      s.notional += rows.values[liq_col::kNotional][i];
    }
  } else if (rows.kind == Kind::kPositions) {
    for (size_t i = 0; i < rows.size(); ++i) {
      SideSums& s = m.sides[rows.side[i]];
      s.count++;
      s.qty += rows.values[pos_col::kSize][i];
      const double entry = rows.values[pos_col::kEntryPrice][i];
      if (!std::isnan(entry)) s.notional += rows.values[pos_col::kSize][i] * entry;
    }
  }
  return m;
}

uint8_t RollupPart(int64_t resolution) {
  return resolution == kRollupHour ? kPartRollupHour : kPartRollupMinute;
}

int64_t RollupSlotOf(Timestamp ts, int64_t resolution) {
  return FloorDiv(ts, resolution);
}

void RollupSlotCursor::Enter(Timestamp ts) {
  slot_ = RollupSlotOf(ts, resolution_);
  int64_t offset = ts % resolution_;
  if (offset < 0) offset += resolution_;
  // The slot's ends, clamped where they fall outside int64.
  if (__builtin_sub_overflow(ts, offset, &first_)) first_ = INT64_MIN;
  if (__builtin_add_overflow(ts, resolution_ - 1 - offset, &last_)) last_ = INT64_MAX;
}

void BuildRollup(const Columns& rows, int64_t resolution, std::vector<RollupSlot>* out) {
  out->clear();
  const double* qty = rows.values[liq_col::kQty].data();
  const double* notional = rows.values[liq_col::kNotional].data();
  RollupSlotCursor cursor(resolution);
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t slot = cursor.SlotOf(rows.ts[i]);
    if (out->empty() || out->back().slot != slot) {
      out->push_back(RollupSlot{});
      out->back().slot = slot;
    }
    SideSums& s = out->back().sides[rows.side[i]];
    s.count++;
    s.qty += qty[i];
    s.notional += notional[i];
  }
}

std::string EncodeRollupPart(uint8_t part, const std::vector<RollupSlot>& rollup) {
  std::string out;
  ByteWriter w(&out);
  const size_t m = rollup.size();
  w.PutVarint(m);
  std::vector<int64_t> ints(m);
  std::vector<double> dbl(m);
  for (size_t i = 0; i < m; ++i) ints[i] = rollup[i].slot;
  EncodeTimestamps(ints.data(), m, &w);
  for (int side = 0; side < 2; ++side) {
    for (size_t i = 0; i < m; ++i) ints[i] = static_cast<int64_t>(rollup[i].sides[side].count);
    EncodeTimestamps(ints.data(), m, &w);
    for (size_t i = 0; i < m; ++i) dbl[i] = rollup[i].sides[side].qty;
    EncodeDoubles(dbl.data(), m, &w);
    for (size_t i = 0; i < m; ++i) dbl[i] = rollup[i].sides[side].notional;
    EncodeDoubles(dbl.data(), m, &w);
  }
  return SealPart(part, std::move(out));
}

Status DecodeRollupPart(uint8_t part, std::string_view value, std::vector<RollupSlot>* out) {
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(part, value, &payload));
  ByteReader r(payload);
  uint64_t m = 0;
  LIQDB_RETURN_IF_ERROR(r.GetVarint(&m));
  // Every slot holds at least one of the chunk's rows.
  if (m > kMaxCodecRows) return Status::Corruption("rollup: absurd slot count " + std::to_string(m));
  // The slots decode before the (7x larger) output is sized, so a lying
  // count in a short part fails cheaply.
  std::vector<int64_t> ints(m);
  std::vector<double> dbl(m);
  LIQDB_RETURN_IF_ERROR(DecodeTimestamps(&r, m, ints.data()));
  out->assign(m, RollupSlot{});
  for (size_t i = 0; i < m; ++i) (*out)[i].slot = ints[i];
  for (int side = 0; side < 2; ++side) {
    LIQDB_RETURN_IF_ERROR(DecodeTimestamps(&r, m, ints.data()));
    for (size_t i = 0; i < m; ++i) (*out)[i].sides[side].count = static_cast<uint64_t>(ints[i]);
    LIQDB_RETURN_IF_ERROR(DecodeDoubles(&r, m, dbl.data()));
    for (size_t i = 0; i < m; ++i) (*out)[i].sides[side].qty = dbl[i];
    LIQDB_RETURN_IF_ERROR(DecodeDoubles(&r, m, dbl.data()));
    for (size_t i = 0; i < m; ++i) (*out)[i].sides[side].notional = dbl[i];
  }
  return Status::OK();
}

EncodedChunk EncodeChunk(const Columns& rows, uint32_t series_id, uint64_t chunk_id, bool sealed) {
  EncodedChunk chunk;
  chunk.meta = ComputeMeta(rows);
  chunk.meta.series_id = series_id;
  chunk.meta.chunk_id = chunk_id;
  chunk.meta.sealed = sealed;
  const KindSchema& schema = SchemaOf(rows.kind);
  const size_t n = rows.size();

  std::vector<std::pair<uint8_t, std::string>> body;
  {
    std::string p;
    ByteWriter w(&p);
    w.PutU8(kColumnCodecPlain);
    EncodeTimestamps(rows.ts.data(), n, &w);
    body.emplace_back(kPartColumn + kColumnTs, SealPart(kPartColumn + kColumnTs, std::move(p)));
  }
  if (schema.has_side) {
    std::string p;
    ByteWriter w(&p);
    w.PutU8(kColumnCodecPlain);
    EncodeSides(rows.side.data(), n, &w);
    body.emplace_back(kPartColumn + kColumnSide, SealPart(kPartColumn + kColumnSide, std::move(p)));
  }
  if (schema.has_account) {
    std::string p;
    ByteWriter w(&p);
    w.PutU8(kColumnCodecPlain);
    EncodeDictIds(rows.account.data(), n, rows.account_dict, &w);
    body.emplace_back(kPartColumn + kColumnAccount, SealPart(kPartColumn + kColumnAccount, std::move(p)));
  }
  for (int c = 0; c < schema.num_values; ++c) {
    const uint8_t part = static_cast<uint8_t>(kPartColumn + kColumnValue0 + c);
    body.emplace_back(part, SealPart(part, EncodeValueColumn(rows, c)));
  }
  if (rows.kind == Kind::kLiquidations) {
    std::vector<RollupSlot> rollup;
    size_t at = 0;
    for (int64_t resolution : {kRollupMinute, kRollupHour}) {
      BuildRollup(rows, resolution, &rollup);
      if (resolution == kRollupMinute) {
        chunk.meta.has_minute_rollup = uint64_t{kMinRowsPerMinuteSlot} * rollup.size() <= n;
        if (!chunk.meta.has_minute_rollup) continue;
      }
      const uint8_t part = RollupPart(resolution);
      body.emplace(body.begin() + at++, part, EncodeRollupPart(part, rollup));
    }
    chunk.meta.has_rollup = true;
    PriceRollup by_price;
    chunk.meta.has_price_rollup = BuildPriceRollup(rows, &by_price);
    if (chunk.meta.has_price_rollup) {
      body.emplace(body.begin() + at++, kPartRollupPrice, EncodePriceRollupPart(by_price));
    }
  }

  std::string h;
  ByteWriter w(&h);
  w.PutU8(kChunkFormatVersion);
  w.PutU8(static_cast<uint8_t>(rows.kind));
  w.PutU8((sealed ? 1 : 0) | (chunk.meta.has_rollup ? 2 : 0) |
          (chunk.meta.has_rollup && !chunk.meta.has_minute_rollup ? 4 : 0) |
          (chunk.meta.has_rollup && chunk.meta.has_price_rollup ? 8 : 0));
  w.PutU32(chunk.meta.rows);
  w.PutU64(static_cast<uint64_t>(chunk.meta.min_ts));
  w.PutU64(static_cast<uint64_t>(chunk.meta.max_ts));
  w.PutF64(chunk.meta.min_price);
  w.PutF64(chunk.meta.max_price);
  for (const SideSums& s : chunk.meta.sides) {
    w.PutU64(s.count);
    w.PutF64(s.qty);
    w.PutF64(s.notional);
  }
  w.PutU8(static_cast<uint8_t>(body.size()));
  uint64_t bytes = 0;
  for (const auto& [part, value] : body) {
    w.PutU8(part);
    w.PutU32(static_cast<uint32_t>(value.size()));
    bytes += value.size();
  }
  // The value ranges trail the directory so that readers predating them,
  // which stop after the directory, still read the header.
  w.PutU8(static_cast<uint8_t>(schema.num_values));
  for (int c = 0; c < schema.num_values; ++c) {
    w.PutF64(chunk.meta.min_value[c]);
    w.PutF64(chunk.meta.max_value[c]);
  }
  std::string header = SealPart(kPartHeader, std::move(h));
  chunk.meta.bytes = bytes + header.size();
  chunk.parts.emplace_back(kPartHeader, std::move(header));
  for (auto& p : body) chunk.parts.push_back(std::move(p));
  return chunk;
}

std::string SealPart(uint8_t part, std::string payload) {
  const uint64_t sum = PartChecksum(part, payload);
  payload.append(reinterpret_cast<const char*>(&sum), 8);
  return payload;
}

Status CheckPart(uint8_t part, std::string_view value, std::string_view* payload) {
  if (value.size() < 8) return Status::Corruption("part too short for its checksum");
  *payload = value.substr(0, value.size() - 8);
  uint64_t stored = 0;
  std::memcpy(&stored, value.data() + value.size() - 8, 8);
  if (stored != PartChecksum(part, *payload)) return Status::Corruption("checksum mismatch");
  return Status::OK();
}

Status DecodeHeader(std::string_view value, ChunkMeta* meta) {
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(kPartHeader, value, &payload));
  ByteReader r(payload);
  uint8_t version = 0, kind = 0, flags = 0, nparts = 0;
  uint32_t rows = 0;
  uint64_t min_ts = 0, max_ts = 0;
  LIQDB_RETURN_IF_ERROR(r.GetU8(&version));
  if (version != kChunkFormatVersion) {
    return Status::Corruption("unknown chunk format version " + std::to_string(version));
  }
  LIQDB_RETURN_IF_ERROR(r.GetU8(&kind));
  if (kind != static_cast<uint8_t>(meta->kind)) return Status::Corruption("header kind differs from key");
  LIQDB_RETURN_IF_ERROR(r.GetU8(&flags));
  LIQDB_RETURN_IF_ERROR(r.GetU32(&rows));
  LIQDB_RETURN_IF_ERROR(r.GetU64(&min_ts));
  LIQDB_RETURN_IF_ERROR(r.GetU64(&max_ts));
  LIQDB_RETURN_IF_ERROR(r.GetF64(&meta->min_price));
  LIQDB_RETURN_IF_ERROR(r.GetF64(&meta->max_price));
  for (SideSums& s : meta->sides) {
    LIQDB_RETURN_IF_ERROR(r.GetU64(&s.count));
    LIQDB_RETURN_IF_ERROR(r.GetF64(&s.qty));
    LIQDB_RETURN_IF_ERROR(r.GetF64(&s.notional));
  }
  LIQDB_RETURN_IF_ERROR(r.GetU8(&nparts));
  uint64_t bytes = value.size();
  for (int i = 0; i < nparts; ++i) {
    uint8_t part = 0;
    uint32_t size = 0;
    LIQDB_RETURN_IF_ERROR(r.GetU8(&part));
    LIQDB_RETURN_IF_ERROR(r.GetU32(&size));
    bytes += size;
  }
  meta->has_value_ranges = false;
  if (r.remaining() > 0) {
    uint8_t n = 0;
    LIQDB_RETURN_IF_ERROR(r.GetU8(&n));
    if (n != SchemaOf(meta->kind).num_values) {
      return Status::Corruption("header has value ranges for " + std::to_string(n) + " columns");
    }
    for (int c = 0; c < n; ++c) {
      LIQDB_RETURN_IF_ERROR(r.GetF64(&meta->min_value[c]));
      LIQDB_RETURN_IF_ERROR(r.GetF64(&meta->max_value[c]));
      if (std::isnan(meta->min_value[c]) || std::isnan(meta->max_value[c])) {
        return Status::Corruption("NaN in a value range of the header");
      }
    }
    if (r.remaining() != 0) return Status::Corruption("trailing bytes after the header");
    meta->has_value_ranges = true;
  }
  meta->sealed = (flags & 1) != 0;
  meta->has_rollup = (flags & 2) != 0;
  meta->has_minute_rollup = meta->has_rollup && (flags & 4) == 0;
  meta->has_price_rollup = meta->has_rollup && (flags & 8) != 0;
  meta->rows = rows;
  meta->min_ts = static_cast<Timestamp>(min_ts);
  meta->max_ts = static_cast<Timestamp>(max_ts);
  meta->bytes = bytes;
  // No writer makes a chunk the codecs cannot decode; a larger count would
  // only make the column decoders allocate for rows that are not there.
  if (rows > kMaxCodecRows) return Status::Corruption("header claims " + std::to_string(rows) + " rows");
  if (rows == 0 || meta->min_ts > meta->max_ts) return Status::Corruption("inconsistent zone map");
  return Status::OK();
}

Status ValueColumnCodec(int column, std::string_view value, uint8_t* codec) {
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(static_cast<uint8_t>(kPartColumn + column), value, &payload));
  ByteReader r(payload);
  return r.GetU8(codec);
}

namespace {

// A value column part's payload after its codec byte: the checks both
// partial decoders make before they read values.
Status OpenValueColumn(Kind kind, int column, std::string_view value, uint32_t rows, ByteReader* r,
                       uint8_t* codec) {
  if (rows > kMaxCodecRows) return Status::Corruption("absurd row count " + std::to_string(rows));
  const int c = column - kColumnValue0;
  if (c < 0 || c >= SchemaOf(kind).num_values) return Status::InvalidArgument("not a value column");
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(static_cast<uint8_t>(kPartColumn + column), value, &payload));
  *r = ByteReader(payload);
  return r->GetU8(codec);
}

}  // namespace

Status DecodeValuesAt(Kind kind, int column, std::string_view value, uint32_t rows, const uint32_t* at,
                      size_t m, double* out) {
  ByteReader r(nullptr, 0);
  uint8_t codec = 0;
  LIQDB_RETURN_IF_ERROR(OpenValueColumn(kind, column, value, rows, &r, &codec));
  const int c = column - kColumnValue0;
  if (codec == kColumnCodecPlain) return DecodeDoublesAt(&r, rows, at, m, out);
  if (codec == kColumnCodecProduct)
    return Status::InvalidArgument("a product-coded column has no values of its own");
  // NULLs shift the dense values' positions: decode the column whole.
  Columns whole(kind);
  LIQDB_RETURN_IF_ERROR(DecodeColumnPart(kind, column, value, rows, &whole));
  const std::vector<double>& v = whole.values[c];
  for (size_t k = 0; k < m; ++k) {
    if (at[k] >= rows) return Status::InvalidArgument("row to decode past the chunk");
    out[k] = v[at[k]];
  }
  return Status::OK();
}

Status DecodeValuesAbove(Kind kind, int column, std::string_view value, uint32_t rows, double t,
                         std::vector<uint32_t>* at, std::vector<double>* values, bool* found) {
  *found = false;
  ByteReader r(nullptr, 0);
  uint8_t codec = 0;
  LIQDB_RETURN_IF_ERROR(OpenValueColumn(kind, column, value, rows, &r, &codec));
  if (codec != kColumnCodecPlain) return Status::OK();
  return DecodeDoublesAbove(&r, rows, t, at, values, found);
}

Status DecodeColumnPart(Kind kind, int column, std::string_view value, uint32_t rows, Columns* out) {
  if (rows > kMaxCodecRows) return Status::Corruption("absurd row count " + std::to_string(rows));
  const uint8_t part = static_cast<uint8_t>(kPartColumn + column);
  std::string_view payload;
  LIQDB_RETURN_IF_ERROR(CheckPart(part, value, &payload));
  ByteReader r(payload);
  uint8_t codec = 0;
  LIQDB_RETURN_IF_ERROR(r.GetU8(&codec));
  const KindSchema& schema = SchemaOf(kind);
  if (column == kColumnTs) {
    if (codec != kColumnCodecPlain) return Status::Corruption("bad ts column codec");
    out->ts.resize(rows);
    return DecodeTimestamps(&r, rows, out->ts.data());
  }
  if (column == kColumnSide) {
    if (codec != kColumnCodecPlain || !schema.has_side) return Status::Corruption("bad side column");
    out->side.resize(rows);
    return DecodeSides(&r, rows, out->side.data());
  }
  if (column == kColumnAccount) {
    if (codec != kColumnCodecPlain || !schema.has_account) return Status::Corruption("bad account column");
    return DecodeDictIds(&r, rows, &out->account, &out->account_dict);
  }
  const int c = column - kColumnValue0;
  if (c < 0 || c >= schema.num_values) return Status::Corruption("unknown column");
  out->values.resize(schema.num_values);
  std::vector<double>& v = out->values[c];
  v.resize(rows);
  switch (codec) {
    case kColumnCodecPlain: return DecodeDoubles(&r, rows, v.data());
    case kColumnCodecProduct: {
      if (kind != Kind::kLiquidations || c != liq_col::kNotional) {
        return Status::Corruption("product codec on a column other than notional");
      }
      const auto& price = out->values[liq_col::kPrice];
      const auto& qty = out->values[liq_col::kQty];
      if (price.size() != rows || qty.size() != rows) {
        return Status::Corruption("notional needs price and qty decoded first");
      }
      for (uint32_t i = 0; i < rows; ++i) v[i] = price[i] * qty[i];
      return Status::OK();
    }
    case kColumnCodecNullable: {
      if (!schema.value_nullable[c]) return Status::Corruption("NULLs in a NOT NULL column");
      std::vector<uint8_t> present(rows);
      LIQDB_RETURN_IF_ERROR(DecodeSides(&r, rows, present.data()));
      size_t dense_n = 0;
      for (uint8_t p : present) dense_n += p;
      std::vector<double> dense(dense_n);
      LIQDB_RETURN_IF_ERROR(DecodeDoubles(&r, dense_n, dense.data()));
      size_t j = 0;
      for (uint32_t i = 0; i < rows; ++i) v[i] = present[i] ? dense[j++] : std::nan("");
      return Status::OK();
    }
    default: return Status::Corruption("unknown column codec " + std::to_string(codec));
  }
}

}  // namespace liqdb::storage
