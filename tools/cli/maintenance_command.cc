// `liqdb verify`, `liqdb compact`, `liqdb seal`, `liqdb recover`: the store's
// maintenance operations (Store::Verify / Compact / Seal / Recover) from the
// command line.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"

#include "liqdb/heatmap.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"

namespace liqdb::cli {

namespace {

// Opens an existing store: read-only for verify (it may run beside a
// writer), read-write for the commands that rewrite chunks.
Result<std::shared_ptr<Store>> OpenExisting(const std::string& command, const std::string& dir, bool write) {
  if (!std::filesystem::is_directory(dir)) {
    return Status::NotFound(fmt::format("liqdb {}: no store at '{}'", command, dir));
  }
  StoreOptions options;
  options.mode = write ? StoreOptions::Mode::kReadWrite : StoreOptions::Mode::kReadOnly;
  options.create_if_missing = false;
  Result<std::shared_ptr<Store>> store = Store::Open(dir, options);
  // The store's messages name the store already.
  if (!store.ok()) return Status(store.status()).WithContext("liqdb " + command);
  return store;
}

struct Totals {
  uint64_t rows = 0, chunks = 0, staged = 0, bytes = 0;
};

Totals Count(const Store& store) {
  Totals t;
  for (const SeriesInfo& s : store.ListSeries(std::nullopt)) {
    t.rows += s.rows;
    t.chunks += s.chunks;
    t.staged += s.staged_chunks;
    t.bytes += s.bytes;
  }
  return t;
}

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int RunVerify(const std::string& dir) {
  Result<std::shared_ptr<Store>> store = OpenExisting("verify", dir, false);
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return kExitFailure;
  }
  const auto start = std::chrono::steady_clock::now();
  uint64_t bad = 0;
  Status s = (*store)->Verify([&](const std::string& problem) {
    ++bad;
    std::cerr << "damaged: " << problem << "\n";
  });
  const Totals t = Count(**store);
  if (!s.ok()) {
    std::cerr << fmt::format("liqdb verify: {} ({} chunks checked)\n", s.ToString(), t.chunks);
    return kExitFailure;
  }
  // Store::Verify checked the gap records too; say how many there are.
  auto gaps = (*store)->ListGaps(kMinTimestamp, kMaxTimestamp);
  const std::string gap_note =
      gaps.ok() && !gaps->empty() ? fmt::format(" and {} gap record(s)", gaps->size()) : std::string();
  std::cout << fmt::format("ok: {} chunks, {} rows{} verified in {:.2f} s\n", t.chunks, t.rows, gap_note,
                           Since(start));
  return kExitOk;
}

// Position keyframes let heatmaps start near `from` instead of replaying
// every series from its first row; sealing and compacting are when a store
// is tidied, so they extend them.
Status ExtendKeyframes(Store& store, uint64_t* written) {
  auto k = WritePositionKeyframes(store);
  if (k.ok()) *written = *k;
  return k.status();
}

int RunCompact(const std::string& dir) {
  Result<std::shared_ptr<Store>> store = OpenExisting("compact", dir, true);
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return kExitFailure;
  }
  const Totals before = Count(**store);
  const auto start = std::chrono::steady_clock::now();
  Status s = (*store)->Compact();
  uint64_t keyframes = 0;
  if (s.ok()) s = ExtendKeyframes(**store, &keyframes);
  if (!s.ok()) {
    std::cerr << "liqdb compact: " << s.ToString() << "\n";
    return kExitFailure;
  }
  const Totals after = Count(**store);
  std::cout << fmt::format(
      "compacted in {:.2f} s: {} chunks -> {}, {} rows, chunk bytes {} -> {}, {} new keyframes\n",
      Since(start), before.chunks, after.chunks, after.rows, before.bytes, after.bytes, keyframes);
  return kExitOk;
}

int RunSeal(const std::string& dir, bool full_only) {
  Result<std::shared_ptr<Store>> store = OpenExisting("seal", dir, true);
  if (!store.ok()) {
    std::cerr << store.status().message() << "\n";
    return kExitFailure;
  }
  const Totals before = Count(**store);
  const auto start = std::chrono::steady_clock::now();
  Status s = (*store)->Seal(!full_only);
  uint64_t keyframes = 0;
  if (s.ok()) s = ExtendKeyframes(**store, &keyframes);
  if (!s.ok()) {
    std::cerr << "liqdb seal: " << s.ToString() << "\n";
    return kExitFailure;
  }
  const Totals after = Count(**store);
  std::cout << fmt::format(
      "sealed in {:.2f} s: staged chunks {} -> {}, {} chunks, {} rows, {} new keyframes\n", Since(start),
      before.staged, after.staged, after.chunks, after.rows, keyframes);
  return kExitOk;
}

