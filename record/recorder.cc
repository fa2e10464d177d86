// The recorder (include/liqdb/record.h): sessions, reconnects, gaps, and the
// hand-over of every data message to its feed's Ingester.
//
// Threads: Run() runs one io_context with every session as a coroutine (the
// network thread); each feed has a parsing thread running an Ingester over a
// MessageQueue; one SideWriter thread stores gaps and heartbeats (a synced
// write each), so a slow disk never delays the network thread. Counters are
// atomics, so Feeds() reads them from anywhere. Per feed, everything a
// session touches (connection, gap state) is the network thread's alone.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>
#include <utility>  // before Boost.Asio's awaitable.hpp (1.74 needs std::exchange)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "record/http_client.h"
#include "record/instruments.h"
#include "record/message_queue.h"
#include "record/raw_archive.h"
#include "record/side_writer.h"
#include "record/venues.h"
#include "record/ws_client.h"

#include "liqdb/heatmap.h"
#include "liqdb/ingest.h"
#include "liqdb/record.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"

namespace liqdb {

namespace asio = boost::asio;
using boost::system::error_code;
using record::FeedSpec;
using record::MessageClass;
using record::MessageQueue;
using record::WsClient;
using SteadyClock = std::chrono::steady_clock;

namespace {

Timestamp NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Sample(std::string_view m) {
  constexpr size_t kMax = 100;
  std::string s(m.substr(0, kMax));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return s + (m.size() > kMax ? fmt::format("... ({} bytes)", m.size()) : "");
}

// Bad messages logged in full per feed; after that one in kBadLogEvery.
constexpr uint64_t kBadLogged = 10;
constexpr uint64_t kBadLogEvery = 1000;
// Data messages of a connection remembered to recognise repeats after a reconnect.
constexpr size_t kRepeatWindow = 4096;
// A connection that lived this long and delivered data restarts the backoff:
// a venue that accepts, acks and closes at once is retried ever more slowly.
constexpr auto kStableAfter = std::chrono::seconds(5);
// How often an open gap is stored again with its end moved to now.
constexpr auto kOpenGapRefresh = std::chrono::seconds(10);
// How often each feed's heartbeat is stored: a recorder killed leaves one at
// most this old, where the next run's downtime gap starts.
constexpr auto kHeartbeatEvery = std::chrono::seconds(10);
// The data watchdog's least bound and its multiple of a feed's cadence.
constexpr auto kNoDataFloor = std::chrono::seconds(30);
constexpr int kNoDataCadences = 10;

// One connection's state, shared by its reader and its keep-alive coroutine.
struct Conn {
  explicit Conn(const asio::any_io_executor& ex) : keeper(ex) {}
  std::shared_ptr<WsClient> ws;
  asio::steady_timer keeper;
  bool closed = false;
  bool renew = false;                 // closed on purpose, ahead of the venue's age limit
  bool no_data = false;               // closed by the data watchdog
  SteadyClock::time_point last_data;  // of the last data message (or the subscription)
};

struct Feed {
  FeedSpec spec;
  std::atomic<bool> connected{false};
  std::atomic<uint64_t> connects{0}, disconnects{0}, messages{0}, control{0}, bad{0}, rows_stored{0}, gaps{0},
      repeats{0}, dropped{0};
  std::atomic<int64_t> last_message_us{0};
  mutable std::mutex error_mu;
  std::string last_error;

  // Network thread only.
  std::shared_ptr<Conn> conn;
  asio::steady_timer* backoff = nullptr;
  asio::steady_timer* poll_timer = nullptr;
  // Ends a poll in flight at the stop (http_client.h).
  std::shared_ptr<std::function<void()>> poll_cancel = std::make_shared<std::function<void()>>();
  bool in_gap = false;
  bool gap_backlog = false;  // the open gap is the parser's backlog, not the connection's
  bool gap_no_data = false;  // the data watchdog's: only a data message ends it
  Timestamp gap_from = 0;
  Timestamp last_data_us = 0;  // wall-clock receive time of the last WebSocket data message
  std::string gap_reason;
  // Hashes of the data messages of this connection (newest last) and of the
  // one before: a message the venue sends again after a reconnect is a
  // repeat, kept out of the store and of the raw archive alike.
  std::deque<uint64_t> seen_order;
  std::unordered_set<uint64_t> seen, before;

  // The parsing thread's.
  std::unique_ptr<MessageQueue> queue;
  std::unique_ptr<Ingester> ingester;
  std::thread thread;

  std::string Name() const { return spec.venue + " " + spec.feed; }
};

}  // namespace

class Recorder::Impl {
 public:
  explicit Impl(RecordOptions o) : options_(std::move(o)), rng_(std::random_device{}()) {}

