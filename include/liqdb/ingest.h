// Ingestion: turns exchange archives and live feeds into liqdb rows.
//
// Three layers, each usable on its own:
//
//   LineReader  opens a file (or "-" for standard input), recognises gzip,
//               zstd and bzip2 by their magic bytes (never by the name) and
//               yields lines from a large buffer. Every line it returns is
//               followed by at least kLinePadding readable bytes, so simdjson
//               can parse it in place.
//   Adapter     one per source format: parses one line into rows normalised to
//               liqdb's data model (position side, µs, base-unit qty, quote
//               notional), appended to a RowBuffer keyed by (kind, series).
//   Ingester    drives both over files and streams and appends the rows to a
//               Store in batches cut only where a series' timestamp changes
//               (the Store's idempotency rule, see store.h), with --strict
//               all-or-nothing per file, bad-line reports, progress and a
//               summary.
//
// The normalisation rules of every source are in docs/ingest.md.
//
// Thread-safety: none of these classes is thread-safe; use one per thread.
// Ownership: the Ingester borrows the Store, which must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb {

// ---- formats ---------------------------------------------------------------

enum class Format {
  kAuto,
  kCsv,                         // liqdb's own CSV, one kind per file
  kTardisLiquidations,          // Tardis.dev `liquidations` CSV
  kTardisDerivativeTicker,      // Tardis.dev `derivative_ticker` CSV -> market
  kBinanceForceOrder,           // Binance USDⓈ-M forceOrder websocket messages
  kBinanceLiquidationSnapshot,  // Binance COIN-M liquidationSnapshot archive CSV
  kBybitLiquidation,            // Bybit v5 allLiquidation and old liquidation topic
  kOkxLiquidationOrders,        // OKX liquidation-orders channel pushes
  kHyperliquidClearinghouse,    // Hyperliquid clearinghouseState polls -> positions
  // Market samples (mark price + open interest) from the venues' live feeds;
  // each pairs the latest mark price with each open-interest sample of a
  // symbol (docs/ingest.md, "Market samples").
  kBinanceMarkPrice,      // markPriceUpdate stream + GET /fapi/v1/openInterest (and /dapi) responses
  kBybitTicker,           // Bybit v5 tickers.{symbol} snapshot + delta
  kOkxMarkPrice,          // OKX mark-price + open-interest channel pushes (either or both in one input)
  kOkxOpenInterest,       // the same adapter as kOkxMarkPrice, by its other channel's name
  kHyperliquidAssetCtxs,  // Hyperliquid metaAndAssetCtxs responses (time: the liqdb-raw recv time)
  // liqdb's raw archive (record/raw_archive.h): one received message a line,
  // {"recv":µs,"venue":..,"feed":..,"msg":<message>}, each parsed by the
  // adapter FeedFormat(venue, feed) names.
  kLiqdbRaw,
};

// "csv", "tardis-liquidations", ... ("auto" for kAuto).
const char* FormatName(Format format);
std::optional<Format> ParseFormat(std::string_view name);
// Every accepted format name, for help texts.
std::vector<std::string> FormatNames();

// The format of the messages a recorder receives on `feed` of `venue` (the
// one mapping `liqdb record` and the liqdb-raw adapter share): a feed named
// "liquidations…" ("liquidations", "liquidations-coinm", …) is the venue's
// liquidation format, "market…" its market-sample format, "positions…"
// Hyperliquid's clearinghouseState. InvalidArgument naming the known venues
// or feeds otherwise.
Result<Format> FeedFormat(std::string_view venue, std::string_view feed);

// One line of liqdb's raw archive (without its "\n"):
// {"recv":<recv_us>,"venue":"<venue>","feed":"<feed>","msg":<msg>}. A message
// that is a valid JSON object or array is embedded verbatim (its line breaks,
// whitespace in valid JSON, become spaces); anything else (a text "pong", a
// truncated frame) as a JSON string, which the liqdb-raw adapter skips. The
// recorder can feed these lines to an Ingester of format kLiqdbRaw so that
// live rows and replayed rows come from the very same bytes.
std::string FormatRawLine(std::string_view venue, std::string_view feed, Timestamp recv_us,
                          std::string_view msg);

