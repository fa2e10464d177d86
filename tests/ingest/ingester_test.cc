// The Ingester end to end against an in-memory Store that follows store.h's
// Append contract: idempotency both ways, batch cuts at timestamp changes,
// bad-line reports, --strict, compressed and damaged input, out-of-order
// input, interrupted runs, Hyperliquid closes across runs, stdin streaming.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

using namespace liqdb;
using namespace liqdb::testing;

namespace {

struct Run {
  IngestSummary summary;
  std::vector<std::string> messages;
  Status status;
};

Run IngestFiles(Store* store, const std::vector<std::string>& paths, IngestOptions options = {}) {
  if (options.format == Format::kAuto && options.state_dir.empty()) options.state_dir = store->path();
  Run run;
  Ingester ing(store, options);
  ing.set_report([&](const std::string& m) { run.messages.push_back(m); });
  for (const auto& p : paths) {
    run.status = ing.IngestPath(p);
    if (!run.status.ok()) return run;
  }
  run.status = ing.Finish();
  run.summary = ing.summary();
  return run;
}

IngestOptions WithFormat(Format f) {
  IngestOptions o;
  o.format = f;
  return o;
}

// The Hyperliquid sample's three polls as two days of files in `dir`:
// day1.jsonl the first two, day2.jsonl the third. Returns the polls.
std::vector<std::string> WriteHyperliquidDays(const std::string& dir) {
  std::istringstream in(Sample("hyperliquid-clearinghouse.jsonl"));
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 3);
  WriteFile(dir + "/day1.jsonl", lines[0] + "\n" + lines[1] + "\n");
  WriteFile(dir + "/day2.jsonl", lines[2] + "\n");
  return lines;
}

}  // namespace

TEST_CASE("ingesting the same file twice stores each row once", "[ingester][idempotency]") {
  const std::string dir = TempDir("twice");
  const std::string path = dir + "/tardis.csv";
  WriteFile(path, Sample("tardis-liquidations.csv"));
  FakeStore store(dir);
  Run first = IngestFiles(&store, {path}, WithFormat(Format::kTardisLiquidations));
  REQUIRE(first.status.ok());
  CHECK(first.summary.stored == 5);
  CHECK(first.summary.duplicates == 0);
  Run second = IngestFiles(&store, {path}, WithFormat(Format::kTardisLiquidations));
  REQUIRE(second.status.ok());
  CHECK(second.summary.stored == 0);
  CHECK(second.summary.duplicates == 5);
  CHECK(store.rows.size() == 5);
}

TEST_CASE("distinct liquidations sharing a ms, price and size are all kept, even across batch cuts",
          "[ingester][idempotency]") {
  const std::string dir = TempDir("distinct");
  const std::string path = dir + "/busy.csv";
  std::string text = "ts,exchange,symbol,side,price,qty\n";
  for (int i = 0; i < 3; ++i) text += "1718000000000000,binance,BTCUSDT,long,67000,0.5\n";
  for (int i = 0; i < 4; ++i) text += "1718000000001000,binance,BTCUSDT,short,67001,0.1\n";
  text += "1718000000002000,binance,BTCUSDT,long,67002,1\n";
  WriteFile(path, text);
  FakeStore store(dir);
  IngestOptions o = WithFormat(Format::kCsv);
  o.batch_rows = 1;  // flush as often as possible: cuts may only fall between timestamps
  Run run = IngestFiles(&store, {path}, o);
  REQUIRE(run.status.ok());
  CHECK(run.summary.stored == 8);
  CHECK(store.rows.size() == 8);
  // Re-ingesting stores nothing more.
  Run again = IngestFiles(&store, {path}, o);
  CHECK(again.summary.stored == 0);
  CHECK(again.summary.duplicates == 8);
}

