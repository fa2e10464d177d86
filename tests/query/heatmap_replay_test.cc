// The snapshot replay's bookkeeping (query/heatmap_snapshot.cc) on inputs
// shaped to stress it: thousands of accounts (the account table grows many
// times), names over 16 bytes, accounts on both sides, closes and reopens,
// rows split into many blocks whose dictionaries list names in first-seen or
// in sorted order, an order that drifts from cycle to cycle (skips, swaps, a
// reversed cycle, late joiners) and keyframe seeds of which some accounts are
// never named again. Expected values come from a plain "latest row per
// (series, account, side)" sweep; every notional is an integer (integer sizes
// × integer liq_prices), so sums are exact in any order and compared with ==.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "liqdb/heatmap.h"

namespace liqdb {
namespace {

constexpr int kAccounts = 3000;
constexpr int kCycles = 12;
constexpr Timestamp kCycle = 20000;  // µs; each (account, side) has one row per cycle at most
constexpr double kStep = 50;

struct Row {
  Timestamp ts;
  std::string account;
  Side side;
  double size, entry, leverage, liq;  // NaN = NULL
};

std::string Name(int i) {
  return i % 7 == 0 ? "account-with-a-long-name-" + std::to_string(i) : "a" + std::to_string(i);
}

// One series' rows in time order. Entities are (account, side) pairs; every
// cycle lists them in a base order with drift. `parity` keeps the two
// series' timestamps apart (even / odd).
std::vector<Row> History(uint64_t seed, int parity) {
  std::mt19937_64 rng(seed);
  struct Entity {
    int account;
    Side side;
    bool second;  // the account's other side
  };
  std::vector<Entity> entities;
  for (int i = 0; i < kAccounts; ++i) {
    entities.push_back({i, i % 2 ? Side::kShort : Side::kLong, false});
    if (i % 5 == 0) entities.push_back({i, i % 2 ? Side::kLong : Side::kShort, true});  // both sides
  }
  std::shuffle(entities.begin(), entities.end(), rng);
  std::vector<Row> rows;
  for (int c = 0; c < kCycles; ++c) {
    std::vector<Entity> order = entities;
    if (c == 5) std::reverse(order.begin(), order.end());
    for (size_t j = 0; j + 1 < order.size(); ++j) {
      if (rng() % 20 == 0) std::swap(order[j], order[j + 1]);
    }
    int slot = 0;
    for (const auto& [i, side, second] : order) {
      ++slot;
      if (i >= 2000 && c < 3) continue;  // joins late
      // Goes quiet: a seed never named again, or the side of a seed that
      // waits while the account's other side is named.
      if ((i % 97 == 0 || (second && i % 3 == 0)) && c >= 2) continue;
      if (rng() % 33 == 0) continue;  // skips a cycle
      Row r;
      r.ts = c * kCycle + slot * 4 + parity;
      r.account = Name(i);
      r.side = side;
      const int kind = static_cast<int>(rng() % 40);
      r.size = kind < 4 ? 0 : static_cast<double>(1 + rng() % 9);  // ~10 % closes
      r.entry = 60000;
      r.leverage = 10;
      // An integer level well inside its $50 bin: 50·k + 7.
      r.liq = 50.0 * static_cast<double>(900 + rng() % 400) + 7;
      if (kind == 4) r.liq = 0;  // the venue says there is none: no level
      if (kind == 5) {           // nothing to compute a level from
        r.liq = NAN;
        r.leverage = NAN;
      }
      rows.push_back(r);
    }
  }
  return rows;
}

// Rows [begin, end) as a block, its dictionary in first-seen or in
// descending name order.
Columns Block(const std::vector<Row>& rows, size_t begin, size_t end, bool sorted_dict) {
  Columns c(Kind::kPositions);
  for (size_t i = begin; i < end; ++i) {
    const Row& r = rows[i];
    c.AddPosition(r.ts, r.account, r.side, r.size, r.entry,
                  std::isnan(r.leverage) ? std::nullopt : std::optional<double>(r.leverage),
                  std::isnan(r.liq) ? std::nullopt : std::optional<double>(r.liq));
  }
  if (!sorted_dict) return c;
  // The same rows in a fresh Columns (no name index over the old order).
  Columns out(Kind::kPositions);
  out.ts = c.ts;
  out.side = c.side;
  out.values = c.values;
  out.account_dict = c.account_dict;
  std::sort(out.account_dict.begin(), out.account_dict.end(), std::greater<>());
  std::map<std::string, uint32_t> at;
  for (uint32_t d = 0; d < out.account_dict.size(); ++d) at[out.account_dict[d]] = d;
  for (uint32_t a : c.account) out.account.push_back(at[c.account_dict[a]]);
  return out;
}

// Hands on prepared blocks one by one.
class Blocks : public SortedRowSource {
 public:
  explicit Blocks(std::vector<Columns> blocks) : blocks_(std::move(blocks)) {}
  Result<bool> NextBlock(Columns* block) override {
    if (next_ >= blocks_.size()) return false;
    *block = std::move(blocks_[next_++]);
    return true;
  }