// Recognises a format from the first lines of an input (up to ~10 suffice).
// Returns nullopt when nothing matches; `why` (optional) says what was seen.
std::optional<Format> SniffFormat(const std::vector<std::string>& first_lines, std::string* why = nullptr);

// ---- options ---------------------------------------------------------------

struct IngestOptions {
  Format format = Format::kAuto;
  // For the `csv` format: the kind of a file without a header. A header
  // selects the kind by its column names.
  std::optional<Kind> kind;
  // Keep nothing from a file that has a bad line.
  bool strict = false;
  // Symbol for binance-liquidation-snapshot input whose file name does not
  // carry it (standard input, renamed files).
  std::string symbol;
  // Contract values for instruments quoted in contracts, by instrument name:
  // base units per contract for linear instruments (BTC-USDT-SWAP: 0.01),
  // USD per contract for inverse ones (BTC-USD-SWAP: 100). Overrides the
  // built-in table.
  std::map<std::string, double> contract_sizes;
  // Rows buffered before a flush to the store (a flush never splits the rows
  // of one series that share a timestamp). Files hand a series over in whole
  // multiples of min(batch_rows, the store's chunk_rows) while fewer than
  // four batches are buffered, so its rows are sealed straight away.
  size_t batch_rows = 1 << 18;
  // Files: rows within this much event time of a series' latest row stay
  // buffered at a flush, so archives that are slightly out of order (Tardis
  // orders by arrival time) still batch each timestamp's rows together.
  int64_t reorder_window_us = 60 * kMicrosPerSecond;
  // Streams ("-"): flush at least this often so rows are queryable quickly.
  int64_t flush_interval_ms = 500;
  // Bad lines reported in full; the rest are only counted.
  size_t max_reported_errors = 20;
  // Folder holding the state adapters keep across runs (Hyperliquid's last
  // poll per wallet). Empty: the store's folder.
  std::string state_dir;
  // A file that cannot be read, whose format cannot be told, or that does not
  // look like the --format named (or whose symbol cannot be told from its
  // name) is reported, counted in IngestSummary::skipped_files and skipped,
  // instead of failing IngestPath: a batch of files goes on past it.
  bool skip_bad_files = false;
};

// Parses "INSTRUMENT=VALUE" into options->contract_sizes.
Status ParseContractSizeArg(std::string_view arg, IngestOptions* options);

// ---- contracts and venues -----------------------------------------------------

// How a venue quotes the size of one instrument.
struct ContractSpec {
  enum class Type {
    kBase,     // sizes are already base units
    kLinear,   // sizes are contracts of `value` base units each
    kInverse,  // sizes are contracts of `value` USD each
  };
  Type type = Type::kBase;
  double value = 1;
};

// The contract spec of (liqdb exchange id, instrument): `overrides` first,
// then the built-in table. NotFound naming the instrument (and how to supply
// its value) when the venue quotes it in contracts of unknown size.
Result<ContractSpec> LookupContract(std::string_view exchange, std::string_view symbol,
                                    const std::map<std::string, double>& overrides);

// Converts a venue-native size at `price` into (qty in base units, notional
// in quote currency).
void ApplyContract(const ContractSpec& spec, double size, double price, double* qty, double* notional);

// Tardis venue id -> liqdb exchange id ("binance-futures" -> "binance",
// "okex-swap" -> "okx", ...). Unknown ids pass through unchanged.
std::string_view MapTardisExchange(std::string_view tardis_id);

// ---- rows ------------------------------------------------------------------

// Rows [from, to) of `c`, same kind, sharing its account dictionary.
Columns SliceRows(const Columns& c, size_t from, size_t to);

// Parsed rows, grouped by (kind, series). Adapters append; the Ingester
// drains. Lookups of the series most recently used are cached, since
// archives come in long runs of one series.
class RowBuffer {
 public:
  Columns* Series(Kind kind, std::string_view exchange, std::string_view symbol);