  Status Init();
  Status Run();
  void Stop() { stop_requested_.store(true); }
  std::vector<FeedStatus> Feeds() const;
  std::vector<Gap> Gaps() const {
    std::lock_guard<std::mutex> lock(gaps_mu_);
    return gaps_;
  }

 private:
  asio::awaitable<void> Session(Feed* f);
  // How a connection went, for the backoff.
  struct ConnEnd {
    bool stable = false;   // lived kStableAfter and delivered data
    bool renewed = false;  // closed on purpose ahead of the venue's age limit
  };
  // One connection, until it ends; returns why it ended.
  asio::awaitable<std::string> Connection(Feed* f, ConnEnd* end);
  asio::awaitable<void> Keeper(Feed* f, std::shared_ptr<Conn> c);
  asio::awaitable<void> Housekeeping();
  asio::awaitable<void> Poller(Feed* f);
  // Returns whether it was a data message.
  bool OnFrame(Feed* f, const std::string& message, Timestamp now);
  void Archive(Feed* f, Timestamp now, std::string_view message);
  // Hands a data message to the parser; a full queue drops it, counted, and
  // opens a "recorder backlog" gap until a message fits again.
  void Enqueue(Feed* f, Timestamp now, std::string_view message);
  void Lost(Feed* f, Timestamp from, const std::string& why);
  void CloseGap(Feed* f, Timestamp to);
  // Closes the open gap at a frame (`data`: a data message): a backlog gap
  // ends only when a message fits the queue again (Enqueue), a watchdog's
  // only at data.
  void CloseGapAtFrame(Feed* f, Timestamp to, bool data);
  // The previous runs' downtime: for each feed with a heartbeat, the gap from
  // it to now, then this run's first heartbeat (on the calling thread, before
  // the network starts).
  void RecordDowntime();
  // Until when every message of `f` is known stored or waiting in its queue:
  // the heartbeat's time.
  Timestamp AliveUntil(const Feed* f, Timestamp now) const;
  void PutHeartbeats(Timestamp now);
  // The watchdog's bound for `f` (zero: the feed has no cadence).
  std::chrono::milliseconds NoDataBound(const Feed* f) const;
  // The open gap of `f` as it stands, ending at `to`, put in the store.
  void PutOpenGap(Feed* f, Timestamp to);
  // When the feed was last known live: its last frame, else the start.
  Timestamp LastLive(const Feed* f) const;
  void StopSessions();
  void ParseThread(Feed* f);
  void Log(const std::string& line);
  void Tick();
  void LogBad(Feed* f, uint64_t n, const std::string& what, std::string_view message);
  void Fatal(const Status& s);
  std::chrono::milliseconds Backoff(int attempt);