TEST_CASE("bad lines are reported as FILE:LINE: reason, first N in full, the rest kept", "[ingester][bad]") {
  const std::string dir = TempDir("bad");
  const std::string path = dir + "/mixed.csv";
  std::string text = "ts,exchange,symbol,side,price,qty\n";
  text += "1718000000000000,binance,BTCUSDT,long,67000,0.5\n";
  for (int i = 0; i < 5; ++i) text += "1718000000000001,binance,BTCUSDT,sell,67000,0.5\n";  // lines 3..7
  text += "1718000000000002,binance,BTCUSDT,short,67000,0.5\n";
  WriteFile(path, text);
  FakeStore store(dir);
  IngestOptions o = WithFormat(Format::kCsv);
  o.max_reported_errors = 2;
  Run run = IngestFiles(&store, {path}, o);
  REQUIRE(run.status.ok());
  CHECK(run.summary.rejected_lines == 5);
  CHECK(run.summary.stored == 2);
  REQUIRE(run.messages.size() == 3);
  CHECK(run.messages[0] == path + ":3: side must be 'long' or 'short', got 'sell'");
  CHECK_THAT(run.messages[1], Catch::StartsWith(path + ":4: "));
  CHECK(run.messages[2] == "... and 3 more bad lines not shown");
}

TEST_CASE("a rejection callback gets every bad line as values, in place of its report line",
          "[ingester][bad]") {
  const std::string dir = TempDir("rejected");
  const std::string path = dir + "/mixed.csv";
  std::string text = "ts,exchange,symbol,side,price,qty\n";
  text += "1718000000000000,binance,BTCUSDT,long,67000,0.5\n";
  for (int i = 0; i < 5; ++i) text += "1718000000000001,binance,BTCUSDT,sell,67000,0.5\n";  // lines 3..7
  text += "1718000000000002,binance,BTCUSDT,short,67000,0.5\n";
  WriteFile(path, text);
  FakeStore store(dir);
  IngestOptions o = WithFormat(Format::kCsv);
  o.max_reported_errors = 2;  // caps the report lines only: the callback sees all five
  Ingester ing(&store, o);
  std::vector<std::string> reports, rejected;
  ing.set_report([&](const std::string& m) { reports.push_back(m); });
  ing.set_on_rejected([&](const std::string& input, uint64_t line, const std::string& reason) {
    rejected.push_back(input + "|" + std::to_string(line) + "|" + reason);
  });
  REQUIRE(ing.IngestPath(path).ok());
  REQUIRE(ing.Finish().ok());
  CHECK(ing.summary().rejected_lines == 5);
  CHECK(ing.summary().stored == 2);
  std::vector<std::string> want;
  for (int line = 3; line <= 7; ++line)
    want.push_back(path + "|" + std::to_string(line) + "|side must be 'long' or 'short', got 'sell'");
  CHECK(rejected == want);
  // No "FILE:LINE: reason" lines, and no "... and N more bad lines not shown".
  CHECK(reports.empty());
}

TEST_CASE("--strict keeps nothing from a file with a bad line, and all of a good one", "[ingester][strict]") {
  const std::string dir = TempDir("strict");
  const std::string good = dir + "/good.jsonl", bad = dir + "/bad.jsonl";
  WriteFile(good, Sample("bybit-liquidation.jsonl"));
  WriteFile(bad, Sample("bybit-liquidation.jsonl") + "{\"topic\":\"allLiquidation.X\",\"data\":[{}]}\n");
  FakeStore store(dir);
  IngestOptions o = WithFormat(Format::kBybitLiquidation);
  o.strict = true;
  o.batch_rows = 1;  // strict must not flush early even so
  Run run = IngestFiles(&store, {bad, good}, o);
  REQUIRE(run.status.ok());
  CHECK(run.summary.files_rejected == 1);
  CHECK(run.summary.discarded_rows == 5);
  CHECK(run.summary.rejected_lines == 1);
  CHECK(run.summary.stored == 5);
  CHECK(store.rows.size() == 5);
}