int RunRecover(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << fmt::format("liqdb recover: no store at '{}'\n", dir);
    return kExitFailure;
  }
  auto report = Store::Recover(dir);
  if (!report.ok()) {
    std::cerr << "liqdb recover: " << report.status().message() << "\n";
    return kExitFailure;
  }
  for (const std::string& f : report->findings) std::cout << "found: " << f << "\n";
  if (!report->changed) {
    std::cout << "nothing to recover: the logs and checkpoints of '" << dir << "' are sound\n";
    return kExitOk;
  }
  if (report->unreadable_records > 0) {
    std::cout << fmt::format("lost: {} damaged log record{} (their rows cannot be counted)\n",
                             report->unreadable_records, report->unreadable_records == 1 ? "" : "s");
  }
  for (const RecoveryReport::Lost& l : report->lost) {
    // A series created by the damaged record itself has no readable name.
    const std::string series = l.series.exchange.empty() && l.series.symbol.empty()
                                   ? std::string("(a series named only in the damaged record)")
                                   : l.series.exchange + "/" + l.series.symbol;
    std::cout << fmt::format("lost: {} {}: {} row{} between {} and {}\n", KindName(l.kind), series, l.rows,
                             l.rows == 1 ? "" : "s", FormatTime(l.min_ts), FormatTime(l.max_ts));
  }
  if (report->lost.empty() && report->unreadable_records == 0) std::cout << "lost: no rows\n";
  if (!report->kept.empty()) std::cout << "kept copies of the damaged files in " << report->kept << "\n";
  std::cout << "recovered: the store opens again; run `liqdb verify --store " << dir << "` to check it\n";
  return kExitOk;
}

}  // namespace

void RegisterMaintenanceCommands(CLI::App& app, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  auto full_only = std::make_shared<bool>(false);

  CLI::App* verify = app.add_subcommand("verify", "Re-read every chunk and check its checksum and header");
  verify->add_option("--store", *dir, "store folder")->required();
  verify->footer(
      "Example:\n  liqdb verify --store demo-data/store\n"
      "Exits 0 when every chunk is sound, 1 (after naming each bad chunk) otherwise.");
  verify->callback([dir, exit_code] { *exit_code = RunVerify(*dir); });

  CLI::App* compact = app.add_subcommand("compact", "Merge overlapping and undersized chunks");
  compact->add_option("--store", *dir, "store folder")->required();
  compact->footer(
      "Example:\n  liqdb compact --store demo-data/store\n"
      "Worth running after ingesting archives out of order; needs the store not open elsewhere.");
  compact->callback([dir, exit_code] { *exit_code = RunCompact(*dir); });

  CLI::App* seal = app.add_subcommand("seal", "Turn staged rows into sealed columnar chunks");
  seal->add_option("--store", *dir, "store folder")->required();
  seal->add_flag("--full-only", *full_only, "seal only series with a full chunk of staged rows");
  seal->footer(
      "Example:\n  liqdb seal --store demo-data/store\n"
      "Staged rows are already durable and queryable; sealing makes them compact and fast to scan.");
  seal->callback([dir, full_only, exit_code] { *exit_code = RunSeal(*dir, *full_only); });

  CLI::App* recover =
      app.add_subcommand("recover", "Open a damaged store, accepting the loss, and say what was lost");
  recover->add_option("--store", *dir, "store folder")->required();
  recover->footer(
      "Example:\n  liqdb recover --store demo-data/store\n"
      "When a store does not open because its write-ahead log or manifest is damaged, this\n"
      "replays the log up to the damage, rebuilds an unreadable manifest from the table files,\n"
      "drops checkpoints that fail their checksum, and lists the rows lost per series. Copies of\n"
      "the damaged files are kept in a damaged-<time> folder inside the store. No other process\n"
      "may have the store open. On a sound store it changes nothing.");
  recover->callback([dir, exit_code] { *exit_code = RunRecover(*dir); });
}

}  // namespace liqdb::cli
