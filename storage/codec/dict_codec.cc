// Dictionary column codec: strings once, then bit-packed ids (see
// dict_codec.h, docs/codecs.md).
#include "storage/codec/dict_codec.h"

#include <string>

#include "storage/codec/bitpack.h"

namespace liqdb::storage {

namespace {

// Mode byte value. Stored on disk: never renumber.
constexpr uint8_t kDictPacked = 1;  // entry count, (length, bytes)*, width, packed ids

// Unpacking goes through a small buffer so ids need no n-sized temporary.
constexpr size_t kBlock = 1024;

Status Truncated() {
  return Status::Corruption("dict codec: truncated block");
}

}  // namespace

void EncodeDictIds(const uint32_t* ids, size_t n, const std::vector<std::string>& dict, ByteWriter* out) {
  out->PutU8(kDictPacked);
  out->PutVarint(dict.size());
  for (const std::string& s : dict) {
    out->PutVarint(s.size());
    out->PutBytes(s);
  }
  uint32_t max_id = 0;
  for (size_t i = 0; i < n; ++i) max_id = ids[i] > max_id ? ids[i] : max_id;
  const int width = BitWidth(max_id);
  out->PutU8(static_cast<uint8_t>(width));
  uint64_t buf[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = n - i < kBlock ? n - i : kBlock;
    for (size_t j = 0; j < m; ++j) buf[j] = ids[i + j];
    BitPack(buf, m, width, out);
  }
}

Status DecodeDictIds(ByteReader* in, size_t n, std::vector<uint32_t>* ids, std::vector<std::string>* dict) {
  if (n > kMaxCodecRows) return Status::Corruption("dict codec: absurd row count");
  uint8_t mode = 0;
  if (!in->GetU8(&mode).ok()) return Truncated();
  if (mode != kDictPacked) return Status::Corruption("dict codec: unknown mode " + std::to_string(mode));
  uint64_t size = 0;
  if (!in->GetVarint(&size).ok()) return Truncated();
  // Every entry takes at least its length byte, which bounds a lying count
  // before anything is allocated.
  if (size > in->remaining() || size > UINT32_MAX) {
    return Status::Corruption("dict codec: dictionary size " + std::to_string(size) + " exceeds block");
  }
  dict->clear();
  dict->reserve(size);
  for (uint64_t i = 0; i < size; ++i) {
    uint64_t len = 0;
    std::string_view s;
    if (!in->GetVarint(&len).ok()) return Truncated();
    if (len > in->remaining() || !in->GetBytes(len, &s).ok()) return Truncated();
    dict->emplace_back(s);
  }
  uint8_t width = 0;
  if (!in->GetU8(&width).ok()) return Truncated();
  if (width > 32) return Status::Corruption("dict codec: id width " + std::to_string(width) + " > 32");
  if (n > 0 && dict->empty()) return Status::Corruption("dict codec: ids without a dictionary");
  ids->resize(n);
  uint64_t buf[kBlock];
  for (size_t i = 0; i < n; i += kBlock) {
    const size_t m = n - i < kBlock ? n - i : kBlock;
    LIQDB_RETURN_IF_ERROR(BitUnpack(in, m, width, buf).WithContext("dict codec"));
    // The bound is checked on the block's largest id, so both loops vectorise.
    uint64_t max_id = 0;
    for (size_t j = 0; j < m; ++j) max_id = buf[j] > max_id ? buf[j] : max_id;
    if (max_id >= size) {
      size_t j = 0;
      while (buf[j] < size) ++j;  // the first bad id, for the message
      return Status::Corruption("dict codec: id " + std::to_string(buf[j]) + " >= dictionary size " +
                                std::to_string(size));
    }
    uint32_t* dst = ids->data() + i;
    for (size_t j = 0; j < m; ++j) dst[j] = static_cast<uint32_t>(buf[j]);
  }
  return Status::OK();
}

}  // namespace liqdb::storage
