// Runs the built `liqdb` command (LIQDB_CLI_PATH) as a user would, for the
// end-to-end tests: its exit code and everything it printed.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

namespace liqdb::test {

struct CliRun {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// `liqdb ARGS` through the shell (so ARGS may hold redirections).
inline CliRun RunLiqdb(const std::string& args) {
  CliRun r;
  FILE* p = ::popen((std::string(LIQDB_CLI_PATH) + " " + args + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace liqdb::test
