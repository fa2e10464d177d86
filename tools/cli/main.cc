// The `liqdb` command line: registers every subcommand (each in its own
// file, see commands.h) and is the edge where exceptions and parse errors
// become messages and exit codes.
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "suggest.h"

#include "liqdb/version.h"

int main(int argc, char** argv) {
  using namespace liqdb::cli;
  int exit_code = kExitOk;
  CLI::App app{
      "liqdb: a columnar store for crypto liquidations, positions and market data on RocksDB,\n"
      "queried in SQL through the liqdb SQLite extension (build/liqdb.so)."};
  app.name("liqdb");
  app.set_version_flag("--version", std::string("liqdb ") + liqdb::kVersion);
  app.require_subcommand(1);
  try {
    RegisterGenCommand(app, &exit_code);
    RegisterIngestCommand(app, &exit_code);
    RegisterStatsCommand(app, &exit_code);
    RegisterMaintenanceCommands(app, &exit_code);
    RegisterRenderCommand(app, &exit_code);
    RegisterExportCommand(app, &exit_code);
#if LIQDB_HAVE_RECORD
    RegisterRecordCommand(app, &exit_code);
#endif
    // Set after the commands are registered, so they do not inherit it: each
    // command's --help ends with its own examples.
    app.footer(
        "Examples:\n"
        "  liqdb gen --store data/store --days 30 --events 3000000\n"
        "  liqdb ingest --store data/store binance-liquidations.csv.gz\n"
        "  liqdb record --store data/live\n"
        "  liqdb stats --store data/store\n"
        "  liqdb verify --store data/store\n"
        "  liqdb export --store data/store -o data/liq-export.sqlite\n"
        "  sqlite3 data/liqdb.sqlite -cmd '.load ./build/liqdb'\n"
        "Run 'liqdb COMMAND --help' for a command's options.\n"
        "Exit codes: 0 ok, 1 failure, 2 usage error, 3 some input rows rejected.");
    if (auto unknown = UnknownCommand(app, argc, argv)) {
      std::cerr << "liqdb: " << *unknown << "\n";
      return kExitUsage;
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0.
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "liqdb: error: " << e.what() << "\n";
    return kExitFailure;
  } catch (...) {
    std::cerr << "liqdb: error: unknown exception\n";
    return kExitFailure;
  }
  return exit_code;
}
