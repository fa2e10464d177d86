// The snapshot heatmap (liq_heatmap): positions in force at each bucket's end,
// binned by liquidation price. One pass over the time-merged rows of every
// series; each row moves its position's contribution from its old bin to its
// new one, so a bucket costs its rows plus its non-empty cells.

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

#include "query/heatmap_internal.h"

#include "liqdb/heatmap.h"

namespace liqdb {

namespace heatmap_internal {

namespace {
// The first 16 bytes of name, zero-padded, as a Slot keeps them (a byte
// loop: a library memcpy/memcmp call per lookup cost more than the lookup).
struct Head {
  uint64_t w[2] = {0, 0};
  explicit Head(std::string_view name) {
    unsigned char b[16] = {};
    const size_t n = std::min<size_t>(name.size(), 16);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(name[i]);
    std::memcpy(w, b, 16);
  }
};
}  // namespace

uint64_t AccountIndex::Hash(std::string_view name) {
  if (name.size() > 16) return std::hash<std::string_view>{}(name);
  const Head h(name);
  uint64_t x = h.w[0] * 0x9e3779b97f4a7c15ULL;
  x ^= std::rotl(h.w[1] * 0xc2b2ae3d27d4eb4fULL, 31) ^ name.size();
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 29;
  return x;
}

bool AccountIndex::Matches(const Slot& slot, std::string_view name, uint64_t hash) const {
  if (slot.hash != hash || slot.length != name.size()) return false;
  const Head h(name);
  uint64_t w[2];
  std::memcpy(w, slot.head, 16);
  return w[0] == h.w[0] && w[1] == h.w[1] && (name.size() <= sizeof(Slot::head) || names_[slot.id] == name);
}

uint32_t AccountIndex::Find(std::string_view name, uint64_t hash) const {
  if (slots_.empty()) return kEmpty;
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.id == kEmpty) return kEmpty;
    if (Matches(slot, name, hash)) return slot.id;
  }
}

uint32_t AccountIndex::Id(std::string_view name, uint64_t hash) {
  if (names_.size() >= slots_.size() / 2) Grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.id == kEmpty) {
      slot.hash = hash;
      slot.id = static_cast<uint32_t>(names_.size());
      slot.length = static_cast<uint32_t>(name.size());
      const Head h(name);
      std::memcpy(slot.head, h.w, sizeof slot.head);
      names_.emplace_back(name);
      return slot.id;
    }
    if (Matches(slot, name, hash)) return slot.id;
  }
}

