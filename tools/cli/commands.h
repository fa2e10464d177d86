// The `liqdb` subcommands. Each lives in its own file and registers itself on
// the CLI11 app; main.cc calls every Register* function and maps a failed
// command to its exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace liqdb::cli {

// Exit codes: 0 success, 1 failure, 2 usage error, 3 some input rows rejected.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRejected = 3;

// Each registers a subcommand whose callback stores its exit code in *exit_code.
void RegisterGenCommand(CLI::App& app, int* exit_code);     // gen_command.cc
void RegisterIngestCommand(CLI::App& app, int* exit_code);  // ingest_command.cc
void RegisterStatsCommand(CLI::App& app, int* exit_code);   // stats_command.cc
void RegisterMaintenanceCommands(CLI::App& app,
                                 int* exit_code);           // verify/compact/seal: maintenance_command.cc
void RegisterRenderCommand(CLI::App& app, int* exit_code);  // render_command.cc
void RegisterExportCommand(CLI::App& app, int* exit_code);  // export_command.cc
#if LIQDB_HAVE_RECORD
void RegisterRecordCommand(CLI::App& app, int* exit_code);  // record_command.cc (not in the fuzz build)
#endif

}  // namespace liqdb::cli
