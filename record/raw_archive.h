// RawArchive: every message a recorder receives, kept with its local receive
// time in hourly zstd files, so that `liqdb ingest` can replay history
// through later versions of the adapters (docs/ingest.md, "Raw archives").
//
// Layout: DIR/<venue>/<feed>/YYYY-MM-DDTHH.jsonl.zst, the UTC hour of the
// receive time; one line per message as FormatRawLine (liqdb/ingest.h) makes
// it: {"recv":<µs>,"venue":"binance","feed":"liquidations","msg":<message>}.
// Lines are buffered and written at Flush() as one complete zstd frame per
// file (with zstd's content checksum), so a file is readable up to its last
// flush even while it is written or after the recorder was killed.
//
// Reopening an hour's file appends frames after scanning its frame and block
// headers (ScanZstdFrames, zstd_frames.h), not its data. A torn last frame (a
// write cut short by a crash) is cut off first, so the frames after it stay
// readable; a file with damage before its end is left as it is and the hour
// goes on in YYYY-MM-DDTHH_1.jsonl.zst (then _2, ...), which sorts after it.
//
// A write that fails (disk full, a folder in the way) does not fail Write or
// Flush: the lines stay held in memory and are written at a later Flush;
// past `max_held_bytes` in all, new lines are dropped and counted. Both are
// said through `log` and counted in stats(). The recorder keeps running and
// its store gets every row: the archive is a copy.
//
// Thread-safety: all methods may be called from several threads; they are
// serialised inside, and `log` is called outside the lock. Ownership: the
// archive owns its open files; Close (or the destructor) flushes and closes
// them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/types.h"

struct ZSTD_CCtx_s;

namespace liqdb::record {

struct RawArchiveOptions {
  // Lines not yet written, across all files, at most; past it new lines are
  // dropped (counted and logged) until writes work again.
  size_t max_held_bytes = 64 << 20;
  // Where the archive says what went wrong (a failing write, dropped lines, a
  // damaged file left as it is): one line each, starting "raw archive: ".
  std::function<void(const std::string&)> log;
};

class RawArchive {
 public:
  // Creates `dir` if needed.
  static Result<std::unique_ptr<RawArchive>> Open(const std::string& dir, RawArchiveOptions options = {});
  ~RawArchive();
  RawArchive(const RawArchive&) = delete;
  RawArchive& operator=(const RawArchive&) = delete;

  // Buffers one message of `feed` of `venue` received at `recv_us`. venue and
  // feed become folder names: [a-z0-9_-], not empty (InvalidArgument
  // otherwise). A message of another hour than the file open for its feed
  // flushes and closes that file first. Buffers past kFlushBytes are flushed
  // at once. Fails only for bad names or after Close.
  Status Write(std::string_view venue, std::string_view feed, Timestamp recv_us, std::string_view msg);
  // Writes every buffered line: one zstd frame per file, then fdatasync. A
  // file that cannot be written keeps its lines for the next Flush (see the
  // file comment); fails only after Close.
  Status Flush();
  // Flushes and closes every file. IOError when lines could not be written
  // (they are lost; how many is in the message). Write after Close fails.
  Status Close();

  const std::string& dir() const { return dir_; }
  // The file of `venue`/`feed` for the hour of `recv_us` (without the suffix
  // a damaged file makes).
  std::string PathFor(std::string_view venue, std::string_view feed, Timestamp recv_us) const;

  struct Stats {
    uint64_t held_bytes = 0;     // lines buffered or waiting for a write that failed
    uint64_t dropped_lines = 0;  // lines dropped because held_bytes was at the cap
    uint64_t dropped_bytes = 0;
    uint64_t failed_writes = 0;  // opens, writes and syncs that failed
    uint64_t damaged_files = 0;  // files left as they are for a suffixed one
    uint64_t torn_tails = 0;     // torn last frames cut off at reopen
  };
  Stats stats() const;

  static constexpr size_t kFlushBytes = 4 << 20;

 private:
  struct File;
  RawArchive(std::string dir, RawArchiveOptions options);
  // Each returns the reason of a failure; the lines stay held.
  Status FlushFile(File* f);
  Status WriteOut(File* f);
  Status OpenFile(File* f);
  void Hold(File* f, std::string line);
  void Note(std::string line);
  // Hands the notes gathered under mu_ to options_.log; called without mu_.
  void EmitNotes();

  struct FreeCCtx {
    void operator()(ZSTD_CCtx_s* c) const;
  };

  const std::string dir_;
  const RawArchiveOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<ZSTD_CCtx_s, FreeCCtx> cctx_;  // shared by all files (under mu_)
  bool closed_ = false;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<File>> files_;  // by (venue, feed)
  std::vector<std::unique_ptr<File>> retired_;  // past hours whose lines could not be written yet
  Stats stats_;
  bool dropping_ = false;  // at the cap: lines are being dropped
  uint64_t dropped_since_ = 0;
  std::vector<std::string> notes_;  // for EmitNotes
  std::mutex log_mu_;               // one note at a time, in order
};

}  // namespace liqdb::record
