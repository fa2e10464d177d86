// `liqdb ingest`: loads exchange archives and live feeds into a store.
//
//   liqdb ingest --store data/btc --format tardis-liquidations 2024-06-*.csv.gz
//   liqdb ingest --store data/btc --format okx-liquidation-orders
//       --contract-size BTC-USD-240628=100 okx.jsonl.zst
//   wscat -c wss://… | liqdb ingest --store data/btc --format binance-forceorder -
//
// The work is liqdb::Ingester's (include/liqdb/ingest.h); this file maps
// options, draws the progress bar on a terminal, prints bad lines and the
// summary, and picks the exit code (3 when any input was rejected).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "progress.h"

#include "liqdb/heatmap.h"
#include "liqdb/ingest.h"
#include "liqdb/store.h"

namespace liqdb::cli {

namespace {

struct IngestArgs {
  std::string store;
  std::string format = "auto";
  std::string kind;
  bool strict = false;
  bool sync = false;
  std::string symbol;
  std::vector<std::string> contract_sizes;
  std::vector<std::string> files;
  size_t batch_rows = 0;
  int max_errors = 20;
};

int RunIngest(const IngestArgs& a) {
  IngestOptions o;
  std::optional<Format> format = ParseFormat(a.format);
  if (!format) {
    std::string names;
    for (const auto& n : FormatNames()) names += (names.empty() ? "" : ", ") + n;
    std::cerr << "liqdb ingest: unknown --format '" << a.format << "' (one of: " << names << ")\n";
    return kExitUsage;
  }
  o.format = *format;
  if (!a.kind.empty()) {
    o.kind = ParseKind(a.kind);
    if (!o.kind) {
      std::cerr << "liqdb ingest: --kind must be liquidations, positions or market\n";
      return kExitUsage;
    }
  }
  for (const std::string& cs : a.contract_sizes) {
    Status s = ParseContractSizeArg(cs, &o);
    if (!s.ok()) {
      std::cerr << "liqdb ingest: " << s.message() << "\n";
      return kExitUsage;
    }
  }
  o.strict = a.strict;
  o.skip_bad_files = true;  // one bad file must not stop a batch
  o.symbol = a.symbol;
  if (a.batch_rows > 0) o.batch_rows = a.batch_rows;
  o.max_reported_errors = a.max_errors < 0 ? 0 : static_cast<size_t>(a.max_errors);
  if (a.files.empty()) {
    std::cerr << "liqdb ingest: name the input files, or '-' for standard input\n";
    return kExitUsage;
  }

  bool streaming = false;
  for (const auto& f : a.files) streaming |= f == "-";
  StoreOptions so;
  so.mode = StoreOptions::Mode::kReadWrite;
  so.create_if_missing = true;
  // Archives can be re-ingested after a crash (ingest is idempotent), so
  // files skip the per-append fsync; a live feed cannot be replayed.
  so.sync = a.sync || streaming;
  Result<std::shared_ptr<Store>> store = Store::Open(a.store, so);
  if (!store.ok()) {
    std::cerr << "liqdb ingest: " << store.status().message() << "\n";
    return kExitFailure;
  }

  std::unique_ptr<Progress> bar;
  std::string bar_file;
  KeepFreedMemoryForReuse();
  Ingester ingester(store->get(), o);
  ingester.set_report([&](const std::string& m) {
    if (bar) bar->Finish();  // keep the message off the bar's line
    bar.reset();
    std::cerr << m << "\n";
  });
  const bool tty = StderrIsTerminal();
  if (tty) {
    ingester.set_progress([&](const IngestProgress& p) {
      if (!bar || bar_file != p.file) {
        bar = std::make_unique<Progress>("ingest", p.total_bytes, "bytes");
        bar_file = std::string(p.file);
        bar->SetNote(bar_file);
      }
      bar->SetNote(fmt::format("{}  {} rows", bar_file, p.summary->rows));
      bar->Update(p.bytes, p.total_bytes);
    });
  }

  // A folder stands for every file under it, in name order (daily archives
  // then come in date order).
  std::vector<std::string> files;
  for (const std::string& f : a.files) {
    std::error_code ec;
    if (f != "-" && std::filesystem::is_directory(f, ec)) {
      std::vector<std::string> found;
      for (const auto& e : std::filesystem::recursive_directory_iterator(f, ec)) {
        if (e.is_regular_file()) found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(f);
    }
  }

  int rc = kExitOk;
  std::string failure;
  for (const std::string& f : files) {
    // Files that cannot be read are reported and skipped inside; what
    // returns here is the store failing, which ends the run.
    Status s = ingester.IngestPath(f);
    if (!s.ok()) {
      if (bar) bar->Finish();
      failure = s.message();
      std::cerr << "liqdb ingest: " << failure << "\n";
      rc = kExitFailure;
      break;
    }
  }
  // Seals what was stored; after a failed append it returns that failure
  // again (already reported above).
  Status fin = ingester.Finish();
  if (!fin.ok() && fin.message() == failure) fin = Status::OK();
  // New positions move the state heatmaps start from: extend the keyframes
  // (a no-op when no positions series grew past the next keyframe time).
  if (fin.ok()) fin = WritePositionKeyframes(**store).status();
  if (bar) bar->Finish();
  if (!fin.ok()) {
    std::cerr << "liqdb ingest: " << fin.message() << "\n";
    rc = kExitFailure;
  }
  const IngestSummary& sum = ingester.summary();
  std::string formats;
  for (const std::string& f : sum.formats) formats += (formats.empty() ? "" : ", ") + f;
  if (formats.empty()) formats = a.format;
  std::cout << "liqdb ingest (" << formats << "): " << FormatSummary(sum) << "\n";
  if (!sum.skipped_files.empty()) {
    std::cout << fmt::format("skipped {} file{}:\n", sum.skipped_files.size(),
                             sum.skipped_files.size() == 1 ? "" : "s");
    for (const std::string& why : sum.skipped_files) std::cout << "  " << why << "\n";
  }
  if (rc == kExitOk && (sum.rejected_lines > 0 || sum.files_damaged > 0 || sum.files_rejected > 0 ||
                        !sum.skipped_files.empty())) {
    rc = kExitRejected;
  }
  return rc;
}

}  // namespace

void RegisterIngestCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<IngestArgs>();
  std::string formats;
  for (const auto& n : FormatNames()) formats += (formats.empty() ? "" : ", ") + n;
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Load exchange archives or a live feed into a store. Files may be plain, gzip, zstd or bzip2 "
      "(recognised by content); '-' reads standard input and stores rows as they come. Bad lines are "
      "reported as FILE:LINE: reason; the exit status is 3 when any input was rejected.");
  cmd->add_option("--store", args->store, "store folder (created if missing)")->required();
  cmd->add_option("--format", args->format, "input format: " + formats)->capture_default_str();
  cmd->add_option("--kind", args->kind, "csv format without header: liquidations, positions or market");
  cmd->add_flag("--strict", args->strict, "store nothing from a file that has a bad line");
  cmd->add_option("--symbol", args->symbol,
                  "symbol for binance-liquidation-snapshot input whose file name does not carry it");
  cmd->add_option(
         "--contract-size", args->contract_sizes,
         "INSTRUMENT=VALUE: base units per contract (linear) or USD per contract (inverse); repeatable")
      ->allow_extra_args(false);
  cmd->add_flag("--sync", args->sync, "fsync every append (always on for '-')");
  cmd->add_option("--batch-rows", args->batch_rows, "rows per store append (default 262144)");
  cmd->add_option("--max-errors", args->max_errors, "bad lines printed in full; the rest are counted")
      ->capture_default_str();
  cmd->add_option("files", args->files,
                  "input files or folders (every file under them), or '-' for standard input");
  cmd->footer(
      "Examples:\n"
      "  liqdb ingest --store data/store archive/*.csv.gz          # formats told by content\n"
      "  liqdb ingest --store data/store --format tardis-liquidations 2024-06-*.csv.gz\n"
      "  liqdb ingest --store data/store --format okx-liquidation-orders \\\n"
      "      --contract-size BTC-USD-240628=100 okx.jsonl.zst\n"
      "  some-feed-client | liqdb ingest --store data/store --format binance-forceorder -\n"
      "A file that cannot be read, or whose format cannot be told, is reported and skipped; the\n"
      "rest of the batch is still read. The summary lists the formats seen and the files skipped.\n"
      "Exit codes: 0 ok, 1 failure (the store), 2 usage error, 3 lines or files rejected.");
  cmd->callback([args, exit_code] { *exit_code = RunIngest(*args); });
}

}  // namespace liqdb::cli