  RecordOptions options_;
  std::shared_ptr<Store> store_;
  std::vector<std::unique_ptr<Feed>> feeds_;
  std::vector<std::string> notes_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::unique_ptr<record::RawArchive> archive_;
  std::unique_ptr<record::SideWriter> side_;  // during Run()
  asio::io_context io_;
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;  // network thread
  Timestamp started_us_ = 0;
  std::mt19937_64 rng_;
  std::mutex log_mu_;
  mutable std::mutex gaps_mu_;
  std::vector<Gap> gaps_;
  std::mutex fatal_mu_;
  Status fatal_;
};

Status Recorder::Impl::Init() {
  record::FeedSelection sel;
  sel.venues = options_.venues;
  sel.kinds = options_.kinds;
  sel.symbols = options_.symbols;
  sel.endpoints = options_.endpoints;
  sel.market_interval = std::chrono::milliseconds(options_.market_interval_ms);
  sel.wallets = options_.wallets;
  sel.positions_interval = std::chrono::milliseconds(options_.positions_interval_ms);
  // Checks every option before anything touches the network or the disk.
  LIQDB_ASSIGN_OR_RETURN(record::FeedPlan plan, record::PlanFeeds(sel));
  LIQDB_ASSIGN_OR_RETURN(tls_, record::MakeClientTlsContext());
  StoreOptions so;
  so.mode = StoreOptions::Mode::kReadWrite;
  so.create_if_missing = true;
  so.sync = true;  // a live feed cannot be replayed: every append is synced
  LIQDB_ASSIGN_OR_RETURN(store_, Store::Open(options_.store, so));
  // --symbols all: Bybit subscribes per symbol, so its list is read first.
  if (sel.symbols == std::vector<std::string>{"all"} &&
      std::any_of(plan.feeds.begin(), plan.feeds.end(), [](const FeedSpec& f) {
        return f.venue == "bybit" && f.feed.starts_with("liquidations");
      })) {
    auto it = options_.endpoints.find("bybit");
    Result<record::Url> base =
        record::ParseUrl(it != options_.endpoints.end() ? it->second : "https://api.bybit.com");
    Status s = base.ok()
                   ? record::FetchBybitSymbols(tls_.get(), *base, options_.connect_timeout_ms, &sel.bybit_all)
                   : base.status();
    std::string note = s.ok() ? fmt::format("bybit: {} trading symbols from the venue's instrument list",
                                            sel.bybit_all.size())
                              : "bybit: cannot read the instrument list (" + s.message() +
                                    "); recording the main BTC/ETH/SOL perpetuals";
    if (!s.ok()) sel.bybit_all.clear();
    LIQDB_ASSIGN_OR_RETURN(plan, record::PlanFeeds(sel));
    plan.notes.push_back(std::move(note));
  }
  notes_ = std::move(plan.notes);
  for (FeedSpec& spec : plan.feeds) {
    auto f = std::make_unique<Feed>();
    f->spec = std::move(spec);
    if (options_.ping_interval_scale != 1.0) {
      f->spec.ping_interval = std::chrono::milliseconds(
          std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(f->spec.ping_interval.count()) *
                                                    options_.ping_interval_scale)));
    }
    feeds_.push_back(std::move(f));
  }
  if (!options_.raw_dir.empty()) {
    record::RawArchiveOptions ro;
    ro.log = [this](const std::string& line) { Log(line); };  // failed writes, drops, damaged files
    LIQDB_ASSIGN_OR_RETURN(archive_, record::RawArchive::Open(options_.raw_dir, std::move(ro)));
  }
  // OKX quotes sizes in contracts: take every instrument's value from its list.
  if (std::any_of(feeds_.begin(), feeds_.end(), [](const auto& f) { return f->spec.venue == "okx"; })) {
    auto it = options_.endpoints.find("okx");
    Result<record::Url> base =
        record::ParseUrl(it != options_.endpoints.end() ? it->second : "https://www.okx.com");
    size_t added = 0;
    Status s = base.ok() ? record::FetchOkxContractSizes(tls_.get(), *base, options_.connect_timeout_ms,
                                                         &options_.contract_sizes, &added)
                         : base.status();
    if (s.ok()) {
      notes_.push_back(
          fmt::format("okx: contract values of {} instruments from the venue's instrument lists", added));
    } else {
      notes_.push_back(
          "okx: cannot read the instrument lists (" + s.message() +
          "); instruments outside the built-in contract table are rejected unless --contract-size "
          "names them");
    }
  }
  for (auto& f : feeds_) {
    IngestOptions io;
    // Messages reach the Ingester as raw-archive lines (FormatRawLine), read
    // by the liqdb-raw adapter: it hands each to FeedFormat(venue, feed) with
    // its receive time, so rows recorded live and rows replayed from --raw
    // come from the same bytes through the same code.
    io.format = Format::kLiqdbRaw;
    io.contract_sizes = options_.contract_sizes;
    io.flush_interval_ms = options_.flush_interval_ms;
    f->queue = std::make_unique<MessageQueue>(f->spec.venue + "/" + f->spec.feed, options_.max_queue_bytes);
    f->ingester = std::make_unique<Ingester>(store_.get(), io);
    Feed* fp = f.get();
    // The Ingester's summary belongs to the parsing thread; it is read at
    // every Next(), right after each flush.
    f->queue->set_on_next([fp] { fp->rows_stored.store(fp->ingester->summary().stored); });
    // Every rejected line is a bad message, counted and sampled here; what
    // else the Ingester reports is logged as it is.
    f->ingester->set_on_rejected([this, fp](const std::string&, uint64_t, const std::string& reason) {
      std::string_view line(fp->queue->current().data(), fp->queue->current_size());
      if (const size_t at = line.find("\"msg\":"); at != std::string_view::npos) line.remove_prefix(at + 6);
      LogBad(fp, ++fp->bad, reason, line);
    });
    f->ingester->set_report([this, fp](const std::string& m) { Log(fp->Name() + ": " + m); });
  }
  return Status::OK();
}

void Recorder::Impl::Log(const std::string& line) {
  if (!options_.log) return;
  std::lock_guard<std::mutex> lock(log_mu_);
  options_.log(line);
}

void Recorder::Impl::Tick() {
  if (!options_.tick) return;
  const std::vector<FeedStatus> feeds = Feeds();
  std::lock_guard<std::mutex> lock(log_mu_);  // never at once with a log line
  options_.tick(feeds);
}

void Recorder::Impl::LogBad(Feed* f, uint64_t n, const std::string& what, std::string_view message) {
  if (n <= kBadLogged || n % kBadLogEvery == 0) {
    Log(fmt::format("{}: bad message #{} ({}): {}", f->Name(), n, what, Sample(message)));
  }
}

void Recorder::Impl::Fatal(const Status& s) {
  {
    std::lock_guard<std::mutex> lock(fatal_mu_);
    if (fatal_.ok()) fatal_ = s;
  }
  Stop();
}

