// Store: a folder holding liquidation, position and market series in
// columnar chunks on RocksDB.
//
// Write path: Append() validates a batch, drops rows already stored (see
// "Idempotency"), and writes the rest as a *staged* chunk in one RocksDB
// WriteBatch under the WAL, so the rows are durable when it returns. The
// sealer merges staged chunks into immutable *sealed* chunks (chunk_rows
// rows, time-sorted, with a zone map, per-minute rollups and checksums) and
// deletes the staged ones in the same WriteBatch. Chunks of one series may
// overlap in time (out-of-order archives); they never hold the same row twice.
//
// Sealing policy, per series, applied by every Append and by Seal:
//   - a batch's rows and the series' staged rows are sealed together once
//     they reach chunk_rows (full chunks sealed, the rest stays staged), once
//     they span a day of event time, or on Seal(true) (everything sealed);
//   - otherwise the batch is staged; once a series holds 32 staged chunks,
//     a new batch absorbs the newest staged chunks that are no bigger than
//     the rows gathered so far (a binary counter: at most 32 + log2(staged
//     rows) staged chunks);
//   - when everything is sealed and the last chunk is short, it absorbs the
//     series' newest short sealed chunks the same way.
// Writers end a run with Seal(true) (Ingester::Finish, hence `liqdb ingest`
// of files and of a stream at its end; `liqdb gen`), so a store is sealed
// after every ingest; a live feed's rows are sealed a day at a time. Write
// amplification is bounded: a row is written once staged, rewritten at most
// log2(chunk_rows / rows per append) times by staged tiering, once when
// sealed, and at most log2(chunk_rows / rows per run) times by short-chunk
// merging; no run rewrites more than its series' short tail (< 2 chunk_rows
// rows), never the whole series. 1,000 runs of 100 rows leave a handful of
// short chunks (at most log2(runs) + 1), not 1,000.
//
// Idempotency: a row equal in every column to one already stored in its
// series is a duplicate, unless the incoming batch itself holds it more often
// than the store does (then the extra copies are new). Re-appending a batch is
// therefore a no-op, while distinct liquidations that share a microsecond,
// price and size inside one batch are all kept. Callers that split one source
// file into several batches must cut only where the timestamp changes.
//
// Read path: ChunkReader walks the chunks (sealed and staged) of a kind whose
// zone map overlaps a time range, in order of their first timestamp; the query
// layer (liqdb/query.h) builds filtered row scans and analytics on top.
//
// Sharing and thread-safety: one RocksDB handle per store folder per process.
// Store::Open returns a shared handle: every caller naming the same folder in
// one process gets the same Store. A Store is safe to use from several
// threads; writes are serialised inside.
//
// Processes: one writer at a time (it holds RocksDB's lock on the folder), any
// number of readers. A kReadOnly handle is a RocksDB secondary: it takes no
// lock, writes nothing into the folder (its own info log lives in a temporary
// folder), works whether or not a writer runs, and catches up with the writer
// at most once a second on reads (Refresh() forces it). A writer that finds
// the folder locked fails with Busy naming the holder's pid; kAuto falls back
// to a reader instead.
//
// Damage: a store whose write-ahead log or manifest fails its checksums does
// not open (Corruption naming the file and byte offset) instead of silently
// dropping acknowledged rows; Recover() opens it accepting the loss.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb {

struct StoreOptions {
  enum class Mode {
    kAuto,       // read-write; a reader if another process holds the lock
    kReadWrite,  // fail (Busy, naming the holder) if another process holds the lock
    kReadOnly,   // a reader: takes no lock, never writes; the store must exist
  };
  Mode mode = Mode::kAuto;
  bool create_if_missing = true;
  // fsync the WAL on every Append. Off only for bulk loads that can be redone.
  bool sync = true;
  // Target rows per sealed chunk (at most 2^24 - 1); a series seals once this
  // many rows are staged.
  uint32_t chunk_rows = 65536;
};

// Per-side totals in a chunk's zone map. For liquidations qty/notional are
// the columns of that name; for positions qty = size and notional =
// size × entry_price; for market chunks they are zero.
struct SideSums {
  uint64_t count = 0;
  double qty = 0;
  double notional = 0;
};

