// RawArchive (raw_archive.h): hourly .jsonl.zst files, one zstd frame per
// flush, written with libzstd directly so each flush ends a frame; failed
// writes keep their lines (up to a cap) for the next flush.
#include "record/raw_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "record/zstd_frames.h"

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

// YYYY-MM-DDTHH.jsonl.zst -> YYYY-MM-DDTHH_N.jsonl.zst: '_' sorts after
// '.', so the hour's files replay in the order they were written.
std::string WithSuffix(const std::string& path, int n) {
  constexpr std::string_view kExt = ".jsonl.zst";
  return path.substr(0, path.size() - kExt.size()) + "_" + std::to_string(n) + std::string(kExt);
}

std::string MiB(uint64_t bytes) {
  return std::to_string((bytes + (1 << 19)) >> 20) + " MiB";
}

constexpr int kMaxSuffix = 100;

}  // namespace

struct RawArchive::File {
  std::string venue, feed;
  Timestamp hour = 0;
  std::string path;  // where its lines go (set when opened: the hour's file or a suffixed one)
  int fd = -1;
  uint64_t end = 0;     // end of the last frame written and synced
  bool dirty = false;   // bytes after `end` (a write cut short) that could not be cut off yet
  std::string pending;  // lines not yet compressed
  uint64_t pending_lines = 0;
  std::string frame;  // compressed lines whose write failed, written first next time
  uint64_t frame_bytes = 0, frame_lines = 0;
  bool failing = false;
};

void RawArchive::FreeCCtx::operator()(ZSTD_CCtx* c) const {
  ZSTD_freeCCtx(c);
}

RawArchive::RawArchive(std::string dir, RawArchiveOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

RawArchive::~RawArchive() {
  (void)Close();
}

Result<std::unique_ptr<RawArchive>> RawArchive::Open(const std::string& dir, RawArchiveOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Status::IOError("raw archive: cannot create folder '" + dir + "'" +
                           (ec ? ": " + ec.message() : ""));
  }
  return std::unique_ptr<RawArchive>(new RawArchive(dir, std::move(options)));
}

std::string RawArchive::PathFor(std::string_view venue, std::string_view feed, Timestamp recv_us) const {
  // FormatTime gives 2024-03-01T12:00:00Z; the file is named by its first 13 characters.
  const std::string hour = FormatTime(AlignDown(recv_us, kHour)).substr(0, 13);
  return (fs::path(dir_) / std::string(venue) / std::string(feed) / (hour + ".jsonl.zst")).string();
}

RawArchive::Stats RawArchive::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void RawArchive::Note(std::string line) {
  if (options_.log) notes_.push_back(std::move(line));
}

void RawArchive::EmitNotes() {
  std::lock_guard order(log_mu_);
  std::vector<std::string> notes;
  {
    std::lock_guard lock(mu_);
    notes.swap(notes_);
  }
  for (const std::string& n : notes) options_.log(n);
}

Status RawArchive::Write(std::string_view venue, std::string_view feed, Timestamp recv_us,
                         std::string_view msg) {
  if (!ValidName(venue) || !ValidName(feed)) {
    return Status::InvalidArgument(
        "raw archive: venue and feed must be 1-64 characters of [a-z0-9_-], got '" + std::string(venue) +
        "', '" + std::string(feed) + "'");
  }
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::InvalidArgument("raw archive '" + dir_ + "' is closed");
    auto& slot = files_[{std::string(venue), std::string(feed)}];
    const Timestamp hour = AlignDown(recv_us, kHour);
    if (slot && slot->hour != hour) {
      // The hour is over: its file is written out and closed now, or, when
      // that fails, kept aside with its lines for the next Flush.
      if (FlushFile(slot.get()).ok()) {
        if (slot->fd >= 0) ::close(slot->fd);
      } else {
        retired_.push_back(std::move(slot));
      }
      slot.reset();
    }
    if (!slot) {
      slot = std::make_unique<File>();
      slot->venue = std::string(venue);
      slot->feed = std::string(feed);
      slot->hour = hour;
    }
    std::string line = FormatRawLine(venue, feed, recv_us, msg);
    line.push_back('\n');
    Hold(slot.get(), std::move(line));
    // A failing file is retried at the next Flush, not at every message.
    const size_t flush_at = std::min(kFlushBytes, options_.max_held_bytes / 2);
    if (slot->pending.size() >= flush_at && !slot->failing) (void)FlushFile(slot.get());
    if (notes_.empty()) return Status::OK();  // the usual case: no second lock
  }
  EmitNotes();
  return Status::OK();
}

