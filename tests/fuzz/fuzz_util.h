// Shared helpers of the libFuzzer targets in tests/fuzz/: a check that
// reports a broken property as a crash (libFuzzer saves the input), and
// bit-exact comparison of doubles (codecs promise every bit pattern back).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>

// A property the code promises; a violation is a finding like any crash.
#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace liqdb::fuzz {

inline bool SameBits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace liqdb::fuzz