// What a chunk header says about its rows without decoding them.
struct ChunkMeta {
  Kind kind = Kind::kLiquidations;
  uint32_t series_id = 0;
  uint64_t chunk_id = 0;  // unique within the store
  bool sealed = false;    // false: a staged chunk, merged by the sealer later
  uint32_t rows = 0;
  Timestamp min_ts = 0;  // inclusive
  Timestamp max_ts = 0;  // inclusive
  double min_price = 0;  // liquidation price / entry price / mark price
  double max_price = 0;
  std::array<SideSums, 2> sides;   // indexed by Side
  bool has_rollup = false;         // liquidation chunks: a per-hour rollup stored
  bool has_minute_rollup = false;  // and a per-minute one (HasRollup)
  bool has_price_rollup = false;   // liquidation chunks: a per-hour, per-price-bin rollup stored
  uint64_t bytes = 0;              // encoded bytes of all its parts
  // Per value column c (SchemaOf(kind) order): the least and greatest
  // non-NULL value, so a scan skips chunks a value constraint rules out.
  // min_value[c] > max_value[c] when every row of c is NULL. Headers without
  // the value-range trailer (written by liqdb before it; the chunk format
  // version is still 1, docs/format.md) carry none (has_value_ranges false).
  bool has_value_ranges = false;
  std::array<double, kMaxValueColumns> min_value{}, max_value{};
};

// Rollups: per-side sums of a liquidation chunk over fixed time slots, so
// coarse histograms never decode rows. A slot covers
// [slot × resolution, (slot + 1) × resolution).
constexpr int64_t kRollupMinute = 60'000'000;
constexpr int64_t kRollupHour = 3'600'000'000;
constexpr int64_t kRollupResolutions[] = {kRollupHour, kRollupMinute};  // coarsest first
// A chunk whose rows average fewer than this many per minute slot has no
// minute rollup: its slots would cost about as much as the rows (a slot
// takes ~20 bytes, a row ~5) and save almost no decoding.
constexpr uint32_t kMinRowsPerMinuteSlot = 16;

// Whether chunk `m` holds a rollup at `resolution` (one of kRollupResolutions).
inline bool HasRollup(const ChunkMeta& m, int64_t resolution) {
  return m.has_rollup && (resolution != kRollupMinute || m.has_minute_rollup);
}

struct RollupSlot {
  int64_t slot = 0;  // floor(ts / resolution)
  std::array<SideSums, 2> sides;
};

// The price rollup of a liquidation chunk: per-side count and notional per
// (hour slot, price bin) cell, so price histograms over whole hours never
// decode rows. The bin width `step` follows from the header's price range
// (PriceRollupStep, liqdb/price_bins.h); a histogram reads the rollup when
// its price_step is a whole number of those (PriceRollupRatio). It is
// written only where it pays: the chunk's rows average kMinRowsPerPriceCell
// per cell (a cell costs about 20 bytes, a row 5: sparser chunks decode
// fast and would pay more in bytes than they save), and every row's bin is
// clear of the binning rule's snap edge (ClearPriceBin).
constexpr uint32_t kMinRowsPerPriceCell = 32;

// Column by column (the cells decode and add up as arrays): cell i is
// slot[i], bin[i], count[s][i], notional[s][i], ascending by (slot, bin),
// none empty.
struct PriceRollup {
  double step = 0;
  std::vector<int64_t> slot;                    // floor(ts / kRollupHour)
  std::vector<int64_t> bin;                     // ClearPriceBin(price, step)
  std::array<std::vector<int64_t>, 2> count;    // indexed by Side; >= 0
  std::array<std::vector<double>, 2> notional;  // indexed by Side; summed in row order
  size_t size() const { return slot.size(); }
  void Resize(size_t m) {
    slot.resize(m);
    bin.resize(m);
    for (int s = 0; s < 2; ++s) {
      count[s].resize(m);
      notional[s].resize(m);
    }
  }
};

// Which columns Decode materialises. Bit 0 = ts, bit 1 = side, bit 2 =
// account, bit (3 + c) = value column c of the kind. Columns::size() counts
// timestamps: a caller that decodes without kMaskTs takes the row count
// from ChunkMeta::rows.
using ColumnMask = uint32_t;
constexpr ColumnMask kAllColumns = ~ColumnMask{0};
constexpr ColumnMask kMaskTs = 1u << 0;
constexpr ColumnMask kMaskSide = 1u << 1;
constexpr ColumnMask kMaskAccount = 1u << 2;
constexpr ColumnMask MaskValue(int c) {
  return 1u << (3 + c);
}

struct AppendStats {
  uint64_t received = 0;    // rows in the batch
  uint64_t stored = 0;      // rows written
  uint64_t duplicates = 0;  // rows already in the store
};

struct SeriesInfo {
  Kind kind;
  uint32_t series_id;
  SeriesKey key;
  uint64_t rows = 0;
  uint64_t chunks = 0;  // sealed + staged
  uint64_t staged_chunks = 0;
  uint64_t bytes = 0;
  Timestamp min_ts = 0, max_ts = 0;
};

