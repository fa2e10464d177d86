// The command line's rough edges: unknown commands are named with the closest
// real one, and every command's --help ends with its own examples.
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "cli_run.h"

namespace {

using Run = liqdb::test::CliRun;

Run Liqdb(const std::string& args) {
  return liqdb::test::RunLiqdb(args);
}

TEST_CASE("cli: unknown commands say so and suggest the closest", "[cli]") {
  Run heatmp = Liqdb("render heatmp --store x -o y.png");
  CHECK(heatmp.code == 2);
  CHECK_THAT(heatmp.out, Catch::Contains("unknown command 'render heatmp'; did you mean 'render heatmap'?"));
  Run top = Liqdb("heatmap");
  CHECK(top.code == 2);
  CHECK_THAT(top.out, Catch::Contains("unknown command 'heatmap'; did you mean 'render heatmap'?"));
  Run typo = Liqdb("injest --store x a.csv");
  CHECK(typo.code == 2);
  CHECK_THAT(typo.out, Catch::Contains("did you mean 'ingest'?"));
  Run nothing_near = Liqdb("frobnicate");
  CHECK(nothing_near.code == 2);
  CHECK_THAT(nothing_near.out, Catch::Contains("unknown command 'frobnicate' (commands: gen, ingest"));
  CHECK(nothing_near.out.find("A subcommand is required") == std::string::npos);
}

TEST_CASE("cli: each command's --help ends with its own examples", "[cli]") {
  const std::pair<const char*, const char*> commands[] = {
      {"ingest", "liqdb ingest --store"},
      {"render", "liqdb render heatmap --store"},
      {"render heatmap", "liqdb render heatmap"},
      {"render chart", "liqdb render chart"},
      {"render map", "liqdb render map"},
      {"export", "liqdb export"},
      {"gen", "liqdb gen"},
      {"stats", "liqdb stats"},
      {"verify", "liqdb verify"},
      {"recover", "liqdb recover"},
  };
  for (const auto& [command, example] : commands) {
    Run help = Liqdb(std::string(command) + " --help");
    INFO(command << ":\n" << help.out);
    CHECK(help.code == 0);
    const size_t examples = help.out.rfind("Example");
    REQUIRE(examples != std::string::npos);
    CHECK(help.out.find(example, examples) != std::string::npos);
    // The global footer's list of every command is not repeated here.
    CHECK(help.out.find("Run 'liqdb COMMAND --help'") == std::string::npos);
  }
}

}  // namespace
