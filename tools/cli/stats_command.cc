// `liqdb stats`: what a store holds and what it costs on disk, per series
// and in total, as a table a person can read.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"

#include "liqdb/coin.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"

namespace liqdb::cli {

namespace {

// 12345678 -> "12,345,678".
std::string Thousands(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string Bytes(uint64_t b) {
  const double v = static_cast<double>(b);
  if (v >= 1e9) return fmt::format("{:.2f} GB", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f} MB", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f} kB", v / 1e3);
  return fmt::format("{} B", b);
}

// "2024-03-01 12:00:05": seconds are enough to see a series' span.
std::string Short(Timestamp ts) {
  std::string s = FormatTime(ts).substr(0, 19);
  if (s.size() > 10 && s[10] == 'T') s[10] = ' ';
  return s;
}

// "BTC", or "PEPE x1000" where one stored unit is a lot of the coin (liqdb/coin.h).
std::string CoinCell(const SeriesKey& key) {
  const CoinInfo c = CoinOf(key.exchange, key.symbol);
  return c.qty_factor == 1 ? c.coin : fmt::format("{} x{:g}", c.coin, c.qty_factor);
}

std::string PerRow(uint64_t bytes, uint64_t rows) {
  return rows == 0 ? "-" : fmt::format("{:.2f}", static_cast<double>(bytes) / static_cast<double>(rows));
}

// Prints rows of cells with each column as wide as its widest cell; columns
// listed in `right` are right-aligned (numbers).
void PrintTable(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (size_t n = 0; n < rows.size(); ++n) {
    std::string line;
    for (size_t i = 0; i < rows[n].size(); ++i) {
      if (i) line += "  ";
      line += right[i] ? fmt::format("{:>{}}", rows[n][i], width[i])
                       : fmt::format("{:<{}}", rows[n][i], width[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
    if (n == 0) {
      size_t total = 0;
      for (size_t w : width) total += w + 2;
      std::cout << std::string(total - 2, '-') << "\n";
    }
  }
}

int RunStats(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) {
    std::cerr << "liqdb stats: no store at '" << dir << "'\n";
    return kExitFailure;
  }
  StoreOptions options;
  options.mode = StoreOptions::Mode::kReadOnly;
  options.create_if_missing = false;
  Result<std::shared_ptr<Store>> store = Store::Open(dir, options);
  if (!store.ok()) {
    std::cerr << "liqdb stats: cannot open store '" << dir << "': " << store.status().ToString() << "\n";
    return kExitFailure;
  }
  Result<StoreStats> stats = (*store)->Stats();
  if (!stats.ok()) {
    std::cerr << "liqdb stats: " << stats.status().ToString() << "\n";
    return kExitFailure;
  }
  StoreStats st = std::move(*stats);
  std::sort(st.series.begin(), st.series.end(), [](const SeriesInfo& a, const SeriesInfo& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.key < b.key;
  });

  std::cout << "store " << dir << "\n\n";
  if (st.series.empty()) {
    std::cout << "(empty: no series yet)\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"kind", "exchange", "symbol", "coin", "rows", "chunks", "staged", "bytes", "B/row", "from", "to"}};
    struct KindTotal {
      uint64_t series = 0, rows = 0, chunks = 0, bytes = 0;
    };
    KindTotal totals[4];
    for (const SeriesInfo& s : st.series) {
      rows.push_back({KindName(s.kind), s.key.exchange, s.key.symbol, CoinCell(s.key), Thousands(s.rows),
                      Thousands(s.chunks), Thousands(s.staged_chunks), Bytes(s.bytes),
                      PerRow(s.bytes, s.rows), s.rows ? Short(s.min_ts) : "-",
                      s.rows ? Short(s.max_ts) : "-"});
      KindTotal& t = totals[static_cast<int>(s.kind)];
      ++t.series;
      t.rows += s.rows;
      t.chunks += s.chunks;
      t.bytes += s.bytes;
    }
    for (Kind k : {Kind::kLiquidations, Kind::kPositions, Kind::kMarket}) {
      const KindTotal& t = totals[static_cast<int>(k)];
      if (t.series == 0) continue;
      rows.push_back({KindName(k), fmt::format("({} series)", t.series), "", "", Thousands(t.rows),
                      Thousands(t.chunks), "", Bytes(t.bytes), PerRow(t.bytes, t.rows), "", ""});
    }
    PrintTable(rows, {false, false, false, false, true, true, true, true, true, false, false});
  }
  std::cout << fmt::format(
      "\n{} series, {} rows in {} chunks: {} of chunks ({} B/row), {} on disk ({} B/row)\n", st.series.size(),
      Thousands(st.rows), Thousands(st.chunks), Bytes(st.chunk_bytes), PerRow(st.chunk_bytes, st.rows),
      Bytes(st.disk_bytes), PerRow(st.disk_bytes, st.rows));
  return kExitOk;
}

}  // namespace

void RegisterStatsCommand(CLI::App& app, int* exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("stats", "Show series, rows, chunks and bytes on disk of a store");
  cmd->add_option("--store", *dir, "store folder")->required();
  cmd->footer(
      "Example:\n"
      "  liqdb stats --store demo-data/store\n"
      "coin is the series' base asset (docs/sql.md, \"Coins\"); \"PEPE x1000\" means one stored unit\n"
      "is 1,000 PEPE. B/row is encoded chunk bytes per row; the total line also gives every file in the "
      "folder\n"
      "(RocksDB's WAL, manifests and SST overhead included) per row.");
  cmd->callback([dir, exit_code] { *exit_code = RunStats(*dir); });
}

}  // namespace liqdb::cli
