// Building blocks shared by the heatmap kernels (heatmap_*.cc, model_*.cc,
// liq_map.cc): per-price-bin sums maintained by deltas, the replay of
// positions series into "in force" state, and the OI-delta model's levels.
// Internal to liqdb_query.
//
// Thread-safety: plain objects, one thread at a time.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "liqdb/heatmap.h"
#include "liqdb/liq_price.h"
#include "liqdb/query.h"

namespace liqdb::heatmap_internal {

// a + b clamped to the Timestamp range (bucket ends near kMaxTimestamp).
Timestamp SaturatingAdd(Timestamp a, int64_t b);
Timestamp SaturatingSub(Timestamp a, int64_t b);
// A double as people write it in messages: "50", "0.005", "-5", "nan".
std::string NumberText(double v);
// floor(ts / interval) * interval, for negative ts too.
Timestamp FloorTo(Timestamp ts, int64_t interval);

// The bin key of a price: PriceBinIndex (query.h), floor(p / step) with
// exact edges. Kept as a double (an integer value) so a tiny step cannot
// overflow an integer; the bin's lower edge is key * step.
inline double BinKey(double price, double step) {
  return PriceBinIndex(price, step);
}

// BinKey of prices[0..n) into keys[0..n), bit for bit, packed: the rule's
// nearbyint and floor have no packed SSE2 form, so the compiler would call
// libm twice per value. For |q| < 2^51 (q = price / step) nearbyint in the
// default rounding mode is (q + 1.5·2^52) − 1.5·2^52 with q's sign, and
// floor(q) is that or one less; other q (huge, NaN, inf) take PriceBinIndex.
void BinKeys(const double* prices, size_t n, double step, double* keys);

// Inclusive leverage bounds; NULL (NaN) leverage fails any bound.
struct LeverageFilter {
  std::optional<double> min, max;
  bool Accepts(double leverage) const {
    if (!min && !max) return true;
    if (std::isnan(leverage)) return false;
    return (!min || leverage >= *min) && (!max || leverage <= *max);
  }
};
Status ValidateLeverageBounds(const std::optional<double>& min, const std::optional<double>& max);
Status ValidatePriceStep(double step);

// Sums per price bin, per side. Counts decide emptiness: when a side's count
// drops to zero its notional is reset to exactly 0, so add/remove rounding
// never leaves a ghost cell or a -1e-12.
struct BinSums {
  double notional[2] = {0, 0};  // indexed by Side
  uint64_t count[2] = {0, 0};
};
//
// Keys (integer-valued doubles) live in a dense window of at most kMaxDense
// consecutive keys with a bitmap of the non-empty ones, so a row costs an
// index, not a tree walk; keys beyond the window (a far outlier) and 0 (whose
// sign the first Add decides, as in a map) in a map.
// Iteration is in ascending key, the window's non-empty keys found word by
// word, so a bucket's cells cost the window / 64 plus the cells.
class BinTable {
 public:
  // Inline for a key in the window (nearly every row); the rest out of line.
  void Add(double key, Side side, double notional) {
    BinSums* d = Dense(key, false);
    if (d == nullptr) return AddOutside(key, side, notional);
    const int s = static_cast<int>(side);
    d->notional[s] += notional;
    ++d->count[s];
    SetOccupied(static_cast<size_t>(d - dense_.data()), true);
  }
  void Remove(double key, Side side, double notional) {
    BinSums* d = Dense(key, false);
    if (d == nullptr) return RemoveFar(key, side, notional);
    if (Take(d, side, notional)) SetOccupied(static_cast<size_t>(d - dense_.data()), false);
  }
  void Clear();

  // Non-empty bins in ascending key, as (key, sums) pairs.
  class Iterator {
   public:
    std::pair<double, const BinSums&> operator*() const;
    Iterator& operator++();
    bool operator!=(const Iterator& o) const { return far_ != o.far_ || i_ != o.i_; }
    bool operator==(const Iterator& o) const { return !(*this != o); }

