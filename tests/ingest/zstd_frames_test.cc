// LineReader on zstd input (ingest/line_reader.cc, ZstdRaw): several frames
// in one file read as one stream (a raw archive writes a frame per flush);
// an input that ends inside a frame gives every line of the frames before it,
// never the torn frame's partial line, then Corruption naming the last good
// line; a corrupt frame is Corruption too.
#include <zstd.h>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"
#include "tests/ingest/line_reader_util.h"

using namespace liqdb;

namespace {

std::string Frame(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

using Read = testing::ReadLines;

Read ReadAll(std::string data) {
  return testing::ReadAllLines(std::move(data), "t.zst", Compression::kZstd, 100);
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("zstd: frames one after another read as one stream", "[ingest][zstd]") {
  const Read r = ReadAll(Frame("a\nb\n") + Frame("c\n") + Frame("d"));
  CHECK(r.error.empty());
  CHECK(r.lines == Lines{"a", "b", "c", "d"});
}

TEST_CASE("zstd: input ending inside a frame keeps the frames before it and reports the damage",
          "[ingest][zstd]") {
  const std::string first = Frame("a\nb\n");
  std::string second = Frame("c\nd\n");
  second.resize(second.size() - 3);  // a writer killed while writing its second frame
  const Read r = ReadAll(first + second);
  CHECK(r.lines == Lines{"a", "b"});
  CHECK_THAT(r.error, Catch::Contains("t.zst: truncated zstd stream after line 2"));

  // Only a frame header: nothing decoded, the same report.
  const Read header_only = ReadAll(first.substr(0, 6));
  CHECK(header_only.lines.empty());
  CHECK_THAT(header_only.error, Catch::Contains("truncated zstd stream after line 0"));
}

TEST_CASE("zstd: a corrupt frame is Corruption naming the codec", "[ingest][zstd]") {
  std::string data = Frame("a\nb\n") + Frame("c\n");
  data[data.size() - 2] ^= 0x5a;
  data[data.size() - 4] ^= 0x5a;
  const Read r = ReadAll(data);
  CHECK(r.lines.size() <= 2);
  CHECK_THAT(r.error, Catch::Contains("zstd"));
}
