// The recorder against loopback venues (loopback_server.h): the rows it
// stores equal what the Ingester makes of the same messages, exactly once
// through drops, stalls and oversized frames; reconnects and their gaps are
// recorded; bad frames are counted and skipped; a second writer fails at
// start; SIGTERM flushes and exits 0.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <thread>

#include <catch2/catch.hpp>

#include "cli_run.h"
#include "record/loopback_server.h"
#include "test_util.h"

#include "liqdb/ingest.h"
#include "liqdb/record.h"
#include "liqdb/store.h"

namespace liqdb {
namespace {

using test::LoopbackServer;
using test::Script;
using test::TempDir;

std::vector<std::string> SampleLines(const std::string& file) {
  std::ifstream in(std::string(LIQDB_SAMPLES_DIR) + "/" + file);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(line);
  }
  REQUIRE(!lines.empty());
  return lines;
}

// Every row of every kind in the store, one text per row, sorted. `reader`:
// opened as a reader while another process writes it (empty if not there yet).
std::vector<std::string> DumpRows(const std::string& path, bool reader = false) {
  StoreOptions so;
  if (reader) so.mode = StoreOptions::Mode::kReadOnly;
  Result<std::shared_ptr<Store>> store = Store::Open(path, so);
  if (reader && !store.ok()) return {};
  INFO(store.status().ToString());
  REQUIRE(store.ok());
  std::vector<std::string> rows;
  for (Kind kind : {Kind::kLiquidations, Kind::kPositions, Kind::kMarket}) {
    Result<std::unique_ptr<ChunkReader>> r = (*store)->ReadChunks(kind, {}, kMinTimestamp, kMaxTimestamp);
    REQUIRE(r.ok());
    for (; (*r)->Valid(); (*r)->Next()) {
      Columns c;
      REQUIRE((*r)->Decode(kAllColumns, &c).ok());
      for (size_t i = 0; i < c.size(); ++i) {
        std::string s = fmt::format("{}|{}|{}|{}", (*r)->series().exchange, (*r)->series().symbol, c.ts[i],
                                    c.side.empty() ? -1 : c.side[i]);
        for (const auto& v : c.values) s += fmt::format("|{}", v[i]);
        if (!c.account.empty()) s += "|" + c.AccountOf(i);
        rows.push_back(s);
      }
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// The gaps the store holds. `reader`: as DumpRows.
std::vector<Gap> ListStoredGaps(const std::string& path, bool reader = false) {
  StoreOptions so;
  if (reader) so.mode = StoreOptions::Mode::kReadOnly;
  Result<std::shared_ptr<Store>> store = Store::Open(path, so);
  if (reader && !store.ok()) return {};
  REQUIRE(store.ok());
  Result<std::vector<Gap>> gaps = (*store)->ListGaps(kMinTimestamp, kMaxTimestamp);
  REQUIRE(gaps.ok());
  return *gaps;
}

// The heartbeat the store holds for a feed. `reader`: as DumpRows (nullopt
// if the store is not there yet).
std::optional<Timestamp> StoredHeartbeat(const std::string& path, const std::string& venue,
                                         const std::string& feed, bool reader = false) {
  StoreOptions so;
  if (reader) so.mode = StoreOptions::Mode::kReadOnly;
  Result<std::shared_ptr<Store>> store = Store::Open(path, so);
  if (reader && !store.ok()) return std::nullopt;
  REQUIRE(store.ok());
  Result<std::optional<Timestamp>> hb = (*store)->GetHeartbeat(venue, feed);
  REQUIRE(hb.ok());
  return *hb;
}

// The gaps the store holds, each as "venue feed from to reason".
std::vector<std::string> StoredGaps(const std::string& path) {
  std::vector<std::string> out;
  for (const Gap& g : ListStoredGaps(path))
    out.push_back(fmt::format("{} {} {} {} {}", g.venue, g.feed, g.from, g.to, g.reason));
  return out;
}

Timestamp WallUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> GapTexts(const std::vector<Gap>& gaps) {
  std::vector<std::string> out;
  for (const Gap& g : gaps)
    out.push_back(fmt::format("{} {} {} {} {}", g.venue, g.feed, g.from, g.to, g.reason));
  return out;
}

struct Expected {
  std::vector<std::string> rows;
  uint64_t rejected = 0;
};

// What `liqdb ingest` makes of the messages: the reference the recorder must match.
Expected IngestLines(Format format, const std::vector<std::string>& lines,
                     const std::map<std::string, double>& contract_sizes = {}) {
  TempDir dir;
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  Expected e;
  {
    Result<std::shared_ptr<Store>> store = Store::Open(dir.Sub("s"));
    REQUIRE(store.ok());
    IngestOptions o;
    o.format = format;
    o.contract_sizes = contract_sizes;
    Ingester ing(store->get(), o);
    auto reader = LineReader::FromString(text, "replay");
    REQUIRE(reader.ok());
    REQUIRE(ing.IngestReader(reader->get(), false).ok());
    REQUIRE(ing.Finish().ok());
    e.rejected = ing.summary().rejected_lines;
  }
  e.rows = DumpRows(dir.Sub("s"));
  return e;
}

RecordOptions FastOptions(const std::string& store, const std::string& venue, const std::string& url) {
  RecordOptions o;
  o.store = store;
  o.venues = {venue};
  o.kinds = {"liquidations"};
  o.endpoints[venue] = url;
  o.backoff_min_ms = 20;
  o.backoff_max_ms = 100;
  o.connect_timeout_ms = 2000;
  o.idle_timeout_ms = 2000;
  o.flush_interval_ms = 100;
  o.ping_interval_scale = 0.004;  // Bybit's 20 s -> 80 ms, OKX's 25 s -> 100 ms
  return o;
}

// Runs the recorder on a thread until `done` holds (or 30 s pass: a loaded CI
// machine), then stops it.
struct Running {
  std::unique_ptr<Recorder> rec;
  std::thread thread;
  Status result;
  std::vector<std::string> log;
  std::mutex mu;

  explicit Running(RecordOptions o) {
    o.log = [this](const std::string& l) {
      std::lock_guard<std::mutex> lock(mu);
      log.push_back(l);
    };
    Result<std::unique_ptr<Recorder>> r = Recorder::Open(std::move(o));
    REQUIRE(r.ok());
    rec = std::move(*r);
    thread = std::thread([this] { result = rec->Run(); });
  }
  template <class Pred>
  bool WaitFor(Pred done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void StopAndJoin() {
    rec->Stop();
    thread.join();
  }
  std::string Log() {
    std::lock_guard<std::mutex> lock(mu);
    std::string s;
    for (const auto& l : log) s += l + "\n";
    return s;
  }
};

TEST_CASE("record: bybit rows equal ingest's, exactly once through a drop, with its gap",
          "[record][record-threads]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  REQUIRE(msgs.size() == 4);
  // The second connection replays the message sent just before the drop.
  std::vector<Script> scripts = {
      {test::WaitSubscribed(), test::Send(msgs[0]), test::Send(msgs[1]), test::Drop()},
      {test::WaitSubscribed(), test::Send(msgs[1]), test::Send(msgs[2]), test::Send("{not json"),
       test::Send(R"({"unexpected":"shape"})"), test::Send(msgs[3])},
  };
  LoopbackServer server("bybit", scripts);
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", server.url());
  o.symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};  // linear only: one session
  o.raw_dir = dir.Sub("raw");
  const Expected want = IngestLines(Format::kBybitLiquidation, msgs);
  // By hand from the four messages: 1 + 2 + 1 rows, and one of the old topic.
  REQUIRE(want.rows.size() == 5);

  Running run(o);
  const bool done = run.WaitFor([&] {
    const auto f = run.rec->Feeds();
    return server.scripts_done() == 2 && f[0].rows_stored == 5 && f[0].bad == 2;
  });
  // Pings are answered while the connection idles after its script.
  run.WaitFor([&] { return server.pings() >= 2; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());

  const std::vector<FeedStatus> feeds = run.rec->Feeds();
  REQUIRE(feeds.size() == 1);
  CHECK(feeds[0].venue == "bybit");
  CHECK(feeds[0].feed == "liquidations-linear");
  CHECK(feeds[0].connects == 2);
  CHECK(feeds[0].disconnects == 1);
  CHECK(feeds[0].bad == 2);       // "{not json" and the unexpected shape
  CHECK(feeds[0].messages == 4);  // msgs[1] again after the reconnect is a repeat
  CHECK(feeds[0].repeats == 1);
  CHECK(feeds[0].control >= 2);  // the acks and pongs, not bad
  CHECK(server.pings() >= 2);
  const std::vector<std::string> got = server.received();
  CHECK(std::count_if(got.begin(), got.end(), [](const std::string& m) {
          return m.find(R"("op":"subscribe","args":["allLiquidation.BTCUSDT","allLiquidation.ETHUSDT",)"
                        R"("allLiquidation.SOLUSDT"])") != std::string::npos;
        }) == 2);  // subscribed again after the reconnect
  CHECK(server.targets() == std::vector<std::string>{"/v5/public/linear", "/v5/public/linear"});

  const std::vector<Gap> gaps = run.rec->gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].venue == "bybit");
  CHECK(gaps[0].feed == "liquidations-linear");
  CHECK(gaps[0].from < gaps[0].to);
  CHECK(gaps[0].to - gaps[0].from < 5 * kMicrosPerSecond);

  run.rec.reset();  // releases the store
  CHECK(DumpRows(dir.Sub("s")) == want.rows);
  CHECK(StoredGaps(dir.Sub("s")) == GapTexts(gaps));  // what `liqdb stats` and liq_gaps read

  // The raw archive reads back to the same rows (`liqdb ingest` of --raw).
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.Sub("raw"))) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  REQUIRE(files.size() == 1);
  CHECK_THAT(files[0], Catch::Contains("/raw/bybit/liquidations-linear/"));
  CHECK_THAT(files[0], Catch::EndsWith(".jsonl.zst"));
  {
    Result<std::shared_ptr<Store>> replay = Store::Open(dir.Sub("replay"));
    REQUIRE(replay.ok());
    IngestOptions io;
    io.format = Format::kLiqdbRaw;
    Ingester ing(replay->get(), io);
    REQUIRE(ing.IngestPath(files[0]).ok());
    REQUIRE(ing.Finish().ok());
    // The four data messages and the two bad ones (the repeat is not kept):
    // the JSON one is rejected again, the text one skipped.
    CHECK(ing.summary().lines == 6);
    CHECK(ing.summary().rejected_lines == 1);
  }
  CHECK(DumpRows(dir.Sub("replay")) == want.rows);
}

TEST_CASE("record: a connection reset before its subscription is a gap from the start", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  // The first connection is reset right after the handshake: the client's
  // subscription write (or, should the reset come late, its first read)
  // fails before any data. The second delivers one message.
  LoopbackServer server("bybit", {{test::Reset()}, {test::WaitSubscribed(), test::Send(msgs[0])}});
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", server.url());
  o.symbols = {"BTCUSDT"};
  const std::vector<std::string> want = IngestLines(Format::kBybitLiquidation, {msgs[0]}).rows;
  REQUIRE(!want.empty());
  const Timestamp before = WallUs();
  Running run(o);
  const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == want.size(); });
  const Timestamp after = WallUs();
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());
  CHECK(server.connections() >= 2);
  const std::vector<Gap> gaps = run.rec->gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].feed == "liquidations-linear");
  // No data from the start until the second connection's message.
  CHECK(gaps[0].from >= before);
  CHECK(gaps[0].from < gaps[0].to);
  CHECK(gaps[0].to <= after);
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")) == want);
  CHECK(StoredGaps(dir.Sub("s")) == GapTexts(gaps));
}