   private:
    friend class BinTable;
    bool AtFar() const;  // the current bin is far_'s (else dense_[i_])
    const BinTable* t_ = nullptr;
    std::map<double, BinSums>::const_iterator far_{};
    size_t i_ = 0;  // next non-empty window slot, dense_.size() at the end
  };
  struct Range {
    const BinTable* table;
    Iterator begin() const { return table->Begin(); }
    Iterator end() const { return table->End(); }
  };
  Range bins() const { return Range{this}; }

 private:
  static constexpr int64_t kMaxDense = int64_t{1} << 16;
  Iterator Begin() const;
  Iterator End() const;
  // The window slot of key, growing the window to hold it if it may; null
  // when the key belongs in far_.
  BinSums* Dense(double key, bool grow) {
    // Window keys are integers below 2^52 in magnitude, but not 0: +0.0
    // and -0.0 are one key whose sign is the first one added, as in a map.
    if (!(std::fabs(key) < 4503599627370496.0) || key == 0) return nullptr;
    const int64_t k = static_cast<int64_t>(key);
    if (static_cast<double>(k) != key) return nullptr;
    const uint64_t at = static_cast<uint64_t>(k - base_);
    if (at < dense_.size()) return &dense_[at];
    return grow ? Grow(k) : nullptr;
  }
  BinSums* Grow(int64_t k);                                 // Dense for a key outside the window
  void AddOutside(double key, Side side, double notional);  // grows the window or adds to far_
  void RemoveFar(double key, Side side, double notional);
  // Removes one position of `side` from b; true when b is left empty. A
  // count of 0 always comes with a notional of exactly 0, so an emptied
  // slot is as a fresh one.
  static bool Take(BinSums* b, Side side, double notional) {
    const int s = static_cast<int>(side);
    if (b->count[s] == 0) return false;
    if (--b->count[s] == 0) {
      b->notional[s] = 0;
    } else {
      b->notional[s] -= notional;
    }
    return b->count[0] == 0 && b->count[1] == 0;
  }
  void SetOccupied(size_t i, bool on) {
    const uint64_t bit = uint64_t{1} << (i % 64);
    occupied_[i / 64] = on ? occupied_[i / 64] | bit : occupied_[i / 64] & ~bit;
  }
  size_t NextOccupied(size_t from) const;  // dense_.size() when none

  int64_t base_ = 0;                // key of dense_[0]
  std::vector<BinSums> dense_;      // keys base_ .. base_ + size - 1
  std::vector<uint64_t> occupied_;  // bit i: dense_[i] non-empty
  std::map<double, BinSums> far_;   // keys outside the window
};

// The level a position contributes, if any: its liq_price, or when that is
// NULL LiqPrice(entry, leverage, side, kDefaultMmr, linear). No level when
// both are NULL, the formula is undefined, or the price is not > 0 (a
// position that cannot be liquidated).
// PositionLevelOrNaN is that level, or NaN for none, computed without
// branches on the row's values (half the rows of a venue may have a NULL
// liq_price, at random, and a replay runs it for every row): LiqPrice's
// input checks written out (mmr and side are valid here) and its linear
// formula, whose result is simply not used when the row has a liq_price.
inline double PositionLevelOrNaN(double entry_price, double leverage, double liq_price, Side side) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  // LiqPrice fails unless entry and leverage are finite and > 0, and on a
  // result that is not finite or < 0; a level must be finite and > 0.
  const bool inputs = (entry_price > 0) & (entry_price < kInf) & (leverage > 0) & (leverage < kInf);
  const double computed = inputs ? UncheckedLinearLiqPrice(entry_price, leverage, side, kDefaultMmr) : NAN;
  const double level = std::isnan(liq_price) ? computed : liq_price;
  return (level > 0) & (level < kInf) ? level : NAN;
}
// PositionLevelOrNaN of rows [0, n) into levels, bit for bit, packed four
// rows at a time (the division, the selects) in the vector form of the rule.
void PositionLevels(const double* entry, const double* leverage, const double* liq, const uint8_t* side,
                    size_t n, double* levels);