TEST_CASE("gzip, zstd and bzip2 input is recognised by magic bytes, not by name", "[ingester][compressed]") {
  const std::string dir = TempDir("compressed");
  const std::string text = Sample("tardis-liquidations.csv");
  const std::vector<std::pair<Compression, std::string>> cases = {
      {Compression::kGzip, "/a.csv"}, {Compression::kZstd, "/b.csv.gz"}, {Compression::kBzip2, "/c"}};
  for (const auto& [c, name] : cases) {
    INFO(CompressionName(c));
    WriteCompressed(dir + name, text, c);
    auto reader = LineReader::Open(dir + name);
    REQUIRE(reader.ok());
    CHECK((*reader)->compression() == c);
    FakeStore store(dir);
    Run run = IngestFiles(&store, {dir + name}, WithFormat(Format::kTardisLiquidations));
    REQUIRE(run.status.ok());
    CHECK(run.summary.stored == 5);
    CHECK(run.summary.rejected_lines == 0);
  }
}

TEST_CASE("a big compressed file round-trips through the reader's buffers", "[ingester][compressed]") {
  const std::string dir = TempDir("bigz");
  std::string text = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    text += "binance-futures,BTCUSDT," + std::to_string(1718000000000000LL + i * 1000) + ",0,," +
            (i % 2 ? "buy" : "sell") + ",67000.5," + std::to_string(1 + i % 7) + "\n";
  }
  WriteCompressed(dir + "/big.csv.gz", text, Compression::kGzip);
  FakeStore store(dir);
  auto reader = LineReader::Open(dir + "/big.csv.gz");
  REQUIRE(reader.ok());
  std::string_view line;
  uint64_t lines = 0;
  while (*(*reader)->Next(&line) == LineReader::Read::kLine) ++lines;
  CHECK(lines == n + 1);
  CHECK((*reader)->bytes_consumed() == (*reader)->total_bytes());
}

TEST_CASE("a truncated .gz is reported as such; rows before the damage kept unless --strict",
          "[ingester][compressed][bad]") {
  const std::string dir = TempDir("truncated");
  std::string text = "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n";
  for (int i = 0; i < 50000; ++i) {
    text += "binance-futures,BTCUSDT," + std::to_string(1718000000000000LL + i * 1000) + ",0,,sell,67000." +
            std::to_string(i % 10) + "," + std::to_string(i % 13 + 1) + "\n";
  }
  WriteCompressed(dir + "/full.csv.gz", text, Compression::kGzip);
  std::string gz = ReadFile(dir + "/full.csv.gz");
  WriteFile(dir + "/cut.csv.gz", gz.substr(0, gz.size() * 2 / 3));

  FakeStore loose(dir);
  Run run = IngestFiles(&loose, {dir + "/cut.csv.gz"}, WithFormat(Format::kTardisLiquidations));
  REQUIRE(run.status.ok());
  CHECK(run.summary.files_damaged == 1);
  CHECK(run.summary.stored > 0);
  CHECK(run.summary.stored < 50000);
  REQUIRE_FALSE(run.messages.empty());
  CHECK_THAT(run.messages[0], Catch::Contains("cut.csv.gz") && Catch::Contains("gzip") &&
                                  (Catch::Contains("truncated") || Catch::Contains("corrupt")));

  // A flipped byte in the middle: corrupt.
  std::string bad = gz;
  bad[bad.size() / 2] ^= 0x55;
  WriteFile(dir + "/flip.csv.gz", bad);
  FakeStore flipped(dir);
  Run f = IngestFiles(&flipped, {dir + "/flip.csv.gz"}, WithFormat(Format::kTardisLiquidations));
  CHECK(f.summary.files_damaged + f.summary.rejected_lines > 0);

  FakeStore strict(dir);
  IngestOptions o = WithFormat(Format::kTardisLiquidations);
  o.strict = true;
  Run s = IngestFiles(&strict, {dir + "/cut.csv.gz"}, o);
  REQUIRE(s.status.ok());
  CHECK(s.summary.stored == 0);
  CHECK(s.summary.files_rejected == 1);
  CHECK(strict.rows.empty());
}