TEST_CASE("record: a venue that acks, sends and closes at once is retried ever more slowly", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  // Every connection: the ack, one message, then closed (a ban risk if retried at the first delay).
  LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0]), test::Drop()}});
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", server.url());
  o.symbols = {"BTCUSDT"};
  o.backoff_min_ms = 25;
  o.backoff_max_ms = 800;
  Running run(o);
  const bool done = run.WaitFor([&] { return server.connections() >= 6; });
  run.StopAndJoin();
  const std::string log = run.Log();
  INFO(log);
  CHECK(done);
  // Delays are uniform in [0, min(800, 25 x 2^attempt)]: had each short
  // connection restarted the count, none could pass 25 ms. Five delays
  // growing from 50 ms all at most 25 ms: probability about 3e-5.
  int64_t longest = -1;
  size_t delays = 0;
  for (size_t at = log.find("reconnecting in "); at != std::string::npos;
       at = log.find("reconnecting in ", at + 1)) {
    longest = std::max<int64_t>(longest, std::stoll(log.substr(at + 16)));
    ++delays;
  }
  CHECK(delays >= 5);
  CHECK(longest > 25);
  CHECK(longest <= 800);
}

TEST_CASE("record: a parser too far behind drops messages, counted, as a backlog gap", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0]), test::Send(msgs[1]),
                                   test::Send(msgs[2]), test::Send(msgs[3])}});
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", server.url());
  o.symbols = {"BTCUSDT"};
  o.max_queue_bytes = 1;  // smaller than any message: every data message is dropped
  const Timestamp before = WallUs();
  Running run(o);
  const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].dropped == 4; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());
  const FeedStatus f = run.rec->Feeds()[0];
  CHECK(f.rows_stored == 0);
  CHECK(f.control >= 1);  // the subscription's ack is no data: never dropped
  // One gap for the four drops, from the first of them to the stop.
  const std::vector<Gap> gaps = run.rec->gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].from >= before);
  CHECK_THAT(gaps[0].reason, Catch::StartsWith("recorder backlog: more than 1 bytes waited to be parsed"));
  CHECK_THAT(gaps[0].reason, Catch::EndsWith("(still open at the stop)"));
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")).empty());
  CHECK(StoredGaps(dir.Sub("s")) == GapTexts(gaps));
}

