// Heatmaps and the other "where is leverage waiting" analytics: the snapshot
// heatmap over real positions (liq_heatmap), the OI-delta model heatmap over
// market samples (liq_heatmap_model), the liquidation map at one moment with
// its cumulative curves (liq_map), and liquidation cascades (liq_cascades).
// The meaning of every number is docs/sql.md's "Meaning of each result";
// docs/heatmaps.md writes down the choices the contract leaves open.
//
// Every analytic exists twice: as a kernel over time-sorted rows handed in by
// the caller (`SortedRowSource`, e.g. `MemoryRowSource(Columns)`), which needs
// no Store and is what the tests exercise, and as a thin wrapper that reads
// the rows of the selected series from a Store. Grids stream: a cursor yields
// one cell per Next() so the SQLite extension can stop between rows. Each
// grid is computed in one pass over time-sorted rows, keeping the state in
// force and per-price-bin sums updated by deltas: the cost is O(rows + cells),
// not O(buckets × positions).
//
// Keyframes: the state of a positions series at a moment (every position in
// force) is a `PositionKeyframe`. It can seed the snapshot kernels, so a query
// reads one keyframe plus the rows after it instead of the whole history
// before `from`. Where keyframes are kept is the storage layer's business: it
// builds them with AdvancePositionKeyframe, stores EncodePositionKeyframe's
// bytes, and hands them back through a `KeyframeProvider`.
//
// Bounded work: a spec's `cancel` (optional, not owned) is asked every few
// milliseconds of work whether to go on (liqdb/cancel.h), so a caller can stop
// a kernel in the middle of a long replay. Grids are capped at kMaxGridCells
// cells (query.h), checked before any row is read: a heatmap's cells are its
// buckets × the price bins on its price axis (see CheckGridCells). Leverage
// profiles are capped at kMaxLeverageTiers tiers, model lookbacks at
// kMaxModelLookback.
//
// Ownership and thread-safety: cursors own their row sources; the Store
// wrappers' cursors hold a reference to the Store, which must outlive them. A
// cursor is used by one thread at a time. The free functions are pure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "liqdb/cancel.h"
#include "liqdb/status.h"
#include "liqdb/store.h"
#include "liqdb/types.h"