struct StoreStats {
  std::vector<SeriesInfo> series;
  uint64_t rows = 0, chunks = 0, chunk_bytes = 0;
  uint64_t disk_bytes = 0;  // all files in the folder
};

class ChunkReader;

// A time without data from one feed of one venue (a disconnect, a stall), as
// the recorder saw it: [from, to) in µs. venue is a liqdb exchange id
// ("binance"), feed the recorder's feed name ("liquidations", "market").
// A gap is identified by (venue, feed, from): storing one again with the same
// three replaces it (so re-stored or extended gaps are not counted twice).
struct Gap {
  std::string venue, feed;
  Timestamp from = 0, to = 0;
  std::string reason;  // free text for a reader ("disconnected: EOF", "stalled 60 s")
};

// The longest prefix of `text` of at most `max_bytes` bytes that does not
// end inside a UTF-8 character: a reason cut to Store::kMaxGapReason stays
// valid UTF-8 when it was. Bytes that are not UTF-8 are cut at `max_bytes`.
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// A recorder's note that it was recording `feed` of `venue` at `alive` (µs):
// stored every few seconds while it runs and at its stop, so the next run
// can record the time no recorder ran as a gap (docs/record.md, "Downtime").
// One per (venue, feed): storing it again replaces it.
struct Heartbeat {
  std::string venue, feed;
  Timestamp alive = 0;
};

// What Store::Recover found and gave up.
struct RecoveryReport {
  struct Lost {
    Kind kind = Kind::kLiquidations;
    SeriesKey series;
    int64_t rows = 0;  // rows the dropped records held, net of rows they rewrote
    Timestamp min_ts = 0, max_ts = 0;
  };
  std::vector<std::string> findings;  // each damaged file and byte offset, and what was done
  std::vector<Lost> lost;             // per series, from the intact records after the damage
  uint64_t unreadable_records = 0;    // damaged records themselves: their rows cannot be counted
  std::string kept;                   // folder holding copies of the damaged files ("" if none)
  bool changed = false;               // false: nothing was damaged, nothing was done
};

class Store {
 public:
  // Opens (or creates) the store in folder `path`. Returns the process-wide
  // shared handle when the folder is already open in this process.
  static Result<std::shared_ptr<Store>> Open(const std::string& path,
                                             const StoreOptions& options = StoreOptions());

  // Opens a store that Open refuses as damaged (a write-ahead log record or
  // the manifest fails its checksum), accepting the loss: replay stops before
  // the damaged log record (later records are given up), an unreadable
  // manifest is rebuilt from the table files, checkpoints failing their
  // checksum are dropped. Copies of the damaged files are kept in a
  // `damaged-<time>` sub-folder. No process may have the store open.
  static Result<RecoveryReport> Recover(const std::string& path);

  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  virtual const std::string& path() const = 0;
  virtual bool read_only() const = 0;
  // Rows per sealed chunk (StoreOptions::chunk_rows within the codecs'
  // limit): writers that can hold rows back hand a series over in multiples
  // of it, so its rows are sealed once instead of staged and rewritten.
  virtual size_t chunk_rows() const = 0;

  // Validates and writes rows of one series; durable on return. Rows of a
  // failing batch are not written at all.
  virtual Result<AppendStats> Append(const SeriesBatch& batch) = 0;
  // The same for several series, atomically: all are written or none.
  virtual Result<AppendStats> AppendAll(const std::vector<SeriesBatch>& batches) = 0;
  // The same, taking the batches' rows instead of copying them (bulk loads).
  virtual Result<AppendStats> AppendAll(std::vector<SeriesBatch>&& batches) {
    return AppendAll(static_cast<const std::vector<SeriesBatch>&>(batches));
  }

  // Seals staged chunks: of series holding at least chunk_rows staged rows
  // or staged rows spanning a day, or of every series when `force` (see
  // "Sealing policy"). Writers call Seal(true) at the end of a run.
  virtual Status Seal(bool force) = 0;
  // Merges overlapping and undersized sealed chunks of every series.
  virtual Status Compact() = 0;
  // Re-reads every chunk and checks checksums and headers. Reports each bad
  // chunk through `report` and returns Corruption if any was bad.
  virtual Status Verify(const std::function<void(const std::string&)>& report) = 0;
  // Read-only secondaries: catch up with the writer.
  virtual Status Refresh() = 0;

