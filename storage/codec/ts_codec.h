// Timestamp column codec: int64 microseconds, usually sorted and evenly or
// irregularly spaced. Either delta or delta-of-delta, then
// frame-of-reference (subtract the minimum) and bit-packing; the encoder
// tries both and keeps the smaller. All arithmetic is modulo 2^64, so any
// int64 sequence (unsorted, negative, INT64_MIN/MAX) round-trips exactly.
// Byte layout: docs/codecs.md.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "storage/codec/bytes.h"

#include "liqdb/status.h"

namespace liqdb::storage {

// Appends the encoding of ts[0..n). n itself is not stored: the caller keeps it.
void EncodeTimestamps(const int64_t* ts, size_t n, ByteWriter* out);

// Decodes n timestamps into out[0..n). Corruption on a bad or short block.
Status DecodeTimestamps(ByteReader* in, size_t n, int64_t* out);

}  // namespace liqdb::storage