TEST_CASE("out-of-order input is stored whole and in time order per batch", "[ingester]") {
  const std::string dir = TempDir("order");
  std::string text;
  const Timestamp ts[] = {5, 3, 9, 1, 3, 7, 2, 8};
  for (Timestamp t : ts) {
    text += std::to_string(1718000000000000 + t * 1000) + ",okx,BTC-USDT-SWAP,long,67000,0.01\n";
  }
  WriteFile(dir + "/ooo.csv", text);
  FakeStore store(dir);
  IngestOptions o = WithFormat(Format::kCsv);
  o.batch_rows = 3;
  Run run = IngestFiles(&store, {dir + "/ooo.csv"}, o);
  REQUIRE(run.status.ok());
  CHECK(run.summary.stored == 8);
  Run again = IngestFiles(&store, {dir + "/ooo.csv"}, o);
  CHECK(again.summary.stored == 0);
  CHECK(store.rows.size() == 8);

  // Without a reorder window the late rows are counted and reported. One-row
  // chunks: series are not held back for whole chunks, so the second ts=3
  // row comes after its twin was flushed.
  FakeStore tight(dir);
  tight.chunk_target = 1;
  o.reorder_window_us = 0;
  Run late = IngestFiles(&tight, {dir + "/ooo.csv"}, o);
  REQUIRE(late.status.ok());
  CHECK(late.summary.late_rows > 0);
  CHECK(late.summary.stored == 7);  // the second ts=3 row met its twin in an earlier batch
  REQUIRE_FALSE(late.messages.empty());
  CHECK_THAT(late.messages.back(), Catch::Contains("reorder window"));
}

// `series` symbols, round robin, `per_series` rows each at distinct timestamps.
std::string RoundRobinCsv(int series, int per_series) {
  std::string text = "ts,exchange,symbol,side,price,qty\n";
  for (int i = 0; i < per_series; ++i) {
    for (int s = 0; s < series; ++s) {
      text +=
          std::to_string(1718000000000000LL + i * 1000) + ",binance,S" + std::to_string(s) + ",long,100,1\n";
    }
  }
  return text;
}

// Ingests RoundRobinCsv(series, per_series) without a reorder window into a
// FakeStore of `chunk` rows a chunk: the size of every series batch it got.
std::vector<size_t> RoundRobinBatches(const std::string& name, int series, int per_series, size_t chunk,
                                      size_t batch_rows) {
  const std::string dir = TempDir(name);
  WriteFile(dir + "/rr.csv", RoundRobinCsv(series, per_series));
  FakeStore store(dir);
  store.chunk_target = chunk;
  IngestOptions o = WithFormat(Format::kCsv);
  o.batch_rows = batch_rows;
  o.reorder_window_us = 0;
  Run run = IngestFiles(&store, {dir + "/rr.csv"}, o);
  REQUIRE(run.status.ok());
  CHECK(run.summary.stored == static_cast<uint64_t>(series * per_series));
  return store.batch_sizes;
}

TEST_CASE("a file's series reach the store in whole chunks while the buffer has room", "[ingester][seal]") {
  // Flushes at 10 and 20 buffered rows find 4 and 9 settled rows a series:
  // under a chunk, so they wait; at 30, 14 settled: ten go from each. So
  // on, and the file's end takes the last ten of each: every batch one chunk.
  CHECK(RoundRobinBatches("whole-chunks", 2, 40, 10, 10) == std::vector<size_t>(8, 10));
}

TEST_CASE("past four batches buffered, series without a whole chunk are flushed too", "[ingester][seal]") {
  // At 400 buffered rows (80 a series, four batches) every settled row goes:
  // 79 of each series, its latest timestamp held back; the file's end takes
  // the other 21.
  std::vector<size_t> expected(5, 79);
  expected.insert(expected.end(), 5, 21);
  CHECK(RoundRobinBatches("hold-budget", 5, 100, 1000, 100) == expected);
}

