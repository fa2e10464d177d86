// ScanZstdFrames (record/zstd_frames.h) on files of zstd frames made here
// with libzstd: a clean file is read by its headers (and its last frame)
// only; a file cut at any byte of its last frame, or followed by zeros, is
// torn at that frame's start; bytes that are not a frame, a reserved block
// type, a block size that runs past the end while whole frames follow, and
// a last frame that does not decode are damage; a frame before the last
// with a bad content checksum is whole (its readers report it); skippable
// frames count.
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_frameHeaderSize, to find a frame's first block
#include "record/zstd_frames.h"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

namespace liqdb {
namespace {

using record::FrameScan;
using End = FrameScan::End;

// One checksummed frame of `text`, as the raw archive writes them.
std::string Frame(const std::string& text) {
  std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const size_t n = ZSTD_compress2(cctx.get(), out.data(), out.size(), text.data(), text.size());
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// `n` JSON-ish lines; `seed` varies their digits so frames differ (and a
// large one does not shrink to nothing).
std::string Text(int n, uint64_t seed) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    s += R"({"recv":)" + std::to_string(seed >> 11) + R"(,"venue":"bybit","msg":")" + std::to_string(seed) +
         "\"}\n";
  }
  return s;
}

FrameScan Scan(const std::string& bytes) {
  const std::string path = testing::TempDir("zstd-frames") + "/f.zst";
  testing::WriteFile(path, bytes);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  Result<FrameScan> s = record::ScanZstdFrames(fd, bytes.size());
  ::close(fd);
  REQUIRE(s.ok());
  return *s;
}

TEST_CASE("zstd frames: a clean file is read by its headers only", "[record][raw]") {
  // 20 frames of ~350 KB of text each, in blocks of at most 128 KiB.
  std::string file;
  size_t headers = 0;  // the most the scan may read of the frames' headers
  for (int i = 0; i < 20; ++i) {
    const std::string text = Text(5000, i);
    file += Frame(text);
    const size_t blocks = (text.size() + (128 << 10) - 1) / (128 << 10);
    headers += 18 + 3 * blocks;  // the longest frame header, then 3 bytes a block
  }
  const size_t last = Frame(Text(5000, 19)).size();  // decoded whole
  REQUIRE(file.size() > 1'500'000);
  const FrameScan s = Scan(file);
  CHECK(s.end == End::kClean);
  CHECK(s.complete == file.size());
  CHECK(s.frames == 20);
  CHECK(s.bytes_read <= headers + last);
  CHECK(s.bytes_read > 20 * 4 + last);
  CHECK(s.bytes_read < file.size() / 10);

  CHECK(Scan("").end == End::kClean);
  CHECK(Scan("").complete == 0);
}

TEST_CASE("zstd frames: a file cut anywhere in its last frame is torn at that frame's start",
          "[record][raw]") {
  const std::string a = Frame(Text(3, 1)), b = Frame(Text(40, 2));
  const std::string file = a + b;
  REQUIRE(b.size() > 20);
  // Every cut: inside the magic, the frame header, a block header, a block,
  // the checksum.
  for (size_t cut = a.size() + 1; cut < file.size(); ++cut) {
    INFO("cut at " << cut << " of " << file.size());
    const FrameScan s = Scan(file.substr(0, cut));
    CHECK(s.end == End::kTorn);
    CHECK(s.complete == a.size());
    CHECK(s.frames == 1);
  }
  CHECK(Scan(file.substr(0, a.size())).end == End::kClean);

  // Zeros after the last frame (a file extended by a crash before its data
  // landed) are a torn tail too, named as such.
  const FrameScan zeros = Scan(file + std::string(4096, '\0'));
  CHECK(zeros.end == End::kTorn);
  CHECK(zeros.complete == file.size());
  CHECK(zeros.why == "4096 zero bytes");
  // Zeros in place of the last frame's end can make it look whole; it does
  // not decode, so it is damage (kept), not cut.
  const FrameScan filled = Scan(file.substr(0, file.size() - 5) + std::string(100, '\0'));
  CHECK(filled.end == End::kDamaged);
  CHECK(filled.complete == a.size());
  CHECK_THAT(filled.why, Catch::Contains("the last whole frame does not decode"));
}

