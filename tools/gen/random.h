// A small deterministic random number generator and the distributions the
// generator draws from.
//
// libstdc++'s distributions are implementation-defined, so the same seed
// could give other rows elsewhere; these are fixed by this file alone.
// xoshiro256** (Blackman & Vigna) seeded through splitmix64.
//
// Thread-safety: one thread per Rng.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace liqdb::gen {

inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed for a named sub-stream: the same (seed, name) always gives the same
// stream, so one symbol's path does not depend on which others are generated.
inline uint64_t SubSeed(uint64_t seed, std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001B3ULL;
  uint64_t s = seed ^ h;
  return SplitMix64(&s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& w : s_) w = SplitMix64(&seed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  bool Bernoulli(double p) { return Uniform() < p; }

  // Standard normal (Box-Muller; the second value is kept for the next call).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = Uniform();
    while (u1 <= 0) u1 = Uniform();
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2 * M_PI * u2);
  }

  double Exponential(double mean) {
    double u = Uniform();
    while (u <= 0) u = Uniform();
    return -std::log(u) * mean;
  }

  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }

  // Poisson: multiplication method for small means, a rounded normal for
  // large ones (exact enough for arrival counts, and O(1)).
  uint64_t Poisson(double mean) {
    if (!(mean > 0)) return 0;
    if (mean < 30) {
      const double limit = std::exp(-mean);
      uint64_t k = 0;
      double p = Uniform();
      while (p > limit) {
        ++k;
        p *= Uniform();
      }
      return k;
    }
    const double x = std::floor(mean + std::sqrt(mean) * Normal() + 0.5);
    return x < 0 ? 0 : static_cast<uint64_t>(x);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace liqdb::gen
