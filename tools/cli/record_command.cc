// `liqdb record`: records the venues' live public feeds into a store until
// stopped (SIGINT/SIGTERM flush, seal and exit 0; a second one kills).
//
//   liqdb record --store data/live
//   liqdb record --store data/live --venues bybit,okx --symbols BTCUSDT,ETHUSDT
//   liqdb record --store /tmp/s --endpoint bybit=ws://127.0.0.1:9001 --duration 10s
//
// The work is liqdb::Recorder's (include/liqdb/record.h); this file maps the
// options, installs the signal handlers, and draws the live status on a
// terminal (one log line per event otherwise, on stderr).
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "progress.h"

#include "liqdb/ingest.h"
#include "liqdb/record.h"
#include "liqdb/timeparse.h"

namespace liqdb::cli {

namespace {

struct RecordArgs {
  std::string store;
  std::string venues, kinds, symbols;
  std::vector<std::string> endpoints;
  std::vector<std::string> contract_sizes;
  std::string duration;
  std::string raw;
  std::string market_interval = "10s";
  std::string wallets;
  std::string positions_interval;
  std::string backoff = "500ms";
  std::string idle_timeout = "60s";
  std::string flush_interval = "500ms";
  std::string no_data_timeout;  // empty: max(30 s, 10 × the feed's cadence)
};

std::atomic<Recorder*> g_recorder{nullptr};

// The first SIGINT or SIGTERM stops cleanly; from then on both have their
// default action, so a second one ends the process at once (a stop stuck on
// a hung disk or a blocked output can still be ended with Ctrl-C). Only
// async-signal-safe calls here: sigaction, write, an atomic store.
extern "C" void OnStopSignal(int) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGINT, &dfl, nullptr);
  sigaction(SIGTERM, &dfl, nullptr);
  if (Recorder* r = g_recorder.load()) {
    static constexpr char kNote[] =
        "liqdb record: stopping: storing what is buffered (a second SIGINT or SIGTERM ends it at once)\n";
    (void)!::write(STDERR_FILENO, kNote, sizeof kNote - 1);
    r->Stop();
  }
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string Age(Timestamp last_us) {
  if (last_us == 0) return "-";
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const double s = static_cast<double>(now - last_us) / 1e6;
  return s < 100 ? fmt::format("{:.1f}s", s) : fmt::format("{:.0f}s", s);
}

// The live table on a terminal: redrawn in place once a second; log lines
// are printed above it.
class StatusTable {
 public:
  void Draw(const std::vector<FeedStatus>& feeds) {
    std::string out = Erase();
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - last_).count();
    out += fmt::format("{:<12} {:<22} {:<10} {:>8} {:>10} {:>6} {:>6} {:>8}\n", "venue", "feed", "state",
                       "msg/s", "rows", "bad", "gaps", "last");
    for (size_t i = 0; i < feeds.size(); ++i) {
      const FeedStatus& f = feeds[i];
      const uint64_t before = i < messages_.size() ? messages_[i] : 0;
      const double rate = dt > 0 ? static_cast<double>(f.messages - before) / dt : 0;
      out += fmt::format("{:<12} {:<22} {:<10} {:>8.1f} {:>10} {:>6} {:>6} {:>8}\n", f.venue, f.feed,
                         f.connected ? "connected" : "retrying", rate, f.rows_stored, f.bad, f.gaps,
                         Age(f.last_message_us));
    }
    messages_.clear();
    for (const auto& f : feeds) messages_.push_back(f.messages);
    last_ = now;
    lines_ = feeds.size() + 1;
    std::cerr << out << std::flush;
  }
  void Print(const std::string& line) { std::cerr << Erase() << line << "\n" << std::flush; }

