// ScanZstdFrames (zstd_frames.h): walks a file's zstd frames by their
// headers. A frame is its header (ZSTD_getFrameHeader), then blocks each
// with a 3-byte header (bit 0: last block; bits 1-2: type raw, RLE,
// compressed or reserved; bits 3-23: size, at most the frame's block size
// limit; an RLE block holds one byte), then a 4-byte checksum when the
// header says so (RFC 8878, 3.1.1). Skippable frames are a 4-byte size after
// their magic.
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader: exported by Debian's libzstd, marked experimental
#include "record/zstd_frames.h"

#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace liqdb::record {

namespace {

constexpr uint8_t kMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};  // ZSTD_MAGICNUMBER, little-endian
constexpr size_t kChunk = 1 << 20;                       // tail reads

class Reader {
 public:
  Reader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  uint64_t size() const { return size_; }
  uint64_t bytes_read() const { return read_; }
  // Reads exactly `n` bytes at `at` (the caller keeps inside the size).
  Status Read(uint64_t at, void* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, static_cast<char*>(out) + got, n - got, static_cast<off_t>(at + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::IOError(std::string("cannot read: ") + std::strerror(errno));
      if (r == 0) return Status::IOError("cannot read: the file is shorter than it was");
      got += static_cast<size_t>(r);
    }
    read_ += n;
    return Status::OK();
  }

 private:
  int fd_;
  uint64_t size_;
  uint64_t read_ = 0;
};

// Walks whole frames from `at` until the end, a frame that runs past it, or
// bytes that are not a frame. `*last` (when given): where the last whole
// zstd (not skippable) frame starts, or the size when there is none.
Result<FrameScan> Walk(Reader& r, uint64_t at, uint64_t* last = nullptr) {
  FrameScan s;
  if (last) *last = r.size();
  auto stop = [&](FrameScan::End end, std::string why) {
    s.end = end;
    s.complete = at;
    s.why = std::move(why);
    return s;
  };
  const uint64_t size = r.size();
  while (at < size) {
    uint8_t head[ZSTD_FRAMEHEADERSIZE_MAX];
    const size_t have = static_cast<size_t>(std::min<uint64_t>(sizeof head, size - at));
    LIQDB_RETURN_IF_ERROR(r.Read(at, head, have));
    ZSTD_frameHeader h{};
    const size_t need = ZSTD_getFrameHeader(&h, head, have);
    if (ZSTD_isError(need))
      return stop(FrameScan::End::kDamaged,
                  std::string("not a zstd frame (") + ZSTD_getErrorName(need) + ")");
    // More header bytes wanted than the file has left: a header cut short.
    if (need > 0) return stop(FrameScan::End::kTorn, "a frame header cut short");
    uint64_t pos = at + h.headerSize;
    if (h.frameType == ZSTD_skippableFrame) {
      // headerSize is left 0 for these: magic and size, then the content.
      pos = at + ZSTD_SKIPPABLEHEADERSIZE + h.frameContentSize;
    } else {
      while (true) {
        if (size - pos < 3) return stop(FrameScan::End::kTorn, "a frame cut short (in a block header)");
        uint8_t b[3];
        LIQDB_RETURN_IF_ERROR(r.Read(pos, b, 3));
        const uint32_t block = b[0] | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16);
        const bool last = block & 1;
        const uint32_t type = (block >> 1) & 3;
        const uint32_t block_size = block >> 3;
        if (type == 3) return stop(FrameScan::End::kDamaged, "a block of the reserved type");
        if (block_size > h.blockSizeMax) {
          return stop(FrameScan::End::kDamaged, "a block of " + std::to_string(block_size) +
                                                    " bytes (at most " + std::to_string(h.blockSizeMax) +
                                                    ")");
        }
        pos += 3 + (type == 1 ? 1 : block_size);  // an RLE block is one byte, repeated
        if (pos > size) return stop(FrameScan::End::kTorn, "a frame cut short (in a block)");
        if (last) break;
      }
      if (h.checksumFlag) pos += 4;
    }
    if (pos > size) return stop(FrameScan::End::kTorn, "a frame cut short");
    if (last && h.frameType != ZSTD_skippableFrame) *last = at;
    at = pos;
    ++s.frames;
  }
  s.complete = at;
  return s;
}