std::chrono::milliseconds Recorder::Impl::Backoff(int attempt) {
  // Full jitter: uniform in [0, min(max, min × 2^attempt)].
  int64_t cap = options_.backoff_min_ms;
  for (int i = 0; i < attempt && cap < options_.backoff_max_ms; ++i) cap *= 2;
  cap = std::min(cap, options_.backoff_max_ms);
  std::uniform_int_distribution<int64_t> d(0, std::max<int64_t>(0, cap));
  return std::chrono::milliseconds(d(rng_));
}

std::vector<FeedStatus> Recorder::Impl::Feeds() const {
  std::vector<FeedStatus> out;
  for (const auto& f : feeds_) {
    FeedStatus s;
    s.venue = f->spec.venue;
    s.feed = f->spec.feed;
    s.url = f->spec.url.ToString();
    s.connected = f->connected.load();
    s.connects = f->connects.load();
    s.disconnects = f->disconnects.load();
    s.messages = f->messages.load();
    s.control = f->control.load();
    s.bad = f->bad.load();
    s.repeats = f->repeats.load();
    s.dropped = f->dropped.load();
    s.rows_stored = f->rows_stored.load();
    s.gaps = f->gaps.load();
    s.last_message_us = f->last_message_us.load();
    {
      std::lock_guard<std::mutex> lock(f->error_mu);
      s.last_error = f->last_error;
    }
    out.push_back(std::move(s));
  }
  return out;
}

Timestamp Recorder::Impl::LastLive(const Feed* f) const {
  return std::max(started_us_, f->last_message_us.load());
}

void Recorder::Impl::Lost(Feed* f, Timestamp from, const std::string& why) {
  {
    std::lock_guard<std::mutex> lock(f->error_mu);
    f->last_error = why;
  }
  if (f->in_gap) return;  // still the same gap
  f->in_gap = true;
  f->gap_from = from;
  f->gap_reason = why;
  // Stored at once, ending now, and again while it stays open (Housekeeping):
  // a recorder killed during an outage leaves the gap in the store, up to
  // its last re-put. The store replaces a gap by (venue, feed, from).
  PutOpenGap(f, NowUs());
}

namespace {
Gap MakeGap(const FeedSpec& spec, Timestamp from, Timestamp to, const std::string& reason) {
  Gap g;
  g.venue = spec.venue;
  g.feed = spec.feed;
  g.from = from;
  g.to = std::max(to, from + 1);
  g.reason = std::string(Utf8Prefix(reason, Store::kMaxGapReason));  // never half a character
  return g;
}
}  // namespace

void Recorder::Impl::PutOpenGap(Feed* f, Timestamp to) {
  if (!f->in_gap) return;
  side_->PutGap(MakeGap(f->spec, f->gap_from, to, f->gap_reason + " (open when last stored)"));
}

void Recorder::Impl::CloseGap(Feed* f, Timestamp to) {
  if (!f->in_gap) return;
  f->in_gap = false;
  f->gap_backlog = false;
  f->gap_no_data = false;
  const Gap g = MakeGap(f->spec, f->gap_from, to, f->gap_reason);
  {
    std::lock_guard<std::mutex> lock(gaps_mu_);
    gaps_.push_back(g);
  }
  ++f->gaps;
  Log(fmt::format("{}: gap {} .. {} ({:.1f} s): {}", f->Name(), FormatTime(g.from), FormatTime(g.to),
                  static_cast<double>(g.to - g.from) / 1e6, g.reason));
  // Durable where `liqdb stats` and liq_gaps read it (at the latest when Run() returns).
  side_->PutGap(g);
}

void Recorder::Impl::CloseGapAtFrame(Feed* f, Timestamp to, bool data) {
  if (f->gap_backlog || (f->gap_no_data && !data)) return;
  CloseGap(f, to);
}

std::chrono::milliseconds Recorder::Impl::NoDataBound(const Feed* f) const {
  using std::chrono::milliseconds;
  if (f->spec.data_cadence.count() <= 0) return milliseconds(0);
  if (options_.no_data_timeout_ms > 0) return milliseconds(options_.no_data_timeout_ms);
  return std::max<milliseconds>(kNoDataFloor, kNoDataCadences * f->spec.data_cadence);
}

Timestamp Recorder::Impl::AliveUntil(const Feed* f, Timestamp now) const {
  // A message still queued is not stored yet, and the Ingester holds a
  // parsed row back for up to about two flush intervals (a twin at its
  // timestamp may still come): a heartbeat claims no later time, so what a
  // kill loses lies inside the next run's downtime gap. Nothing from before
  // this run's start is this run's to lose.
  Timestamp t = now;
  if (const std::optional<Timestamp> oldest = f->queue->oldest_pending_us()) t = std::min(t, *oldest);
  return std::max(started_us_, t - 2 * options_.flush_interval_ms * 1000);
}

