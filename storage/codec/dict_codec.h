// Dictionary column codec: a column of strings (e.g. `account`) stored as the
// chunk's dictionary of distinct strings followed by one bit-packed id per
// row. The caller builds the dictionary; the decoder checks every id against
// it. Byte layout: docs/codecs.md.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "storage/codec/bytes.h"

#include "liqdb/status.h"

namespace liqdb::storage {

// Appends dict and ids[0..n). Every id must be < dict.size(); a block that
// breaks this is rejected by the decoder. n itself is not stored.
void EncodeDictIds(const uint32_t* ids, size_t n, const std::vector<std::string>& dict, ByteWriter* out);

// Decodes the dictionary into *dict and n ids into *ids (both replaced).
// Corruption on a bad block or an id outside the dictionary.
Status DecodeDictIds(ByteReader* in, size_t n, std::vector<uint32_t>* ids, std::vector<std::string>* dict);

}  // namespace liqdb::storage