void AccountIndex::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(std::max<size_t>(64, old.size() * 2), Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.id == kEmpty) continue;
    size_t i = slot.hash & mask;
    while (slots_[i].id != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

Status PositionReplay::AddSeries(PositionSeriesInput input) {
  size_t index = series_.size();
  series_.emplace_back();
  Series& s = series_.back();
  s.key = std::move(input.key);
  s.skip_before = input.seed.until;
  s.source = std::move(input.rows);
  for (const PositionState& p : input.seed.positions) {
    if (!(p.size > 0)) continue;
    const size_t at = static_cast<size_t>(s.seeds.accounts.Id(p.account)) * 2 + static_cast<size_t>(p.side);
    Level l = Unbinned(p.side, p.size, p.entry_price, p.leverage, p.liq_price);
    if (!std::isnan(l.bin)) l.bin = BinKey(l.bin, step_);
    Move(s.seeds, at, p.side, l);
    if (keep_state_) Remember(s.seeds, at, p.ts, p.size, p.entry_price, p.leverage, p.liq_price);
  }
  s.seeds_waiting = s.seeds.accounts.size();
  LIQDB_ASSIGN_OR_RETURN(bool has_rows, Prime(index));
  if (has_rows) heap_.emplace(series_[index].block.ts[series_[index].pos], index);
  return Status::OK();
}

Result<bool> PositionReplay::Prime(size_t i) {
  Series& s = series_[i];
  for (;;) {
    if (s.done) return false;
    while (s.pos < s.block.size() && s.block.ts[s.pos] < s.skip_before) ++s.pos;
    if (s.pos < s.block.size()) return true;
    if (!s.source) {
      s.done = true;
      return false;
    }
    LIQDB_ASSIGN_OR_RETURN(bool more, s.source->NextBlock(&s.block));
    if (!more) {
      s.done = true;
      s.block.Clear();
      return false;
    }
    if (s.block.kind != Kind::kPositions || s.block.values.size() != pos_col::kCount ||
        s.block.side.size() != s.block.size() || s.block.account.size() != s.block.size()) {
      return Status::InvalidArgument(
          "snapshot heatmap: a row source yielded rows that are not "
          "positions");
    }
    s.pos = 0;
    ResolveDictionary(s);
  }
}

void PositionReplay::ResolveDictionary(Series& s) {
  const std::vector<std::string>& dict = s.block.account_dict;
  s.block_accounts.resize(dict.size());
  s.successor.resize(s.book.accounts.size(), kUnmapped);
  // Each name is first checked against its guess, the successor of the
  // name before it; a miss (a name out of its usual order, or new) goes to
  // the hash table. When misses are common (no steady order), the rest of
  // the names go to the table in a batch, their slots prefetched a few
  // names ahead so the cache misses overlap instead of queueing.
  uint32_t prev = kUnmapped;
  size_t misses = 0;
  size_t d = 0;
  for (; d < dict.size(); ++d) {
    uint32_t id = kUnmapped;
    if (prev != kUnmapped) {
      const uint32_t guess = s.successor[prev];
      if (guess != kUnmapped && s.book.accounts.Name(guess) == dict[d]) id = guess;
    }
    if (id == kUnmapped) {
      if (++misses > 64 && misses * 4 > d) break;
      id = s.book.accounts.Find(dict[d], AccountIndex::Hash(dict[d]));
      if (prev != kUnmapped && id != kUnmapped) s.successor[prev] = id;
    }
    s.block_accounts[d] = id;
    prev = id;
  }
  if (d == dict.size()) return;
  s.block_hashes.resize(dict.size());
  for (size_t e = d; e < dict.size(); ++e) s.block_hashes[e] = AccountIndex::Hash(dict[e]);
  constexpr size_t kAhead = 16;
  for (; d < dict.size(); ++d) {
    if (d + kAhead < dict.size()) s.book.accounts.Prefetch(s.block_hashes[d + kAhead]);
    const uint32_t id = s.book.accounts.Find(dict[d], s.block_hashes[d]);
    if (prev != kUnmapped && id != kUnmapped) s.successor[prev] = id;
    s.block_accounts[d] = id;
    prev = id;
  }
}

inline PositionReplay::Level PositionReplay::WithLevel(double size, double leverage, double liq,
                                                       double level) const {
  Level l;
  if (size > 0 && !std::isnan(level) && filter_.Accepts(leverage)) {  // nearly every row
    l.bin = level;
    l.notional = size * level;
  } else if (!(size > 0)) {
    l.notional = kClosed;
  } else if (!filter_.Accepts(leverage)) {
    l.notional = kFiltered;
  } else {
    // liq_price 0 is the venue saying there is none; else nothing to compute one from.
    l.notional = liq == 0 ? kNoLiqPrice : kNoLevel;
  }
  return l;
}

void PositionReplay::BatchLevels(const Columns& b, size_t begin, size_t end, Level* out) {
  const double* size = b.values[pos_col::kSize].data();
  const double* entry = b.values[pos_col::kEntryPrice].data();
  const double* leverage = b.values[pos_col::kLeverage].data();
  const double* liq = b.values[pos_col::kLiqPrice].data();
  // Rows without a level key a dummy 1, dropped after.
  double* prices = batch_prices_;
  double* keys = batch_keys_;
  const size_t m = end - begin;
  PositionLevels(entry + begin, leverage + begin, liq + begin, b.side.data() + begin, m, batch_raw_);
  for (size_t j = 0; j < m; ++j) {
    const size_t r = begin + j;
    out[j] = WithLevel(size[r], leverage[r], liq[r], batch_raw_[j]);
    prices[j] = std::isnan(out[j].bin) ? 1.0 : out[j].bin;
  }
  BinKeys(prices, m, step_, keys);
  for (size_t j = 0; j < m; ++j) {
    if (!std::isnan(out[j].bin)) out[j].bin = keys[j];
  }
}

uint32_t PositionReplay::AddAccount(Series& s, const std::string& name) {
  const uint64_t hash = AccountIndex::Hash(name);
  const uint32_t id = s.book.accounts.Id(name, hash);
  if (s.seeds_waiting == 0) return id;
  const uint32_t seed = s.seeds.accounts.Find(name, hash);
  if (seed == kUnmapped) return id;
  // Both sides move as they are: they stay in the bins and in the counts.
  for (size_t side = 0; side < 2; ++side) {
    const size_t from = static_cast<size_t>(seed) * 2 + side;
    if (from >= s.seeds.levels.size()) break;
    const size_t to = static_cast<size_t>(id) * 2 + side;
    Grow(s.book, to);
    s.book.levels[to] = s.seeds.levels[from];
    s.seeds.levels[from] = Level{};
    if (keep_state_) {
      s.book.states[to] = s.seeds.states[from];
      s.seeds.states[from] = State{};
    }
  }
  if (--s.seeds_waiting == 0) s.seeds = Book{};  // every seed moved: its memory goes
  return id;
}

void PositionReplay::GrowTo(Book& book, size_t index) {
  book.levels.resize(std::max(index + 1, book.levels.size() * 2));
  if (keep_state_) book.states.resize(book.levels.size());
}

inline void PositionReplay::Move(Book& book, size_t index, Side side, const Level& to) {
  Grow(book, index);
  // Copies: the bins' stores may alias a Level as far as the compiler knows.
  const Level next = to;
  Level& l = book.levels[index];
  const Level old = l;
  l = next;
  Count(old, -1);
  if (!std::isnan(old.bin)) bins_.Remove(old.bin, side, old.notional);
  if (!std::isnan(next.bin)) bins_.Add(next.bin, side, next.notional);
  Count(next, +1);
}

void PositionReplay::Remember(Book& book, size_t index, Timestamp ts, double size, double entry,
                              double leverage, double liq) {
  State& st = book.states[index];
  st.in_force = size > 0;
  st.ts = ts;
  st.size = size;
  st.entry_price = entry;
  st.leverage = leverage;
  st.liq_price = liq;
}

PositionLevelCounts PositionReplay::counts() const {
  PositionLevelCounts c;
  c.with_level = static_cast<uint64_t>(in_force_[kWithLevel]);
  c.no_liq_price = static_cast<uint64_t>(in_force_[kNoLiqPrice]);
  c.no_level = static_cast<uint64_t>(in_force_[kNoLevel]);
  c.filtered = static_cast<uint64_t>(in_force_[kFiltered]);
  c.in_force = c.with_level + c.no_liq_price + c.no_level + c.filtered;
  return c;
}

Status PositionReplay::AdvanceTo(Timestamp until) {
  while (!heap_.empty() && heap_.top().first < until) {
    size_t i = heap_.top().second;
    heap_.pop();
    Series& s = series_[i];
    // Apply this series' rows while it stays the earliest (ties across
    // series go to the lower index, which the heap already chose): its
    // next row, then those before the bound, block by block.
    Timestamp bound = heap_.empty() ? until : std::min(until, heap_.top().first);
    // Rows go in batches of at most kBatch, each ticking the meter once (a
    // block may be large, and a replay must stop soon when asked) and
    // having its levels computed together.
    Level* levels = batch_levels_;
    bool more = true;
    while (more) {
      const Columns& b = s.block;
      const size_t n = std::min(b.size(), s.pos + kBatch);
      size_t end = s.pos + 1;
      while (end < n && b.ts[end] < bound) ++end;
      if (meter_ != nullptr) LIQDB_RETURN_IF_ERROR(meter_->Tick(end - s.pos));
      BatchLevels(b, s.pos, end, levels);
      for (size_t r = s.pos; r < end; ++r) {
        uint32_t& account = s.block_accounts[b.account[r]];
        if (account == kUnmapped) account = AddAccount(s, b.account_dict[b.account[r]]);
        // The position a few rows on, on its way into the cache.
        constexpr size_t kAhead = 8;
        if (r + kAhead < b.size()) {
          const uint32_t ahead = s.block_accounts[b.account[r + kAhead]];
          const size_t at = static_cast<size_t>(ahead) * 2 + b.side[r + kAhead];
          if (ahead != kUnmapped && at < s.book.levels.size()) __builtin_prefetch(&s.book.levels[at]);
        }
        const size_t at = static_cast<size_t>(account) * 2 + b.side[r];
        Move(s.book, at, static_cast<Side>(b.side[r]), levels[r - s.pos]);
        if (keep_state_) {
          Remember(s.book, at, b.ts[r], b.values[pos_col::kSize][r], b.values[pos_col::kEntryPrice][r],
                   b.values[pos_col::kLeverage][r], b.values[pos_col::kLiqPrice][r]);
        }
      }
      s.pos = end;
      LIQDB_ASSIGN_OR_RETURN(more, Prime(i));
      if (more && s.block.ts[s.pos] >= bound) break;
    }
    if (more) heap_.emplace(s.block.ts[s.pos], i);
  }
  return Status::OK();
}

PositionKeyframe PositionReplay::Keyframe(size_t index, Timestamp until) const {
  PositionKeyframe kf;
  kf.until = until;
  const Series& s = series_[index];
  // An account is in one book only: the seed's until a row names it.
  for (const Book* book : {&s.book, &s.seeds}) {
    for (size_t i = 0; i < book->states.size(); ++i) {
      const State& e = book->states[i];
      if (!e.in_force) continue;
      PositionState p;
      p.account = book->accounts.Name(static_cast<uint32_t>(i / 2));
      p.side = static_cast<Side>(i % 2);
      p.ts = e.ts;
      p.size = e.size;
      p.entry_price = e.entry_price;
      p.leverage = e.leverage;
      p.liq_price = e.liq_price;
      kf.positions.push_back(std::move(p));
    }
  }
  std::sort(kf.positions.begin(), kf.positions.end(), [](const PositionState& a, const PositionState& b) {
    return a.account != b.account ? a.account < b.account : a.side < b.side;
  });
  return kf;
}

namespace {

class SnapshotCursor : public GridCursor {
 public:
  SnapshotCursor(TimeGrid grid, LeverageFilter filter, double step, Cancellation* cancel)
      : GridCursor(grid, "liq_heatmap", cancel), replay_(std::move(filter), step, &meter_, false) {
    step_ = step;
  }
  PositionReplay* replay() { return &replay_; }

 protected:
  Status AdvanceTo(Timestamp until) override { return replay_.AdvanceTo(until); }
  const BinTable& bins() const override { return replay_.bins(); }

 private:
  PositionReplay replay_;
};

}  // namespace
}  // namespace heatmap_internal

