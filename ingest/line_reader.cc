// LineReader: files and standard input, plain or compressed, as lines.
//
// The compression is taken from the first bytes, never from the name: Tardis
// files are often renamed, and a pipe has no name. Decompression goes through
// Boost.Iostreams with a large buffer (zstd through libzstd itself, see
// ZstdRaw; gzip through ISA-L's inflate, see GzipRaw); the lines are cut with memchr in our own
// buffer so that each returned line is followed by kLinePadding readable bytes
// (simdjson reads up to 64 bytes past the end of its input).
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <vector>

#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include "liqdb/ingest.h"

namespace liqdb {

namespace io = boost::iostreams;

const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "plain";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
    case Compression::kBzip2: return "bzip2";
  }
  return "?";
}

Compression DetectCompression(std::string_view head) {
  auto u = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  if (head.size() >= 2 && u(0) == 0x1f && u(1) == 0x8b) return Compression::kGzip;
  if (head.size() >= 4 && u(0) == 0x28 && u(1) == 0xb5 && u(2) == 0x2f && u(3) == 0xfd) {
    return Compression::kZstd;
  }
  if (head.size() >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') {
    return Compression::kBzip2;
  }
  return Compression::kNone;
}

namespace {

constexpr size_t kReadChunk = 1 << 20;  // bytes asked of the source per read
// Boost.Iostreams buffer per filter. A decompression error loses what the
// failing read had decoded, so this bounds the rows lost before damage.
constexpr size_t kIoBuffer = 1 << 16;

// The raw bytes of an input: a file descriptor (with the bytes already peeked
// for the magic number served first), or memory.
class RawSource {
 public:
  RawSource(int fd, bool owns, std::string prefix)
      : fd_(fd), owns_(owns), prefix_(std::move(prefix)), consumed_(prefix_.size()) {}
  explicit RawSource(std::string data) : prefix_(std::move(data)) {}
  ~RawSource() {
    if (owns_ && fd_ >= 0) ::close(fd_);
  }
  RawSource(const RawSource&) = delete;
  RawSource& operator=(const RawSource&) = delete;

  // Reads up to n bytes; 0 at the end; -1 with errno on error.
  ssize_t Read(char* buf, size_t n) {
    if (pos_ < prefix_.size()) {
      size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return static_cast<ssize_t>(k);
    }
    if (fd_ < 0) return 0;
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r < 0 && errno == EINTR) continue;
      if (r > 0) consumed_ += static_cast<uint64_t>(r);
      return r;
    }
  }
  // Waits up to timeout_ms for bytes; true if some may be read.
  bool Wait(int timeout_ms) {
    if (pos_ < prefix_.size() || fd_ < 0) return true;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    return r != 0;
  }
  bool pollable() const { return pollable_; }
  void set_pollable(bool p) { pollable_ = p; }
  uint64_t consumed() const { return fd_ < 0 ? pos_ : consumed_; }

 private:
  int fd_ = -1;
  bool owns_ = false;
  std::string prefix_;
  size_t pos_ = 0;
  uint64_t consumed_ = 0;
  bool pollable_ = false;
};

// Boost.Iostreams Source over a RawSource (borrowed).
struct BoostRaw {
  typedef char char_type;
  typedef io::source_tag category;
  RawSource* raw;
  std::streamsize read(char* s, std::streamsize n) {
    ssize_t r = raw->Read(s, static_cast<size_t>(n));
    if (r < 0) throw std::ios_base::failure(std::string("read failed: ") + std::strerror(errno));
    return r == 0 ? -1 : static_cast<std::streamsize>(r);
  }
};