TEST_CASE("zstd frames: bytes that are not a frame before the end are damage", "[record][raw]") {
  const std::string a = Frame(Text(3, 1)), b = Frame(Text(40, 2)), c = Frame(Text(2, 3));
  const std::string file = a + b + c;

  // The second frame's magic overwritten.
  std::string bad_magic = file;
  bad_magic[a.size()] = 'x';
  FrameScan s = Scan(bad_magic);
  CHECK(s.end == End::kDamaged);
  CHECK(s.complete == a.size());
  CHECK(s.frames == 1);
  CHECK_THAT(s.why, Catch::Contains("not a zstd frame"));

  // Text after the last frame (not zeros).
  s = Scan(file + "garbage\n");
  CHECK(s.end == End::kDamaged);
  CHECK(s.complete == file.size());

  // The second frame's first block: reserved type (bits 1-2 = 3).
  const size_t block = a.size() + ZSTD_frameHeaderSize(b.data(), b.size());
  std::string reserved = file;
  reserved[block] = static_cast<char>(reserved[block] | 0x06);
  s = Scan(reserved);
  CHECK(s.end == End::kDamaged);
  CHECK(s.complete == a.size());
  CHECK(s.why == "a block of the reserved type");

  // A block size that sends the walk past the end, with a whole frame after
  // it: not a torn write (cutting would lose the third frame), damage.
  const std::string text_b = Text(40, 2);
  const uint32_t header = static_cast<uint8_t>(file[block]) | (static_cast<uint8_t>(file[block + 1]) << 8) |
                          (static_cast<uint8_t>(file[block + 2]) << 16);
  const uint32_t claimed = static_cast<uint32_t>(text_b.size());  // at most the frame's window: valid
  REQUIRE(a.size() + b.size() + c.size() < block + 3 + claimed);  // runs past the end
  const uint32_t forged = (header & 7) | 1 | (claimed << 3);
  std::string long_block = file;
  long_block[block] = static_cast<char>(forged & 0xff);
  long_block[block + 1] = static_cast<char>((forged >> 8) & 0xff);
  long_block[block + 2] = static_cast<char>(forged >> 16);
  s = Scan(long_block);
  CHECK(s.end == End::kDamaged);
  CHECK(s.complete == a.size());
  CHECK_THAT(s.why, Catch::Contains("whole frames follow from byte " + std::to_string(a.size() + b.size())));
  // Without the third frame the same bytes are a torn last frame.
  s = Scan(long_block.substr(0, a.size() + b.size()));
  CHECK(s.end == End::kTorn);
  CHECK(s.complete == a.size());

  // A block larger than the frame allows.
  std::string huge = file;
  huge[block + 2] = static_cast<char>(0xff);
  s = Scan(huge);
  CHECK(s.end == End::kDamaged);
  CHECK_THAT(s.why, Catch::Contains("a block of"));
}

TEST_CASE("zstd frames: only the last whole frame must decode; skippable frames count", "[record][raw]") {
  const std::string a = Frame(Text(3, 1)), b = Frame(Text(40, 2));
  std::string bad_sum = a + b;
  bad_sum[a.size() - 1] ^= 0x01;  // the first frame's content checksum
  // zstd itself rejects that frame...
  std::string out(1 << 16, '\0');
  CHECK(ZSTD_isError(ZSTD_decompress(out.data(), out.size(), bad_sum.data(), a.size())));
  // ... but its shape is whole and it is not the last: left to the readers.
  FrameScan s = Scan(bad_sum);
  CHECK(s.end == End::kClean);
  CHECK(s.frames == 2);
  CHECK(s.complete == bad_sum.size());
  // The last frame's checksum: damage at its start.
  std::string bad_last = a + b;
  bad_last.back() ^= 0x01;
  s = Scan(bad_last);
  CHECK(s.end == End::kDamaged);
  CHECK(s.complete == a.size());
  CHECK(s.frames == 1);
  CHECK_THAT(s.why, Catch::Contains("the last whole frame does not decode") && Catch::Contains("checksum"));

  // A skippable frame: magic 0x184D2A50, then its size (5), LE.
  const std::string skip("\x50\x2a\x4d\x18\x05\x00\x00\x00hello", 13);
  s = Scan(a + skip + b);
  CHECK(s.end == End::kClean);
  CHECK(s.frames == 3);
  s = Scan(a + skip.substr(0, 10));
  CHECK(s.end == End::kTorn);
  CHECK(s.complete == a.size());
}

}  // namespace
}  // namespace liqdb