 private:
  std::string Erase() {
    std::string s;
    for (size_t i = 0; i < lines_; ++i) s += "\x1b[1A\x1b[2K";
    lines_ = 0;
    return s;
  }
  size_t lines_ = 0;
  std::vector<uint64_t> messages_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

int RunRecord(const RecordArgs& a) {
  RecordOptions o;
  o.store = a.store;
  o.venues = SplitList(a.venues);
  o.kinds = SplitList(a.kinds);
  o.symbols = SplitList(a.symbols);
  for (const std::string& e : a.endpoints) {
    const size_t eq = e.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "liqdb record: --endpoint takes VENUE=URL (ws://127.0.0.1:9001), not '" << e << "'\n";
      return kExitUsage;
    }
    o.endpoints[e.substr(0, eq)] = e.substr(eq + 1);
  }
  for (const std::string& cs : a.contract_sizes) {
    IngestOptions io;
    if (Status s = ParseContractSizeArg(cs, &io); !s.ok()) {
      std::cerr << "liqdb record: " << s.message() << "\n";
      return kExitUsage;
    }
    o.contract_sizes.insert(io.contract_sizes.begin(), io.contract_sizes.end());
  }
  if (!a.duration.empty()) {
    Result<int64_t> d = ParseInterval(a.duration);
    if (!d.ok()) {
      std::cerr << "liqdb record: --duration: " << d.status().message() << "\n";
      return kExitUsage;
    }
    o.duration_ms = std::max<int64_t>(1, *d / 1000);
  }
  o.raw_dir = a.raw;
  Result<int64_t> market = ParseInterval(a.market_interval);
  if (!market.ok()) {
    std::cerr << "liqdb record: --market-interval: " << market.status().message() << "\n";
    return kExitUsage;
  }
  o.market_interval_ms = std::max<int64_t>(1, *market / 1000);
  if (!a.positions_interval.empty()) {
    Result<int64_t> p = ParseInterval(a.positions_interval);
    if (!p.ok()) {
      std::cerr << "liqdb record: --positions-interval: " << p.status().message() << "\n";
      return kExitUsage;
    }
    o.positions_interval_ms = std::max<int64_t>(1, *p / 1000);
  }
  if (!a.wallets.empty()) {
    std::ifstream in(a.wallets);
    if (!in) {
      std::cerr << "liqdb record: cannot read --wallets file '" << a.wallets << "'\n";
      return kExitUsage;
    }
    std::string line;
    while (std::getline(in, line)) {
      const size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      std::stringstream ss(line);
      std::string w;
      if (ss >> w) o.wallets.push_back(w);
    }
  }
  Result<int64_t> backoff = ParseInterval(a.backoff);
  Result<int64_t> idle = ParseInterval(a.idle_timeout);
  Result<int64_t> flush = ParseInterval(a.flush_interval);
  if (!backoff.ok() || !idle.ok() || !flush.ok()) {
    std::cerr << "liqdb record: "
              << (!backoff.ok() ? "--backoff: " + backoff.status().message()
                  : !idle.ok()  ? "--idle-timeout: " + idle.status().message()
                                : "--flush-interval: " + flush.status().message())
              << "\n";
    return kExitUsage;
  }
  o.flush_interval_ms = std::max<int64_t>(1, *flush / 1000);
  o.backoff_min_ms = std::max<int64_t>(1, *backoff / 1000);
  o.backoff_max_ms = std::max(o.backoff_min_ms, o.backoff_max_ms);
  o.idle_timeout_ms = std::max<int64_t>(1, *idle / 1000);
  if (!a.no_data_timeout.empty()) {
    Result<int64_t> no_data = ParseInterval(a.no_data_timeout);
    if (!no_data.ok() || *no_data <= 0) {
      std::cerr << "liqdb record: --no-data-timeout: "
                << (no_data.ok() ? "must be longer than 0" : no_data.status().message()) << "\n";
      return kExitUsage;
    }
    o.no_data_timeout_ms = std::max<int64_t>(1, *no_data / 1000);
  }

  const bool tty = StderrIsTerminal();
  auto table = std::make_shared<StatusTable>();
  if (tty) {
    o.log = [table](const std::string& line) { table->Print(line); };
    o.tick = [table](const std::vector<FeedStatus>& feeds) { table->Draw(feeds); };
  } else {
    o.log = [](const std::string& line) { std::cerr << "liqdb record: " << line << "\n" << std::flush; };
  }

  // A closed pipe (stdout to `head`, a peer gone) is an error value, not death.
  ::signal(SIGPIPE, SIG_IGN);
  Result<std::unique_ptr<Recorder>> rec = Recorder::Open(o);
  if (!rec.ok()) {
    std::cerr << "liqdb record: " << rec.status().message() << "\n";
    return rec.status().IsInvalidArgument() ? kExitUsage : kExitFailure;
  }
  g_recorder.store(rec->get());
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  // Both held off while the handler runs: a second signal arriving then is
  // delivered after it, with the default action, and ends the process.
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  Status s = (*rec)->Run();
  g_recorder.store(nullptr);