  size_t rows() const { return rows_; }
  bool empty() const { return rows_ == 0; }
  // Rows added since construction or the last TakeAll/Clear. Adapters that
  // add rows call NoteRows (the Columns appenders do not count).
  void NoteRows(size_t n) { rows_ += n; }

  // Every series with rows, as batches (kind is in batch.rows.kind).
  std::vector<SeriesBatch> TakeAll();
  // Per series: sorts the rows by time and moves out those with
  // ts < (the series' latest ts − window_us); the rest stay, so a later row
  // at one of their timestamps joins them in the same batch. window_us = 0
  // keeps just the rows at the latest timestamp. With whole_of = n > 0 a
  // series moves out only whole multiples of n of those rows (its last
  // timestamp's rows completing the last n), and one with fewer than n
  // stays: the store then seals each series' rows once, in full chunks,
  // instead of staging small pieces and rewriting them.
  std::vector<SeriesBatch> TakeSettled(int64_t window_us, size_t whole_of = 0);
  // For streams, called once per flush interval: as TakeSettled(0), except
  // that a series' latest-timestamp rows already held back by the previous
  // call go too (no newer row came for a whole interval). A row thus waits
  // at most two intervals however busy the other series are; rows sharing a
  // timestamp still travel together when they arrive within an interval.
  std::vector<SeriesBatch> TakeStream();
  // Empties the buffer and forgets the watermarks (at a file's end).
  void Clear();
  // Rows taken so far whose ts was at or below a timestamp already taken for
  // their series: they arrived more than the window out of order.
  uint64_t late_rows() const { return late_rows_; }

 private:
  struct Entry {
    Kind kind;
    SeriesKey key;
    Columns rows;
    Timestamp taken_max = kMinTimestamp;  // latest ts moved out by TakeSettled
    Timestamp held = kMinTimestamp;       // TakeStream: the latest ts it held back last time
    bool has_held = false;
  };
  // Moves rows [0, cut) of `e` into `out` (cut > 0).
  void TakeFront(Entry* e, size_t cut, std::vector<SeriesBatch>* out);
  void CountLate(Entry* e, size_t n);
  uint64_t late_rows_ = 0;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;  // kind byte + exchange + '\0' + symbol
  std::string scratch_;
  size_t last_ = SIZE_MAX;
  size_t rows_ = 0;
};

// ---- input -----------------------------------------------------------------

enum class Compression { kNone, kGzip, kZstd, kBzip2 };
const char* CompressionName(Compression c);  // "plain", "gzip", "zstd", "bzip2"
// Compression of a stream starting with `head` (at least 4 bytes to be sure).
Compression DetectCompression(std::string_view head);

// Bytes after each returned line that are readable (simdjson's padding).
constexpr size_t kLinePadding = 64;

class LineReader {
 public:
  enum class Read { kLine, kEnd, kTimeout };

  // Opens `path` ("-" = standard input). Reads the first bytes to detect the
  // compression.
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path);
  // Reads from an in-memory copy of `data` (tests, embedding).
  static Result<std::unique_ptr<LineReader>> FromString(std::string data, std::string name = "<memory>");
  virtual ~LineReader() = default;

  // The next line without its "\n" (and "\r"). kEnd at the end of input.
  // When `timeout_ms` >= 0 and the input is an uncompressed pipe or terminal,
  // returns kTimeout if no complete line arrived within it. A decompression
  // error (truncated or corrupt stream) is a Corruption naming the codec.
  virtual Result<Read> Next(std::string_view* line, int timeout_ms = -1) = 0;

  const std::string& name() const { return name_; }
  Compression compression() const { return compression_; }
  // Lines returned so far: the number of the last line returned.
  uint64_t line_number() const { return line_number_; }
  // Bytes consumed from the underlying file (compressed bytes) and its size
  // (0 when unknown: pipes). For progress bars.
  virtual uint64_t bytes_consumed() const = 0;
  uint64_t total_bytes() const { return total_bytes_; }

 protected:
  LineReader() = default;
  std::string name_;
  Compression compression_ = Compression::kNone;
  uint64_t line_number_ = 0;
  uint64_t total_bytes_ = 0;
};