TEST_CASE("record: a feed that never connects is one gap from the start to the stop", "[record]") {
  TempDir dir;
  // Port 1 on the loopback refuses every connect.
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", "ws://127.0.0.1:1");
  o.symbols = {"BTCUSDT"};
  const Timestamp before = WallUs();
  Running run(o);
  const bool retried = run.WaitFor([&] { return run.rec->Feeds()[0].disconnects >= 3; });
  run.StopAndJoin();
  const Timestamp after = WallUs();
  INFO(run.Log());
  CHECK(retried);
  REQUIRE(run.result.ok());
  CHECK(run.rec->Feeds()[0].connects == 0);
  const std::vector<Gap> gaps = run.rec->gaps();
  REQUIRE(gaps.size() == 1);  // every failed attempt is the same gap
  CHECK(gaps[0].from >= before);
  CHECK(gaps[0].to <= after);
  CHECK(gaps[0].to - gaps[0].from > 0);
  CHECK_THAT(gaps[0].reason, Catch::EndsWith("(still disconnected at the stop)"));
  run.rec.reset();
  CHECK(StoredGaps(dir.Sub("s")) == GapTexts(gaps));  // the open gap's record was replaced
}

TEST_CASE("record: okx oversized frame is counted, the connection dropped and resumed", "[record]") {
  const std::vector<std::string> msgs = SampleLines("okx-liquidation-orders.jsonl");
  REQUIRE(msgs.size() == 4);
  std::vector<Script> scripts = {
      {test::WaitSubscribed(), test::Send(msgs[0]), test::SendBytes(8192), test::Send(msgs[1])},
      {test::WaitSubscribed(), test::Send(msgs[1]), test::Send(msgs[2]), test::Send(msgs[3])},
  };
  LoopbackServer server("okx", scripts);
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "okx", server.url());
  o.max_message_bytes = 4096;
  const Expected want = IngestLines(Format::kOkxLiquidationOrders, msgs);
  // The FUTURES instrument has no known contract size: rejected by both.
  REQUIRE(want.rejected == 1);
  // By hand: 1 + 2 + 1 rows from the three SWAP messages.
  REQUIRE(want.rows.size() == 4);

  Running run(o);
  const bool done = run.WaitFor([&] {
    const auto f = run.rec->Feeds();
    return server.scripts_done() == 2 && f[0].rows_stored == 4 && f[0].bad == 2;
  });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());
  const std::vector<FeedStatus> feeds = run.rec->Feeds();
  REQUIRE(feeds.size() == 1);
  CHECK(feeds[0].connects == 2);
  CHECK(feeds[0].bad == 2);  // the oversized frame and the unknown FUTURES contract
  CHECK(server.targets()[0] == "/ws/v5/public");
  CHECK_THAT(run.Log(), Catch::Contains("oversized"));
  CHECK(run.rec->gaps().size() == 1);
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")) == want.rows);
}

TEST_CASE("record: okx contract values come from the venue's instrument lists", "[record]") {
  const std::vector<std::string> msgs = SampleLines("okx-liquidation-orders.jsonl");
  LoopbackServer server("okx", {{test::WaitSubscribed(), test::Send(msgs[3])}});
  // The dated future of the last sample is in no built-in table: 100 USD a contract.
  server.SetHttp(
      "/api/v5/public/instruments?instType=SWAP",
      R"({"code":"0","msg":"","data":[{"instId":"BTC-USDT-SWAP","ctVal":"0.01","ctType":"linear"}]})");
  server.SetHttp(
      "/api/v5/public/instruments?instType=FUTURES",
      R"({"code":"0","msg":"","data":[{"instId":"BTC-USD-240628","ctVal":"100","ctType":"inverse"}]})");
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "okx", server.url());
  Running run(o);
  const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == 1; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  CHECK_THAT(run.Log(), Catch::Contains("okx: contract values of 2 instruments"));
  CHECK(run.rec->Feeds()[0].bad == 0);
  run.rec.reset();
  // By hand: 18 contracts of 100 USD at 67350.2: notional 1800, qty 1800 / 67350.2.
  const std::vector<std::string> rows = DumpRows(dir.Sub("s"));
  REQUIRE(rows.size() == 1);
  CHECK(rows[0] == fmt::format("okx|BTC-USD-240628|1718000006233000|0|67350.2|{}|1800", 1800 / 67350.2));
  CHECK(rows == IngestLines(Format::kOkxLiquidationOrders, {msgs[3]}, {{"BTC-USD-240628", 100}}).rows);
}