  // The series of a kind (all kinds when kind is nullopt).
  virtual std::vector<SeriesInfo> ListSeries(std::optional<Kind> kind) const = 0;
  // Every series, ordered by (kind, key), as one shared list that the store
  // keeps until its series or chunks change: a statement that only filters
  // the series (the table-valued functions, per call) copies nothing.
  virtual std::shared_ptr<const std::vector<SeriesInfo>> SeriesListing() const {
    return std::make_shared<const std::vector<SeriesInfo>>(ListSeries(std::nullopt));
  }
  virtual Result<StoreStats> Stats() const = 0;

  // Checkpoints: opaque state a query kernel saves so that it need not replay
  // a series from its beginning (e.g. the positions in force, for heatmaps).
  // A checkpoint `at` t describes the rows with ts < t. Appending a row with
  // ts < t to the series deletes the checkpoint (it would be stale), in the
  // same atomic write. Read-only stores accept no checkpoints.
  virtual Status PutCheckpoint(Kind kind, uint32_t series_id, Timestamp at, const std::string& state) = 0;
  // The latest checkpoint with at <= `at_or_before`, if any.
  struct Checkpoint {
    Timestamp at = 0;
    std::string state;
  };
  virtual Result<std::optional<Checkpoint>> LatestCheckpoint(Kind kind, uint32_t series_id,
                                                             Timestamp at_or_before) const = 0;

  // Gaps (see Gap). PutGap validates (venue and feed non-empty without NUL
  // bytes, from < to, reason at most kMaxGapReason bytes) and writes under a
  // synced WAL: durable on return. Read-only stores refuse it (NotSupported).
  virtual Status PutGap(const Gap& gap) = 0;
  // Gaps overlapping [from, to) (gap.from < to and gap.to > from), ordered by
  // (from, venue, feed). A damaged gap record fails the call (Corruption
  // naming the gap).
  virtual Result<std::vector<Gap>> ListGaps(Timestamp from, Timestamp to) const = 0;
  static constexpr size_t kMaxGapReason = 1024;

  // Heartbeats (see Heartbeat). PutHeartbeat validates (venue and feed
  // non-empty without NUL bytes) and writes under a synced WAL: durable on
  // return. Read-only stores refuse it (NotSupported). GetHeartbeat: nullopt
  // when the feed has none; Corruption naming it when its record is damaged.
  virtual Status PutHeartbeat(const Heartbeat& heartbeat) = 0;
  virtual Result<std::optional<Timestamp>> GetHeartbeat(const std::string& venue,
                                                        const std::string& feed) const = 0;

  // Chunks of `kind` in series `series_ids` (all when empty) whose
  // [min_ts, max_ts] meets [from, to), ordered by min_ts.
  virtual Result<std::unique_ptr<ChunkReader>> ReadChunks(Kind kind, const std::vector<uint32_t>& series_ids,
                                                          Timestamp from, Timestamp to) const = 0;

 protected:
  Store() = default;
};

// Walks chunk headers and decodes on demand. Holds a consistent snapshot.
class ChunkReader {
 public:
  virtual ~ChunkReader() = default;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual const ChunkMeta& meta() const = 0;
  virtual const SeriesKey& series() const = 0;
  // Back to the first chunk, at the same snapshot: a kernel that sizes its
  // output from the headers walks them once, then reads.
  virtual void Rewind() = 0;
  // Decodes the chunk's columns selected by `mask` into `out` (replacing it).
  virtual Status Decode(ColumnMask mask, Columns* out) = 0;
  // A rollup of a liquidation chunk at one of kRollupResolutions, where
  // HasRollup(meta(), resolution); slots with no rows are absent.
  virtual Status ReadRollup(int64_t resolution, std::vector<RollupSlot>* out) = 0;
  // The price rollup of a liquidation chunk, where meta().has_price_rollup.
  virtual Status ReadPriceRollup(PriceRollup* out) = 0;
  // Whether value column `value_column` (SchemaOf order) of a liquidation
  // chunk is its notional stored as price × qty, bit for bit, for every row
  // (docs/format.md): then Decode rebuilds it from the two.
  virtual Result<bool> IsProduct(int value_column) = 0;
  // Value column `value_column` (not a product) at rows at[0..m), ascending
  // and each < meta().rows, into out[0..m): what Decode gives at those rows,
  // for less work where m is small.
  virtual Status DecodeValuesAt(int value_column, const uint32_t* at, size_t m, double* out) = 0;
  // The rows of value column `value_column` (not a product) whose value is
  // greater than t, ascending, and their values, where the column's
  // encoding finds them without decoding every row (a lot-size column whose
  // few large values are stored apart); *found false, nothing else set,
  // where it cannot.
  virtual Status DecodeValuesAbove(int value_column, double t, std::vector<uint32_t>* at,
                                   std::vector<double>* values, bool* found) = 0;
};

}  // namespace liqdb
