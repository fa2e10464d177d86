// The model heatmap's parameters: parsing the leverage profile
// ('10:0.3,25:0.25,…') and checking lookback, long share and mmr.

#include <charconv>
#include <cmath>
#include <string>

#include "query/heatmap_internal.h"

#include "liqdb/heatmap.h"

namespace liqdb {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The whole of `s` as a double, or nullopt ('abc', '1x', '').
std::optional<double> ParseNumber(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::vector<LeverageTier>> ParseLeverageProfile(std::string_view text) {
  std::vector<LeverageTier> tiers;
  // Quoted in messages, cut short: a profile can be megabytes of bad input.
  const std::string quoted =
      "leverage profile '" + std::string(text.substr(0, 60)) + (text.size() > 60 ? "…'" : "'");
  if (Trim(text).empty()) {
    return Status::InvalidArgument(quoted + " is empty; expected 'leverage:weight,…' such as '" +
                                   kDefaultLeverageProfile + "'");
  }
  double total = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = Trim(text.substr(start, comma - start));
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(quoted + ": item '" + std::string(item) + "' is not 'leverage:weight'");
    }
    std::optional<double> lev = ParseNumber(item.substr(0, colon));
    std::optional<double> w = ParseNumber(item.substr(colon + 1));
    if (!lev || !w) {
      return Status::InvalidArgument(quoted + ": item '" + std::string(item) + "' does not hold two numbers");
    }
    if (!std::isfinite(*lev) || *lev <= 1) {
      return Status::InvalidArgument(quoted + ": leverage " + std::string(Trim(item.substr(0, colon))) +
                                     " must be > 1 (at 1x or less a long has no liquidation price)");
    }
    if (!std::isfinite(*w) || *w < 0) {
      return Status::InvalidArgument(quoted + ": weight " + std::string(Trim(item.substr(colon + 1))) +
                                     " must be a finite number >= 0");
    }
    if (tiers.size() == kMaxLeverageTiers) {
      size_t count = 1;
      for (char c : text) count += c == ',' ? 1 : 0;
      return Status::InvalidArgument(quoted + " has " + std::to_string(count) + " tiers; at most " +
                                     std::to_string(kMaxLeverageTiers) +
                                     " are allowed (each market sample opens a level per tier)");
    }
    tiers.push_back({*lev, *w});
    total += *w;
    start = comma + 1;
  }
  if (!(total > 0) || !std::isfinite(total)) {
    return Status::InvalidArgument(quoted + ": the weights sum to " + heatmap_internal::NumberText(total) +
                                   "; they must sum to a number > 0");
  }
  for (LeverageTier& t : tiers) t.weight /= total;
  return tiers;
}

Status ValidateModelParams(const ModelParams& params) {
  LIQDB_RETURN_IF_ERROR(ParseLeverageProfile(params.leverage_profile).status());
  if (params.lookback < 0) {
    return Status::InvalidArgument("lookback must be >= 0, got " + std::to_string(params.lookback) + " µs");
  }
  if (params.lookback > kMaxModelLookback) {
    return Status::InvalidArgument("lookback of " + std::to_string(params.lookback / 1'000'000) +
                                   " s is more than the cap of " +
                                   std::to_string(kMaxModelLookback / 1'000'000) +
                                   " s ('31d'): the model replays every sample of its lookback; use a "
                                   "shorter one");
  }
  if (!(params.long_share >= 0 && params.long_share <= 1)) {
    return Status::InvalidArgument("long_share must be within [0, 1], got " +
                                   heatmap_internal::NumberText(params.long_share));
  }
  if (!(params.mmr >= 0 && params.mmr < 1)) {
    return Status::InvalidArgument("mmr must be within [0, 1), got " +
                                   heatmap_internal::NumberText(params.mmr));
  }
  if (params.max_age && *params.max_age <= 0) {
    return Status::InvalidArgument("max_age must be > 0, got " + std::to_string(*params.max_age) +
                                   " µs; leave it out (NULL) to keep levels of any age");
  }
  return Status::OK();
}

}  // namespace liqdb
