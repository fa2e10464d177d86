// "Did you mean …?": the known names closest to a mistyped one, for every
// message that names something unknown (CLI commands, SQL symbols,
// exchanges, coins).
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace liqdb {

// Levenshtein distance (insertions, deletions, substitutions; bytes).
size_t EditDistance(std::string_view a, std::string_view b);

// The name in `known` closest to `word` by edit distance, if it is close
// enough to be a typo (at most a third of the word, and at least 2, edits).
std::optional<std::string> Closest(std::string_view word, const std::vector<std::string>& known);

}  // namespace liqdb