  uint64_t rows = 0, bad = 0, gaps = 0;
  for (const FeedStatus& f : (*rec)->Feeds()) {
    rows += f.rows_stored;
    bad += f.bad;
    gaps += f.gaps;
  }
  std::cout << fmt::format("liqdb record: stored {} rows; {} bad messages; {} gaps\n", rows, bad, gaps);
  if (!s.ok()) {
    std::cerr << "liqdb record: " << s.message() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void RegisterRecordCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<RecordArgs>();
  std::string venues, kinds;
  for (const auto& v : RecordVenueNames()) venues += (venues.empty() ? "" : ",") + v;
  for (const auto& k : RecordKindNames()) kinds += (kinds.empty() ? "" : ",") + k;
  CLI::App* cmd = app.add_subcommand(
      "record",
      "Record the venues' live public feeds into a store, around the clock: reconnects with backoff, "
      "records every disconnect as a gap, stores rows at least once a second (synced). SIGINT/SIGTERM "
      "flush, seal and exit 0; a second one during that stop ends it at once. See docs/record.md.");
  cmd->add_option("--store", args->store, "store folder (created if missing)")->required();
  cmd->add_option("--venues", args->venues, "comma-separated venues (default: all of " + venues + ")");
  cmd->add_option("--kinds", args->kinds,
                  "comma-separated kinds of " + kinds + " (default: liquidations,market)");
  cmd->add_option("--symbols", args->symbols,
                  "comma-separated instruments (default: the main BTC/ETH/SOL perpetuals); VENUE:SYMBOL "
                  "for one the built-in list lacks; 'all': every trading Bybit symbol (its instrument list)");
  cmd->add_option("--endpoint", args->endpoints,
                  "VENUE=URL: replaces the venue's scheme, host and port (ws:// allowed); repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--contract-size", args->contract_sizes,
                  "INSTRUMENT=VALUE: base units (linear) or USD (inverse) per contract; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--raw", args->raw,
                  "keep every message with its receive time in DIR/VENUE/FEED/YYYY-MM-DDTHH.jsonl.zst "
                  "(liqdb ingest reads them back to the same rows)");
  cmd->add_option("--market-interval", args->market_interval,
                  "how often market samples are polled (Binance open interest, Hyperliquid)")
      ->capture_default_str();
  cmd->add_option(
      "--wallets", args->wallets,
      "Hyperliquid wallets for --kinds positions: a file of 0x addresses, one a line (# comments)");
  cmd->add_option(
      "--positions-interval", args->positions_interval,
      "how often each wallet is polled (default and minimum: what the request-weight budget allows)");
  cmd->add_option("--duration", args->duration, "stop after this long (10s, 5m, 1h); default: until stopped");
  cmd->add_option("--backoff", args->backoff, "first reconnect delay (doubles up to 60 s, full jitter)")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", args->idle_timeout,
                  "drop a connection that received nothing (not even a pong) for this long")
      ->capture_default_str();
  cmd->add_option("--no-data-timeout", args->no_data_timeout,
                  "reconnect a market feed that sent no data for this long though it answers pings "
                  "(default: 30 s, or 10 times the feed's cadence if longer; liquidation feeds are "
                  "never reconnected for silence)");
  cmd->add_option("--flush-interval", args->flush_interval,
                  "rows are stored at least this often (longer: bigger batches, more lost on a crash)")
      ->capture_default_str();
  cmd->footer(
      "Examples:\n"
      "  liqdb record --store data/live                    # liquidations and market samples, every venue\n"
      "  liqdb record --store data/live --raw data/raw --kinds liquidations\n"
      "  liqdb record --store data/live --venues hyperliquid --kinds market,positions --wallets wallets.txt\n"
      "  liqdb record --store data/live --venues bybit,okx --symbols BTCUSDT,ETHUSDT\n"
      "  liqdb record --store data/live --symbols bybit:PEPEUSDT,BTCUSDT\n"
      "  liqdb record --store /tmp/s --venues bybit --endpoint bybit=ws://127.0.0.1:9001 --duration 10s\n"
      "Binance and OKX liquidation channels carry every instrument (with --symbols, Binance uses one\n"
      "stream per symbol); Bybit subscribes per symbol on its linear and inverse endpoints.\n"
      "On a terminal a live table shows each feed; otherwise each connect, disconnect and gap is\n"
      "one line on stderr. Exit codes: 0 ok (also after SIGINT/SIGTERM), 1 the store failed,\n"
      "2 usage error (an unknown venue, kind or symbol names the known ones).");
  cmd->callback([args, exit_code] { *exit_code = RunRecord(*args); });
}

}  // namespace liqdb::cli