// Boost.Iostreams Source decoding zstd from a RawSource (borrowed) with
// libzstd's streaming API. Unlike Boost 1.74's zstd_decompressor it reports
// a stream that ends inside a frame (a writer killed mid-frame: a raw
// archive's last flush) instead of ending quietly; every complete frame
// before it is decoded. Boost copies devices, so the state is shared.
struct ZstdRaw {
  typedef char char_type;
  typedef io::source_tag category;
  struct State {
    RawSource* raw = nullptr;
    std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds{ZSTD_createDStream(), ZSTD_freeDStream};
    std::vector<char> buf = std::vector<char>(ZSTD_DStreamInSize());
    ZSTD_inBuffer in{nullptr, 0, 0};
    size_t pending = 0;  // ZSTD_decompressStream's last answer: 0 = between frames
    bool eof = false;
    bool truncated = false;  // the input ended inside a frame
  };
  std::shared_ptr<State> z;

  explicit ZstdRaw(RawSource* raw) : z(std::make_shared<State>()) {
    z->raw = raw;
    if (!z->ds) throw std::ios_base::failure("zstd: cannot create a decoder");
  }

  std::streamsize read(char* s, std::streamsize n) {
    ZSTD_outBuffer out{s, static_cast<size_t>(n), 0};
    while (out.pos == 0) {
      if (z->in.pos == z->in.size && !z->eof) {
        const ssize_t r = z->raw->Read(z->buf.data(), z->buf.size());
        if (r < 0) throw std::ios_base::failure(std::string("read failed: ") + std::strerror(errno));
        if (r == 0) z->eof = true;
        z->in = ZSTD_inBuffer{z->buf.data(), static_cast<size_t>(r), 0};
      }
      const bool drained = z->in.pos == z->in.size && z->eof;
      if (drained && z->pending == 0) return -1;
      const size_t ret = ZSTD_decompressStream(z->ds.get(), &out, &z->in);
      if (ZSTD_isError(ret)) throw std::ios_base::failure(std::string("zstd: ") + ZSTD_getErrorName(ret));
      z->pending = ret;
      // Ended inside a frame: an end for Boost (so nothing decoded before it
      // is lost in its buffers); the reader reports it after the last line.
      if (drained && out.pos == 0) {
        z->truncated = true;
        return -1;
      }
    }
    return static_cast<std::streamsize>(out.pos);
  }
};

// Boost.Iostreams Source decoding gzip from a RawSource (borrowed) with
// ISA-L's inflate, which decodes about three times as fast as zlib (a
// Tardis .csv.gz spent a third of its ingest CPU in zlib). Each member's
// header is parsed and its CRC-32 and length checked by ISA-L; members
// follow one another as one stream, as gunzip reads them. A stream that ends
// inside a member, or bytes after a member that are not another one, is
// damage: it ends the stream for Boost (so nothing decoded before it is lost
// in its buffers) and the reader reports it after the last whole line, as
// for zstd. Boost copies devices, so the state is shared.
struct GzipRaw {
  typedef char char_type;
  typedef io::source_tag category;
  struct State {
    RawSource* raw = nullptr;
    inflate_state st{};
    std::vector<uint8_t> buf = std::vector<uint8_t>(kIoBuffer * 4);
    bool eof = false;
    bool stopped = false;  // by damage: every later read is the end
    std::string damage;    // why, until the reader has reported it
  };
  std::shared_ptr<State> z;

  explicit GzipRaw(RawSource* raw) : z(std::make_shared<State>()) {
    z->raw = raw;
    isal_inflate_init(&z->st);
    z->st.crc_flag = ISAL_GZIP;
  }

  static const char* ErrorName(int code) {
    switch (code) {
      case ISAL_INVALID_BLOCK: return "invalid deflate block";
      case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK: return "invalid lookback distance";
      case ISAL_INVALID_WRAPPER: return "not a gzip header";
      case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
      case ISAL_INCORRECT_CHECKSUM: return "CRC or length mismatch";
      default: return "inflate error";
    }
  }

