// Side column codec: one of two values per row (0 = long, 1 = short). Stored
// as a bitmap (one bit per row) or as runs, whichever is smaller: a chunk of
// one cascade is often a long run of one side. Byte layout: docs/codecs.md.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "storage/codec/bytes.h"

#include "liqdb/status.h"

namespace liqdb::storage {

// Appends the encoding of sides[0..n). Values are 0 or 1; any nonzero value
// is stored as 1. n itself is not stored: the caller keeps it.
void EncodeSides(const uint8_t* sides, size_t n, ByteWriter* out);

// Decodes n sides (each 0 or 1) into out[0..n). Corruption on a bad block.
Status DecodeSides(ByteReader* in, size_t n, uint8_t* out);

}  // namespace liqdb::storage