void Recorder::Impl::PutHeartbeats(Timestamp now) {
  for (auto& f : feeds_)
    side_->PutHeartbeat(Heartbeat{f->spec.venue, f->spec.feed, AliveUntil(f.get(), now)});
}

void Recorder::Impl::RecordDowntime() {
  for (auto& f : feeds_) {
    Result<std::optional<Timestamp>> last = store_->GetHeartbeat(f->spec.venue, f->spec.feed);
    if (!last.ok()) {
      // Not fatal: the heartbeat written below replaces the damaged record.
      Log(fmt::format("{}: no downtime gap: {}", f->Name(), last.status().message()));
    } else if (last->has_value() && **last < started_us_) {
      // The previous run was known alive until its heartbeat; nothing was
      // recorded from then until now.
      f->in_gap = true;
      f->gap_from = **last;
      f->gap_reason = "recorder not running";
      CloseGap(f.get(), started_us_);
    }
    side_->PutHeartbeat(Heartbeat{f->spec.venue, f->spec.feed, started_us_});
  }
  // Before the network starts: a gap and the heartbeat after it are durable
  // before anything of this run could be lost.
  side_->Drain();
}

void Recorder::Impl::Archive(Feed* f, Timestamp now, std::string_view message) {
  if (!archive_) return;
  Status s = archive_->Write(f->spec.venue, f->spec.feed, now, message);
  if (!s.ok()) Fatal(s.WithContext("--raw"));
}

asio::awaitable<void> Recorder::Impl::Poller(Feed* f) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  f->poll_timer = &timer;
  uint64_t failures = 0;
  while (!stopping_) {
    const auto next = SteadyClock::now() + f->spec.poll_interval;
    for (const record::PollSpec& p : f->spec.polls) {
      if (stopping_) break;
      record::HttpRequest req;
      req.method = p.method;
      req.url = p.url;
      req.body = p.body;
      req.timeout = std::chrono::milliseconds(options_.connect_timeout_ms);
      req.max_body_bytes = options_.max_message_bytes;
      req.cancel = f->poll_cancel;
      const Timestamp asked = NowUs();
      record::HttpResponse res;
      Status s = co_await record::Fetch(ex, tls_.get(), req, &res);
      if (stopping_) break;
      const Timestamp now = NowUs();
      if (!s.ok()) {
        ++failures;
        if (failures <= kBadLogged || failures % kBadLogEvery == 0) {
          Log(fmt::format("{}: poll #{} failed: {}", f->Name(), failures, s.message()));
        }
        // A feed that is only polled has no data while its polls fail.
        if (!f->spec.websocket) {
          if (f->connected.exchange(false)) ++f->disconnects;
          Lost(f, f->connects == 0 ? started_us_ : asked, s.message());
        }
        continue;
      }
      if (!f->spec.websocket && !f->connected.exchange(true)) {
        ++f->connects;
        Log(fmt::format("{}: polling {} every {} ms", f->Name(), p.url.ToString(),
                        f->spec.poll_interval.count()));
      }
      f->last_message_us.store(now);
      if (!f->spec.websocket) CloseGapAtFrame(f, now, /*data=*/true);
      ++f->messages;
      if (!p.user.empty()) {
        // clearinghouseState does not name its wallet: add it, as the adapter reads it.
        const size_t brace = res.body.find('{');
        if (brace == std::string::npos) {
          LogBad(f, ++f->bad, "not a JSON object", res.body);
          continue;
        }
        res.body.insert(brace + 1, "\"user\":\"" + p.user + "\",");
      }
      Enqueue(f, now, res.body);
      Archive(f, now, res.body);
    }
    if (stopping_) break;
    timer.expires_at(next);
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  f->poll_timer = nullptr;
}

void Recorder::Impl::Enqueue(Feed* f, Timestamp now, std::string_view message) {
  if (f->queue->Push(FormatRawLine(f->spec.venue, f->spec.feed, now, message))) {
    if (f->gap_backlog) CloseGap(f, now);
    return;
  }
  const uint64_t n = ++f->dropped;
  if (n <= kBadLogged || n % kBadLogEvery == 0) {
    Log(fmt::format("{}: message #{} dropped: {} bytes wait for the parser (the cap is {})", f->Name(), n,
                    f->queue->pending_bytes(), options_.max_queue_bytes));
  }
  if (!f->in_gap) {
    Lost(f, now,
         fmt::format("recorder backlog: more than {} bytes waited to be parsed", options_.max_queue_bytes));
    f->gap_backlog = true;
  }
}