  std::streamsize read(char* s, std::streamsize n) {
    inflate_state& st = z->st;
    if (z->stopped) return -1;
    for (;;) {
      if (st.avail_in == 0 && !z->eof) {
        const ssize_t r = z->raw->Read(reinterpret_cast<char*>(z->buf.data()), z->buf.size());
        if (r < 0) throw std::ios_base::failure(std::string("read failed: ") + std::strerror(errno));
        if (r == 0) z->eof = true;
        st.next_in = z->buf.data();
        st.avail_in = static_cast<uint32_t>(r);
      }
      if (st.block_state == ISAL_BLOCK_FINISH) {
        if (st.avail_in == 0) {
          if (z->eof) return -1;  // the end, between members
          continue;
        }
        // More bytes after a member: the next member. Reset clears the
        // stream pointers too, so they are carried over.
        uint8_t* in = st.next_in;
        const uint32_t avail = st.avail_in;
        isal_inflate_reset(&st);
        st.crc_flag = ISAL_GZIP;
        st.next_in = in;
        st.avail_in = avail;
      }
      st.next_out = reinterpret_cast<uint8_t*>(s);
      st.avail_out = static_cast<uint32_t>(n);
      const uint32_t had = st.avail_in;
      const int ret = isal_inflate(&st);
      const std::streamsize got = n - static_cast<std::streamsize>(st.avail_out);
      if (ret < 0) {
        z->damage = ErrorName(ret);
      } else if (got == 0 && z->eof && st.avail_in == 0 && st.block_state != ISAL_BLOCK_FINISH) {
        z->damage = "the input ends inside a member";
      } else if (got == 0 && st.avail_in == had && had > 0 && st.block_state != ISAL_BLOCK_FINISH) {
        z->damage = "inflate made no progress";
      }
      z->stopped = !z->damage.empty();
      if (got > 0) return got;
      if (z->stopped) return -1;
    }
  }
};

class LineReaderImpl : public LineReader {
 public:
  LineReaderImpl(std::string name, std::unique_ptr<RawSource> raw, Compression c, uint64_t total)
      : raw_(std::move(raw)) {
    name_ = std::move(name);
    compression_ = c;
    total_bytes_ = total;
    buf_.resize(kReadChunk * 2 + kLinePadding);
    if (c == Compression::kZstd) {
      ZstdRaw source(raw_.get());
      zstd_ = source.z;
      chain_.push(source, kIoBuffer);
    } else if (c == Compression::kGzip) {
      GzipRaw source(raw_.get());
      gzip_ = source.z;
      chain_.push(source, kIoBuffer);
    } else if (c == Compression::kBzip2) {
      chain_.push(io::bzip2_decompressor(false, kIoBuffer), kIoBuffer);
      chain_.push(BoostRaw{raw_.get()}, kIoBuffer);
    }
  }

