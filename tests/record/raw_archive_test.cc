// RawArchive (record/raw_archive.h): messages written through it, read back
// with `liqdb ingest`'s Ingester (format auto -> liqdb-raw), give exactly the
// rows of the bare messages read with their own formats; hourly files; one
// zstd frame per flush, so a file being written reads up to its last flush;
// a torn last frame (a killed writer) reads up to the frame before it,
// reported as damaged, and a reopened archive cuts it off before appending;
// damage before the end is kept and the hour goes on in a suffixed file;
// writes that fail (a folder in the way, a full disk) keep lines up to the
// cap, drop and count the rest, and write them when they work again.
#include "record/raw_archive.h"

#include <unistd.h>
#include <zstd.h>

#include <filesystem>
#include <mutex>

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

// What a RawArchive says through its log.
struct Notes {
  std::mutex mu;
  std::vector<std::string> lines;
  record::RawArchiveOptions Options(size_t max_held_bytes = 64 << 20) {
    record::RawArchiveOptions o;
    o.max_held_bytes = max_held_bytes;
    o.log = [this](const std::string& l) {
      std::lock_guard lock(mu);
      lines.push_back(l);
    };
    return o;
  }
  std::string Text() {
    std::lock_guard lock(mu);
    std::string s;
    for (const auto& l : lines) s += l + "\n";
    return s;
  }
  size_t Count(const std::string& part) {
    std::lock_guard lock(mu);
    return std::count_if(lines.begin(), lines.end(),
                         [&](const std::string& l) { return l.find(part) != std::string::npos; });
  }
};

// The length of the first `n` zstd frames of the file at `path`.
size_t FirstFrames(const std::string& path, int n) {
  const std::string bytes = testing::ReadFile(path);
  size_t at = 0;
  for (int i = 0; i < n; ++i) {
    const size_t len = ZSTD_findFrameCompressedSize(bytes.data() + at, bytes.size() - at);
    REQUIRE_FALSE(ZSTD_isError(len));
    at += len;
  }
  return at;
}

// The `recv` of each line of `path` (a reader's lines up to any damage).
std::vector<Timestamp> RecvTimes(const std::string& path) {
  auto reader = LineReader::Open(path);
  REQUIRE(reader.ok());
  std::vector<Timestamp> out;
  std::string_view line;
  while (true) {
    auto r = (*reader)->Next(&line);
    if (!r.ok() || *r != LineReader::Read::kLine) break;
    REQUIRE(line.substr(0, 8) == R"({"recv":)");
    out.push_back(std::stoll(std::string(line.substr(8, line.find(',') - 8))));
  }
  return out;
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
    Notes notes;
    auto archive = record::RawArchive::Open(dir, notes.Options());
    REQUIRE(archive.ok());
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + 6, msg).ok());
    REQUIRE((*archive)->Flush().ok());
    CHECK((*archive)->stats().torn_tails == 1);
    CHECK((*archive)->stats().damaged_files == 0);
    REQUIRE((*archive)->Close().ok());
    // The third frame was size - two frames long; 8 bytes of it were cut by hand.
    CHECK_THAT(notes.Text(),
               Catch::Contains("raw archive: cut a torn last frame off '" + path + "' (" +
                               std::to_string(size - 8 - FirstFrames(path, 2)) + " bytes at byte " +
                               std::to_string(FirstFrames(path, 2)) + ": a frame cut short"));
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

// Three frames of 2, 2 and 1 lines (kT0 .. kT0 + 4) in the hour's file of
// binance/liquidations; returns its path.
std::string ThreeFrames(const std::string& dir, const std::string& msg) {
  auto archive = record::RawArchive::Open(dir);
  REQUIRE(archive.ok());
  for (int i = 0; i < 5; ++i) {
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + i, msg).ok());
    if (i == 1 || i == 3) REQUIRE((*archive)->Flush().ok());
  }
  REQUIRE((*archive)->Close().ok());
  const std::string path = (*archive)->PathFor("binance", "liquidations", kT0);
  REQUIRE(ReadAll(path) == std::pair<size_t, bool>{5, false});
  return path;
}

