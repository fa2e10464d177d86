// Helpers shared by the Catch2 tests: unique temporary folders and small
// deterministic row generators.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "liqdb/types.h"

namespace liqdb::test {

// A fresh folder under $LIQDB_TEST_TMP (or the system temp folder), removed
// when the object goes away.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const char* base = std::getenv("LIQDB_TEST_TMP");
    std::filesystem::path root = base ? base : std::filesystem::temp_directory_path();
    path_ = root / ("liqdb-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// `n` liquidations with times in [t0, t0 + span): decimal prices on a 0.1
// tick and sizes on a 0.001 lot, notional = price × qty. Unsorted when
// `shuffle`.
inline Columns RandomLiquidations(size_t n, Timestamp t0, Timestamp span, uint64_t seed,
                                  bool shuffle = false) {
  std::mt19937_64 rng(seed);
  Columns c(Kind::kLiquidations);
  Timestamp t = t0;
  for (size_t i = 0; i < n; ++i) {
    if (shuffle) {
      t = t0 + static_cast<Timestamp>(rng() % static_cast<uint64_t>(span));
    } else {
      t = t0 + static_cast<Timestamp>((static_cast<unsigned __int128>(i) * span) / n) +
          static_cast<Timestamp>(rng() % 1000);
    }
    const double price = static_cast<double>(600000 + rng() % 100000) / 10.0;
    const double qty = static_cast<double>(1 + rng() % 5000) / 1000.0;
    c.AddLiquidation(t, (rng() % 10) < 6 ? Side::kLong : Side::kShort, price, qty, price * qty);
  }
  return c;
}

}  // namespace liqdb::test