bool Recorder::Impl::OnFrame(Feed* f, const std::string& message, Timestamp now) {
  f->last_message_us.store(now);
  std::string why;
  const MessageClass c = record::Classify(f->spec.venue, message, &why);
  CloseGapAtFrame(f, now, c == MessageClass::kData);
  switch (c) {
    case MessageClass::kData: {
      f->last_data_us = now;
      const uint64_t h = std::hash<std::string_view>()(message);
      if (f->before.count(h) != 0) {
        if (++f->repeats == 1)
          Log(f->Name() + ": the venue repeats messages after a reconnect; they are skipped");
        break;
      }
      if (f->seen.insert(h).second) {
        f->seen_order.push_back(h);
        if (f->seen_order.size() > kRepeatWindow) {
          f->seen.erase(f->seen_order.front());
          f->seen_order.pop_front();
        }
      }
      ++f->messages;
      Enqueue(f, now, message);
      Archive(f, now, message);
      break;
    }
    case MessageClass::kControl:
      ++f->control;  // acks and pongs carry nothing to replay: not archived
      break;
    case MessageClass::kRejected:
    case MessageClass::kBad:
      LogBad(f, ++f->bad, why, message);
      Archive(f, now, message);
      break;
  }
  return c == MessageClass::kData;
}

asio::awaitable<void> Recorder::Impl::Keeper(Feed* f, std::shared_ptr<Conn> c) {
  const auto renew_at = SteadyClock::now() + std::chrono::milliseconds(options_.max_connection_age_ms);
  const bool pings = !f->spec.ping.empty() && f->spec.ping_interval.count() > 0;
  const std::chrono::milliseconds no_data = NoDataBound(f);
  auto next_ping = SteadyClock::now() + f->spec.ping_interval;
  while (!c->closed) {
    auto next = renew_at;
    if (pings) next = std::min(next, next_ping);
    if (no_data.count() > 0) next = std::min(next, c->last_data + no_data);
    c->keeper.expires_at(next);
    error_code ec;
    co_await c->keeper.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (c->closed) break;
    const auto now = SteadyClock::now();
    if (now >= renew_at) {
      c->renew = true;
      c->ws->Cancel();
      break;
    }
    // Pongs keep a connection open that brings nothing: a feed with a
    // cadence that is silent this long is broken, not quiet.
    if (no_data.count() > 0 && now - c->last_data >= no_data) {
      c->no_data = true;
      c->ws->Cancel();
      break;
    }
    if (pings && now >= next_ping) {
      next_ping = now + f->spec.ping_interval;
      Status s = co_await c->ws->Write(f->spec.ping);
      if (!s.ok()) break;  // the reader sees the same failure
    }
  }
}