TEST_CASE("record: bybit --symbols all subscribes every trading symbol of its instrument list", "[record]") {
  LoopbackServer server("bybit", {{test::WaitSubscribed()}});
  // Linear in two pages (12 trading, one pre-launch), inverse in one.
  auto page = [](int from, int to, const std::string& cursor, const std::string& extra) {
    std::string list;
    for (int i = from; i < to; ++i)
      list += fmt::format(R"({}{{"symbol":"C{}USDT","status":"Trading"}})", i > from ? "," : "", i);
    return fmt::format(
        R"({{"retCode":0,"retMsg":"OK","result":{{"category":"linear","list":[{}{}],"nextPageCursor":"{}"}}}})",
        list, extra, cursor);
  };
  server.SetHttp("/v5/market/instruments-info?category=linear&limit=1000",
                 page(0, 7, "p2", R"(,{"symbol":"NEWUSDT","status":"PreLaunch"})"));
  server.SetHttp("/v5/market/instruments-info?category=linear&limit=1000&cursor=p2", page(7, 12, "", ""));
  server.SetHttp(
      "/v5/market/instruments-info?category=inverse&limit=1000",
      R"({"retCode":0,"result":{"category":"inverse","list":[{"symbol":"BTCUSD","status":"Trading"}],"nextPageCursor":""}})");
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", server.url());
  o.symbols = {"all"};
  Running run(o);
  const bool done = run.WaitFor([&] { return server.received().size() >= 3 && server.connections() >= 2; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  CHECK_THAT(run.Log(), Catch::Contains("bybit: 13 trading symbols from the venue's instrument list"));
  std::vector<std::string> subs;
  for (const std::string& m : server.received()) {
    if (m.find("\"op\":\"subscribe\"") != std::string::npos) subs.push_back(m);
  }
  std::sort(subs.begin(), subs.end());
  std::string linear1 = R"({"req_id":"liqdb-1","op":"subscribe","args":[)",
              linear2 = R"({"req_id":"liqdb-2","op":"subscribe","args":[)";
  for (int i = 0; i < 10; ++i) linear1 += fmt::format(R"({}"allLiquidation.C{}USDT")", i ? "," : "", i);
  for (int i = 10; i < 12; ++i) linear2 += fmt::format(R"({}"allLiquidation.C{}USDT")", i > 10 ? "," : "", i);
  const std::vector<std::string> want = {
      R"({"req_id":"liqdb-1","op":"subscribe","args":["allLiquidation.BTCUSD"]})", linear1 + "]}",
      linear2 + "]}"};
  std::vector<std::string> sorted_want = want;
  std::sort(sorted_want.begin(), sorted_want.end());
  CHECK(subs == sorted_want);
}

TEST_CASE("record: binance stalled connection times out, reconnects, gap says why", "[record]") {
  const std::vector<std::string> msgs = SampleLines("binance-forceorder.jsonl");
  REQUIRE(msgs.size() == 4);
  std::vector<Script> scripts = {
      {test::Send(msgs[0]), test::Send(msgs[1]), test::Stall()},
      {test::Send(msgs[2]), test::Send(msgs[3])},
  };
  LoopbackServer server("binance", scripts);
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "binance", server.url());
  o.symbols = {"BTCUSDT", "ETHUSDT"};  // USDⓈ-M only, one stream per symbol
  // Pings at half of it: long enough that a loaded machine's late pong does
  // not look like a second stall.
  o.idle_timeout_ms = 1200;
  const Expected want = IngestLines(Format::kBinanceForceOrder, msgs);
  REQUIRE(want.rows.size() == 4);  // one liquidation a message

  Running run(o);
  const bool done =
      run.WaitFor([&] { return server.scripts_done() == 2 && run.rec->Feeds()[0].rows_stored == 4; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());
  CHECK(server.targets()[0] == "/market/stream?streams=btcusdt@forceOrder/ethusdt@forceOrder");
  const std::vector<Gap> gaps = run.rec->gaps();
  REQUIRE(gaps.size() == 1);
  CHECK_THAT(gaps[0].reason, Catch::Contains("stalled"));
  CHECK(gaps[0].feed == "liquidations");
  CHECK(run.rec->Feeds()[0].bad == 0);
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")) == want.rows);
  CHECK(StoredGaps(dir.Sub("s")) == GapTexts(gaps));
}

TEST_CASE("record: binance market samples pair the mark price stream with open-interest polls", "[record]") {
  const std::string mark =
      R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT",)"
      R"("p":"67000.50000000","i":"66990.1","P":"66995.0","r":"0.0001","T":1718006400000}})";
  const std::string oi = R"({"openInterest":"80123.456","symbol":"BTCUSDT","time":1718000005000})";
  LoopbackServer server("binance", {{test::Send(mark)}});
  server.SetHttp("/fapi/v1/openInterest?symbol=BTCUSDT", oi);
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "binance", server.url());
  o.kinds = {"market"};
  o.symbols = {"BTCUSDT"};
  o.market_interval_ms = 20;
  Running run(o);
  // Polls go on after the row: each brings the same sample, stored once.
  const bool done =
      run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == 1 && server.http_requests() >= 10; });
  run.StopAndJoin();
  INFO(run.Log());
  const FeedStatus f = run.rec->Feeds()[0];
  INFO(fmt::format("rows {} messages {} bad {} http {}", f.rows_stored, f.messages, f.bad,
                   server.http_requests()));
  CHECK(done);
  REQUIRE(run.result.ok());
  CHECK(server.targets()[0] == "/market/stream?streams=btcusdt@markPrice@1s");
  run.rec.reset();
  // By hand: the open interest's time, the mark price in force, base units.
  const std::vector<std::string> want = {"binance|BTCUSDT|1718000005000000|-1|67000.5|80123.456"};
  CHECK(DumpRows(dir.Sub("s")) == want);
}

TEST_CASE("record: binance combined streams arrive wrapped, raw streams bare; the rows are the same",
          "[record]") {
  const std::vector<std::string> all = SampleLines("binance-forceorder.jsonl");
  const std::vector<std::string> msgs(all.begin(), all.begin() + 3);  // the bare events
  const Expected want = IngestLines(Format::kBinanceForceOrder, msgs);
  REQUIRE(want.rows.size() == 3);
  Script script;
  for (const auto& m : msgs) script.push_back(test::Send(m));
  // Without --symbols: the raw all-market streams (/ws/!forceOrder@arr),
  // USDⓈ-M and COIN-M; whichever connects first plays the script.
  std::vector<std::string> bare_rows;
  {
    LoopbackServer server("binance", {script, {}});
    TempDir dir;
    Running run(FastOptions(dir.Sub("s"), "binance", server.url()));
    const bool done = run.WaitFor([&] {
      uint64_t rows = 0;
      for (const auto& f : run.rec->Feeds()) rows += f.rows_stored;
      return rows == 3;
    });
    run.StopAndJoin();
    INFO(run.Log());
    CHECK(done);
    REQUIRE(run.result.ok());
    std::vector<std::string> targets = server.targets();
    std::sort(targets.begin(), targets.end());
    CHECK(targets == std::vector<std::string>{"/market/ws/!forceOrder@arr", "/ws/!forceOrder@arr"});
    CHECK(server.sent() == msgs);
    run.rec.reset();
    bare_rows = DumpRows(dir.Sub("s"));
  }
  // With --symbols: one combined stream, each event wrapped as Binance does.
  LoopbackServer server("binance", {script});
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "binance", server.url());
  o.symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  Running run(o);
  const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == 3; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());
  CHECK(server.targets() ==
        std::vector<std::string>{
            "/market/stream?streams=btcusdt@forceOrder/ethusdt@forceOrder/solusdt@forceOrder"});
  CHECK(server.sent() == std::vector<std::string>{
                             R"({"stream":"btcusdt@forceOrder","data":)" + msgs[0] + "}",
                             R"({"stream":"ethusdt@forceOrder","data":)" + msgs[1] + "}",
                             R"({"stream":"solusdt@forceOrder","data":)" + msgs[2] + "}",
                         });
  CHECK(run.rec->Feeds()[0].bad == 0);
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")) == want.rows);
  CHECK(bare_rows == want.rows);
}

