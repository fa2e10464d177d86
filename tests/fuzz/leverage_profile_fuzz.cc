// Fuzzes ParseLeverageProfile (query/model_profile.cc) on any text.
// Properties: no crash, no UB; an accepted profile has at least one tier,
// every leverage finite and > 1, every weight finite and >= 0, and the
// weights sum to 1 (they come back normalised).
#include <cmath>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/fuzz_util.h"

#include "liqdb/heatmap.h"

using namespace liqdb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tiers = ParseLeverageProfile(text);
  if (!tiers.ok()) {
    FUZZ_CHECK(!tiers.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(!tiers->empty());
  double total = 0;
  for (const LeverageTier& t : *tiers) {
    FUZZ_CHECK(std::isfinite(t.leverage) && t.leverage > 1);
    FUZZ_CHECK(std::isfinite(t.weight) && t.weight >= 0);
    total += t.weight;
  }
  FUZZ_CHECK(std::fabs(total - 1) < 1e-9 * static_cast<double>(tiers->size()));
  return 0;
}