asio::awaitable<std::string> Recorder::Impl::Connection(Feed* f, ConnEnd* end) {
  auto ex = co_await asio::this_coro::executor;
  record::WsLimits limits;
  limits.connect_timeout = std::chrono::milliseconds(options_.connect_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(options_.idle_timeout_ms);
  limits.max_message_bytes = options_.max_message_bytes;
  auto c = std::make_shared<Conn>(ex);
  c->ws = WsClient::Make(ex, tls_.get(), f->spec.url, limits);
  f->conn = c;
  Feed* fp = f;
  c->ws->set_on_control([fp] { fp->last_message_us.store(NowUs()); });
  struct Closer {  // whatever way this coroutine ends, the keeper stops and the socket closes
    std::shared_ptr<Conn> c;
    ~Closer() {
      c->closed = true;
      c->keeper.cancel();
      c->ws->Cancel();  // a failed subscription leaves it open otherwise, until the Conn goes
    }
  } closer{c};

  Status s = co_await c->ws->Connect();
  if (!s.ok()) co_return s.message();
  if (stopping_) co_return "stopped";
  Timestamp live_since = NowUs();
  const auto live_steady = SteadyClock::now();
  const uint64_t messages_before = f->messages.load();
  ++f->connects;
  f->connected.store(true);
  Log(fmt::format("{}: connected to {}", f->Name(), f->spec.url.ToString()));
  for (const std::string& m : f->spec.subscribe) {
    s = co_await c->ws->Write(m);
    if (!s.ok()) co_return "subscribing: " + s.message();
  }
  if (f->spec.subscribed_by_url) CloseGapAtFrame(f, live_since, /*data=*/false);
  c->last_data = SteadyClock::now();
  asio::co_spawn(ex, Keeper(f, c), asio::detached);

  std::string message;
  while (true) {
    s = co_await c->ws->Read(&message);
    if (!s.ok()) {
      if (stopping_) co_return "stopped";
      if (c->ws->too_big()) LogBad(f, ++f->bad, "oversized", "");
      end->renewed = c->renew;
      end->stable = f->messages.load() > messages_before && SteadyClock::now() - live_steady >= kStableAfter;
      if (c->no_data) {
        // Data stopped at the last data message (pongs went on).
        const std::chrono::milliseconds bound = NoDataBound(f);
        const std::string why =
            fmt::format("no data for {:g} s", static_cast<double>(bound.count()) / 1000.0);
        const bool opens = !f->in_gap;  // else the gap already open goes on
        Lost(f, std::max(live_since, f->last_data_us), why);
        if (opens) f->gap_no_data = true;
        co_return why;
      }
      // The feed was known live until its last frame.
      const Timestamp last = std::max(live_since, f->last_message_us.load());
      Lost(f, last,
           c->renew ? fmt::format("renewed after {} ms", options_.max_connection_age_ms) : s.message());
      co_return c->renew ? "renewing the connection" : s.message();
    }
    if (OnFrame(f, message, NowUs())) c->last_data = SteadyClock::now();
  }
}

asio::awaitable<void> Recorder::Impl::Session(Feed* f) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  int attempt = 0;
  try {
    while (!stopping_) {
      ConnEnd end;
      std::string why = co_await Connection(f, &end);
      const bool connected = f->connected.exchange(false);
      f->conn.reset();
      if (!f->seen.empty()) {
        f->before = std::move(f->seen);
        f->seen.clear();
        f->seen_order.clear();
      }
      if (stopping_) break;
      ++f->disconnects;
      // Every attempt that ends other than by the stop is a loss: a failed
      // connect, handshake or subscription write included (a no-op when the
      // gap is already open, as after a dropped connection).
      Lost(f, LastLive(f), why);
      // Everything before the loss is stored before anything after it.
      f->queue->PushFlush();
      attempt = end.stable || end.renewed ? 0 : attempt + 1;
      // A planned renewal reconnects at once; anything else backs off.
      const auto delay = end.renewed ? std::chrono::milliseconds(0) : Backoff(attempt);
      Log(fmt::format("{}: {}{}; {} in {} ms", f->Name(), connected ? "disconnected: " : "", why,
                      connected ? "reconnecting" : "retrying", delay.count()));
      f->backoff = &timer;
      timer.expires_after(delay);
      error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      f->backoff = nullptr;
    }
  } catch (const std::exception& e) {
    // Nothing below throws by design; should something, the feed stops and says why.
    Log(f->Name() + ": stopped by an unexpected error: " + e.what());
  }
  f->backoff = nullptr;
  f->connected.store(false);
}

void Recorder::Impl::StopSessions() {
  stopping_ = true;
  for (auto& f : feeds_) {
    if (f->conn) {
      f->conn->closed = true;
      f->conn->keeper.cancel();
      f->conn->ws->Cancel();
    }
    if (f->backoff) f->backoff->cancel();
    if (f->poll_timer) f->poll_timer->cancel();
    if (*f->poll_cancel) (*f->poll_cancel)();
  }
}