namespace liqdb {

// ---- Row sources -----------------------------------------------------------

// The rows of one series in time order, block by block (each block a
// `Columns` of the series' kind with its own account dictionary). Blocks
// must not overlap in time: every row of a block is at or after every row of
// the block before.
class SortedRowSource {
 public:
  virtual ~SortedRowSource() = default;
  // Replaces `block` with the next non-empty block; false at the end.
  virtual Result<bool> NextBlock(Columns* block) = 0;
};

// A source yielding `rows` (sorted here by time, stably) as one block.
std::unique_ptr<SortedRowSource> MemoryRowSource(Columns rows);

// A source over series `series_id` of `store`, reading [from, to) window by
// window through ReadSeriesSorted so memory stays bounded by one window.
std::unique_ptr<SortedRowSource> StoreRowSource(const Store& store, Kind kind, uint32_t series_id,
                                                Timestamp from, Timestamp to);

// ---- Grid cells ------------------------------------------------------------

// One non-empty cell of a heatmap.
struct HeatmapCell {
  Timestamp bucket = 0;       // bucket start, a multiple of the interval
  double price = 0;           // bin's lower edge floor(p / step) * step
  double long_notional = 0;   // Σ size × liq_price of long levels in the bin
  double short_notional = 0;  // the same for shorts
  uint64_t positions = 0;     // positions (snapshot) or model levels in the cell
};

// Yields the non-empty cells of a heatmap in (bucket, price) order.
class HeatmapCursor {
 public:
  virtual ~HeatmapCursor() = default;
  virtual Result<bool> Next(HeatmapCell* cell) = 0;
};

// Drains a cursor into a vector (tests, rendering, small grids).
Result<std::vector<HeatmapCell>> DrainHeatmap(HeatmapCursor* cursor);

// The time buckets of [from, to): starts AlignDown(from) … AlignDown(to − 1).
// A bucket's state is taken at min(bucket + interval, to): rows at or after
// `to` never count, like every other half-open range.
struct TimeGrid {
  Timestamp first_bucket = 0;
  Timestamp to = 0;
  int64_t interval = 0;
  uint64_t buckets = 0;
};
// Fails on to <= from, interval <= 0, or more than kMaxGridCells buckets.
Result<TimeGrid> MakeTimeGrid(Timestamp from, Timestamp to, int64_t interval);

// The price bins of step `price_step` that cover [low, high] (both > 0 and
// finite; 0 when the axis is empty, i.e. low > high or not finite).
uint64_t PriceBinsBetween(double low, double high, double price_step);

// The cell cap of a grid: `buckets` × `bins` must not pass kMaxGridCells.
// The error names the function, both counts, the product and the cap, and
// how to get under it ("use a coarser interval or price_step, or a shorter
// range").
Status CheckGridCells(const char* function, uint64_t buckets, uint64_t bins);

// ---- Snapshot heatmap (liq_heatmap) over positions --------------------------

struct SnapshotHeatmapSpec {
  Timestamp from = 0, to = 0;                   // [from, to); positions in force before `from` carry over
  int64_t interval = 0;                         // µs, > 0
  double price_step = 0;                        // > 0
  std::vector<std::string> symbols, exchanges;  // empty = all (Store wrapper only)
  // Inclusive bounds; a position with NULL leverage fails any bound.
  std::optional<double> min_leverage, max_leverage;
  Cancellation* cancel = nullptr;  // asked during long work (cancel.h); not owned
};

// Checks steps, range, bucket count and leverage bounds (finite, > 0, min <= max).
Status ValidateSnapshotHeatmapSpec(const SnapshotHeatmapSpec& spec);

// One position in force: the latest row of its (account, side) in a series.
// NULL leverage / liq_price are NaN, as in Columns.
struct PositionState {
  std::string account;
  Side side = Side::kLong;
  Timestamp ts = 0;  // of the row that set it
  double size = 0;   // > 0 (closed positions are not kept)
  double entry_price = 0;
  double leverage = 0;
  double liq_price = 0;
};

// Every position of one series in force after all its rows with ts < until,
// sorted by (account, side). Unfiltered: filters apply at query time.
struct PositionKeyframe {
  Timestamp until = kMinTimestamp;
  std::vector<PositionState> positions;
};

// A compact, versioned, bounds-checked byte encoding of a keyframe.
std::string EncodePositionKeyframe(const PositionKeyframe& keyframe);
// Corruption on truncated, trailing or malformed bytes.
Result<PositionKeyframe> DecodePositionKeyframe(std::string_view bytes);

// Rolls `base` forward to `until` (>= base.until) by applying the rows of
// `rows` (one series, any order; sorted stably here) with
// base.until <= ts < until.
Result<PositionKeyframe> AdvancePositionKeyframe(const PositionKeyframe& base, const Columns& rows,
                                                 Timestamp until);

// Where the Store wrappers look for keyframes (implemented by the storage
// layer). Find returns the latest keyframe of the series with until <= at, or
// nullopt if there is none.
class KeyframeProvider {
 public:
  virtual ~KeyframeProvider() = default;
  virtual Result<std::optional<PositionKeyframe>> Find(uint32_t series_id, Timestamp at) const = 0;
};

// Keyframes kept in the Store itself, as checkpoints of kind kPositions
// (Store::PutCheckpoint / LatestCheckpoint, holding EncodePositionKeyframe's
// bytes). The store drops a checkpoint when a row older than it is appended,
// so what Find returns is never stale. The provider references the Store.
std::unique_ptr<KeyframeProvider> StoreKeyframes(const Store& store);

// A day: one keyframe per series per day bounds the replay before `from` to
// one day of rows.
constexpr int64_t kDefaultKeyframeEvery = 24LL * 3600 * 1'000'000;

// Writes keyframes at every multiple of `every` (µs, > 0) after each
// positions series' latest keyframe (or first row) up to its last row,
// replaying only the rows after that keyframe. Returns how many it wrote.
// Meant for maintenance (after ingest, `liqdb compact`); idempotent.
Result<uint64_t> WritePositionKeyframes(Store& store, int64_t every = kDefaultKeyframeEvery);

// One positions series for the kernels: a seed state and the rows after it.
// Rows with ts < seed.until are ignored (the seed already holds them).
struct PositionSeriesInput {
  SeriesKey key;
  PositionKeyframe seed;
  std::unique_ptr<SortedRowSource> rows;
};

// Kernel: the snapshot heatmap of the given series (filters by symbol and
// exchange are the caller's; spec.symbols/exchanges are ignored here).
Result<std::unique_ptr<HeatmapCursor>> OpenSnapshotHeatmap(std::vector<PositionSeriesInput> series,
                                                           const SnapshotHeatmapSpec& spec);
// Over a Store: the positions series selected by spec.symbols/exchanges,
// each seeded from the latest keyframe at or before the first bucket's start
// (`keyframes`, or the store's own checkpoints when null). Its price axis,
// for the cell cap, is the span of the selected series' entry prices (chunk
// zone maps): levels sit around their entries. Levels can lie beyond it (a
// venue's own liq_price), so the cursor also stops with the same error once
// it has returned kMaxGridCells cells.
Result<std::unique_ptr<HeatmapCursor>> OpenSnapshotHeatmap(const Store& store,
                                                           const SnapshotHeatmapSpec& spec,
                                                           const KeyframeProvider* keyframes = nullptr);

// ---- Model heatmap (liq_heatmap_model) over market samples ------------------

constexpr const char* kDefaultLeverageProfile = "10:0.3,25:0.25,50:0.25,100:0.2";
constexpr int64_t kDefaultModelLookback = 7LL * 24 * 3600 * 1'000'000;  // '7d'
constexpr double kDefaultLongShare = 0.5;
// Caps on the model's work: every OI increase opens one level per tier and
// side, and a lookback is replayed sample by sample before `from`.
constexpr size_t kMaxLeverageTiers = 64;
constexpr int64_t kMaxModelLookback = 31LL * 24 * 3600 * 1'000'000;  // '31d'

struct LeverageTier {
  double leverage = 0;  // > 1
  double weight = 0;    // normalised: the tiers' weights sum to 1
};

// Parses 'L:w,L:w,…' (spaces allowed around items). Fails on a malformed
// number ('10:abc'), leverage <= 1 or non-finite, a negative or non-finite
// weight, weights summing to 0, an empty profile, or more than
// kMaxLeverageTiers tiers. Weights come back
// normalised to sum 1.
Result<std::vector<LeverageTier>> ParseLeverageProfile(std::string_view text);

struct ModelParams {
  std::string leverage_profile = kDefaultLeverageProfile;
  int64_t lookback = kDefaultModelLookback;  // µs, within [0, kMaxModelLookback]
  double long_share = kDefaultLongShare;     // [0, 1]
  double mmr = 0.005;                        // [0, 1)
  // Levels opened max_age or longer before the moment shown are dropped
  // (docs/sql.md, "Model heatmap"); none = kept until swept or closed.
  std::optional<int64_t> max_age;  // µs, > 0
};
Status ValidateModelParams(const ModelParams& params);

struct ModelHeatmapSpec {
  Timestamp from = 0, to = 0;
  int64_t interval = 0;
  double price_step = 0;
  std::string symbol, exchange;  // one series; required by the Store wrapper
  ModelParams model;
  Cancellation* cancel = nullptr;  // asked during long work (cancel.h); not owned
};
Status ValidateModelHeatmapSpec(const ModelHeatmapSpec& spec);

// Kernel: replays `market` (one series; samples before from − lookback and at
// or after `to` are skipped) and yields the model's levels per bucket.
Result<std::unique_ptr<HeatmapCursor>> OpenModelHeatmap(std::unique_ptr<SortedRowSource> market,
                                                        const ModelHeatmapSpec& spec);
// Over a Store: the market series (spec.exchange, spec.symbol). Fails with
// InvalidArgument when symbol or exchange is empty; an unknown series yields
// no cells. Its price axis, for the cell cap, is where the tiers' levels of
// the mark prices in [from − lookback, to) (chunk zone maps) can fall.
Result<std::unique_ptr<HeatmapCursor>> OpenModelHeatmap(const Store& store, const ModelHeatmapSpec& spec);

// The cell-by-cell sum of several heatmaps over one grid (same interval and
// price_step): cells with equal (bucket, price) add their notionals and
// counts; the result streams in (bucket, price) order. How one coin's model
// heatmap covers several venues: each series' own model, summed. Fails once
// it has returned kMaxGridCells cells.
std::unique_ptr<HeatmapCursor> SumHeatmaps(std::vector<std::unique_ptr<HeatmapCursor>> parts);

// ---- Liquidation map (liq_map) ----------------------------------------------

struct LiqMapSpec {
  Timestamp at = 0;
  double price_step = 0;
  std::vector<std::string> symbols, exchanges;  // Store wrapper only
  std::optional<double> min_leverage, max_leverage;
  ModelParams model;               // market sources (the SQL function passes the defaults)
  Cancellation* cancel = nullptr;  // asked during long work (cancel.h); not owned
};
Status ValidateLiqMapSpec(const LiqMapSpec& spec);

struct LiqMapRow {
  double price = 0;  // bin's lower edge
  double long_notional = 0;
  double short_notional = 0;
  double cum_long = 0;   // long notional in bins at or above price
  double cum_short = 0;  // short notional in bins at or below price
};

// What became of the positions in force at a map's moment (a positions
// source): each is in exactly one of the last four counts.
struct PositionLevelCounts {
  uint64_t in_force = 0;      // open positions (size > 0) of the selected series
  uint64_t with_level = 0;    // in the map
  uint64_t no_liq_price = 0;  // the venue reported none (liq_price 0): no move liquidates it
  uint64_t no_level = 0;      // liq_price NULL and no leverage to compute one from (or none > 0)
  uint64_t filtered = 0;      // outside the leverage filter
};

// Kernels. Positions: latest row per key with ts <= at. Market: each
// series' model after its last sample with ts <= at (replayed from
// at − lookback), summed over the series; the leverage filter keeps the
// profile's tiers within it (an InvalidArgument when it keeps none).
// One row per non-empty bin, ascending price.
// `counts` (optional) receives how the positions in force stand.
Result<std::vector<LiqMapRow>> LiqMapOfPositions(std::vector<PositionSeriesInput> series,
                                                 const LiqMapSpec& spec,
                                                 PositionLevelCounts* counts = nullptr);
Result<std::vector<LiqMapRow>> LiqMapOfMarket(std::vector<std::unique_ptr<SortedRowSource>> series,
                                              const LiqMapSpec& spec);
// Over a Store; `kind` is kPositions or kMarket (else InvalidArgument).
// Positions are seeded from keyframes as in OpenSnapshotHeatmap; `counts`
// (optional, positions only) as in LiqMapOfPositions.
Result<std::vector<LiqMapRow>> LiqMap(const Store& store, Kind kind, const LiqMapSpec& spec,
                                      const KeyframeProvider* keyframes = nullptr,
                                      PositionLevelCounts* counts = nullptr);

// ---- Cascades (liq_cascades) over liquidations ------------------------------

struct CascadeSpec {
  Timestamp from = 0, to = 0;
  int64_t max_gap = 0;                          // µs, >= 0; a gap equal to max_gap joins the group
  double min_notional = 0;                      // >= 0; a group is kept when long + short notional >= this
  std::vector<std::string> symbols, exchanges;  // Store wrapper only
  std::vector<std::string> coins;               // Store wrapper only; empty = all (liqdb/coin.h)
  Cancellation* cancel = nullptr;               // asked during long work (cancel.h); not owned
};
Status ValidateCascadeSpec(const CascadeSpec& spec);

struct CascadeRow {
  Timestamp first_ts = 0, last_ts = 0;
  uint64_t events = 0;
  double long_notional = 0, short_notional = 0;
  double first_price = 0, last_price = 0;  // of the group's first and last event
};

// Yields cascades in time order.
class CascadeCursor {
 public:
  virtual ~CascadeCursor() = default;
  virtual Result<bool> Next(CascadeRow* row) = 0;
};

// Kernel: merges the series in time order (events sharing a timestamp keep
// the order of `series`, then each series' own order) and groups them.
Result<std::unique_ptr<CascadeCursor>> OpenCascades(std::vector<std::unique_ptr<SortedRowSource>> series,
                                                    const CascadeSpec& spec);
// Over a Store: the liquidation series selected by the spec, in (exchange,
// symbol) order.
Result<std::unique_ptr<CascadeCursor>> OpenCascades(const Store& store, const CascadeSpec& spec);

}  // namespace liqdb