TEST_CASE("record: hyperliquid positions polls store a row per change, with the wallet", "[record]") {
  // clearinghouseState's response names no wallet; the recorder adds it.
  const std::string response =
      R"({"marginSummary":{"accountValue":"25410.52"},"assetPositions":[{"type":"oneWay","position":)"
      R"({"coin":"BTC","szi":"0.5","leverage":{"type":"cross","value":10},"entryPx":"64000.0",)"
      R"("liquidationPx":"21392.9"}}],"time":1718000004567})";
  const std::string wallet = "0x5b5d51203a0f9079f8aeb098a6523a13f298c060";
  LoopbackServer server("hyperliquid", {});
  server.SetHttp("/info", response);
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "hyperliquid", server.url());
  o.kinds = {"positions"};
  o.wallets = {wallet};
  Running run(o);
  // Every poll returns the same positions: one row (the adapter stores changes only).
  const bool done =
      run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == 1 && server.http_requests() >= 2; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());
  CHECK(run.rec->Feeds()[0].feed == "positions");
  run.rec.reset();
  // By hand: time ms -> µs, long (szi > 0), size, entry price, leverage, liquidation price, the wallet.
  const std::vector<std::string> want = {"hyperliquid|BTC|1718000004567000|0|0.5|64000|10|21392.9|" + wallet};
  CHECK(DumpRows(dir.Sub("s")) == want);
}

TEST_CASE("record: connections are renewed before the venue's age limit (Binance's 24 h)", "[record]") {
  const std::vector<std::string> msgs = SampleLines("binance-forceorder.jsonl");
  LoopbackServer server("binance", {{test::Send(msgs[0])}, {test::Send(msgs[1])}});
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "binance", server.url());
  o.symbols = {"BTCUSDT"};
  o.max_connection_age_ms = 300;
  Running run(o);
  const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == 2; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(done);
  REQUIRE(run.result.ok());
  CHECK(run.rec->Feeds()[0].connects >= 2);
  const std::vector<Gap> gaps = run.rec->gaps();
  REQUIRE(!gaps.empty());
  CHECK_THAT(gaps[0].reason, Catch::Contains("renewed after 300 ms"));
  CHECK_THAT(run.Log(), Catch::Contains("renewing the connection; reconnecting in 0 ms"));
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")) == IngestLines(Format::kBinanceForceOrder, {msgs[0], msgs[1]}).rows);
}

TEST_CASE("record: bad messages are the rejected lines, not other Ingester reports", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  // BTCUSDT now, then ETHUSDT over and over (so the parser keeps flushing on
  // its interval and moves the BTCUSDT row out), then a BTCUSDT row from
  // 2023: stored later than its time allows, which the Ingester reports at
  // the stop ("FEED: 1 rows came later than ..."). Read as text, that report
  // looked like a bad line ("FEED:…: reason"); it is not one.
  Script script = {test::WaitSubscribed(), test::Send(msgs[0])};
  for (int i = 0; i < 60; ++i) {
    script.push_back(test::Pause(10));
    script.push_back(test::Send(msgs[1]));
  }
  script.push_back(test::Send(msgs[3]));
  script.push_back(test::Send(R"({"topic":"allLiquidation.BTCUSDT","data":[{"T":1718000009999}]})"));
  LoopbackServer server("bybit", {script});
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", server.url());
  o.symbols = {"BTCUSDT", "ETHUSDT"};
  o.flush_interval_ms = 200;  // moved out at the second interval, well within the 600 ms of ETHUSDT
  const Expected want = IngestLines(Format::kBybitLiquidation, {msgs[0], msgs[1], msgs[3]});
  REQUIRE(want.rows.size() == 4);  // by hand: 1 + 2 + 1
  const Expected rejected = IngestLines(
      Format::kBybitLiquidation, {R"({"topic":"allLiquidation.BTCUSDT","data":[{"T":1718000009999}]})"});
  REQUIRE(rejected.rejected == 1);  // the adapter refuses the last one (no side, size or price)
  Running run(o);
  const bool done = run.WaitFor([&] {
    const FeedStatus f = run.rec->Feeds()[0];
    return server.scripts_done() == 1 && f.rows_stored == 4 && f.bad == 1;
  });
  run.StopAndJoin();
  const std::string log = run.Log();
  INFO(log);
  CHECK(done);
  REQUIRE(run.result.ok());
  CHECK(run.rec->Feeds()[0].bad == 1);  // the rejected line only
  // The report came (the case this test is about) and was logged as it is.
  CHECK_THAT(log, Catch::Contains("bybit liquidations-linear: bybit/liquidations-linear: 1 rows came later "
                                  "than the reorder window allows"));
  CHECK_THAT(log, Catch::Contains("bad message #1 ("));
  CHECK_THAT(log, Catch::Contains(R"({"topic":"allLiquidation.BTCUSDT","data":[{"T":1718000009999}]})"));
  CHECK_THAT(log, !Catch::Contains("bad message #2"));
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")) == want.rows);
}

TEST_CASE("record: the time between a clean stop and a restart is a downtime gap", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  // The first run's connection gets one message, the second run's another.
  LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0])},
                                  {test::WaitSubscribed(), test::Send(msgs[1])}});
  TempDir dir;
  const std::string store = dir.Sub("s");
  RecordOptions o = FastOptions(store, "bybit", server.url());
  o.symbols = {"BTCUSDT", "ETHUSDT"};
  const size_t first_rows = IngestLines(Format::kBybitLiquidation, {msgs[0]}).rows.size();
  Timestamp stop_from = 0, stop_to = 0;
  {
    Running run(o);
    const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == first_rows; });
    stop_from = WallUs();
    run.StopAndJoin();
    stop_to = WallUs();
    INFO(run.Log());
    CHECK(done);
    REQUIRE(run.result.ok());
    CHECK(run.rec->gaps().empty());  // a first run: no heartbeat, no downtime
  }
  // The stop's heartbeat: the time the feed was recorded up to.
  const std::optional<Timestamp> alive = StoredHeartbeat(store, "bybit", "liquidations-linear");
  REQUIRE(alive.has_value());
  CHECK(*alive >= stop_from);
  CHECK(*alive <= stop_to);
  CHECK(StoredGaps(store).empty());

  const Timestamp restart = WallUs();
  Running run(o);
  // The downtime gap is stored before the network starts.
  const bool seen = run.WaitFor([&] { return !run.rec->gaps().empty(); });
  const Timestamp seen_at = WallUs();
  const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored > 0; });
  run.StopAndJoin();
  INFO(run.Log());
  CHECK(seen);
  CHECK(done);
  REQUIRE(run.result.ok());
  const std::vector<Gap> gaps = run.rec->gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].venue == "bybit");
  CHECK(gaps[0].feed == "liquidations-linear");
  CHECK(gaps[0].from == *alive);
  CHECK(gaps[0].to >= restart);
  CHECK(gaps[0].to <= seen_at);
  CHECK(gaps[0].reason == "recorder not running");
  run.rec.reset();
  CHECK(StoredGaps(store) == GapTexts(gaps));
  CHECK(DumpRows(store) == IngestLines(Format::kBybitLiquidation, {msgs[0], msgs[1]}).rows);
}