// ---- adapters -----------------------------------------------------------------

// What a line held besides its rows.
struct LineStats {
  uint64_t skipped = 0;  // valid records with nothing to store (unfilled order, no mark price)
  uint64_t repeats = 0;  // records the source repeated (same Tardis id, same snapshot line)
};

// Turns lines of one source format into rows. An adapter may keep state
// within a file (a CSV header, repeats seen) and across files (Hyperliquid's
// last poll per wallet).
class Adapter {
 public:
  virtual ~Adapter() = default;
  virtual Format format() const = 0;

  // Starts a file; `name` is its path (the Binance snapshot takes its symbol
  // from it).
  virtual Status BeginFile(std::string_view name) = 0;
  // Parses one line (followed by kLinePadding readable bytes), appending its
  // rows to `out`. A non-OK status rejects the line (its message is the
  // reason) and adds nothing.
  virtual Status ParseLine(std::string_view line, RowBuffer* out, LineStats* stats) = 0;
  // Ends the file: `keep` false (strict mode rejected it) rolls back any
  // cross-file state it changed.
  virtual void EndFile(bool keep) = 0;
  // The local time (µs) the next line was received, for sources whose
  // messages carry no time of their own (Hyperliquid's metaAndAssetCtxs).
  // The liqdb-raw adapter and the recorder call it before each ParseLine;
  // kMinTimestamp (the default) means unknown.
  virtual void SetReceiveTime(Timestamp recv_us) { (void)recv_us; }

  // Whether exact repeats of a row within one batch are one record (the row
  // is a state sample, or the source is known to repeat rows).
  virtual bool CollapseRepeats(Kind kind) const { return kind != Kind::kLiquidations; }

  // Cross-run state: loaded before the first file, saved after rows reached
  // the store. No-op for stateless formats.
  virtual Status LoadState(const std::string& dir) {
    (void)dir;
    return Status::OK();
  }
  virtual Status SaveState(const std::string& dir) {
    (void)dir;
    return Status::OK();
  }
  // Whether SaveState would write anything: only then must the rows parsed
  // so far be in the store first (the Ingester waits for them).
  virtual bool HasState() const { return false; }
};

// The adapter for `format` (not kAuto).
Result<std::unique_ptr<Adapter>> MakeAdapter(Format format, const IngestOptions& options);

// ---- ingester ----------------------------------------------------------------

struct IngestSummary {
  uint64_t files = 0;
  uint64_t lines = 0;                      // non-empty input lines
  uint64_t rows = 0;                       // rows parsed from good lines
  uint64_t stored = 0;                     // rows the store wrote
  uint64_t duplicates = 0;                 // rows already stored, or exact repeats collapsed
  uint64_t rejected_lines = 0;             // bad lines
  uint64_t skipped = 0;                    // records with nothing to store (unfilled, no mark price)
  uint64_t discarded_rows = 0;             // good rows dropped with their file (--strict)
  uint64_t files_rejected = 0;             // files dropped whole (--strict)
  uint64_t files_damaged = 0;              // truncated or corrupt compressed streams
  uint64_t late_rows = 0;                  // rows more than reorder_window_us out of order
  uint64_t flushes = 0;                    // Store::AppendAll calls
  std::vector<std::string> skipped_files;  // with skip_bad_files: "FILE: why"
  std::vector<std::string> formats;        // the formats read, in the order first seen
};

struct IngestProgress {
  std::string_view file;
  uint64_t bytes = 0, total_bytes = 0;  // of the current file; total 0 = unknown
  const IngestSummary* summary = nullptr;
};

// For a process that ingests in bulk (`liqdb ingest`, ingest_bench): asks
// glibc's malloc to keep freed memory for reuse instead of giving it back to
// the kernel. Every flush frees a batch of a few MB and the next one
// allocates as much again; returned to the kernel, it comes back as fresh
// zeroed pages, about 5-10 % of ingest CPU in page faults. Process-wide, so
// the owner of the process calls it; a no-op without glibc.
void KeepFreedMemoryForReuse();