inline std::optional<double> PositionLevel(double entry_price, double leverage, double liq_price, Side side) {
  const double level = PositionLevelOrNaN(entry_price, leverage, liq_price, side);
  if (std::isnan(level)) return std::nullopt;
  return level;
}

// Account name -> dense id (0, 1, 2, ... in order of first sight). A flat
// open-addressing table of (hash, id, the name's first 16 bytes): one cache
// line per lookup, where a node-based map takes three. The snapshot replay
// looks up every row's account (a chunk's dictionary holds its own names).
class AccountIndex {
 public:
  // Names up to 16 bytes (most account ids) hash as two words and a
  // multiply-xorshift mix, a few cycles; longer ones with std::hash.
  static uint64_t Hash(std::string_view name);
  // The id of name, adding it if new.
  uint32_t Id(std::string_view name) { return Id(name, Hash(name)); }
  uint32_t Id(std::string_view name, uint64_t hash);
  // The id of name, or UINT32_MAX when it has none yet.
  uint32_t Find(std::string_view name, uint64_t hash) const;
  // Starts loading the slot a lookup of `hash` begins at: a block's names
  // are looked up with the next ones' slots already on their way, so the
  // cache misses overlap instead of queueing.
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }
  const std::string& Name(uint32_t id) const { return names_[id]; }
  size_t size() const { return names_.size(); }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t id = kEmpty;
    uint32_t length = 0;
    char head[16] = {};  // the name's first bytes, zero-padded
  };
  static constexpr uint32_t kEmpty = UINT32_MAX;
  void Grow();
  bool Matches(const Slot& slot, std::string_view name, uint64_t hash) const;
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::vector<std::string> names_;
};

// Replays positions series (merged in time order) into the positions in
// force and their per-bin sums under a leverage filter.
class PositionReplay {
 public:
  // keep_state: remember every position's row, for Keyframe(); a heatmap
  // or map needs only each position's level, a third of the memory touched
  // per row.
  PositionReplay(LeverageFilter filter, double price_step, WorkMeter* meter = nullptr, bool keep_state = true)
      : filter_(std::move(filter)), step_(price_step), meter_(meter), keep_state_(keep_state) {}

  // Adds a series; rows of its source with ts < seed.until are skipped.
  Status AddSeries(PositionSeriesInput input);
  // Applies every row with ts < until not yet applied.
  Status AdvanceTo(Timestamp until);
  const BinTable& bins() const { return bins_; }
  // How the positions in force now stand (liq_map's summary).
  PositionLevelCounts counts() const;
  // The unfiltered state of series `index` as a keyframe at `until`
  // (keep_state replays only).
  PositionKeyframe Keyframe(size_t index, Timestamp until) const;

