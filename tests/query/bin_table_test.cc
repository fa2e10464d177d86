// BinTable (query/heatmap_internal.h): the dense window with a bitmap and
// the map for far keys must behave exactly as one ordered map of per-bin
// sums (the table it replaced), so every heatmap and map keeps its cells.
// A plain std::map oracle applies the same Add/Remove rules; the test walks
// random operations over keys near each other, far apart (beyond the
// window), -0.0, huge and non-integer keys, and compares the whole table,
// bits included, after each step.
#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "query/heatmap_internal.h"

namespace liqdb {
namespace {

using heatmap_internal::BinSums;
using heatmap_internal::BinTable;

// The rules BinTable documents, on a std::map.
struct Oracle {
  std::map<double, BinSums> bins;
  void Add(double key, int s, double notional) {
    BinSums& b = bins[key];
    b.notional[s] += notional;
    ++b.count[s];
  }
  void Remove(double key, int s, double notional) {
    auto it = bins.find(key);
    if (it == bins.end() || it->second.count[s] == 0) return;
    BinSums& b = it->second;
    if (--b.count[s] == 0) {
      b.notional[s] = 0;
    } else {
      b.notional[s] -= notional;
    }
    if (b.count[0] == 0 && b.count[1] == 0) bins.erase(it);
  }
};

size_t Differences(const BinTable& t, const Oracle& o) {
  std::vector<std::pair<double, BinSums>> got;
  for (const auto& [key, b] : t.bins()) got.emplace_back(key, b);
  if (got.size() != o.bins.size()) return 1 + got.size() + o.bins.size();
  size_t differ = 0, i = 0;
  for (const auto& [key, b] : o.bins) {
    const auto& [gk, gb] = got[i++];
    const bool same = std::bit_cast<uint64_t>(gk) == std::bit_cast<uint64_t>(key) &&
                      gb.count[0] == b.count[0] && gb.count[1] == b.count[1] &&
                      std::bit_cast<uint64_t>(gb.notional[0]) == std::bit_cast<uint64_t>(b.notional[0]) &&
                      std::bit_cast<uint64_t>(gb.notional[1]) == std::bit_cast<uint64_t>(b.notional[1]);
    if (!same) ++differ;
  }
  return differ;
}

}  // namespace

TEST_CASE("BinTable keeps the cells of an ordered map of bin sums", "[bins]") {
  std::mt19937_64 rng(9);
  // Keys: a cluster, a second cluster 200,000 keys away (beyond one window),
  // the far ends of the window's range, and keys the window never takes.
  std::vector<double> keys;
  for (int i = 0; i < 60; ++i) keys.push_back(1200 + i);
  for (int i = 0; i < 10; ++i) keys.push_back(201200 + i);
  for (double k : {0.0, -0.0, -5.0, 1200.0 - 65536, 1200.0 + 65535, 1e17, -1e17, 4503599627370496.0,
                   std::ldexp(1.0, 60), 1e300}) {
    keys.push_back(k);
  }
  BinTable table;
  Oracle oracle;
  std::vector<std::pair<double, int>> live;  // added (key, side), for removals that find something
  for (int step = 0; step < 20000; ++step) {
    const double notional = static_cast<double>(rng() % 100000) / 7;
    if (!live.empty() && rng() % 3 == 0) {
      const size_t at = rng() % live.size();
      const auto [key, s] = live[at];
      live[at] = live.back();
      live.pop_back();
      table.Remove(key, static_cast<Side>(s), notional);
      oracle.Remove(key, s, notional);
    } else if (rng() % 50 == 0) {
      const double key = keys[rng() % keys.size()];  // often absent: must change nothing
      table.Remove(key, Side::kShort, notional);
      oracle.Remove(key, 1, notional);
    } else {
      const double key = keys[rng() % keys.size()];
      const int s = static_cast<int>(rng() % 2);
      table.Add(key, static_cast<Side>(s), notional);
      oracle.Add(key, s, notional);
      live.emplace_back(key, s);
    }
    if (step % 97 == 0) {
      INFO("step " << step);
      REQUIRE(Differences(table, oracle) == 0);
    }
    if (step == 10000) {
      table.Clear();
      oracle.bins.clear();
      live.clear();
    }
  }
  CHECK(Differences(table, oracle) == 0);
}

TEST_CASE("BinTable grows its window downwards and takes far keys in", "[bins]") {
  BinTable table;
  Oracle oracle;
  // A key, one 70,000 below (too far: the map), then keys walking down to it
  // so the window grows until the far key is inside and moves in.
  auto add = [&](double key, int s) {
    table.Add(key, static_cast<Side>(s), key / 3);
    oracle.Add(key, s, key / 3);
  };
  add(100000, 0);
  add(30000, 1);
  CHECK(Differences(table, oracle) == 0);
  for (double k = 99000; k >= 30000; k -= 1000) add(k, static_cast<int>(k / 1000) % 2);
  CHECK(Differences(table, oracle) == 0);
  table.Remove(30000, Side::kShort, 10000);
  oracle.Remove(30000, 1, 10000);
  CHECK(Differences(table, oracle) == 0);
  std::vector<double> order;
  for (const auto& [key, b] : table.bins()) order.push_back(key);
  CHECK(std::is_sorted(order.begin(), order.end()));
}

}  // namespace liqdb