  Result<Read> Next(std::string_view* line, int timeout_ms) override {
    for (;;) {
      // A complete line in the buffer?
      if (begin_ < end_) {
        const char* p = static_cast<const char*>(std::memchr(buf_.data() + scan_, '\n', end_ - scan_));
        if (p != nullptr) {
          size_t nl = static_cast<size_t>(p - buf_.data());
          size_t len = nl - begin_;
          if (len > 0 && buf_[nl - 1] == '\r') --len;
          *line = std::string_view(buf_.data() + begin_, len);
          begin_ = scan_ = nl + 1;
          ++line_number_;
          return Read::kLine;
        }
        scan_ = end_;
      }
      if (eof_ && gzip_ && !gzip_->damage.empty()) {
        // As for zstd: a partial last line before the damage is not a line.
        const std::string why = std::move(gzip_->damage);
        gzip_->damage.clear();
        damaged_ = true;
        begin_ = scan_ = end_;
        return Status::Corruption(name_ + ": corrupt or truncated gzip stream after line " +
                                  std::to_string(line_number_) + " (" + why + ")");
      }
      if (eof_ && zstd_ && zstd_->truncated) {
        // The torn frame's partial last line is not a line; what came before is.
        zstd_->truncated = false;
        damaged_ = true;
        begin_ = scan_ = end_;
        return Status::Corruption(name_ + ": truncated zstd stream after line " +
                                  std::to_string(line_number_) +
                                  " (the input ends inside a frame: a writer stopped mid-flush?)");
      }
      if (eof_) {
        if (begin_ < end_) {  // last line without "\n"
          size_t len = end_ - begin_;
          if (buf_[end_ - 1] == '\r') --len;
          *line = std::string_view(buf_.data() + begin_, len);
          begin_ = scan_ = end_;
          ++line_number_;
          return Read::kLine;
        }
        return Read::kEnd;
      }
      // Make room: move the partial line to the front, grow for long lines.
      if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        scan_ -= begin_;
        begin_ = 0;
      }
      if (buf_.size() - end_ < kReadChunk + kLinePadding) buf_.resize(end_ + kReadChunk + kLinePadding);
      if (timeout_ms >= 0 && compression_ == Compression::kNone && raw_->pollable() &&
          !raw_->Wait(timeout_ms)) {
        return Read::kTimeout;
      }
      ssize_t got = 0;
      if (compression_ == Compression::kNone) {
        got = raw_->Read(buf_.data() + end_, kReadChunk);
        if (got < 0) return Status::IOError(name_ + ": read failed: " + std::strerror(errno));
      } else {
        try {
          std::streamsize r = io::read(chain_, buf_.data() + end_, static_cast<std::streamsize>(kIoBuffer));
          got = r < 0 ? 0 : static_cast<ssize_t>(r);
        } catch (const std::exception& e) {
          eof_ = true;
          damaged_ = true;
          return Status::Corruption(name_ + ": corrupt or truncated " + CompressionName(compression_) +
                                    " stream after line " + std::to_string(line_number_) + " (" + e.what() +
                                    ")");
        }
      }
      if (got == 0) {
        eof_ = true;
      }
      end_ += static_cast<size_t>(got);
      // Padding after the data is zeroed so a parser reading past a line sees no garbage.
      std::memset(buf_.data() + end_, 0, std::min(kLinePadding, buf_.size() - end_));
    }
  }

  uint64_t bytes_consumed() const override { return raw_->consumed(); }

 private:
  std::unique_ptr<RawSource> raw_;
  io::filtering_istreambuf chain_;
  std::string buf_;
  size_t begin_ = 0, scan_ = 0, end_ = 0;
  bool eof_ = false;
  bool damaged_ = false;
  std::shared_ptr<ZstdRaw::State> zstd_;  // set for zstd input
  std::shared_ptr<GzipRaw::State> gzip_;  // set for gzip input
};

}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  int fd = 0;
  bool owns = false;
  std::string name = path;
  if (path == "-") {
    name = "<stdin>";
  } else {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError(path + ": " + std::strerror(errno));
    owns = true;
  }
  struct stat st {};
  uint64_t total = 0;
  bool pollable = false;
  if (::fstat(fd, &st) == 0) {
    if (S_ISREG(st.st_mode)) {
      total = static_cast<uint64_t>(st.st_size);
    } else {
      pollable = S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode);
    }
    if (S_ISDIR(st.st_mode)) {
      if (owns) ::close(fd);
      return Status::InvalidArgument(path + ": is a directory");
    }
  }
  // Peek the magic bytes, then hand them back through the source's prefix.
  char head[4];
  size_t got = 0;
  while (got < sizeof head) {
    ssize_t r = ::read(fd, head + got, sizeof head - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      Status s = Status::IOError(name + ": " + std::strerror(errno));
      if (owns) ::close(fd);
      return s;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  std::string prefix(head, got);
  Compression c = DetectCompression(prefix);
  auto raw = std::make_unique<RawSource>(fd, owns, std::move(prefix));
  raw->set_pollable(pollable);
  return std::unique_ptr<LineReader>(new LineReaderImpl(std::move(name), std::move(raw), c, total));
}

Result<std::unique_ptr<LineReader>> LineReader::FromString(std::string data, std::string name) {
  uint64_t total = data.size();
  Compression c = DetectCompression(std::string_view(data).substr(0, 4));
  auto raw = std::make_unique<RawSource>(std::move(data));
  return std::unique_ptr<LineReader>(new LineReaderImpl(std::move(name), std::move(raw), c, total));
}

}  // namespace liqdb