// Whether every byte in [from, size) is zero.
Result<bool> AllZero(Reader& r, uint64_t from) {
  std::vector<char> buf(kChunk);
  for (uint64_t at = from; at < r.size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), r.size() - at));
    LIQDB_RETURN_IF_ERROR(r.Read(at, buf.data(), n));
    if (std::any_of(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n), [](char c) { return c != 0; }))
      return false;
    at += n;
  }
  return true;
}

// The start of a run of whole frames, after `from`, that reaches the end of
// the file; 0 if there is none.
Result<uint64_t> WholeFramesAfter(Reader& r, uint64_t from) {
  std::vector<uint8_t> buf(kChunk + sizeof kMagic - 1);
  for (uint64_t at = from + 1; at + sizeof kMagic <= r.size();) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), r.size() - at));
    LIQDB_RETURN_IF_ERROR(r.Read(at, buf.data(), n));
    for (size_t i = 0; i + sizeof kMagic <= n; ++i) {
      if (std::memcmp(buf.data() + i, kMagic, sizeof kMagic) != 0) continue;
      LIQDB_ASSIGN_OR_RETURN(FrameScan rest, Walk(r, at + i));
      if (rest.end == FrameScan::End::kClean) return at + i;
    }
    if (n < buf.size()) break;
    at += n - (sizeof kMagic - 1);  // a magic across two reads is seen in the second
  }
  return uint64_t{0};
}

// Decodes the frame in [from, to) (output discarded): an error names what
// zstd rejects (its content checksum, a corrupt block).
Result<std::string> DecodeError(Reader& r, uint64_t from, uint64_t to) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!dctx) return Status::IOError("zstd cannot create a decompressor");
  std::vector<char> in(ZSTD_DStreamInSize()), out(ZSTD_DStreamOutSize());
  size_t left = 1;
  for (uint64_t at = from; at < to;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(in.size(), to - at));
    LIQDB_RETURN_IF_ERROR(r.Read(at, in.data(), n));
    at += n;
    ZSTD_inBuffer ib{in.data(), n, 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      left = ZSTD_decompressStream(dctx.get(), &ob, &ib);
      if (ZSTD_isError(left)) return std::string(ZSTD_getErrorName(left));
    }
  }
  // The walk found the frame whole: bytes still wanted mean a lying header.
  if (left != 0) return std::string("the frame ends early");
  return std::string();
}

}  // namespace

Result<FrameScan> ScanZstdFrames(int fd, uint64_t size) {
  Reader r(fd, size);
  uint64_t last = size;
  LIQDB_ASSIGN_OR_RETURN(FrameScan s, Walk(r, 0, &last));
  if (s.end == FrameScan::End::kTorn) {
    // A torn last write leaves one incomplete frame. Whole frames after it
    // mean its header or a block size is damaged: cutting there would lose them.
    LIQDB_ASSIGN_OR_RETURN(uint64_t next, WholeFramesAfter(r, s.complete));
    if (next != 0) {
      s.end = FrameScan::End::kDamaged;
      s.why += "; whole frames follow from byte " + std::to_string(next);
    }
  } else if (s.end == FrameScan::End::kDamaged) {
    // A crash can leave the file longer than its data: zeros, nothing to keep.
    LIQDB_ASSIGN_OR_RETURN(bool zeros, AllZero(r, s.complete));
    if (zeros) {
      s.end = FrameScan::End::kTorn;
      s.why = std::to_string(size - s.complete) + " zero bytes";
    }
  }
  // A crash can only have hit the last write, and a torn write can still
  // look whole (zeros filling its end): the last whole frame must decode.
  // Frames before it were synced before it was written; their content is
  // not read here.
  if (s.end != FrameScan::End::kDamaged && last < s.complete) {
    LIQDB_ASSIGN_OR_RETURN(std::string error, DecodeError(r, last, s.complete));
    if (!error.empty()) {
      s.end = FrameScan::End::kDamaged;
      s.why = "the last whole frame does not decode (" + error + ")";
      s.complete = last;
      --s.frames;
    }
  }
  s.bytes_read = r.bytes_read();
  return s;
}

}  // namespace liqdb::record
