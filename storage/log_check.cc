// RocksDB log files read fragment by fragment (see log_check.h and the
// "Write-ahead log" section of docs/format.md).
#include "storage/log_check.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <boost/crc.hpp>

namespace liqdb::storage {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;             // crc u32, length u16, type u8
constexpr size_t kRecyclableHeaderSize = 11;  // + log number u32

enum FragmentType : uint8_t {
  kZero = 0,
  kFull = 1,
  kFirst = 2,
  kMiddle = 3,
  kLast = 4,
  kRecyclableFull = 5,
  kRecyclableLast = 8,
  kSetCompression = 9,
};

using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

// RocksDB stores crc32c values masked, so that a checksum of data holding
// checksums does not degenerate.
uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

uint32_t LoadU32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

Result<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read '" + path + "'");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::IOError("cannot read '" + path + "'");
  return data;
}

}  // namespace

Result<LogScan> ScanLogFile(const std::string& path, const std::function<void(std::string_view)>& on_record) {
  auto data = ReadAll(path);
  if (!data.ok()) return data.status();
  const auto* bytes = reinterpret_cast<const unsigned char*>(data->data());
  const size_t size = data->size();
  LogScan scan;
  scan.file = path;
  scan.size = size;

  std::string pending;  // a logical record being reassembled from fragments
  bool in_record = false;
  uint64_t record_start = 0;
  auto deliver = [&](std::string&& record) {
    if (scan.damage.damaged) {
      scan.after.push_back(std::move(record));
    } else {
      ++scan.records;
      if (on_record) on_record(record);
    }
  };
  auto damage = [&](uint64_t at, std::string reason) {
    if (!scan.damage.damaged) scan.damage = LogDamage{true, at, std::move(reason)};
    pending.clear();
    in_record = false;
  };

  size_t pos = 0;
  while (pos < size) {
    const size_t in_block = kBlockSize - pos % kBlockSize;
    if (in_block < kHeaderSize) {  // block trailer: zero padding
      pos += in_block;
      continue;
    }
    if (size - pos < kHeaderSize) {
      scan.torn_tail = true;
      break;
    }
    const uint8_t type = bytes[pos + 6];
    const size_t length = bytes[pos + 4] | (size_t{bytes[pos + 5]} << 8);
    if (type == kZero && length == 0) {
      // Preallocated, never written: the rest of the block is zeros.
      pos += in_block;
      continue;
    }
    const bool recyclable = type >= kRecyclableFull && type <= kRecyclableLast;
    const size_t header = recyclable ? kRecyclableHeaderSize : kHeaderSize;
    if (header + length > in_block) {
      if (pos + header + length > size && pos + in_block >= size) {
        scan.torn_tail = true;  // the writer died inside this fragment
        break;
      }
      damage(pos, "bad record length");
      pos += in_block;
      continue;
    }
    if (pos + header + length > size) {
      scan.torn_tail = true;
      break;
    }
    Crc32c crc;
    crc.process_bytes(bytes + pos + 6, header - 6 + length);
    if (crc.checksum() != Unmask(LoadU32(bytes + pos))) {
      damage(pos, "checksum mismatch");
      pos += header + length;
      continue;
    }
    const std::string_view payload(reinterpret_cast<const char*>(bytes + pos + header), length);
    const uint8_t base = recyclable ? static_cast<uint8_t>(type - (kRecyclableFull - kFull)) : type;
    switch (base) {
      case kFull:
        if (in_record) damage(record_start, "record without its last fragment");
        deliver(std::string(payload));
        break;
      case kFirst:
        if (in_record) damage(record_start, "record without its last fragment");
        pending.assign(payload);
        in_record = true;
        record_start = pos;
        break;
      case kMiddle:
      case kLast:
        if (!in_record) {
          // The start of this record was dropped as damage already.
          if (!scan.damage.damaged) damage(pos, "fragment without its first part");
          break;
        }
        pending.append(payload);
        if (base == kLast) {
          deliver(std::move(pending));
          pending.clear();
          in_record = false;
        }
        break;
      case kSetCompression: break;  // a header record that carries no data
      default: damage(pos, "unknown record type " + std::to_string(type)); break;
    }
    pos += header + length;
  }
  if (in_record) scan.torn_tail = true;
  return scan;
}

std::vector<std::string> WalFiles(const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= 4 || name.substr(name.size() - 4) != ".log") continue;
    const std::string digits = name.substr(0, name.size() - 4);
    if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
    found.emplace_back(std::stoull(digits), entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::string CurrentManifest(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "CURRENT");
  std::string name;
  if (!in || !std::getline(in, name) || name.empty()) return "";
  return (fs::path(dir) / name).string();
}

}  // namespace liqdb::storage
