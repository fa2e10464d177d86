// RawArchive (raw_archive.h): hourly .jsonl.zst files, one zstd frame per
// flush, written with libzstd directly so each flush ends a frame.
#include "record/raw_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "liqdb/ingest.h"
#include "liqdb/timeparse.h"

namespace liqdb::record {

namespace fs = std::filesystem;

namespace {

constexpr Timestamp kHour = 3600 * kMicrosPerSecond;
constexpr int kLevel = 3;  // zstd's default: fast, and JSON shrinks ~10x

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError("raw archive: " + what + " '" + path + "': " + std::strerror(errno));
}

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// Reads `path` and returns the length of its complete zstd frames: a frame
// cut short at the end (a crash mid-write) is not counted.
Result<uint64_t> CompleteFrames(int fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Errno("cannot stat", path);
  std::vector<char> data(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("cannot read", path);
    got += static_cast<size_t>(n);
  }
  uint64_t at = 0;
  while (at < data.size()) {
    const size_t n = ZSTD_findFrameCompressedSize(data.data() + at, data.size() - at);
    if (ZSTD_isError(n)) break;
    at += n;
  }
  return at;
}

}  // namespace

struct RawArchive::File {
  std::string path;
  Timestamp hour = 0;
  int fd = -1;
  std::string pending;  // lines not yet written
  std::string frame;    // compression buffer
};

void RawArchive::FreeCCtx::operator()(ZSTD_CCtx* c) const {
  ZSTD_freeCCtx(c);
}

RawArchive::RawArchive(std::string dir) : dir_(std::move(dir)) {}

RawArchive::~RawArchive() {
  (void)Close();
}

Result<std::unique_ptr<RawArchive>> RawArchive::Open(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Status::IOError("raw archive: cannot create folder '" + dir + "'" +
                           (ec ? ": " + ec.message() : ""));
  }
  return std::unique_ptr<RawArchive>(new RawArchive(dir));
}

std::string RawArchive::PathFor(std::string_view venue, std::string_view feed, Timestamp recv_us) const {
  // FormatTime gives 2024-03-01T12:00:00Z; the file is named by its first 13 characters.
  const std::string hour = FormatTime(AlignDown(recv_us, kHour)).substr(0, 13);
  return (fs::path(dir_) / std::string(venue) / std::string(feed) / (hour + ".jsonl.zst")).string();
}

Status RawArchive::Write(std::string_view venue, std::string_view feed, Timestamp recv_us,
                         std::string_view msg) {
  if (!ValidName(venue) || !ValidName(feed)) {
    return Status::InvalidArgument(
        "raw archive: venue and feed must be 1-64 characters of [a-z0-9_-], got '" + std::string(venue) +
        "', '" + std::string(feed) + "'");
  }
  std::lock_guard lock(mu_);
  if (closed_) return Status::InvalidArgument("raw archive '" + dir_ + "' is closed");
  auto& slot = files_[{std::string(venue), std::string(feed)}];
  const Timestamp hour = AlignDown(recv_us, kHour);
  if (slot && slot->hour != hour) {
    LIQDB_RETURN_IF_ERROR(CloseFile(slot.get()));
    slot.reset();
  }
  if (!slot) {
    auto f = std::make_unique<File>();
    f->hour = hour;
    f->path = PathFor(venue, feed, recv_us);
    std::error_code ec;
    fs::create_directories(fs::path(f->path).parent_path(), ec);
    if (ec)
      return Status::IOError("raw archive: cannot create folder for '" + f->path + "': " + ec.message());
    f->fd = ::open(f->path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f->fd < 0) return Errno("cannot open", f->path);
    // Append after the last complete frame: a torn one would hide the
    // frames written after it from every reader.
    auto end = CompleteFrames(f->fd, f->path);
    if (!end.ok()) {
      ::close(f->fd);
      return end.status();
    }
    if (::ftruncate(f->fd, static_cast<off_t>(*end)) != 0 || ::lseek(f->fd, 0, SEEK_END) < 0) {
      Status s = Errno("cannot position", f->path);
      ::close(f->fd);
      return s;
    }
    slot = std::move(f);
  }
  slot->pending.append(FormatRawLine(venue, feed, recv_us, msg));
  slot->pending.push_back('\n');
  if (slot->pending.size() >= kFlushBytes) return FlushFile(slot.get());
  return Status::OK();
}

Status RawArchive::FlushFile(File* f) {
  if (f->pending.empty()) return Status::OK();
  if (!cctx_) {
    cctx_.reset(ZSTD_createCCtx());
    if (!cctx_) return Status::IOError("raw archive: zstd cannot create a compressor");
    // Each frame carries a checksum of its content: a reader finds a damaged
    // frame instead of decoding garbage.
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_compressionLevel, kLevel);
    ZSTD_CCtx_setParameter(cctx_.get(), ZSTD_c_checksumFlag, 1);
  }
  f->frame.resize(ZSTD_compressBound(f->pending.size()));
  const size_t n =
      ZSTD_compress2(cctx_.get(), f->frame.data(), f->frame.size(), f->pending.data(), f->pending.size());
  if (ZSTD_isError(n)) {
    return Status::IOError("raw archive: zstd cannot compress for '" + f->path +
                           "': " + ZSTD_getErrorName(n));
  }
  const off_t start = ::lseek(f->fd, 0, SEEK_END);
  if (start < 0) return Errno("cannot position", f->path);
  size_t done = 0;
  while (done < n) {
    const ssize_t w = ::write(f->fd, f->frame.data() + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      Status s = Errno("cannot write", f->path);
      // No torn frame left behind: the lines stay pending for the next flush.
      if (::ftruncate(f->fd, start) != 0) s = Errno("cannot write (nor cut back)", f->path);
      return s;
    }
    done += static_cast<size_t>(w);
  }
  if (::fdatasync(f->fd) != 0) return Errno("cannot sync", f->path);
  f->pending.clear();
  return Status::OK();
}

Status RawArchive::CloseFile(File* f) {
  Status s = FlushFile(f);
  if (f->fd >= 0 && ::close(f->fd) != 0 && s.ok()) s = Errno("cannot close", f->path);
  f->fd = -1;
  return s;
}

Status RawArchive::Flush() {
  std::lock_guard lock(mu_);
  Status first;
  for (auto& [key, f] : files_) {
    Status s = FlushFile(f.get());
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

Status RawArchive::Close() {
  std::lock_guard lock(mu_);
  if (closed_) return Status::OK();
  closed_ = true;
  Status first;
  for (auto& [key, f] : files_) {
    Status s = CloseFile(f.get());
    if (!s.ok() && first.ok()) first = s;
  }
  files_.clear();
  return first;
}

}  // namespace liqdb::record
