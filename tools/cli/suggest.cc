// Unknown-command messages (see suggest.h).
#include "suggest.h"

#include <algorithm>

namespace liqdb::cli {

namespace {

// Every command path under `app`: "gen", "render", "render heatmap", …
void CommandPaths(CLI::App* app, const std::string& prefix, std::vector<std::string>* out) {
  for (CLI::App* sub : app->get_subcommands({})) {
    const std::string path = prefix.empty() ? sub->get_name() : prefix + " " + sub->get_name();
    out->push_back(path);
    CommandPaths(sub, path, out);
  }
}

std::string LastWord(const std::string& path) {
  const size_t space = path.rfind(' ');
  return space == std::string::npos ? path : path.substr(space + 1);
}

}  // namespace

std::optional<std::string> UnknownCommand(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  std::string where;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') return std::nullopt;  // options: CLI11's to judge
    CLI::App* next = nullptr;
    for (CLI::App* sub : level->get_subcommands({})) {
      if (sub->check_name(arg)) next = sub;
    }
    if (next != nullptr) {
      level = next;
      where = where.empty() ? arg : where + " " + arg;
      continue;
    }
    if (level->get_require_subcommand_min() == 0 && level != &app) return std::nullopt;  // a positional
    std::vector<std::string> paths;
    CommandPaths(level, where, &paths);
    std::vector<std::string> words;
    for (const std::string& p : paths) words.push_back(LastWord(p));
    std::string msg = "unknown command '" + (where.empty() ? arg : where + " " + arg) + "'";
    if (auto near = Closest(arg, words)) {
      const auto it = std::find_if(paths.begin(), paths.end(),
                                   [&](const std::string& p) { return LastWord(p) == *near; });
      msg += "; did you mean '" + *it + "'?";
    } else {
      std::vector<std::string> direct;
      for (CLI::App* sub : level->get_subcommands({})) direct.push_back(sub->get_name());
      std::string list;
      for (const std::string& d : direct) list += (list.empty() ? "" : ", ") + d;
      msg += " (commands: " + list + ")";
    }
    return msg;
  }
  return std::nullopt;
}

}  // namespace liqdb::cli