TEST_CASE("raw archive: damage before the end is left as it is; the hour goes on in a suffixed file",
          "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive-damaged");
  const std::string msg = R"({"e":"forceOrder","E":1,"o":{"s":"BTCUSDT"}})";
  const std::string path = ThreeFrames(dir, msg);
  const size_t second = FirstFrames(path, 1);
  // The second frame's magic number spoilt: not a torn write (a frame follows).
  std::string bytes = testing::ReadFile(path);
  bytes[second] = 'x';
  testing::WriteFile(path, bytes);
  const std::string next = dir + "/binance/liquidations/2024-06-10T06_1.jsonl.zst";
  for (int run = 0; run < 2; ++run) {
    Notes notes;
    auto archive = record::RawArchive::Open(dir, notes.Options());
    REQUIRE(archive.ok());
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + 10 + run, msg).ok());
    REQUIRE((*archive)->Close().ok());
    INFO(notes.Text());
    CHECK(
        notes.Count("raw archive: '" + path + "' is damaged at byte " + std::to_string(second) +
                    " (not a zstd frame (Unknown frame descriptor)): left as it is; this hour goes on in '" +
                    next + "'") == 1);
  }
  // Untouched, byte for byte; a reader reports the damage.
  CHECK(testing::ReadFile(path) == bytes);
  CHECK(ReadAll(path).second);
  // Both runs' lines in the suffixed file, which sorts after the hour's own.
  CHECK(RecvTimes(next) == std::vector<Timestamp>{kT0 + 10, kT0 + 11});
  CHECK(ReadAll(next) == std::pair<size_t, bool>{2, false});
  CHECK(path < next);
  CHECK(next < dir + "/binance/liquidations/2024-06-10T07.jsonl.zst");
}

TEST_CASE("raw archive: a whole frame with bad content before the last one is kept and appended after",
          "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive-bad-content");
  const std::string msg = R"({"e":"forceOrder","E":1,"o":{"s":"BTCUSDT"}})";
  const std::string path = ThreeFrames(dir, msg);
  // The first frame's content checksum (its last 4 bytes) spoilt: zstd
  // rejects the frame, its shape is whole. Reading it would mean reading
  // the whole file at every reopen; it stays, the readers report it.
  std::string bytes = testing::ReadFile(path);
  bytes[FirstFrames(path, 1) - 1] ^= 0x01;
  testing::WriteFile(path, bytes);
  Notes notes;
  {
    auto archive = record::RawArchive::Open(dir, notes.Options());
    REQUIRE(archive.ok());
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + 10, msg).ok());
    REQUIRE((*archive)->Close().ok());
  }
  CHECK(notes.Text().empty());
  const std::string after = testing::ReadFile(path);
  REQUIRE(after.size() > bytes.size());
  CHECK(after.substr(0, bytes.size()) == bytes);  // nothing cut
  CHECK(FirstFrames(path, 4) == after.size());    // one frame more
  CHECK_FALSE(std::filesystem::exists(dir + "/binance/liquidations/2024-06-10T06_1.jsonl.zst"));
  CHECK(ReadAll(path).second);  // the reader stops at the bad frame
}

// One archived line of binance/liquidations at a kT0-hour time, as written.
size_t LineBytes(const std::string& msg) {
  return FormatRawLine("binance", "liquidations", kT0, msg).size() + 1;
}

TEST_CASE("raw archive: writes that fail keep lines up to the cap, drop the rest, and resume",
          "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive-blocked");
  const std::string msg = R"({"e":"forceOrder","E":1})";
  const size_t line = LineBytes(msg);
  constexpr size_t kCap = 4096;
  const size_t held = kCap / line;  // lines that fit under the cap
  // Flushes come every 10 lines, before a buffer of half the cap asks for one.
  REQUIRE(10 * line < kCap / 2);
  Notes notes;
  auto archive = record::RawArchive::Open(dir, notes.Options(kCap));
  REQUIRE(archive.ok());
  const std::string path = (*archive)->PathFor("binance", "liquidations", kT0);
  std::filesystem::create_directories(path);  // a folder where the hour's file goes: open fails
  for (int i = 0; i < 100; ++i) {
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + i, msg).ok());
    if (i % 10 == 9) REQUIRE((*archive)->Flush().ok());  // fails inside, said and counted
  }
  record::RawArchive::Stats st = (*archive)->stats();
  CHECK(st.held_bytes == held * line);
  CHECK(st.dropped_lines == 100 - held);
  CHECK(st.dropped_bytes == (100 - held) * line);
  CHECK(st.failed_writes == 10);
  INFO(notes.Text());
  CHECK(notes.Count("raw archive: cannot open '" + path +
                    "': Is a directory; its lines are kept in memory") == 1);
  CHECK(notes.Count("new lines are dropped from the archive until a write works") == 1);

  // The folder goes away: the next flush writes the held lines, the first ones.
  std::filesystem::remove(path);
  REQUIRE((*archive)->Flush().ok());
  CHECK((*archive)->stats().held_bytes == 0);
  CHECK(notes.Count("raw archive: '" + path + "' is written again (" + std::to_string(held) +
                    " waiting lines)") == 1);
  CHECK(notes.Count("raw archive: " + std::to_string(100 - held) +
                    " lines were dropped while writes failed") == 1);
  std::vector<Timestamp> want;
  for (size_t i = 0; i < held; ++i) want.push_back(kT0 + static_cast<Timestamp>(i));
  CHECK(RecvTimes(path) == want);
  // And on as usual.
  REQUIRE((*archive)->Write("binance", "liquidations", kT0 + 100, msg).ok());
  REQUIRE((*archive)->Close().ok());
  want.push_back(kT0 + 100);
  CHECK(RecvTimes(path) == want);
  CHECK(ReadAll(path) == std::pair<size_t, bool>{held + 1, false});
}

