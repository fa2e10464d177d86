// RawArchive (record/raw_archive.h): messages written through it, read back
// with `liqdb ingest`'s Ingester (format auto -> liqdb-raw), give exactly the
// rows of the bare messages read with their own formats; hourly files; one
// zstd frame per flush, so a file being written reads up to its last flush;
// a torn last frame (a killed writer) reads up to the frame before it,
// reported as damaged, and a reopened archive cuts it off before appending.
#include "record/raw_archive.h"

#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

namespace liqdb {
namespace {

using testing::FakeStore;
using testing::Lines;
using testing::Row;
using testing::Sorted;

constexpr Timestamp kT0 = 1718000000000000;  // 2024-06-10T06:13:20Z
constexpr Timestamp kHour = 3'600'000'000;

struct Ingested {
  std::vector<Row> rows;
  IngestSummary summary;
  std::vector<std::string> reports;
};

Ingested IngestFiles(const std::vector<std::string>& paths, Format format = Format::kAuto) {
  FakeStore store("fake");
  IngestOptions options;
  options.format = format;
  options.contract_sizes["BTC-USD-240628"] = 100;  // the OKX sample's dated future
  options.state_dir = testing::TempDir("raw-archive-state");
  Ingested out;
  {
    Ingester ingester(&store, options);
    ingester.set_report([&](const std::string& m) { out.reports.push_back(m); });
    for (const std::string& p : paths) REQUIRE(ingester.IngestPath(p).ok());
    REQUIRE(ingester.Finish().ok());
    out.summary = ingester.summary();
  }
  out.rows = store.rows;
  return out;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

TEST_CASE("raw archive: replaying the files gives the rows of the bare messages", "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive");
  struct Feed {
    const char *venue, *feed, *sample;
    Format format;
  };
  const Feed feeds[] = {
      {"binance", "liquidations", "binance-forceorder.jsonl", Format::kBinanceForceOrder},
      {"bybit", "liquidations-linear", "bybit-liquidation.jsonl", Format::kBybitLiquidation},
      {"okx", "liquidations", "okx-liquidation-orders.jsonl", Format::kOkxLiquidationOrders},
      {"hyperliquid", "positions", "hyperliquid-clearinghouse.jsonl", Format::kHyperliquidClearinghouse}};
  const std::string market =
      R"({"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT","p":"67000.5","i":"1","P":"1","r":"0","T":0})"
      "\n"
      R"({"openInterest":"80123.456","symbol":"BTCUSDT","time":1718000005000})"
      "\n";
  std::vector<std::string> bare_files;
  Timestamp recv = kT0;
  {
    auto archive = record::RawArchive::Open(dir);
    REQUIRE(archive.ok());
    for (const Feed& f : feeds) {
      const std::string text = testing::Sample(f.sample);
      for (const std::string& m : Lines(text))
        REQUIRE((*archive)->Write(f.venue, f.feed, recv += 1000, m).ok());
      bare_files.push_back(dir + "/bare-" + f.venue + ".jsonl");
      testing::WriteFile(bare_files.back(), text);
    }
    for (const std::string& m : Lines(market))
      REQUIRE((*archive)->Write("binance", "market", recv += 1000, m).ok());
    // A text pong and a Hyperliquid poll (its row's time is the receive time).
    REQUIRE((*archive)->Write("okx", "liquidations", recv += 1000, "pong").ok());
    REQUIRE((*archive)
                ->Write("hyperliquid", "market", kT0 + 42,
                        R"([{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50}]},)"
                        R"([{"openInterest":"688.11","markPx":"67012.0"}]])")
                .ok());
    REQUIRE((*archive)->Close().ok());
  }
  const std::string hour = "2024-06-10T06.jsonl.zst";
  std::vector<std::string> raw_files;
  for (const char* f : {"binance/liquidations", "binance/market", "bybit/liquidations-linear",
                        "hyperliquid/market", "hyperliquid/positions", "okx/liquidations"}) {
    raw_files.push_back(dir + "/" + f + "/" + hour);
    INFO(raw_files.back());
    CHECK(std::filesystem::is_regular_file(raw_files.back()));
  }
  Ingested raw = IngestFiles(raw_files);
  INFO(Joined(raw.reports));
  CHECK(raw.summary.rejected_lines == 0);
  CHECK(raw.summary.files_damaged == 0);
  CHECK(raw.summary.formats == std::vector<std::string>{"liqdb-raw"});

  testing::WriteFile(dir + "/bare-market.jsonl", market);
  std::vector<Row> want;
  for (size_t i = 0; i < std::size(feeds); ++i) {
    Ingested one = IngestFiles({bare_files[i]}, feeds[i].format);
    REQUIRE_FALSE(one.rows.empty());
    want.insert(want.end(), one.rows.begin(), one.rows.end());
  }
  Ingested m = IngestFiles({dir + "/bare-market.jsonl"}, Format::kBinanceMarkPrice);
  REQUIRE(m.rows.size() == 1);
  want.insert(want.end(), m.rows.begin(), m.rows.end());
  // The Hyperliquid sample at its receive time, written out by hand.
  want.push_back(Row{Kind::kMarket, "hyperliquid", "BTC", kT0 + 42, -1, "", {67012.0, 688.11}});
  CHECK(Sorted(raw.rows) == Sorted(want));
}

TEST_CASE("raw archive: files by UTC hour of receipt; venue and feed are checked folder names",
          "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive-hours");
  auto archive = record::RawArchive::Open(dir);
  REQUIRE(archive.ok());
  const std::string msg = R"({"e":"forceOrder"})";
  // 06:13:20, then 06:59:59.999999 (same hour), then 07:00:00 (the next).
  const Timestamp next_hour = kT0 - 800'000'000 + kHour;  // 2024-06-10T07:00:00Z
  REQUIRE((*archive)->Write("binance", "liquidations", kT0, msg).ok());
  REQUIRE((*archive)->Write("binance", "liquidations", next_hour - 1, msg).ok());
  REQUIRE((*archive)->Write("binance", "liquidations", next_hour, msg).ok());
  CHECK((*archive)->PathFor("binance", "liquidations", next_hour) ==
        dir + "/binance/liquidations/2024-06-10T07.jsonl.zst");
  for (const char* bad : {"", "Binance", "../x", "a/b", "sp ace"}) {
    Status s = (*archive)->Write(bad, "liquidations", kT0, msg);
    CHECK(s.IsInvalidArgument());
    CHECK_FALSE((*archive)->Write("binance", bad, kT0, msg).ok());
  }
  REQUIRE((*archive)->Close().ok());
  CHECK_FALSE((*archive)->Write("binance", "liquidations", kT0, msg).ok());  // closed
  auto lines_of = [&](const std::string& name) {
    auto reader = LineReader::Open(dir + "/binance/liquidations/" + name);
    REQUIRE(reader.ok());
    std::vector<std::string> out;
    std::string_view line;
    while (true) {
      auto r = (*reader)->Next(&line);
      REQUIRE(r.ok());
      if (*r != LineReader::Read::kLine) break;
      out.emplace_back(line);
    }
    return out;
  };
  const auto six = lines_of("2024-06-10T06.jsonl.zst");
  REQUIRE(six.size() == 2);
  CHECK(six[0] ==
        R"({"recv":1718000000000000,"venue":"binance","feed":"liquidations","msg":{"e":"forceOrder"}})");
  CHECK(six[1] ==
        R"({"recv":1718002799999999,"venue":"binance","feed":"liquidations","msg":{"e":"forceOrder"}})");
  CHECK(lines_of("2024-06-10T07.jsonl.zst").size() == 1);
}

TEST_CASE("FormatRawLine keeps JSON verbatim on one line and anything else as a string", "[record][raw]") {
  CHECK(FormatRawLine("okx", "market", 5, "{\"a\":\n[1,\r\n2]}") ==
        R"({"recv":5,"venue":"okx","feed":"market","msg":{"a": [1,  2]}})");
  CHECK(FormatRawLine("okx", "market", 5, "pong") ==
        R"({"recv":5,"venue":"okx","feed":"market","msg":"pong"})");
  // Truncated JSON, quotes, control and non-UTF-8 bytes: a valid JSON string.
  CHECK(FormatRawLine("okx", "market", 5, "{\"a\":\"b\\\"\x01\xff") ==
        R"({"recv":5,"venue":"okx","feed":"market","msg":"{\"a\":\"b\\\"\u0001\u00ff"})");
}

// The lines of `path` a reader gets, and whether it reported damage.
std::pair<size_t, bool> ReadAll(const std::string& path) {
  auto reader = LineReader::Open(path);
  REQUIRE(reader.ok());
  size_t n = 0;
  std::string_view line;
  while (true) {
    auto r = (*reader)->Next(&line);
    if (!r.ok()) return {n, true};
    if (*r != LineReader::Read::kLine) return {n, false};
    ++n;
  }
}

TEST_CASE("raw archive: a file reads up to its last flush; a torn frame is damage, cut off on reopen",
          "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive-torn");
  const std::string msg = R"({"e":"forceOrder","E":1,"o":{"s":"BTCUSDT"}})";
  std::string path;
  {
    auto archive = record::RawArchive::Open(dir);
    REQUIRE(archive.ok());
    path = (*archive)->PathFor("binance", "liquidations", kT0);
    for (int i = 0; i < 3; ++i) REQUIRE((*archive)->Write("binance", "liquidations", kT0 + i, msg).ok());
    REQUIRE((*archive)->Flush().ok());
    for (int i = 3; i < 5; ++i) REQUIRE((*archive)->Write("binance", "liquidations", kT0 + i, msg).ok());
    REQUIRE((*archive)->Flush().ok());
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + 5, msg).ok());
    // Open for writing: two frames flushed (5 lines), one line buffered.
    CHECK(ReadAll(path) == std::pair<size_t, bool>{5, false});
    REQUIRE((*archive)->Close().ok());
  }
  CHECK(ReadAll(path) == std::pair<size_t, bool>{6, false});

  // A writer killed in the middle of its third frame: cut off its 4-byte
  // checksum and the last 4 bytes of its block.
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 8);
  CHECK(ReadAll(path) == std::pair<size_t, bool>{5, true});
  Ingested torn = IngestFiles({path});
  CHECK(torn.summary.files_damaged == 1);
  CHECK(torn.summary.lines == 5);
  CHECK_THAT(Joined(torn.reports), Catch::Contains("zstd"));

  // Reopened, the archive drops the torn frame and appends after frame 2.
  {
    auto archive = record::RawArchive::Open(dir);
    REQUIRE(archive.ok());
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + 6, msg).ok());
    REQUIRE((*archive)->Close().ok());
  }
  CHECK(ReadAll(path) == std::pair<size_t, bool>{6, false});

  // A flipped byte inside the first frame's data fails its checksum (or its
  // decoding): damage, not different lines.
  std::string bytes = testing::ReadFile(path);
  bytes[20] = static_cast<char>(bytes[20] ^ 0x01);
  testing::WriteFile(path, bytes);
  const auto flipped = ReadAll(path);
  CHECK(flipped.second);
  CHECK(flipped.first < 6);
}

}  // namespace
}  // namespace liqdb