void RawArchive::Hold(File* f, std::string line) {
  if (stats_.held_bytes + line.size() > options_.max_held_bytes) {
    ++stats_.dropped_lines;
    stats_.dropped_bytes += line.size();
    if (!dropping_) {
      dropping_ = true;
      dropped_since_ = 0;
      Note("raw archive: " + MiB(stats_.held_bytes) + " of lines wait for writes that fail (the cap is " +
           MiB(options_.max_held_bytes) +
           "): new lines are dropped from the archive until a write works; the store still gets their rows");
    }
    ++dropped_since_;
    return;
  }
  stats_.held_bytes += line.size();
  f->pending.append(line);
  ++f->pending_lines;
}

Status RawArchive::FlushFile(File* f) {
  if (f->pending.empty() && f->frame.empty()) return Status::OK();
  const uint64_t lines = f->pending_lines + f->frame_lines;
  Status s = WriteOut(f);
  if (!s.ok()) {
    ++stats_.failed_writes;
    if (!f->failing) {
      f->failing = true;
      Note(s.message() + "; its lines are kept in memory (at most " + MiB(options_.max_held_bytes) +
           " in all) and written when it works again");
    }
    return s;
  }
  if (f->failing) {
    f->failing = false;
    Note("raw archive: '" + f->path + "' is written again (" + std::to_string(lines) + " waiting lines)");
  }
  if (dropping_ && stats_.held_bytes < options_.max_held_bytes) {
    dropping_ = false;
    Note("raw archive: " + std::to_string(dropped_since_) + " lines were dropped while writes failed (" +
         std::to_string(stats_.dropped_lines) + " since the start); they are missing from the archive");
  }
  return Status::OK();
}

Status RawArchive::WriteOut(File* f) {
  if (f->fd < 0) LIQDB_RETURN_IF_ERROR(OpenFile(f));
  while (!f->frame.empty() || !f->pending.empty()) {
    if (f->frame.empty()) {
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
        f->frame.clear();
        return Status::IOError("raw archive: zstd cannot compress for '" + f->path +
                               "': " + ZSTD_getErrorName(n));
      }
      // Compressed once: a write that fails is retried with these bytes.
      f->frame.resize(n);
      f->frame_bytes = f->pending.size();
      f->frame_lines = f->pending_lines;
      f->pending_lines = 0;
      if (f->pending.capacity() > 2 * kFlushBytes) {
        std::string().swap(f->pending);  // a backlog's buffer is given back
      } else {
        f->pending.clear();
      }
    }
    // No frame after a torn one: bytes a failed write left are cut first.
    if (f->dirty) {
      if (::ftruncate(f->fd, static_cast<off_t>(f->end)) != 0) return Errno("cannot cut back", f->path);
      f->dirty = false;
    }
    size_t done = 0;
    while (done < f->frame.size()) {
      const ssize_t w =
          ::pwrite(f->fd, f->frame.data() + done, f->frame.size() - done, static_cast<off_t>(f->end + done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        Status s = Errno("cannot write", f->path);
        if (done > 0 && ::ftruncate(f->fd, static_cast<off_t>(f->end)) != 0) f->dirty = true;
        return s;
      }
      done += static_cast<size_t>(w);
    }
    // Not synced is not written: the frame is cut off and written again.
    if (::fdatasync(f->fd) != 0) {
      Status s = Errno("cannot sync", f->path);
      if (::ftruncate(f->fd, static_cast<off_t>(f->end)) != 0) f->dirty = true;
      return s;
    }
    f->end += f->frame.size();
    stats_.held_bytes -= f->frame_bytes;
    f->frame.clear();
    f->frame_bytes = f->frame_lines = 0;
  }
  return Status::OK();
}