TEST_CASE("record: a market feed whose pings are answered but whose data stops is reconnected", "[record]") {
  // Bybit tickers every 50 ms for 0.7 s, then none (pongs go on); the next
  // connection brings data again.
  std::vector<std::string> ticks;
  for (int i = 0; i < 15; ++i) {
    ticks.push_back(fmt::format(
        R"({{"topic":"tickers.BTCUSDT","type":"{}","data":{{"symbol":"BTCUSDT","markPrice":"{}.5",)"
        R"("openInterest":"{}"}},"cs":{},"ts":{}}})",
        i == 0 ? "snapshot" : "delta", 67000 + i, 68000 + i, 100 + i, 1718000000000 + 100 * i));
  }
  Script first = {test::WaitSubscribed()};
  for (int i = 0; i < 14; ++i) {
    first.push_back(test::Send(ticks[i]));
    first.push_back(test::Pause(50));
  }
  LoopbackServer market("bybit", {first, {test::WaitSubscribed(), test::Send(ticks[14])}});
  // A liquidation feed is as silent all along: it has no cadence, and stays connected.
  LoopbackServer quiet("okx", {{test::WaitSubscribed()}});
  TempDir dir;
  RecordOptions mo = FastOptions(dir.Sub("m"), "bybit", market.url());
  mo.kinds = {"market"};
  mo.symbols = {"BTCUSDT"};
  mo.no_data_timeout_ms = 300;  // well within the data phase: data keeps the connection
  RecordOptions qo = FastOptions(dir.Sub("q"), "okx", quiet.url());
  qo.no_data_timeout_ms = 300;
  const Expected want = IngestLines(Format::kBybitTicker, ticks);
  REQUIRE(want.rows.size() == 15);  // by hand: every message carries open interest

  const Timestamp before = WallUs();
  Running q(qo);
  Running m(mo);
  const bool done = m.WaitFor(
      [&] { return m.rec->gaps().size() == 1 && m.rec->Feeds()[0].rows_stored == want.rows.size(); });
  m.StopAndJoin();
  // The quiet feed was silent for as long (well past the bound, pings answered).
  const bool pinged = q.WaitFor([&] { return quiet.pings() >= 5; });
  q.StopAndJoin();
  INFO(m.Log());
  INFO(q.Log());
  CHECK(done);
  CHECK(pinged);
  REQUIRE(m.result.ok());
  REQUIRE(q.result.ok());
  const FeedStatus mf = m.rec->Feeds()[0];
  CHECK(mf.feed == "market-linear");
  CHECK(mf.connects == 2);  // not during the data phase: only after the data stopped
  CHECK(mf.disconnects == 1);
  const std::vector<Gap> gaps = m.rec->gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].feed == "market-linear");
  CHECK(gaps[0].reason == "no data for 0.3 s");
  // From the last data message to the next connection's first one: at least
  // the bound (pongs came all along and did not end it).
  CHECK(gaps[0].from >= before);
  CHECK(gaps[0].to - gaps[0].from >= 300'000);
  CHECK(gaps[0].to - gaps[0].from < 5'000'000);
  CHECK_THAT(m.Log(), Catch::Contains("no data for 0.3 s; reconnecting in "));
  const FeedStatus qf = q.rec->Feeds()[0];
  CHECK(qf.feed == "liquidations");
  CHECK(qf.connects == 1);
  CHECK(qf.disconnects == 0);
  CHECK(q.rec->gaps().empty());
  m.rec.reset();
  CHECK(DumpRows(dir.Sub("m")) == want.rows);
  CHECK(StoredGaps(dir.Sub("m")) == GapTexts(gaps));
}

TEST_CASE("record: an unknown venue, kind or symbol fails at start naming the known ones", "[record]") {
  TempDir dir;
  test::CliRun r = test::RunLiqdb("record --store " + dir.Sub("s") + " --venues bybitt");
  CHECK(r.code == 2);
  CHECK_THAT(r.out,
             Catch::Contains("unknown venue 'bybitt' (did you mean bybit?); known: binance, bybit, okx, "
                             "hyperliquid"));
  r = test::RunLiqdb("record --store " + dir.Sub("s") + " --kinds liquidation");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("unknown kind 'liquidation' (did you mean liquidations?)"));
  r = test::RunLiqdb("record --store " + dir.Sub("s") + " --venues okx --symbols BTC-USDT-SWAPP");
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("unknown symbol 'BTC-USDT-SWAPP' (did you mean BTC-USDT-SWAP?)"));
  CHECK_FALSE(std::filesystem::exists(dir.Sub("s")));  // nothing was created
  r = test::RunLiqdb("record --help");
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("Examples:\n  liqdb record --store data/live"));
  CHECK_THAT(r.out, Catch::Contains("--endpoint"));
}

TEST_CASE("record: options that would mean unlimited, a loop or a flood fail at Open", "[record]") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::function<void(RecordOptions&)>>> bad = {
      {"connect timeout", [](RecordOptions& o) { o.connect_timeout_ms = 0; }},
      {"idle timeout", [](RecordOptions& o) { o.idle_timeout_ms = -1; }},
      {"flush interval", [](RecordOptions& o) { o.flush_interval_ms = 0; }},
      {"market interval", [](RecordOptions& o) { o.market_interval_ms = 0; }},
      {"maximum connection age", [](RecordOptions& o) { o.max_connection_age_ms = 0; }},
      {"duration", [](RecordOptions& o) { o.duration_ms = -5; }},
      {"message size limit", [](RecordOptions& o) { o.max_message_bytes = 0; }},
      {"ping interval scale", [](RecordOptions& o) { o.ping_interval_scale = 0; }},
      {"ping interval scale", [](RecordOptions& o) { o.ping_interval_scale = -1; }},
      {"no-data timeout", [](RecordOptions& o) { o.no_data_timeout_ms = -1; }},
  };
  for (const auto& [what, spoil] : bad) {
    RecordOptions o = FastOptions(dir.Sub("s"), "bybit", "ws://127.0.0.1:1");
    spoil(o);
    Result<std::unique_ptr<Recorder>> r = Recorder::Open(std::move(o));
    INFO(what);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsInvalidArgument());
    CHECK_THAT(r.status().message(), Catch::Contains(what));
  }
  // Nothing was opened: the store folder was never created.
  CHECK_FALSE(std::filesystem::exists(dir.Sub("s")));
}

