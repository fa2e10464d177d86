// LineReader on gzip input (ingest/line_reader.cc, GzipRaw over ISA-L):
// members one after another read as one stream, as gunzip reads them;
// header fields (name, comment) are skipped; a bad CRC-32 or length in a
// member's trailer, bytes after a member that are not another member, and an
// input that ends inside a member are Corruption naming gzip, after the
// lines that came before. The members are written by zlib (through
// Boost.Iostreams), not by the code under test.
#include <boost/iostreams/device/back_inserter.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"
#include "tests/ingest/line_reader_util.h"

using namespace liqdb;

namespace {

namespace io = boost::iostreams;

std::string Member(const std::string& text, const io::gzip_params& params = io::gzip_params()) {
  std::string out;
  {
    io::filtering_ostream s;
    s.push(io::gzip_compressor(params));
    s.push(io::back_inserter(out));
    s << text;
  }
  return out;
}

using Read = testing::ReadLines;

Read ReadAll(std::string data) {
  return testing::ReadAllLines(std::move(data), "t.gz", Compression::kGzip, 1000000);
}

using Lines = std::vector<std::string>;

std::string ManyLines(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += "binance-futures,BTCUSDT," + std::to_string(1718000000000000LL + i) + "\n";
  return text;
}

}  // namespace

TEST_CASE("gzip: members one after another read as one stream", "[ingest][gzip]") {
  const Read r = ReadAll(Member("a\nb\n") + Member("c\n") + Member("") + Member("d"));
  CHECK(r.error.empty());
  CHECK(r.lines == Lines{"a", "b", "c", "d"});
}

TEST_CASE("gzip: a member with a file name and a comment in its header", "[ingest][gzip]") {
  io::gzip_params p;
  p.file_name = "liquidations.csv";
  p.comment = "made by the test";
  const Read r = ReadAll(Member("x,1\r\ny,2\n", p));
  CHECK(r.error.empty());
  CHECK(r.lines == Lines{"x,1", "y,2"});
}

TEST_CASE("gzip: big members cross every buffer and come back whole", "[ingest][gzip]") {
  const std::string a = ManyLines(60000), b = ManyLines(70000);
  const Read r = ReadAll(Member(a) + Member(b));
  CHECK(r.error.empty());
  REQUIRE(r.lines.size() == 130000);
  CHECK(r.lines[59999] == "binance-futures,BTCUSDT,1718000000059999");
  CHECK(r.lines[60000] == "binance-futures,BTCUSDT,1718000000000000");
  CHECK(r.lines.back() == "binance-futures,BTCUSDT,1718000000069999");
}

TEST_CASE("gzip: a wrong CRC-32 or length in the trailer is corruption", "[ingest][gzip][bad]") {
  // The trailer is the member's last 8 bytes: CRC-32, then the length mod 2^32.
  for (size_t from_end : {8u, 1u}) {
    std::string gz = Member("a\nb\n");
    gz[gz.size() - from_end] ^= 0x01;
    const Read r = ReadAll(gz);
    INFO(from_end);
    CHECK_THAT(r.error, Catch::Contains("t.gz") && Catch::Contains("gzip"));
  }
}

TEST_CASE("gzip: bytes after a member that are not a member are corruption, after its lines",
          "[ingest][gzip][bad]") {
  const Read r = ReadAll(Member("a\nb\n") + "not gzip at all");
  CHECK(r.lines == Lines{"a", "b"});
  CHECK_THAT(r.error, Catch::Contains("corrupt or truncated gzip stream after line 2"));
}

TEST_CASE("gzip: an input that ends inside a member is corruption, after the lines before",
          "[ingest][gzip][bad]") {
  const std::string text = ManyLines(50000);
  const std::string gz = Member(text);
  for (size_t cut : {gz.size() - 4, gz.size() / 2, size_t{15}}) {
    INFO(cut);
    const Read r = ReadAll(gz.substr(0, cut));
    CHECK_THAT(r.error, Catch::Contains("gzip"));
    const std::vector<std::string> all = testing::Lines(text);
    REQUIRE(r.lines.size() <= all.size());
    // Every whole line read is the line written (the last one may be cut).
    for (size_t i = 0; i + 1 < r.lines.size(); ++i) REQUIRE(r.lines[i] == all[i]);
  }
}
