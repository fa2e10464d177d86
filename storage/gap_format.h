// The bytes of a gap record (docs/format.md, "Gaps"): its value encoded and
// decoded apart from the store, so that tests and the fuzz target
// (tests/fuzz/gap_fuzz.cc) meet the same code as PutGap and ListGaps. The
// key is GapKey / DecodeGapKey (storage/keys.h).
#pragma once

#include <string>
#include <string_view>

#include "liqdb/status.h"
#include "liqdb/store.h"

namespace liqdb::storage {

// The value of the record whose key is `key` (GapKey of the gap's from,
// venue and feed): version, `to`, reason, then the checksum over key and
// value. `gap` must be valid (RocksStore::PutGap checks first).
std::string EncodeGapValue(const std::string& key, const Gap& gap);

// Decodes the record `key` -> `value` into `gap`. Corruption when the value is
// short, the checksum fails, the key is malformed, the version is not 1, the
// end is not after the start or the reason is longer than
// Store::kMaxGapReason; the message says what is wrong, not where (the
// caller adds that).
Status DecodeGap(std::string_view key, std::string_view value, Gap* gap);

}  // namespace liqdb::storage