TEST_CASE("record: a store held by another writer fails at start with one sentence", "[record]") {
  TempDir dir;
  StoreOptions so;
  so.mode = StoreOptions::Mode::kReadWrite;
  Result<std::shared_ptr<Store>> held = Store::Open(dir.Sub("s"), so);
  REQUIRE(held.ok());
  // The CLI is another process: the RocksDB lock is what stops it.
  const test::CliRun r = test::RunLiqdb("record --store " + dir.Sub("s") +
                                        " --venues bybit --endpoint bybit=ws://127.0.0.1:1 --duration 5s");
  CHECK(r.code == 1);
  CHECK_THAT(r.out,
             Catch::Contains("is being written by another process (pid " + std::to_string(::getpid()) + ")"));
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
}

// `liqdb record` for Bybit's linear feed at `url`, as a child process whose
// output goes to `log` (its standard output to `stdout_fd` instead, when
// given); `extra` options are added.
pid_t SpawnRecord(const std::string& store, const std::string& url, const std::string& log,
                  const std::vector<std::string>& extra = {}, int stdout_fd = -1) {
  std::vector<std::string> args = {
      LIQDB_CLI_PATH, "record",       "--store",      store,       "--venues",
      "bybit",        "--kinds",      "liquidations", "--symbols", "BTCUSDT,ETHUSDT,SOLUSDT",
      "--endpoint",   "bybit=" + url, "--duration",   "60s",       "--backoff",
      "20ms"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(stdout_fd >= 0 ? stdout_fd : fd, 1);
    ::dup2(fd, 2);
    ::execv(LIQDB_CLI_PATH, argv.data());
    ::_exit(127);
  }
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

template <class Pred>
bool WaitUntil(Pred done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST_CASE("record: SIGTERM while recording flushes, seals and exits 0", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  // The last frame is malformed: the child logs it, after handing the four
  // before it to its parser (one network thread, in order). That log line
  // is the signal that every message reached the child.
  LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0]), test::Send(msgs[1]),
                                   test::Send(msgs[2]), test::Send(msgs[3]), test::Send("not json")}});
  TempDir dir;
  const std::string store = dir.Sub("s");
  // A flush interval far beyond the test: what is stored, the stop stored.
  const pid_t pid = SpawnRecord(store, server.url(), dir.Sub("log"), {"--flush-interval", "60s"});
  const bool received =
      WaitUntil([&] { return ReadFile(dir.Sub("log")).find("bad message #1") != std::string::npos; });
  const std::vector<std::string> before_stop = DumpRows(store, /*reader=*/true);
  REQUIRE(::kill(pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  const std::string out = ReadFile(dir.Sub("log"));
  INFO(out);
  REQUIRE(received);
  CHECK(before_stop.empty());
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(out, Catch::Contains("stored 5 rows; 1 bad messages"));
  CHECK(DumpRows(store) == IngestLines(Format::kBybitLiquidation, msgs).rows);
}

TEST_CASE("record: a gap still open when the recorder is killed is in the store", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  // One message, then the venue goes away: every later connection is reset.
  LoopbackServer server("bybit",
                        {{test::WaitSubscribed(), test::Send(msgs[0]), test::Drop()}, {test::Reset()}});
  TempDir dir;
  const std::string store = dir.Sub("s");
  const Timestamp before = WallUs();
  const pid_t pid = SpawnRecord(store, server.url(), dir.Sub("log"));
  // The outage has begun (the venue reset a reconnect) and the open gap is durable.
  std::vector<Gap> gaps;
  const bool seen = WaitUntil([&] {
    if (server.connections() < 2) return false;
    gaps = ListStoredGaps(store, /*reader=*/true);
    return !gaps.empty();
  });
  const Timestamp killed = WallUs();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(ReadFile(dir.Sub("log")));
  REQUIRE(seen);
  REQUIRE(WIFSIGNALED(status));
  gaps = ListStoredGaps(store);
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].venue == "bybit");
  CHECK(gaps[0].feed == "liquidations-linear");
  CHECK(gaps[0].from >= before);
  CHECK(gaps[0].from < gaps[0].to);
  CHECK(gaps[0].to <= killed);
  // Stored when it opened (its end is then the time of the drop, ~100 ms
  // after the message), not only at the 10 s re-put.
  CHECK(gaps[0].to - gaps[0].from < 5'000'000);
  CHECK_THAT(gaps[0].reason, Catch::Contains("open when last stored"));
}

TEST_CASE("record: a restart after SIGKILL that receives the same messages stores nothing twice",
          "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  // The first process gets three messages; the second all four again.
  LoopbackServer server(
      "bybit", {{test::WaitSubscribed(), test::Send(msgs[0]), test::Send(msgs[1]), test::Send(msgs[2])},
                {test::WaitSubscribed(), test::Send(msgs[0]), test::Send(msgs[1]), test::Send(msgs[2]),
                 test::Send(msgs[3]), test::Send("not json")}});
  TempDir dir;
  const std::string store = dir.Sub("s");
  const std::vector<std::string> first =
      IngestLines(Format::kBybitLiquidation, {msgs[0], msgs[1], msgs[2]}).rows;
  REQUIRE(first.size() == 4);
  pid_t pid = SpawnRecord(store, server.url(), dir.Sub("log"));
  // Killed once its rows are durable (what a reader sees).
  const bool stored = WaitUntil([&] { return DumpRows(store, /*reader=*/true) == first; });
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(ReadFile(dir.Sub("log")));
  REQUIRE(stored);
  REQUIRE(WIFSIGNALED(status));

  pid = SpawnRecord(store, server.url(), dir.Sub("log"));
  // The malformed last frame's log line: every message reached the child.
  CHECK(WaitUntil([&] { return ReadFile(dir.Sub("log")).find("bad message #1") != std::string::npos; }));
  REQUIRE(::kill(pid, SIGTERM) == 0);
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(ReadFile(dir.Sub("log")));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(DumpRows(store) == IngestLines(Format::kBybitLiquidation, msgs).rows);
}

