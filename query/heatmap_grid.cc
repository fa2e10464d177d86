// The pieces every heatmap shares: the time grid, argument checks, per-bin
// sums, in-memory row sources, and the cursor that walks the grid bucket by
// bucket.

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

#include "query/heatmap_internal.h"

#include "liqdb/cpu_dispatch.h"
#include "liqdb/heatmap.h"
#include "liqdb/liq_price.h"
#include "liqdb/query.h"
#include "liqdb/timeparse.h"

namespace liqdb {

namespace heatmap_internal {

Timestamp SaturatingAdd(Timestamp a, int64_t b) {
  Timestamp r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMaxTimestamp : kMinTimestamp;
  return r;
}

Timestamp SaturatingSub(Timestamp a, int64_t b) {
  Timestamp r;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? kMinTimestamp : kMaxTimestamp;
  return r;
}

Timestamp FloorTo(Timestamp ts, int64_t interval) {
  Timestamp q = ts / interval;
  if (ts % interval != 0 && ts < 0) --q;
  return q * interval;
}

std::string NumberText(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

Status ValidatePriceStep(double step) {
  if (!std::isfinite(step) || step <= 0) {
    return Status::InvalidArgument("price_step must be a finite number > 0, got " + NumberText(step));
  }
  return Status::OK();
}

Status ValidateLeverageBounds(const std::optional<double>& min, const std::optional<double>& max) {
  for (const auto* b : {&min, &max}) {
    if (*b && (!std::isfinite(**b) || **b <= 0)) {
      return Status::InvalidArgument(std::string(b == &min ? "min_leverage" : "max_leverage") +
                                     " must be a finite number > 0, got " + NumberText(**b));
    }
  }
  if (min && max && *min > *max) {
    return Status::InvalidArgument("min_leverage (" + NumberText(*min) + ") is greater than max_leverage (" +
                                   NumberText(*max) + ")");
  }
  return Status::OK();
}

namespace {
// GCC/Clang vector extensions: portable source, packed code on any target
// (SSE2 pairs on generic x86-64, one 256-bit register in the AVX2 and AVX-512 clones).
typedef double V4d __attribute__((vector_size(32)));
typedef int64_t V4i __attribute__((vector_size(32)));
}  // namespace

LIQDB_SIMD_CLONES void BinKeys(const double* prices, size_t n, double step, double* keys) {
  const V4d magic = V4d{} + 6755399441055744.0;  // 1.5 · 2^52
  const V4i sign = V4i{} + INT64_MIN;
  const V4i abs = ~sign;
  const V4d one = V4d{} + 1.0, zero = V4d{};
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    V4d p;
    std::memcpy(&p, prices + i, sizeof p);
    const V4d q = p / step;
    const V4d r = (V4d)((((V4i)((q + magic) - magic)) & abs) | ((V4i)q & sign));  // nearbyint(q)
    const V4d ar = (V4d)((V4i)r & abs);
    const V4d tolerance = 1e-9 * (one < ar ? ar : one);  // 1e-9 · std::max(1.0, |r|)
    const V4d fl = r - (q < r ? one : zero);             // floor(q)
    const V4d k = (V4d)((V4i)(q - r) & abs) <= tolerance ? r : fl;
    std::memcpy(keys + i, &k, sizeof k);
  }
  for (; i < n; ++i) keys[i] = PriceBinIndex(prices[i], step);
  // |q| >= 2^51 leaves |key| > 2^50, as does a NaN or infinite q: those (and
  // keys that are merely large) are recomputed by the rule itself. The test
  // is on the bits (|key| >= 2^50 sets bit 63 of |bits| + 2^63 - bits(2^50))
  // so that it packs too.
  constexpr uint64_t kAbs = ~(uint64_t{1} << 63);
  constexpr uint64_t kBias = (uint64_t{1} << 63) - 0x4310000000000000;  // bits(2^50)
  uint64_t large = 0;
  for (size_t j = 0; j < n; ++j) large |= (std::bit_cast<uint64_t>(keys[j]) & kAbs) + kBias;
  if ((large >> 63) == 0) return;
  for (size_t j = 0; j < n; ++j) {
    if (!(std::fabs(keys[j]) < 1125899906842624.0)) keys[j] = PriceBinIndex(prices[j], step);  // 2^50
  }
}

LIQDB_SIMD_CLONES void PositionLevels(const double* entry, const double* leverage, const double* liq,
                                      const uint8_t* side, size_t n, double* levels) {
  const V4d zero = V4d{}, one = V4d{} + 1.0, nan = V4d{} + NAN;
  const V4d inf = V4d{} + std::numeric_limits<double>::infinity();
  const V4d long_den = V4d{} + (1 - kDefaultMmr), short_den = V4d{} + (1 + kDefaultMmr);
  const V4i sign = V4i{} + INT64_MIN;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    V4d e, l, q;
    std::memcpy(&e, entry + i, sizeof e);
    std::memcpy(&l, leverage + i, sizeof l);
    std::memcpy(&q, liq + i, sizeof q);
    const V4i s = {side[i], side[i + 1], side[i + 2], side[i + 3]};
    const V4i is_long = s == static_cast<int64_t>(Side::kLong);
    // UncheckedLinearLiqPrice: 1 + (−1/L) on longs (the sign bit flipped
    // is exact negation), 1 + 1/L on shorts.
    const V4d inv = one / l;
    const V4d signed_inv = (V4d)((V4i)inv ^ (is_long & sign));
    const V4d computed = e * (one + signed_inv) / (is_long ? long_den : short_den);
    const V4i inputs = (e > zero) & (e < inf) & (l > zero) & (l < inf);
    const V4d level = q == q ? q : (inputs ? computed : nan);
    const V4d out = (level > zero) & (level < inf) ? level : nan;
    std::memcpy(levels + i, &out, sizeof out);
  }
  for (; i < n; ++i)
    levels[i] = PositionLevelOrNaN(entry[i], leverage[i], liq[i], static_cast<Side>(side[i]));
}

BinSums* BinTable::Grow(int64_t k) {
  // Grow to hold k (at least doubling, so growth is amortised), within kMaxDense.
  int64_t lo = dense_.empty() ? k : std::min(base_, k);
  int64_t hi = dense_.empty() ? k + 1 : std::max(base_ + static_cast<int64_t>(dense_.size()), k + 1);
  if (hi - lo > kMaxDense) return nullptr;
  const int64_t want = std::min<int64_t>(kMaxDense, std::max<int64_t>(64, 2 * (hi - lo)));
  if (k < base_ || dense_.empty()) {
    lo = std::max<int64_t>(hi - want, k - want / 2);
    lo = std::min(lo, k);
  }
  hi = std::max(hi, lo + want);
  if (hi - lo > kMaxDense) hi = lo + kMaxDense;
  std::vector<BinSums> grown(static_cast<size_t>(hi - lo));
  std::vector<uint64_t> bits((grown.size() + 63) / 64);
  for (size_t i = 0; i < dense_.size(); ++i) {
    const size_t at = static_cast<size_t>(base_ - lo) + i;
    grown[at] = dense_[i];
    if ((occupied_[i / 64] >> (i % 64)) & 1) bits[at / 64] |= uint64_t{1} << (at % 64);
  }
  dense_ = std::move(grown);
  occupied_ = std::move(bits);
  base_ = lo;
  // Far keys the window now covers move in (a key is in one place only).
  for (auto it = far_.lower_bound(static_cast<double>(lo));
       it != far_.end() && it->first < static_cast<double>(hi);) {
    BinSums* d = Dense(it->first, false);
    if (d == nullptr) {
      ++it;
      continue;
    }
    *d = it->second;
    SetOccupied(static_cast<size_t>(static_cast<int64_t>(it->first) - base_), true);
    it = far_.erase(it);
  }
  return &dense_[static_cast<size_t>(k - base_)];
}

size_t BinTable::NextOccupied(size_t from) const {
  size_t w = from / 64;
  if (w >= occupied_.size()) return dense_.size();
  uint64_t bits = occupied_[w] & (~uint64_t{0} << (from % 64));
  while (bits == 0) {
    if (++w >= occupied_.size()) return dense_.size();
    bits = occupied_[w];
  }
  return w * 64 + static_cast<size_t>(std::countr_zero(bits));
}

void BinTable::Clear() {
  dense_.clear();
  occupied_.clear();
  far_.clear();
  base_ = 0;
}

void BinTable::AddOutside(double key, Side side, double notional) {
  BinSums* d = Dense(key, true);
  BinSums& b = d != nullptr ? *d : far_[key];
  int s = static_cast<int>(side);
  b.notional[s] += notional;
  ++b.count[s];
  if (d != nullptr) SetOccupied(static_cast<size_t>(d - dense_.data()), true);
}

void BinTable::RemoveFar(double key, Side side, double notional) {
  auto it = far_.find(key);
  if (it == far_.end()) return;
  if (Take(&it->second, side, notional)) far_.erase(it);
}

BinTable::Iterator BinTable::Begin() const {
  Iterator it;
  it.t_ = this;
  it.far_ = far_.begin();
  it.i_ = NextOccupied(0);
  return it;
}

BinTable::Iterator BinTable::End() const {
  Iterator it;
  it.t_ = this;
  it.far_ = far_.end();
  it.i_ = dense_.size();
  return it;
}

// The two parts merged by key (a key is in one of them only).
bool BinTable::Iterator::AtFar() const {
  if (far_ == t_->far_.end()) return false;
  if (i_ >= t_->dense_.size()) return true;
  return far_->first < static_cast<double>(t_->base_ + static_cast<int64_t>(i_));
}

std::pair<double, const BinSums&> BinTable::Iterator::operator*() const {
  if (AtFar()) return {far_->first, far_->second};
  return {static_cast<double>(t_->base_ + static_cast<int64_t>(i_)), t_->dense_[i_]};
}

BinTable::Iterator& BinTable::Iterator::operator++() {
  if (AtFar()) {
    ++far_;
  } else {
    i_ = t_->NextOccupied(i_ + 1);
  }
  return *this;
}

Status TooManyCellsReturned(const char* function) {
  return Status::InvalidArgument(std::string(function) + ": more than " + std::to_string(kMaxGridCells) +
                                 " cells to return; use a coarser interval or price_step, or a shorter "
                                 "range");
}

Result<bool> GridCursor::Next(HeatmapCell* cell) {
  for (;;) {
    if (emitting_) {
      if (it_ != bins().bins().end()) {
        if (++returned_ > kMaxGridCells) return TooManyCellsReturned(function_);
        const auto [key, b] = *it_;
        cell->bucket = bucket_;
        cell->price = key * step_;
        cell->long_notional = b.notional[0] * scale();
        cell->short_notional = b.notional[1] * scale();
        cell->positions = b.count[0] + b.count[1];
        ++it_;
        return true;
      }
      emitting_ = false;
    }
    if (next_bucket_ >= grid_.buckets) return false;
    LIQDB_RETURN_IF_ERROR(meter_.Tick());
    bucket_ = grid_.first_bucket + static_cast<Timestamp>(next_bucket_) * grid_.interval;
    ++next_bucket_;
    Timestamp end = SaturatingAdd(bucket_, grid_.interval);
    if (end > grid_.to) end = grid_.to;
    LIQDB_RETURN_IF_ERROR(AdvanceTo(end));
    it_ = bins().bins().begin();
    emitting_ = true;
  }
}

namespace {

class MemorySource : public SortedRowSource {
 public:
  explicit MemorySource(Columns rows) : rows_(std::move(rows)) { rows_.SortByTime(); }
  Result<bool> NextBlock(Columns* block) override {
    if (done_ || rows_.empty()) return false;
    done_ = true;
    *block = std::move(rows_);
    return true;
  }