Status RawArchive::OpenFile(File* f) {
  const std::string base = PathFor(f->venue, f->feed, f->hour);
  std::error_code ec;
  fs::create_directories(fs::path(base).parent_path(), ec);
  if (ec) return Status::IOError("raw archive: cannot create folder for '" + base + "': " + ec.message());
  for (int n = 0; n < kMaxSuffix; ++n) {
    const std::string path = n == 0 ? base : WithSuffix(base, n);
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      Status s = Errno("cannot stat", path);
      ::close(fd);
      return s;
    }
    uint64_t end = 0;  // a device (/dev/full behind a link, in the tests) has no frames
    if (S_ISREG(st.st_mode)) {
      // Append after the last complete frame, found from the headers alone.
      Result<FrameScan> scan = ScanZstdFrames(fd, static_cast<uint64_t>(st.st_size));
      if (!scan.ok()) {
        ::close(fd);
        return Status::IOError("raw archive: '" + path + "': " + scan.status().message());
      }
      if (scan->end == FrameScan::End::kDamaged) {
        // Cutting here would drop what follows: the file is kept for a
        // reader (which reports the damage) and the hour goes on elsewhere.
        ::close(fd);
        ++stats_.damaged_files;
        Note("raw archive: '" + path + "' is damaged at byte " + std::to_string(scan->complete) + " (" +
             scan->why + "): left as it is; this hour goes on in '" + WithSuffix(base, n + 1) + "'");
        continue;
      }
      end = scan->complete;
      if (scan->end == FrameScan::End::kTorn) {
        // A torn last frame would hide every frame appended after it.
        if (::ftruncate(fd, static_cast<off_t>(end)) != 0) {
          Status s = Errno("cannot cut a torn frame off", path);
          ::close(fd);
          return s;
        }
        ++stats_.torn_tails;
        Note("raw archive: cut a torn last frame off '" + path + "' (" +
             std::to_string(static_cast<uint64_t>(st.st_size) - end) + " bytes at byte " +
             std::to_string(end) + ": " + scan->why + ")");
      }
    }
    f->fd = fd;
    f->path = path;
    f->end = end;
    f->dirty = false;
    return Status::OK();
  }
  return Status::IOError("raw archive: '" + base + "' and " + std::to_string(kMaxSuffix - 1) +
                         " suffixed files of its hour are damaged");
}

Status RawArchive::Flush() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::InvalidArgument("raw archive '" + dir_ + "' is closed");
    // Past hours first: their lines are older.
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (FlushFile(it->get()).ok()) {
        if ((*it)->fd >= 0) ::close((*it)->fd);
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [key, f] : files_) (void)FlushFile(f.get());
  }
  EmitNotes();
  return Status::OK();
}

Status RawArchive::Close() {
  Status result;
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::OK();
    closed_ = true;
    uint64_t lost_lines = 0, lost_bytes = 0;
    Status last;
    auto close_file = [&](File* f) {
      Status s = FlushFile(f);
      if (!s.ok()) {
        last = s;
        lost_lines += f->pending_lines + f->frame_lines;
        lost_bytes += f->pending.size() + f->frame_bytes;
      }
      if (f->fd >= 0 && ::close(f->fd) != 0 && s.ok()) last = Errno("cannot close", f->path);
      f->fd = -1;
    };
    for (auto& f : retired_) close_file(f.get());
    for (auto& [key, f] : files_) close_file(f.get());
    retired_.clear();
    files_.clear();
    if (lost_lines > 0) {
      result = Status::IOError("raw archive: " + std::to_string(lost_lines) + " lines (" +
                               std::to_string(lost_bytes) + " bytes) could not be written and are lost (" +
                               last.message() + ")");
    } else if (!last.ok()) {
      result = last;
    }
    if (stats_.dropped_lines > 0) {
      Note("raw archive: " + std::to_string(stats_.dropped_lines) + " lines (" +
           std::to_string(stats_.dropped_bytes) + " bytes) were dropped while writes failed");
    }
  }
  EmitNotes();
  return result;
}

}  // namespace liqdb::record