TEST_CASE("record: the time a SIGKILLed recorder was down is a gap after the restart", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0])},
                                  {test::WaitSubscribed(), test::Send(msgs[1]), test::Send("not json")}});
  TempDir dir;
  const std::string store = dir.Sub("s");
  const std::vector<std::string> first = IngestLines(Format::kBybitLiquidation, {msgs[0]}).rows;
  const Timestamp spawned = WallUs();
  pid_t pid = SpawnRecord(store, server.url(), dir.Sub("log"));
  std::optional<Timestamp> alive;
  const bool stored = WaitUntil([&] {
    if (DumpRows(store, /*reader=*/true) != first) return false;
    alive = StoredHeartbeat(store, "bybit", "liquidations-linear", /*reader=*/true);
    return alive.has_value();
  });
  const Timestamp killed = WallUs();
  REQUIRE(::kill(pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(ReadFile(dir.Sub("log")));
  REQUIRE(stored);
  REQUIRE(WIFSIGNALED(status));
  // The heartbeat the killed run left: from its start at the earliest.
  CHECK(*alive >= spawned);

  const Timestamp restarted = WallUs();
  pid = SpawnRecord(store, server.url(), dir.Sub("log"));
  std::vector<Gap> gaps;
  const bool seen = WaitUntil([&] {
    gaps = ListStoredGaps(store, /*reader=*/true);
    return !gaps.empty();
  });
  const Timestamp seen_at = WallUs();
  CHECK(WaitUntil([&] { return ReadFile(dir.Sub("log")).find("bad message #1") != std::string::npos; }));
  REQUIRE(::kill(pid, SIGTERM) == 0);
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(ReadFile(dir.Sub("log")));
  REQUIRE(seen);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  gaps = ListStoredGaps(store);
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].venue == "bybit");
  CHECK(gaps[0].feed == "liquidations-linear");
  CHECK(gaps[0].reason == "recorder not running");
  // From the last heartbeat (no later than the kill) to the restart.
  CHECK(gaps[0].from >= *alive);
  CHECK(gaps[0].from <= killed);
  CHECK(gaps[0].to >= restarted);
  CHECK(gaps[0].to <= seen_at);
  CHECK(DumpRows(store) == IngestLines(Format::kBybitLiquidation, {msgs[0], msgs[1]}).rows);
}

TEST_CASE("record: a raw archive that cannot be written does not stop the recorder", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0]), test::Send(msgs[1]),
                                   test::Send(msgs[2]), test::Send(msgs[3])}});
  TempDir dir;
  RecordOptions o = FastOptions(dir.Sub("s"), "bybit", server.url());
  o.symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  o.raw_dir = dir.Sub("raw");
  // The venue's folder is a file: no feed folder, no hour file can be made.
  std::filesystem::create_directories(o.raw_dir);
  std::ofstream(o.raw_dir + "/bybit") << "in the way";
  const Expected want = IngestLines(Format::kBybitLiquidation, msgs);
  REQUIRE(want.rows.size() == 5);
  Running run(o);
  // Every message is parsed and stored although each archive flush fails.
  const bool done = run.WaitFor([&] { return run.rec->Feeds()[0].rows_stored == want.rows.size(); });
  // Let a flush of the archive (once a second) fail after the last message.
  run.WaitFor([&] { return run.Log().find("raw archive: cannot create folder") != std::string::npos; });
  run.StopAndJoin();
  const std::string log = run.Log();
  INFO(log);
  CHECK(done);
  // Said once, however many flushes failed.
  const std::string said =
      "raw archive: cannot create folder for '" + o.raw_dir + "/bybit/liquidations-linear/";
  size_t times = 0;
  for (size_t at = log.find(said); at != std::string::npos; at = log.find(said, at + 1)) ++times;
  CHECK(times == 1);
  // At the stop the held lines are lost, and the result says so.
  CHECK(run.result.IsIOError());
  CHECK_THAT(run.result.message(), Catch::Contains("--raw") && Catch::Contains("4 lines (") &&
                                       Catch::Contains("could not be written and are lost"));
  run.rec.reset();
  CHECK(DumpRows(dir.Sub("s")) == want.rows);
}

// The exit of child `pid`, or SIGKILLs it after 30 s (a loaded CI machine)
// and fails.
int WaitExit(pid_t pid) {
  int status = 0;
  const bool ended = WaitUntil([&] { return ::waitpid(pid, &status, WNOHANG) == pid; });
  if (!ended) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  REQUIRE(ended);
  return status;
}

constexpr const char* kStopping = "liqdb record: stopping: storing what is buffered";

TEST_CASE("record: a second SIGINT or SIGTERM during the stop kills the process at once", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  for (const auto& [first, second] : {std::pair{SIGTERM, SIGTERM}, {SIGINT, SIGTERM}, {SIGTERM, SIGINT}}) {
    INFO("signals " << first << " then " << second);
    LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0]), test::Send("not json")}});
    TempDir dir;
    // Standard output is a pipe nobody reads, filled to the brim: the stop
    // cannot end, since the summary line it prints at the end blocks.
    int out[2];
    REQUIRE(::pipe(out) == 0);
    REQUIRE(::fcntl(out[1], F_SETFL, O_NONBLOCK) == 0);
    const std::string chunk(4096, 'x');
    while (::write(out[1], chunk.data(), chunk.size()) > 0) {
    }
    REQUIRE(::fcntl(out[1], F_SETFL, 0) == 0);  // blocking again, for the child
    const pid_t pid = SpawnRecord(dir.Sub("s"), server.url(), dir.Sub("log"), {}, out[1]);
    ::close(out[1]);
    const auto logged = [&](const std::string& text) {
      return WaitUntil([&] { return ReadFile(dir.Sub("log")).find(text) != std::string::npos; });
    };
    const bool running = logged("bad message #1");
    REQUIRE(::kill(pid, first) == 0);
    // The first signal was taken (the handler says so): the stop is under way.
    const bool stopping = logged(kStopping);
    REQUIRE(::kill(pid, second) == 0);
    const int status = WaitExit(pid);
    ::close(out[0]);
    INFO(ReadFile(dir.Sub("log")));
    CHECK(running);
    CHECK(stopping);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == second);
  }
}

TEST_CASE("record: SIGPIPE is ignored: a closed standard output does not kill the stop", "[record]") {
  const std::vector<std::string> msgs = SampleLines("bybit-liquidation.jsonl");
  LoopbackServer server("bybit", {{test::WaitSubscribed(), test::Send(msgs[0]), test::Send("not json")}});
  TempDir dir;
  const std::string store = dir.Sub("s");
  // Standard output is a pipe whose reader is gone: the summary line gets EPIPE.
  int out[2];
  REQUIRE(::pipe(out) == 0);
  ::close(out[0]);
  const pid_t pid = SpawnRecord(store, server.url(), dir.Sub("log"), {"--flush-interval", "60s"}, out[1]);
  ::close(out[1]);
  const bool running =
      WaitUntil([&] { return ReadFile(dir.Sub("log")).find("bad message #1") != std::string::npos; });
  REQUIRE(::kill(pid, SIGTERM) == 0);
  const int status = WaitExit(pid);
  INFO(ReadFile(dir.Sub("log")));
  CHECK(running);
  REQUIRE(WIFEXITED(status));  // not killed by SIGPIPE
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(ReadFile(dir.Sub("log")), Catch::Contains(kStopping));
  // The stop stored the rows (a 60 s flush interval: nothing before it).
  CHECK(DumpRows(store) == IngestLines(Format::kBybitLiquidation, {msgs[0]}).rows);
}

}  // namespace
}  // namespace liqdb