 private:
  // What a position adds to the bins: none while bin is NaN (closed, or no
  // level). Bin keys are never NaN (levels are finite and > 0). While bin
  // is NaN, notional holds why (a Why code): the slot stays 16 bytes.
  struct Level {
    double bin = NAN;
    double notional = 0;
  };
  enum Why : int { kClosed = 0, kNoLiqPrice, kNoLevel, kFiltered, kWhyCount };
  static constexpr int kWithLevel = kWhyCount;  // in_force_'s slot of the positions with a level
  void Count(const Level& l, int64_t delta) {
    in_force_[std::isnan(l.bin) ? static_cast<int>(l.notional) : kWithLevel] += delta;
  }
  // The level of a row: its bin key is left to the caller (BinKey, or
  // BinKeys over a block) in `bin`, which holds the level's price until then.
  Level Unbinned(Side side, double size, double entry, double leverage, double liq) const {
    return WithLevel(size, leverage, liq, PositionLevelOrNaN(entry, leverage, liq, side));
  }
  // Unbinned given the row's PositionLevelOrNaN.
  Level WithLevel(double size, double leverage, double liq, double level) const;
  // The most rows AdvanceTo applies between two meter ticks.
  static constexpr size_t kBatch = 256;
  // Levels of block rows [begin, end) (at most kBatch) into out[0, end -
  // begin), keyed: what Unbinned then BinKey give, bit for bit, with the
  // keys computed packed.
  void BatchLevels(const Columns& b, size_t begin, size_t end, Level* out);
  // The position's row (keep_state only).
  struct State {
    Timestamp ts = 0;
    double size = 0, entry_price = 0, leverage = 0, liq_price = 0;
    bool in_force = false;
  };
  static constexpr uint32_t kUnmapped = UINT32_MAX;
  // Positions by account: names to dense ids, and per id × 2 + side the
  // level (and the row, keep_state only). Ids are dense, so flat vectors
  // beat a hash map (one cache miss per row, not three).
  struct Book {
    AccountIndex accounts;
    std::vector<Level> levels;
    std::vector<State> states;  // keep_state only
  };
  struct Series {
    SeriesKey key;
    Timestamp skip_before = kMinTimestamp;
    std::unique_ptr<SortedRowSource> source;
    Columns block;
    size_t pos = 0;
    bool done = false;
    // Block dictionary index -> account id in `book`, kUnmapped until a row
    // uses it: ids are given in row order, so accounts that update in a
    // steady rhythm touch `levels` (and are named) in a steady order too.
    std::vector<uint32_t> block_accounts;
    std::vector<uint64_t> block_hashes;  // AccountIndex::Hash of dictionary names
    Book book;
    // The seed's positions whose account no row has named yet. They wait
    // here (in the bins all along) and move into `book` when a row first
    // names their account, so that `book`'s ids follow the rows' order
    // (the keyframe lists accounts sorted by name).
    Book seeds;
    size_t seeds_waiting = 0;  // accounts in `seeds` not yet moved
    // Account id -> the id that followed it in the last dictionary resolved
    // (kUnmapped: none). Dictionaries list names in order of first
    // appearance, and accounts that update in a rhythm appear in the same
    // order chunk after chunk: the guess is checked with one compare against
    // names read in order, where a hash lookup is a cache miss per name.
    std::vector<uint32_t> successor;
  };
  // Positions `series_[i]` on its next row (loading blocks); false at end.
  Result<bool> Prime(size_t i);
  // Block dictionary -> account ids (kUnmapped for names not seen yet).
  void ResolveDictionary(Series& s);
  // The id in s.book of `name`, which has none yet; its seed positions, if
  // any, move in with it.
  uint32_t AddAccount(Series& s, const std::string& name);
  // Makes room in `book` for position `index`.
  void Grow(Book& book, size_t index) {
    if (index >= book.levels.size()) GrowTo(book, index);
  }
  void GrowTo(Book& book, size_t index);
  // Moves position `index` (account × 2 + side) of `book` to `next`.
  void Move(Book& book, size_t index, Side side, const Level& next);
  void Remember(Book& book, size_t index, Timestamp ts, double size, double entry, double leverage,
                double liq);

  LeverageFilter filter_;
  double step_;
  WorkMeter* meter_;  // ticked per row applied; null = never stops
  bool keep_state_;
  std::vector<Series> series_;
  // (next ts, series) of every series with rows left; smallest first, ties
  // by series index.
  using HeapItem = std::pair<Timestamp, size_t>;
  std::priority_queue<HeapItem, std::vector<HeapItem>, std::greater<HeapItem>> heap_;
  BinTable bins_;
  int64_t in_force_[kWhyCount + 1] = {};  // positions by Why, and kWithLevel
  // AdvanceTo's batch: its rows' levels, and BatchLevels' scratch.
  Level batch_levels_[kBatch];
  double batch_prices_[kBatch] = {}, batch_keys_[kBatch] = {};
  double batch_raw_[kBatch] = {};  // PositionLevels of the batch
};

