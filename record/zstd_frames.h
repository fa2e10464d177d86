// ScanZstdFrames: where a file of zstd frames (RFC 8878) stops being whole,
// found by reading frame and block headers, not the data between them (but
// for the last frame, which is decoded):
// the raw archive (raw_archive.h) reopens an hour's file with it to know
// where to append, and whether what follows its last complete frame is a
// torn last write (cut off) or damage (kept). The rule is in docs/ingest.md,
// "Raw archives".
//
// Thread-safety: a free function; it only reads `fd` (pread), so any number
// may run at once on different files.
#pragma once

#include <cstdint>
#include <string>

#include "liqdb/status.h"

namespace liqdb::record {

struct FrameScan {
  enum class End {
    kClean,    // the file is complete frames to its last byte
    kTorn,     // then one incomplete frame (or zero bytes) to the end: a write cut short
    kDamaged,  // then bytes that are not a frame, with more after them
  };
  End end = End::kClean;
  // Bytes of whole frames from the start: the size (kClean), where to cut
  // (kTorn) or where the damage starts (kDamaged).
  uint64_t complete = 0;
  uint64_t frames = 0;      // whole frames before `complete`
  uint64_t bytes_read = 0;  // what the scan read: headers, the last frame, the tail after `complete`
  std::string why;          // kTorn, kDamaged: what is at `complete`
};

// Scans the first `size` bytes of `fd`. A frame whose blocks run past the end
// is torn only when no complete frame starts after it (else the frame is
// damage that later frames follow); bytes that are not a frame are damage
// unless they are all zero (a file extended by a crash before its data
// landed). Frames are checked for shape (magic, header, block types and
// sizes); only the last whole one is decoded, since a crash can only have
// hit the last write (and a torn write can look whole when zeros fill its
// end): when it does not decode, it is damage. A frame before it with
// damaged content is whole here and its readers report it. IOError only
// when `fd` cannot be read.
Result<FrameScan> ScanZstdFrames(int fd, uint64_t size);

}  // namespace liqdb::record
