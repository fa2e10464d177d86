// Recording: the venues' live public feeds stored as they arrive
// (`liqdb record`, docs/record.md).
//
// A Recorder opens one WebSocket session per (venue, feed) on a single
// network thread (Boost.Asio), answers and sends each venue's keep-alives,
// reconnects with jittered exponential backoff and resubscribes; a venue that
// is down never stops the others. Every message is parsed by the same
// adapters as `liqdb ingest` (one Ingester per feed, fed line by line), so
// both give identical rows for the same messages; rows reach the store in
// small synced batches at least once a second, cut only where a series'
// timestamp changes, and everything buffered is flushed at each reconnect so
// a venue repeating messages after a reconnect stores nothing twice. The time
// from a disconnect to the first frame of the next connection is a gap, and
// so is the time no recorder ran (from the previous run's last heartbeat to
// this run's start). Gaps and heartbeats are written on a thread of their
// own (record/side_writer.h), never on the network thread.
// Malformed, unexpected and oversized messages are counted per feed and
// logged with a short sample, never fatal.
//
// Thread-safety: Run() blocks on the calling thread (it runs the network loop
// there and one parsing thread per feed). Stop() may be called from any
// thread and from a signal handler (it only sets an atomic flag). Feeds() and
// gaps() may be called from any thread while Run() is going.
// Ownership: the Recorder owns its store handle (opened read-write with the
// WAL synced; another writer makes Open fail with Busy) and its connections;
// the callbacks in RecordOptions must outlive Run().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb {

// What one feed has done so far (Recorder::Feeds).
struct FeedStatus {
  std::string venue;  // "binance"
  std::string feed;   // "liquidations", "liquidations-coinm", ...
  std::string url;    // where it connects
  bool connected = false;
  uint64_t connects = 0;          // successful handshakes
  uint64_t disconnects = 0;       // connections lost (dropped, stalled, failed to connect)
  uint64_t messages = 0;          // data messages passed to the adapter
  uint64_t control = 0;           // acks, pongs and other control messages
  uint64_t bad = 0;               // malformed, unexpected, rejected or oversized messages
  uint64_t repeats = 0;           // messages the venue sent again after a reconnect (skipped)
  uint64_t dropped = 0;           // data messages dropped: the parser was max_queue_bytes behind
  uint64_t rows_stored = 0;       // rows the store wrote for this feed
  uint64_t gaps = 0;              // gaps recorded
  Timestamp last_message_us = 0;  // wall-clock receive time of the last frame (0 = none yet)
  std::string last_error;         // why the last connection ended ("" = none)
};

struct RecordOptions {
  std::string store;                 // store folder (created if missing)
  std::vector<std::string> venues;   // empty: every venue (RecordVenueNames)
  std::vector<std::string> kinds;    // empty: liquidations and market
  std::vector<std::string> symbols;  // empty: each venue's main BTC/ETH/SOL perpetuals
  // Venue -> base URL ("ws://127.0.0.1:9001"): replaces scheme, host and
  // port; the venue's paths and messages stay its own.
  std::map<std::string, std::string> endpoints;
  // Base units (linear) or USD (inverse) per contract, by instrument, as
  // `liqdb ingest --contract-size`.
  std::map<std::string, double> contract_sizes;

  // --raw: keep every data (and bad) message with its receive time in
  // hourly files under this folder (record/raw_archive.h); "" = none.
  std::string raw_dir;
  // Market samples taken by REST polls (open interest, Hyperliquid) this often.
  int64_t market_interval_ms = 10'000;
  // Hyperliquid positions (--kinds positions): the wallets polled with
  // clearinghouseState, and how often (0, or less than the request-weight
  // budget allows: the least it allows, docs/record.md).
  std::vector<std::string> wallets;
  int64_t positions_interval_ms = 0;

  // Reconnect delay: full jitter over min(max, min × 2^attempt).
  int64_t backoff_min_ms = 500;
  int64_t backoff_max_ms = 60'000;
  // Resolve, connect, TLS and WebSocket handshakes each within this.
  int64_t connect_timeout_ms = 10'000;
  // Nothing received for this long (WebSocket pings included, which the
  // client sends when the line is quiet): the connection is stalled and
  // dropped.
  int64_t idle_timeout_ms = 60'000;
  // A message larger than this is counted bad and its connection dropped.
  size_t max_message_bytes = 4 << 20;
  // Rows are stored at least this often.
  int64_t flush_interval_ms = 500;
  // Per feed, messages received but not yet parsed are held up to this many
  // bytes; past it (a slow disk) data messages are dropped, counted and the
  // time is a gap ("recorder backlog").
  size_t max_queue_bytes = 64 << 20;
  // Connections are renewed before this age (Binance closes them at 24 h).
  int64_t max_connection_age_ms = 23 * 3'600'000LL;
  // The data watchdog: a connection of a feed the venue pushes at a fixed
  // cadence (market samples) that brought no data message for this long,
  // pongs notwithstanding, is reconnected and the time is a gap ("no data
  // for N s"). 0 = max(30 s, 10 × the feed's cadence). Liquidation feeds
  // have no cadence and are never reconnected for silence.
  int64_t no_data_timeout_ms = 0;
  // Stop by itself after this long (0 = run until Stop()).
  int64_t duration_ms = 0;
  // Scales the venues' keep-alive intervals (tests make them short).
  double ping_interval_scale = 1.0;

  // One line per connect, disconnect, gap and bad message (sampled).
  // Called on the network thread or a feed's parsing thread, never two at once.
  std::function<void(const std::string&)> log;
  // Called about once a second on the network thread with every feed's
  // state; never at the same time as `log`.
  std::function<void(const std::vector<FeedStatus>&)> tick;
};

// The venues `liqdb record` knows, and the kinds it records.
std::vector<std::string> RecordVenueNames();
std::vector<std::string> RecordKindNames();

class Recorder {
 public:
  // Checks the options (an unknown venue, kind or symbol fails naming the
  // known ones; a bad --endpoint URL fails naming it) and opens the store
  // read-write (Busy naming the holder when another process writes it).
  static Result<std::unique_ptr<Recorder>> Open(RecordOptions options);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Stores the downtime gap of each feed that has a heartbeat from an
  // earlier run, then records until Stop() or duration_ms; then flushes
  // every feed, records the gaps still open, stores each feed's last
  // heartbeat and seals the store; every gap is durable when it returns. Non-OK only when the store
  // failed (an append or a seal); network trouble is retried, never returned.
  Status Run();
  // Asks Run() to finish. Async-signal-safe.
  void Stop();

  std::vector<FeedStatus> Feeds() const;
  // The gaps recorded so far (each also stored with Store::PutGap).
  std::vector<Gap> gaps() const;

  class Impl;

 private:
  explicit Recorder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace liqdb