// The OI-delta model of one market series (docs/sql.md, model heatmap).
// Levels are kept with "raw" notionals and one global scale factor, so a
// proportional close is O(1): a level's notional is raw × scale_.
//
// Aged levels (max_age): levels also sit in a FIFO in the order they were
// opened; Expire drops the oldest from the bins and marks them dead, and a
// sweep that later reaches a dead level in its heap just discards it (and
// the other way round), so each level leaves once, whichever comes first.
class LiqModel {
 public:
  // `tiers` normalised; `keep` marks the tiers whose levels are recorded
  // (the liq_map leverage filter); empty = all. `track_age`: keep what
  // Expire needs (off: Expire does nothing).
  LiqModel(std::vector<LeverageTier> tiers, std::vector<bool> keep, double long_share, double mmr,
           double price_step, bool track_age = false);
  // One market sample at `ts`, in time order.
  Status Apply(Timestamp ts, double mark_price, double open_interest);
  // Drops every level opened by a sample with ts < keep_from.
  void Expire(Timestamp keep_from);
  const BinTable& bins() const { return bins_; }
  double scale() const { return scale_; }
  size_t tiers() const { return tiers_.size(); }

 private:
  struct HeapLevel {
    double price = 0;
    double raw = 0;
    uint64_t id = 0;  // index into alive_ (track_age only)
  };
  struct AgedLevel {
    Timestamp opened = 0;
    uint64_t id = 0;
    double price = 0;
    double raw = 0;  // kept equal to the heap's copy (Rescale updates both)
    Side side = Side::kLong;
  };
  void Sweep(double mark_price);
  void Rescale();  // folds scale_ into the raws when it drifts far from 1
  // Whether the level leaves the bins now (false: it already left).
  bool Leave(uint64_t id);

  std::vector<LeverageTier> tiers_;
  std::vector<bool> keep_;
  double long_share_, mmr_, step_;
  bool has_baseline_ = false;
  double last_oi_ = 0;
  double scale_ = 1;
  // Levels as binary heaps by price: longs a max-heap (swept from the top),
  // shorts a min-heap (swept from the bottom). Heaps in flat vectors, not
  // trees: a month of samples leaves millions of far levels that are never
  // swept, and inserting among them must stay cache-friendly.
  using LevelHeap = std::vector<HeapLevel>;
  LevelHeap longs_, shorts_;
  BinTable bins_;
  bool track_age_;
  std::deque<AgedLevel> opened_;  // track_age: oldest first
  std::vector<bool> alive_;       // track_age: by level id
};

// The error of a grid that has more cells to return than kMaxGridCells.
Status TooManyCellsReturned(const char* function);

// Replays the heatmap grid: for each bucket, moves the state to the bucket's
// end and yields its non-empty bins. Subclasses provide the state and tick
// `meter_` per unit of their own work; the grid ticks per bucket and stops
// with TooManyCellsReturned past kMaxGridCells cells.
class GridCursor : public HeatmapCursor {
 public:
  GridCursor(TimeGrid grid, const char* function, Cancellation* cancel)
      : meter_(cancel), grid_(grid), function_(function) {}
  Result<bool> Next(HeatmapCell* cell) final;

 protected:
  virtual Status AdvanceTo(Timestamp until) = 0;
  virtual const BinTable& bins() const = 0;
  virtual double scale() const { return 1; }
  double step_ = 0;
  WorkMeter meter_;

 private:
  TimeGrid grid_;
  const char* function_;
  uint64_t returned_ = 0;
  uint64_t next_bucket_ = 0;
  Timestamp bucket_ = 0;
  bool emitting_ = false;
  BinTable::Iterator it_;
};

}  // namespace liqdb::heatmap_internal