TEST_CASE("an interrupted ingest leaves whole batches, and a re-run completes it without duplicates",
          "[ingester][recovery]") {
  const std::string dir = TempDir("interrupt");
  std::string text;
  for (int i = 0; i < 100; ++i) {
    // Pairs of identical rows: the re-run must neither lose nor double them.
    for (int k = 0; k < 2; ++k) {
      text += std::to_string(1718000000000000LL + i * 1000) + ",bybit,ETHUSDT,short,3500,0.5\n";
    }
  }
  WriteFile(dir + "/a.csv", text);
  FakeStore store(dir);
  store.fail_after = 3;  // the process "dies" on the 4th append
  IngestOptions o = WithFormat(Format::kCsv);
  o.batch_rows = 16;
  Run broken = IngestFiles(&store, {dir + "/a.csv"}, o);
  CHECK_FALSE(broken.status.ok());
  CHECK(store.calls == 4);  // nothing parsed after the failed append reached the store
  const size_t partial = store.rows.size();
  CHECK(partial > 0);
  CHECK(partial < 200);
  CHECK(partial % 2 == 0);  // never half of a timestamp's rows
  store.fail_after = -1;
  Run rerun = IngestFiles(&store, {dir + "/a.csv"}, o);
  REQUIRE(rerun.status.ok());
  CHECK(store.rows.size() == 200);
  CHECK(rerun.summary.duplicates == partial);
}

TEST_CASE("after the store refuses a batch, nothing more goes in and Finish says so",
          "[ingester][recovery]") {
  const std::string dir = TempDir("refused");
  std::string text;
  for (int i = 0; i < 100; ++i)
    text += std::to_string(1718000000000000LL + i * 1000) + ",bybit,ETHUSDT,short,3500,0.5\n";
  WriteFile(dir + "/a.csv", text);
  WriteFile(dir + "/b.csv", "1718100000000000,bybit,ETHUSDT,long,3600,1\n");
  FakeStore store(dir);
  store.fail_after = 2;
  IngestOptions o = WithFormat(Format::kCsv);
  o.batch_rows = 16;
  Ingester ing(&store, o);
  const Status a = ing.IngestPath(dir + "/a.csv");
  REQUIRE_FALSE(a.ok());
  CHECK_THAT(a.message(), Catch::Contains("injected failure"));
  CHECK(store.calls == 3);
  const size_t stored = store.RowCount();
  CHECK(stored == 32);  // the two batches before the refused one
  const Status b = ing.IngestPath(dir + "/b.csv");
  CHECK_FALSE(b.ok());
  const Status fin = ing.Finish();
  CHECK_FALSE(fin.ok());
  CHECK_THAT(fin.message(), Catch::Contains("injected failure"));
  CHECK(store.calls == 3);  // neither b.csv nor the rows held back were offered
  CHECK(store.RowCount() == stored);
  CHECK(ing.summary().stored == stored);
}

TEST_CASE("hyperliquid: closes computed across files and across runs", "[ingester][hyperliquid]") {
  const std::string dir = TempDir("hl");
  const std::vector<std::string> lines = WriteHyperliquidDays(dir);
  FakeStore store(dir);
  IngestOptions o = WithFormat(Format::kHyperliquidClearinghouse);
  o.state_dir = dir;
  Run r1 = IngestFiles(&store, {dir + "/day1.jsonl"}, o);
  REQUIRE(r1.status.ok());
  CHECK(r1.summary.stored == 3);
  // A new run (a new Ingester) remembers wallet a's last poll.
  Run r2 = IngestFiles(&store, {dir + "/day2.jsonl"}, o);
  REQUIRE(r2.status.ok());
  CHECK(r2.summary.stored == 2);  // BTC still open + ETH closed
  bool closed = false;
  for (const Row& r : store.rows) {
    if (r.symbol == "ETH" && r.ts == 1718000064567000 && r.values[pos_col::kSize] == 0) closed = true;
  }
  CHECK(closed);
  // Re-running both files changes nothing.
  Run r3 = IngestFiles(&store, {dir + "/day1.jsonl", dir + "/day2.jsonl"}, o);
  REQUIRE(r3.status.ok());
  CHECK(r3.summary.stored == 0);
  CHECK(store.rows.size() == 5);
  // A repeated poll within a file is one state, not two rows.
  WriteFile(dir + "/dup.jsonl", lines[1] + "\n" + lines[1] + "\n");
  FakeStore fresh(TempDir("hl2"));
  Run r4 = IngestFiles(&fresh, {dir + "/dup.jsonl"}, [&] {
    auto x = o;
    x.state_dir = fresh.path();
    return x;
  }());
  CHECK(r4.summary.stored == 1);
}