TEST_CASE("raw archive: on a full disk the held lines are lost at Close, which says how many",
          "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive-full");
  const std::string msg = R"({"e":"forceOrder","E":1})";
  const size_t line = LineBytes(msg);
  constexpr size_t kCap = 4096;
  const size_t held = kCap / line;
  Notes notes;
  auto archive = record::RawArchive::Open(dir, notes.Options(kCap));
  REQUIRE(archive.ok());
  const std::string path = (*archive)->PathFor("binance", "liquidations", kT0);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  // Every write to /dev/full fails with ENOSPC.
  REQUIRE(::symlink("/dev/full", path.c_str()) == 0);
  for (int i = 0; i < 100; ++i) {
    REQUIRE((*archive)->Write("binance", "liquidations", kT0 + i, msg).ok());
    if (i % 10 == 9) REQUIRE((*archive)->Flush().ok());
  }
  CHECK((*archive)->stats().held_bytes == held * line);
  CHECK((*archive)->stats().dropped_lines == 100 - held);
  Status s = (*archive)->Close();
  INFO(notes.Text());
  CHECK(s.IsIOError());
  CHECK_THAT(s.message(),
             Catch::Contains("raw archive: " + std::to_string(held) + " lines (" +
                             std::to_string(held * line) + " bytes) could not be written and are lost") &&
                 Catch::Contains("No space left on device"));
  CHECK(notes.Count("raw archive: cannot write '" + path + "': No space left on device") == 1);
  CHECK(notes.Count("raw archive: " + std::to_string(100 - held) + " lines (") == 1);  // the total, at Close
}

TEST_CASE("raw archive: an hour whose file cannot be written waits while the next hour is written",
          "[record][raw]") {
  const std::string dir = testing::TempDir("raw-archive-retired");
  const std::string msg = R"({"e":"forceOrder","E":1})";
  Notes notes;
  auto archive = record::RawArchive::Open(dir, notes.Options());
  REQUIRE(archive.ok());
  const std::string six = (*archive)->PathFor("binance", "liquidations", kT0);
  const std::string seven = (*archive)->PathFor("binance", "liquidations", kT0 + kHour);
  std::filesystem::create_directories(six);
  for (int i = 0; i < 3; ++i) REQUIRE((*archive)->Write("binance", "liquidations", kT0 + i, msg).ok());
  // 07:13:20: the 06 file is closed first, which fails: its lines wait.
  REQUIRE((*archive)->Write("binance", "liquidations", kT0 + kHour, msg).ok());
  REQUIRE((*archive)->Flush().ok());
  CHECK(RecvTimes(seven) == std::vector<Timestamp>{kT0 + kHour});
  CHECK((*archive)->stats().held_bytes == 3 * LineBytes(msg));
  std::filesystem::remove(six);
  REQUIRE((*archive)->Flush().ok());
  CHECK(RecvTimes(six) == std::vector<Timestamp>{kT0, kT0 + 1, kT0 + 2});
  REQUIRE((*archive)->Close().ok());
  CHECK(RecvTimes(seven) == std::vector<Timestamp>{kT0 + kHour});
  CHECK((*archive)->stats().held_bytes == 0);
}

}  // namespace
}  // namespace liqdb
