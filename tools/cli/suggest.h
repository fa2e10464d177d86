// "Did you mean …?": the known name closest to a mistyped one, and the check
// that names an unknown command instead of CLI11's "A subcommand is required".
//
// Thread-safety: stateless.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace liqdb::cli {

// The name in `known` closest to `word` by edit distance, if it is close
// enough to be a typo (at most a third of the word, and at least 2, edits).
std::optional<std::string> Closest(std::string_view word, const std::vector<std::string>& known);

// When argv names a command or subcommand that `app` does not have, the
// message to print ("unknown command 'heatmp'; did you mean 'render heatmap'?").
std::optional<std::string> UnknownCommand(CLI::App& app, int argc, char** argv);

}  // namespace liqdb::cli