TEST_CASE("hyperliquid: the state is saved only once the rows it covers are stored",
          "[ingester][hyperliquid]") {
  const std::string dir = TempDir("hl-refused");
  WriteHyperliquidDays(dir);
  FakeStore store(dir);
  store.fail_after = 1;  // day1's append is stored, day2's refused
  IngestOptions o = WithFormat(Format::kHyperliquidClearinghouse);
  o.state_dir = dir;
  Run broken = IngestFiles(&store, {dir + "/day1.jsonl", dir + "/day2.jsonl"}, o);
  CHECK_FALSE(broken.status.ok());
  CHECK(store.RowCount() == 3);
  // Had the state recorded day2's poll, this run would see no change in
  // wallet a and write no close for its ETH position.
  store.fail_after = -1;
  Run rerun = IngestFiles(&store, {dir + "/day2.jsonl"}, o);
  REQUIRE(rerun.status.ok());
  CHECK(rerun.summary.stored == 2);  // BTC still open + ETH closed
}

TEST_CASE("auto picks the format per file and says so", "[ingester][sniff]") {
  const std::string dir = TempDir("auto");
  WriteCompressed(dir + "/x.gz", Sample("okx-liquidation-orders.jsonl"), Compression::kGzip);
  WriteFile(dir + "/y", Sample("binance-forceorder.jsonl"));
  FakeStore store(dir);
  Run run = IngestFiles(&store, {dir + "/x.gz", dir + "/y"});
  REQUIRE(run.status.ok());
  CHECK(run.summary.stored == 8);
  CHECK(run.summary.rejected_lines == 1);  // BTC-USD-240628 has no known contract size
  bool said = false;
  for (const auto& m : run.messages) said |= m.find("okx-liquidation-orders") != std::string::npos;
  CHECK(said);
}

TEST_CASE("stdin is streamed: rows are stored on an interval, before the input ends", "[ingester][stream]") {
  const std::string dir = TempDir("stream");
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const int saved = ::dup(0);
  REQUIRE(::dup2(fds[0], 0) == 0);
  ::close(fds[0]);
  FakeStore store(dir);
  IngestOptions o;  // auto: the sniffer must not wait for ten lines of a live feed
  o.state_dir = dir;
  o.flush_interval_ms = 100;
  Status result;
  std::thread t([&] {
    Ingester ing(&store, o);
    result = ing.IngestPath("-");
    if (result.ok()) result = ing.Finish();
  });
  const std::string lines = Sample("binance-forceorder.jsonl");
  const size_t first_len = lines.find('\n') + 1;
  REQUIRE(::write(fds[1], lines.data(), first_len) == static_cast<ssize_t>(first_len));
  size_t seen = 0;
  for (int i = 0; i < 100 && seen < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = store.RowCount();
  }
  CHECK(seen == 1);  // one line in, queryable without more input
  const std::string rest = lines.substr(first_len);
  REQUIRE(::write(fds[1], rest.data(), rest.size()) == static_cast<ssize_t>(rest.size()));
  for (int i = 0; i < 100 && seen < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    seen = store.RowCount();
  }
  CHECK(seen == 4);  // while stdin is still open (100 ms flushes; 5 s of slack for loaded CI)
  ::close(fds[1]);
  t.join();
  ::dup2(saved, 0);
  ::close(saved);
  CHECK(result.ok());
  CHECK(store.RowCount() == 4);
}

TEST_CASE("positions: a snapshot of many accounts at one ts collapses exact repeats only", "[ingester]") {
  const std::string dir = TempDir("snapshot");
  std::string text = "ts,exchange,symbol,account,side,size,entry_price,leverage,liq_price\n";
  for (int rep = 0; rep < 2; ++rep) {
    for (int a = 0; a < 500; ++a) {
      text += "1718000000000000,hyperliquid,BTC,0x" + std::to_string(a) + ",long,1,64000,10,\n";
    }
  }
  WriteFile(dir + "/pos.csv", text);
  FakeStore store(dir);
  Run run = IngestFiles(&store, {dir + "/pos.csv"}, WithFormat(Format::kCsv));
  REQUIRE(run.status.ok());
  CHECK(run.summary.stored == 500);
  CHECK(run.summary.duplicates == 500);
}
