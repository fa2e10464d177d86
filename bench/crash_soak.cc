// crash_soak: the crash harness (tests/crash/crash_harness.h) at length.
// Kills every writer kind with SIGKILL at random moments, round-robin, and
// checks the store after each kill; prints one line per kill and a table.
//
//   build/bench/crash_soak --kills 500 [--seed N] [--dir FOLDER] [--kinds api,sql,...]
//
// Exit status 0 when every kill was survived with nothing lost, 1 otherwise.
// Run it niced: it forks a writer per kill and fsyncs a lot.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>

#include "tests/crash/crash_harness.h"

int main(int argc, char** argv) {
  liqdb::crash::CrashOptions o;
  o.kills = 500;
  o.work_dir = (std::filesystem::temp_directory_path() / "liqdb-crash-soak").string();
  o.writer_path = LIQDB_CRASH_WRITER_PATH;
  o.cli_path = LIQDB_CLI_PATH;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--kills" && v) {
      o.kills = std::atoi(v);
    } else if (a == "--seed" && v) {
      o.seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--dir" && v) {
      o.work_dir = v;
    } else if (a == "--kinds" && v) {
      o.kinds.clear();
      std::stringstream ss(v);
      for (std::string k; std::getline(ss, k, ',');) o.kinds.push_back(k);
    } else {
      std::fprintf(stderr, "usage: crash_soak [--kills N] [--seed N] [--dir FOLDER] [--kinds a,b,...]\n");
      return 2;
    }
    ++i;
  }
  o.log = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  std::printf("crash_soak: %d kills, seed %llu, in %s\n", o.kills, static_cast<unsigned long long>(o.seed),
              o.work_dir.c_str());
  const liqdb::crash::CrashReport r = liqdb::crash::RunCrashHarness(o);
  std::printf("%s", liqdb::crash::FormatReport(r).c_str());
  if (r.failures.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(o.work_dir, ec);  // kept for a look when something failed
  }
  return r.failures.empty() ? 0 : 1;
}