// Lines -> adapter -> store. One caller thread; for files the store's
// appends run on a second thread, one group behind the parsing, so the
// store may lag the summary's parsed rows until Finish (ingester.cc). Once
// the store refuses a batch, every later call returns that failure.
class Ingester {
 public:
  Ingester(Store* store, IngestOptions options);
  ~Ingester();

  // Reports each bad line ("FILE:LINE: reason", the first
  // max_reported_errors of them) and every other message worth a user's eye
  // (the format auto chose, a damaged file). Default: none.
  void set_report(std::function<void(const std::string&)> report) { report_ = std::move(report); }
  // Called for every rejected line, not only the first max_reported_errors,
  // with the input's name, the line's number and the adapter's reason, in
  // place of its report line: a caller that counts and samples bad lines
  // itself (the recorder) gets them as values, not as text to parse.
  using RejectFn = std::function<void(const std::string& input, uint64_t line, const std::string& reason)>;
  void set_on_rejected(RejectFn on_rejected) { on_rejected_ = std::move(on_rejected); }
  // Called every few thousand lines and at each file's end.
  void set_progress(std::function<void(const IngestProgress&)> progress) { progress_ = std::move(progress); }

  // Ingests one file or "-" (standard input, flushed every
  // flush_interval_ms). Returns non-OK only for failures that stop the whole
  // run (a store error, an unknown contract instrument, no format found);
  // bad lines and damaged files are counted and reported, not returned.
  Status IngestPath(const std::string& path);
  // Ingests from an open reader (its name is used in messages).
  Status IngestReader(LineReader* reader, bool stream);
  // Flushes what is buffered, waits for the store, saves adapter state and
  // seals. Call once at the end.
  Status Finish();

  // Complete after Finish; before it, `stored` and `duplicates` may lack the
  // group still in flight.
  const IngestSummary& summary() const { return summary_; }
  // The format in use (what auto chose once known).
  std::optional<Format> format() const;

 private:
  Status ChooseAdapter(LineReader* reader, std::vector<std::string>* peeked, bool* damaged);
  // A file-level failure: skipped and reported with skip_bad_files, else returned.
  Status SkipOrFail(const Status& why);
  Status ParseOne(LineReader* reader, std::string_view line, uint64_t line_no, bool* bad);
  Status Flush(std::vector<SeriesBatch> batches);
  // For a file's flushes: the whole of what a series hands over (0: any).
  size_t WholeChunkRows() const;
  // Hands a group to the store: on the second thread for files, after the
  // group before it is stored (ingester.cc).
  Status AppendGroup(std::vector<SeriesBatch>* group);
  // Waits for the group in flight, if any, and counts it.
  Status WaitForAppend();
  Status CountAppend(const Result<AppendStats>& r);
  Status SaveState();
  void ReportBad(const std::string& file, uint64_t line, const std::string& reason);
  void Report(const std::string& message);
  void Progress(LineReader* reader);

  Store* store_;
  IngestOptions options_;
  std::map<Format, std::unique_ptr<Adapter>> adapters_;
  Adapter* adapter_ = nullptr;
  RowBuffer buffer_;
  std::string padded_;  // a peeked line with simdjson's padding
  uint64_t reported_ = 0;
  size_t next_flush_at_ = 0;  // buffer size that triggers the next flush attempt
  IngestSummary summary_;
  std::function<void(const std::string&)> report_;
  RejectFn on_rejected_;
  std::function<void(const IngestProgress&)> progress_;
  bool finished_ = false;
  bool overlap_appends_ = false;  // the current input is a file (see AppendGroup)
  std::future<Result<AppendStats>> in_flight_;
  Status append_failed_;  // the first append the store refused; nothing is stored after it
};

// "read 10 lines, 12 rows: stored 9, duplicates 3, rejected 1 line, ..."
std::string FormatSummary(const IngestSummary& summary);

}  // namespace liqdb
