// RawArchive: every message a recorder receives, kept with its local receive
// time in hourly zstd files, so that `liqdb ingest` can replay history
// through later versions of the adapters (docs/ingest.md, "Raw archives").
//
// Layout: DIR/<venue>/<feed>/YYYY-MM-DDTHH.jsonl.zst, the UTC hour of the
// receive time; one line per message as FormatRawLine (liqdb/ingest.h) makes
// it: {"recv":<µs>,"venue":"binance","feed":"liquidations","msg":<message>}.
// Lines are buffered and written at Flush() as one complete zstd frame per
// file (with zstd's content checksum), so a file is readable up to its last flush even while it is written
// or after the recorder was killed. Reopening an hour's file appends frames;
// a torn last frame (a write cut short by a crash) is cut off first, so the
// frames after it stay readable.
//
// Thread-safety: all methods may be called from several threads; they are
// serialised inside. Ownership: the archive owns its open files; Close (or
// the destructor) flushes and closes them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "liqdb/status.h"
#include "liqdb/types.h"

struct ZSTD_CCtx_s;

namespace liqdb::record {

class RawArchive {
 public:
  // Creates `dir` if needed.
  static Result<std::unique_ptr<RawArchive>> Open(const std::string& dir);
  ~RawArchive();
  RawArchive(const RawArchive&) = delete;
  RawArchive& operator=(const RawArchive&) = delete;

  // Buffers one message of `feed` of `venue` received at `recv_us`. venue and
  // feed become folder names: [a-z0-9_-], not empty (InvalidArgument
  // otherwise). A message of another hour than the file open for its feed
  // flushes and closes that file first. Buffers past kFlushBytes are flushed
  // at once.
  Status Write(std::string_view venue, std::string_view feed, Timestamp recv_us, std::string_view msg);
  // Writes every buffered line: one zstd frame per file, then fdatasync.
  Status Flush();
  // Flushes and closes every file. Write after Close fails.
  Status Close();

  const std::string& dir() const { return dir_; }
  // The file of `venue`/`feed` for the hour of `recv_us`.
  std::string PathFor(std::string_view venue, std::string_view feed, Timestamp recv_us) const;

  static constexpr size_t kFlushBytes = 4 << 20;

 private:
  struct File;
  explicit RawArchive(std::string dir);
  Status FlushFile(File* f);
  Status CloseFile(File* f);

  struct FreeCCtx {
    void operator()(ZSTD_CCtx_s* c) const;
  };

  const std::string dir_;
  std::mutex mu_;
  std::unique_ptr<ZSTD_CCtx_s, FreeCCtx> cctx_;  // shared by all files (under mu_)
  bool closed_ = false;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<File>> files_;  // by (venue, feed)
};

}  // namespace liqdb::record