asio::awaitable<void> Recorder::Impl::Housekeeping() {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  const auto start = SteadyClock::now();
  auto next_tick = start;
  auto next_gap_put = start + kOpenGapRefresh;
  auto next_heartbeat = start + kHeartbeatEvery;
  while (true) {
    const auto now = SteadyClock::now();
    if (stop_requested_.load() ||
        (options_.duration_ms > 0 && now - start >= std::chrono::milliseconds(options_.duration_ms))) {
      StopSessions();
      co_return;
    }
    if (now >= next_tick) {
      Tick();
      // The raw archive is written out once a second, like the store.
      if (archive_) {
        if (Status s = archive_->Flush(); !s.ok()) Fatal(s.WithContext("--raw"));
      }
      next_tick = now + std::chrono::seconds(1);
    }
    if (now >= next_gap_put) {
      const Timestamp us = NowUs();
      for (auto& f : feeds_) PutOpenGap(f.get(), us);
      next_gap_put = now + kOpenGapRefresh;
    }
    if (now >= next_heartbeat) {
      PutHeartbeats(NowUs());
      next_heartbeat = now + kHeartbeatEvery;
    }
    timer.expires_after(std::chrono::milliseconds(50));
    error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void Recorder::Impl::ParseThread(Feed* f) {
  Status s = f->ingester->IngestReader(f->queue.get(), /*stream=*/true);
  if (s.ok()) s = f->ingester->Finish();
  f->rows_stored.store(f->ingester->summary().stored);
  if (!s.ok()) {
    Log(f->Name() + ": " + s.message());
    Fatal(s.WithContext(f->Name()));
  }
}

Status Recorder::Impl::Run() {
  started_us_ = NowUs();
  side_ = std::make_unique<record::SideWriter>(store_.get(), [this](const Status& s) { Fatal(s); });
  for (const std::string& n : notes_) Log(n);
  RecordDowntime();
  for (auto& f : feeds_) {
    Feed* fp = f.get();
    f->thread = std::thread([this, fp] { ParseThread(fp); });
  }
  auto on_done = [this](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      Log(std::string("recorder: unexpected error: ") + ex.what());
    } catch (...) {
      Log("recorder: unexpected error");
    }
  };
  for (auto& f : feeds_) {
    if (f->spec.websocket) asio::co_spawn(io_, Session(f.get()), on_done);
    if (!f->spec.polls.empty()) asio::co_spawn(io_, Poller(f.get()), on_done);
  }
  asio::co_spawn(io_, Housekeeping(), on_done);
  try {
    io_.run();
  } catch (const std::exception& e) {
    Log(std::string("recorder: network loop failed: ") + e.what());
  }
  // Gaps still open end now: the feed had no data up to the stop.
  const Timestamp end = NowUs();
  for (auto& f : feeds_) {
    if (f->in_gap) {
      f->gap_reason += f->gap_backlog   ? " (still open at the stop)"
                       : f->gap_no_data ? " (still no data at the stop)"
                                        : " (still disconnected at the stop)";
      CloseGap(f.get(), end);
    }
  }
  if (archive_) {
    if (Status s = archive_->Close(); !s.ok()) Fatal(s.WithContext("--raw"));
  }
  for (auto& f : feeds_) f->queue->Close();
  bool positions = false;
  for (auto& f : feeds_) {
    if (f->thread.joinable()) f->thread.join();
    positions |= f->spec.format == Format::kHyperliquidClearinghouse && f->rows_stored.load() > 0;
  }
  // New positions move the state heatmaps start from, as after `liqdb ingest`.
  if (positions) {
    if (Result<uint64_t> k = WritePositionKeyframes(*store_); !k.ok())
      Fatal(k.status().WithContext("keyframes"));
  }
  // Every parser has stored all it had: each feed was recorded up to the
  // stop. After a store failure the last periodic heartbeats stand instead,
  // so the next run's downtime gap covers what may be lost.
  bool failed = false;
  {
    std::lock_guard<std::mutex> lock(fatal_mu_);
    failed = !fatal_.ok();
  }
  if (!failed) {
    for (auto& f : feeds_) side_->PutHeartbeat(Heartbeat{f->spec.venue, f->spec.feed, end});
  }
  side_->Close();  // every gap and heartbeat is durable from here
  Tick();
  std::lock_guard<std::mutex> lock(fatal_mu_);
  return fatal_;
}

// ---- Recorder ----------------------------------------------------------------

std::vector<std::string> RecordVenueNames() {
  return record::VenueNames();
}
std::vector<std::string> RecordKindNames() {
  return record::KindNames();
}

Recorder::Recorder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Recorder::~Recorder() = default;

Result<std::unique_ptr<Recorder>> Recorder::Open(RecordOptions options) {
  if (options.store.empty()) return Status::InvalidArgument("no store folder given");
  if (options.backoff_min_ms <= 0 || options.backoff_max_ms < options.backoff_min_ms) {
    return Status::InvalidArgument("the reconnect backoff must satisfy 0 < min <= max");
  }
  // Zero or negative would mean "unlimited" to Beast, a renewal or ping loop,
  // or a timer that fires at once.
  for (const auto& [name, value] :
       {std::pair<const char*, int64_t>{"connect timeout", options.connect_timeout_ms},
        {"idle timeout", options.idle_timeout_ms},
        {"flush interval", options.flush_interval_ms},
        {"market interval", options.market_interval_ms},
        {"maximum connection age", options.max_connection_age_ms}}) {
    if (value <= 0)
      return Status::InvalidArgument(fmt::format("the {} must be positive (got {} ms)", name, value));
  }
  if (options.duration_ms < 0 || options.positions_interval_ms < 0) {
    return Status::InvalidArgument("the duration and the positions interval must not be negative");
  }
  if (options.no_data_timeout_ms < 0) {
    return Status::InvalidArgument(
        fmt::format("the no-data timeout must not be negative (got {} ms)", options.no_data_timeout_ms));
  }
  if (options.max_message_bytes == 0)
    return Status::InvalidArgument("the message size limit must be positive");
  if (options.max_queue_bytes == 0) return Status::InvalidArgument("the queue size limit must be positive");
  if (!(options.ping_interval_scale > 0) || !std::isfinite(options.ping_interval_scale)) {
    return Status::InvalidArgument("the ping interval scale must be a positive number");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  LIQDB_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Recorder>(new Recorder(std::move(impl)));
}

Status Recorder::Run() {
  return impl_->Run();
}
void Recorder::Stop() {
  impl_->Stop();
}
std::vector<FeedStatus> Recorder::Feeds() const {
  return impl_->Feeds();
}
std::vector<Gap> Recorder::gaps() const {
  return impl_->Gaps();
}

}  // namespace liqdb
