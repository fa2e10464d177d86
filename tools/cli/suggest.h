// The check that names an unknown command ("did you mean …?", liqdb/suggest.h)
// instead of CLI11's "A subcommand is required".
//
// Thread-safety: stateless.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "liqdb/suggest.h"

namespace liqdb::cli {

// The closest-name rule is liqdb/suggest.h's, shared with the SQL functions.
using ::liqdb::Closest;

// When argv names a command or subcommand that `app` does not have, the
// message to print ("unknown command 'heatmp'; did you mean 'render heatmap'?").
std::optional<std::string> UnknownCommand(CLI::App& app, int argc, char** argv);

}  // namespace liqdb::cli