 private:
  std::vector<Columns> blocks_;
  size_t next_ = 0;
};

// The rows with ts >= from, in blocks of uneven sizes.
std::unique_ptr<SortedRowSource> Source(const std::vector<Row>& rows, Timestamp from, bool sorted_dict) {
  size_t begin = 0;
  while (begin < rows.size() && rows[begin].ts < from) ++begin;
  std::vector<Columns> blocks;
  const size_t sizes[] = {997, 1500, 3001, 64, 1, 2048};
  for (size_t k = 0; begin < rows.size(); ++k) {
    const size_t end = std::min(rows.size(), begin + sizes[k % 6]);
    blocks.push_back(Block(rows, begin, end, sorted_dict));
    begin = end;
  }
  return std::make_unique<Blocks>(std::move(blocks));
}

using Latest = std::map<std::tuple<int, std::string, int>, Row>;  // (series, account, side) -> row

// Applies the rows of every series with ts < until not yet applied.
void Sweep(const std::vector<std::vector<Row>>& series, std::vector<size_t>* pos, Timestamp until,
           Latest* latest) {
  for (size_t s = 0; s < series.size(); ++s) {
    for (size_t& i = (*pos)[s]; i < series[s].size() && series[s][i].ts < until; ++i) {
      const Row& r = series[s][i];
      (*latest)[{static_cast<int>(s), r.account, static_cast<int>(r.side)}] = r;
    }
  }
}

struct Cell {
  double long_n = 0, short_n = 0;
  uint64_t positions = 0;
};

// Every bucket's cells, from the latest rows alone: a position with
// size > 0 and liq_price > 0 (all levels here are explicit) sits in bin
// floor(liq / 50), found in integers.
std::map<std::pair<Timestamp, double>, Cell> Expected(const std::vector<std::vector<Row>>& series,
                                                      const SnapshotHeatmapSpec& spec) {
  std::map<std::pair<Timestamp, double>, Cell> out;
  std::vector<size_t> pos(series.size(), 0);
  Latest latest;
  for (Timestamp b = spec.from - spec.from % spec.interval; b < spec.to; b += spec.interval) {
    Sweep(series, &pos, std::min(b + spec.interval, spec.to), &latest);
    for (const auto& [key, r] : latest) {
      if (!(r.size > 0) || !(r.liq > 0)) continue;
      const int64_t bin = static_cast<int64_t>(r.liq) / 50;
      Cell& c = out[{b, static_cast<double>(bin) * kStep}];
      (r.side == Side::kLong ? c.long_n : c.short_n) += r.size * r.liq;
      ++c.positions;
    }
  }
  return out;
}

// Series s's positions in force before `until`, as a keyframe lists them.
PositionKeyframe KeyframeAt(const std::vector<Row>& rows, Timestamp until) {
  Latest latest;
  std::vector<size_t> pos(1, 0);
  Sweep({rows}, &pos, until, &latest);
  PositionKeyframe kf;
  kf.until = until;
  for (const auto& [key, r] : latest) {  // (account, side) order
    if (r.size > 0) kf.positions.push_back({r.account, r.side, r.ts, r.size, r.entry, r.leverage, r.liq});
  }
  return kf;
}

void Compare(const std::vector<HeatmapCell>& cells,
             const std::map<std::pair<Timestamp, double>, Cell>& want) {
  REQUIRE(want.size() > 1000);  // not vacuous
  REQUIRE(cells.size() == want.size());
  size_t i = 0;
  for (const auto& [key, w] : want) {
    const HeatmapCell& c = cells[i++];
    INFO("bucket " << key.first << " price " << key.second);
    REQUIRE(c.bucket == key.first);
    REQUIRE(c.price == key.second);
    CHECK(c.long_notional == w.long_n);
    CHECK(c.short_notional == w.short_n);
    CHECK(c.positions == w.positions);
  }
}

TEST_CASE("snapshot replay: many accounts, drifting order, block dictionaries, seeds", "[heatmap][replay]") {
  const std::vector<std::vector<Row>> series = {History(1, 0), History(2, 1)};
  SnapshotHeatmapSpec spec;
  spec.from = 2 * kCycle + kCycle / 2;  // carries positions over
  spec.to = kCycles * kCycle;
  spec.interval = kCycle / 3;
  spec.price_step = kStep;
  const auto want = Expected(series, spec);

  SECTION("replayed from the first row") {
    std::vector<PositionSeriesInput> in(2);
    for (size_t s = 0; s < 2; ++s) {
      in[s].key = {"ex", "S" + std::to_string(s)};
      in[s].rows = Source(series[s], kMinTimestamp, s == 1);
    }
    auto cursor = OpenSnapshotHeatmap(std::move(in), spec);
    REQUIRE(cursor.ok());
    auto cells = DrainHeatmap(cursor->get());
    REQUIRE(cells.ok());
    Compare(*cells, want);
  }
  SECTION("seeded from keyframes at the first bucket's start") {
    const Timestamp at = spec.from - spec.from % spec.interval;
    std::vector<PositionSeriesInput> in(2);
    for (size_t s = 0; s < 2; ++s) {
      in[s].key = {"ex", "S" + std::to_string(s)};
      in[s].seed = KeyframeAt(series[s], at);
      REQUIRE(in[s].seed.positions.size() > 1000);
      in[s].rows = Source(series[s], at, s == 0);
    }
    auto cursor = OpenSnapshotHeatmap(std::move(in), spec);
    REQUIRE(cursor.ok());
    auto cells = DrainHeatmap(cursor->get());
    REQUIRE(cells.ok());
    Compare(*cells, want);
  }
}

TEST_CASE("snapshot replay: a keyframe rolled forward keeps the seed's untouched accounts",
          "[heatmap][replay][keyframe]") {
  const std::vector<Row> rows = History(3, 0);
  const Timestamp base_at = 2 * kCycle + 123, until = 7 * kCycle + 4567;
  const PositionKeyframe base = KeyframeAt(rows, base_at);
  Columns all = Block(rows, 0, rows.size(), false);
  auto rolled = AdvancePositionKeyframe(base, all, until);
  REQUIRE(rolled.ok());
  const PositionKeyframe want = KeyframeAt(rows, until);
  // Accounts quiet since cycle 2 (i % 97 == 0) are in both, untouched.
  size_t quiet = 0;
  for (const PositionState& p : want.positions) quiet += p.ts < base_at;
  CHECK(quiet > 10);
  CHECK(rolled->until == until);
  REQUIRE(rolled->positions.size() == want.positions.size());
  for (size_t i = 0; i < want.positions.size(); ++i) {
    const PositionState &got = rolled->positions[i], &w = want.positions[i];
    INFO("position " << i << " of " << w.account);
    CHECK(got.account == w.account);
    CHECK(got.side == w.side);
    CHECK(got.ts == w.ts);
    CHECK(got.size == w.size);
    CHECK((got.liq_price == w.liq_price || (std::isnan(got.liq_price) && std::isnan(w.liq_price))));
    CHECK((got.leverage == w.leverage || (std::isnan(got.leverage) && std::isnan(w.leverage))));
  }
}

}  // namespace
}  // namespace liqdb