Status ValidateSnapshotHeatmapSpec(const SnapshotHeatmapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(MakeTimeGrid(spec.from, spec.to, spec.interval).status());
  LIQDB_RETURN_IF_ERROR(heatmap_internal::ValidatePriceStep(spec.price_step));
  return heatmap_internal::ValidateLeverageBounds(spec.min_leverage, spec.max_leverage);
}

Result<std::unique_ptr<HeatmapCursor>> OpenSnapshotHeatmap(std::vector<PositionSeriesInput> series,
                                                           const SnapshotHeatmapSpec& spec) {
  LIQDB_RETURN_IF_ERROR(ValidateSnapshotHeatmapSpec(spec));
  LIQDB_ASSIGN_OR_RETURN(TimeGrid grid, MakeTimeGrid(spec.from, spec.to, spec.interval));
  auto cursor = std::make_unique<heatmap_internal::SnapshotCursor>(
      grid, heatmap_internal::LeverageFilter{spec.min_leverage, spec.max_leverage}, spec.price_step,
      spec.cancel);
  for (PositionSeriesInput& s : series) {
    LIQDB_RETURN_IF_ERROR(cursor->replay()->AddSeries(std::move(s)));
  }
  return std::unique_ptr<HeatmapCursor>(std::move(cursor));
}

}  // namespace liqdb
