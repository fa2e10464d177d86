// ByteWriter / ByteReader: the little-endian byte buffers every codec writes
// to and reads from. The reader is bounds-checked: reading past the end is a
// Corruption status, never undefined behaviour.
//
// Thread-safety: values; one thread at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "liqdb/status.h"

namespace liqdb::storage {

// Bytes ByteWriter::PutVarint(v) writes.
inline size_t VarintLength(uint64_t v) {
  size_t len = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++len;
  }
  return len;
}

class ByteWriter {
 public:
  explicit ByteWriter(std::string* out) : out_(out) {}
  void PutU8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void PutU32(uint32_t v) { PutRaw(&v, 4); }  // little-endian hosts only (checked in CMake)
  void PutU64(uint64_t v) { PutRaw(&v, 8); }
  void PutF64(double v) { PutRaw(&v, 8); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      PutU8(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    PutU8(static_cast<uint8_t>(v));
  }
  void PutBytes(std::string_view b) { out_->append(b.data(), b.size()); }
  void PutRaw(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }
  std::string* buffer() { return out_; }
  size_t size() const { return out_->size(); }

 private:
  std::string* out_;
};

class ByteReader {
 public:
  ByteReader(const char* data, size_t size) : p_(data), end_(data + size) {}
  explicit ByteReader(std::string_view s) : ByteReader(s.data(), s.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const char* position() const { return p_; }

  Status GetU8(uint8_t* v) { return GetRaw(v, 1); }
  Status GetU32(uint32_t* v) { return GetRaw(v, 4); }
  Status GetU64(uint64_t* v) { return GetRaw(v, 8); }
  Status GetF64(double* v) { return GetRaw(v, 8); }
  Status GetVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (p_ >= end_) return Status::Corruption("truncated varint");
      uint8_t byte = static_cast<uint8_t>(*p_++);
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        *v = result;
        return Status::OK();
      }
    }
    return Status::Corruption("varint longer than 10 bytes");
  }
  // A view of the next n bytes, which are consumed.
  Status GetBytes(size_t n, std::string_view* out) {
    if (n > remaining()) return Status::Corruption("truncated block");
    *out = std::string_view(p_, n);
    p_ += n;
    return Status::OK();
  }
  Status GetRaw(void* dst, size_t n) {
    if (n > remaining()) return Status::Corruption("truncated block");
    std::memcpy(dst, p_, n);
    p_ += n;
    return Status::OK();
  }

 private:
  const char* p_;
  const char* end_;
};

}  // namespace liqdb::storage
