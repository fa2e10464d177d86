// Helpers of the gap record tests (tests/storage/gaps_test.cc,
// tests/tools/stats_gaps_test.cc): a gap record rewritten behind liqdb's
// back through RocksDB itself, and a value resealed with the checksum
// docs/format.md ("Gaps") describes, computed here from the layout.
#pragma once

#include <rocksdb/db.h>
#include <xxhash.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

namespace liqdb::test {

// `value` with its last 8 bytes replaced by XXH3-64 of key ‖ the value's
// other bytes, seed 0x47 ('G'), little-endian: a record with a valid checksum.
inline void ResealGapValue(const std::string& key, std::string* value) {
  REQUIRE(value->size() >= 8);
  value->resize(value->size() - 8);
  const std::string covered = key + *value;
  const uint64_t sum = XXH3_64bits_withSeed(covered.data(), covered.size(), 0x47);
  for (int i = 0; i < 8; ++i) value->push_back(static_cast<char>(sum >> (8 * i)));
}

// Rewrites the `index`-th gap record (key order) of the closed store in
// `dir`: `edit` changes its key and value bytes. The record stays valid for
// RocksDB; only liqdb's checks can tell.
inline void EditGapRecord(const std::string& dir, size_t index,
                          const std::function<void(std::string* key, std::string* value)>& edit) {
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  it->Seek("G");
  for (size_t i = 0; i < index && it->Valid(); ++i) it->Next();
  REQUIRE(it->Valid());
  REQUIRE(it->key()[0] == 'G');
  std::string key = it->key().ToString(), value = it->value().ToString();
  it.reset();
  REQUIRE(db->Delete(rocksdb::WriteOptions(), key).ok());
  edit(&key, &value);
  REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
}

}  // namespace liqdb::test
