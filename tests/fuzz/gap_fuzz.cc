// Fuzzes the gap record decoders (storage/gap_format.h, storage/keys.h) the
// way ListGaps meets a record read from RocksDB: DecodeGapKey on the key,
// DecodeGap on key and value. A crafted store carries valid checksums, so
// the target can seal the value itself (flag bit 0), letting the fuzzer
// reach past the checksum to the version, end and reason checks.
//
// Input: flags byte (bit 0: append the checksum docs/format.md describes to
// the value), key length byte, the key, then the value.
// tests/fuzz/make_seeds.cc writes real records in this framing.
//
// Properties: no crash, no read out of bounds; a key that decodes is
// GapKey of its parts; a record that decodes is a gap PutGap would accept
// (venue and feed non-empty without NUL, from < to, reason at most
// Store::kMaxGapReason bytes) and re-encodes to the same key and value bytes.
#include <xxhash.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/gap_format.h"
#include "storage/keys.h"
#include "tests/fuzz/fuzz_util.h"

#include "liqdb/store.h"

using namespace liqdb;
using namespace liqdb::storage;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool seal = data[0] & 1;
  const size_t key_len = data[1];
  if (size - 2 < key_len) return 0;
  const std::string key(reinterpret_cast<const char*>(data) + 2, key_len);
  std::string value(reinterpret_cast<const char*>(data) + 2 + key_len, size - 2 - key_len);
  if (seal) {
    const std::string covered = key + value;
    const uint64_t sum = XXH3_64bits_withSeed(covered.data(), covered.size(), 'G');
    for (int i = 0; i < 8; ++i) value.push_back(static_cast<char>(sum >> (8 * i)));
  }

  Timestamp from = 0;
  std::string venue, feed;
  const bool key_ok = DecodeGapKey(key, &from, &venue, &feed);
  if (key_ok) FUZZ_CHECK(GapKey(from, venue, feed) == key);

  Gap gap;
  if (!DecodeGap(key, value, &gap).ok()) return 0;
  FUZZ_CHECK(key_ok);
  FUZZ_CHECK(gap.from == from && gap.venue == venue && gap.feed == feed);
  FUZZ_CHECK(!gap.venue.empty() && gap.venue.find('\0') == std::string::npos);
  FUZZ_CHECK(!gap.feed.empty() && gap.feed.find('\0') == std::string::npos);
  FUZZ_CHECK(gap.from < gap.to);
  FUZZ_CHECK(gap.reason.size() <= Store::kMaxGapReason);
  FUZZ_CHECK(EncodeGapValue(key, gap) == value);
  return 0;
}