 private:
  Columns rows_;
  bool done_ = false;
};

}  // namespace
}  // namespace heatmap_internal

std::unique_ptr<SortedRowSource> MemoryRowSource(Columns rows) {
  return std::make_unique<heatmap_internal::MemorySource>(std::move(rows));
}

Result<std::vector<HeatmapCell>> DrainHeatmap(HeatmapCursor* cursor) {
  std::vector<HeatmapCell> out;
  HeatmapCell cell;
  for (;;) {
    LIQDB_ASSIGN_OR_RETURN(bool more, cursor->Next(&cell));
    if (!more) break;
    out.push_back(cell);
  }
  return out;
}

uint64_t PriceBinsBetween(double low, double high, double price_step) {
  if (!std::isfinite(low) || !std::isfinite(high) || !(low <= high) || !(price_step > 0)) return 0;
  const double bins = PriceBinIndex(high, price_step) - PriceBinIndex(low, price_step) + 1;
  if (!(bins < 1.8e19)) return UINT64_MAX;
  return static_cast<uint64_t>(bins);
}

Status CheckGridCells(const char* function, uint64_t buckets, uint64_t bins) {
  const unsigned __int128 cells = static_cast<unsigned __int128>(buckets) * bins;
  if (cells <= kMaxGridCells) return Status::OK();
  const std::string n_cells =
      cells > UINT64_MAX ? std::string("more than 2^64") : std::to_string(static_cast<uint64_t>(cells));
  return Status::InvalidArgument(std::string(function) + ": " + std::to_string(buckets) + " buckets × " +
                                 std::to_string(bins) + " price bins = " + n_cells +
                                 " cells, more than the " + std::to_string(kMaxGridCells) +
                                 " one call may return; use a coarser interval or price_step, or a "
                                 "shorter range");
}

Result<TimeGrid> MakeTimeGrid(Timestamp from, Timestamp to, int64_t interval) {
  LIQDB_RETURN_IF_ERROR(ValidateTimeRange(from, to));
  if (interval <= 0) {
    return Status::InvalidArgument("interval must be > 0 µs, got " + std::to_string(interval));
  }
  TimeGrid grid;
  grid.first_bucket = heatmap_internal::FloorTo(from, interval);
  grid.to = to;
  grid.interval = interval;
  Timestamp last = heatmap_internal::FloorTo(to - 1, interval);
  // In 128 bits: the span of two extreme timestamps overflows int64.
  __int128 count = (static_cast<__int128>(last) - grid.first_bucket) / interval + 1;
  if (count > static_cast<__int128>(kMaxGridCells)) {
    return Status::InvalidArgument("the range holds more than " + std::to_string(kMaxGridCells) +
                                   " buckets of this interval; use a longer interval or a shorter "
                                   "range");
  }
  grid.buckets = static_cast<uint64_t>(count);
  return grid;
}

}  // namespace liqdb
