// Double column codec for prices, sizes and notionals. Values are stored
// bit-exactly: every bit pattern, including NaN payloads (a NaN is how a SQL
// NULL is kept), -0.0, infinities and denormals, comes back unchanged.
//
// Most market values are short decimals (a 0.1 tick, a 0.001 lot), so the
// first choice is the decimal path: find the smallest scale s in 0..9 at
// which k = llround(v * 10^s) gives back v exactly as k / 10^s, then store the
// integers k with frame-of-reference or delta + frame-of-reference, whichever
// packs smaller. The few values that are not decimal at that scale (NaN,
// -0.0, a computed notional) ride along as exceptions. When too many values
// are not decimal the column falls back to Chimp XOR compression (Gorilla's
// successor), and to raw 8-byte values when even that does not help.
// Byte layout: docs/codecs.md.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "storage/codec/bytes.h"

#include "liqdb/status.h"

namespace liqdb::storage {

// Appends the encoding of v[0..n). n itself is not stored: the caller keeps it.
void EncodeDoubles(const double* v, size_t n, ByteWriter* out);

// Decodes n doubles into out[0..n). Corruption on a bad or short block.
Status DecodeDoubles(ByteReader* in, size_t n, double* out);

// The doubles at rows[0..m) (ascending, each < n) of a block of n into
// out[0..m): the same bits DecodeDoubles gives there, with the same checks
// of the block. A decimal delta block sums the deltas of the blocks of 1024
// without a selected row instead of converting every row, so a few rows of
// a price column cost about a third of decoding it; the other modes decode
// the block whole and pick.
Status DecodeDoublesAt(ByteReader* in, size_t n, const uint32_t* rows, size_t m, double* out);

// The rows of a block of n values whose value is greater than t, ascending,
// and their values (the bits DecodeDoubles gives there), where the block's
// layout answers that without unpacking every row: a decimal block on a
// patched frame whose unpatched values cannot exceed t, so that only its
// patches and exceptions can (a lot-size column: a few whale lots among
// retail ones). Elsewhere *found is false, and rows, values and `in` are
// left as they were.
Status DecodeDoublesAbove(ByteReader* in, size_t n, double t, std::vector<uint32_t>* rows,
                          std::vector<double>* values, bool* found);

}  // namespace liqdb::storage
