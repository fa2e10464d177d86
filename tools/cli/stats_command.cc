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

// "1h 02m 05s", "3m 00s", "12s", "0.25s": a gap's length at a glance.
std::string Length(Timestamp us) {
  const int64_t s = us / kMicrosPerSecond;
  if (s < 60) return fmt::format("{:g}s", static_cast<double>(us) / kMicrosPerSecond);
  if (s < 3600) return fmt::format("{}m {:02}s", s / 60, s % 60);
  return fmt::format("{}h {:02}m {:02}s", s / 3600, s / 60 % 60, s % 60);
}

// The gaps a recorder stored (Store::ListGaps): the latest kShownGaps, with
// the total count. Nothing when there are none.
constexpr size_t kShownGaps = 20;
bool PrintGaps(const Store& store) {
  Result<std::vector<Gap>> gaps = store.ListGaps(kMinTimestamp, kMaxTimestamp);
  if (!gaps.ok()) {
    std::cerr << "liqdb stats: " << gaps.status().ToString() << "\n";
    return false;
  }
  if (gaps->empty()) return true;
  // Latest = latest start; ListGaps orders by start.
  const size_t first = gaps->size() > kShownGaps ? gaps->size() - kShownGaps : 0;
  Timestamp total = 0;
  for (const Gap& g : *gaps) total += g.to - g.from;
  std::cout << fmt::format("\n{} gap(s) in the recorded feeds, {} in all", gaps->size(), Length(total));
  std::cout << (first > 0 ? fmt::format("; the {} latest:\n", kShownGaps) : ":\n");
  std::vector<std::vector<std::string>> rows = {{"venue", "feed", "from", "to", "length", "reason"}};
  for (size_t i = first; i < gaps->size(); ++i) {
    const Gap& g = (*gaps)[i];
    rows.push_back({g.venue, g.feed, FormatTime(g.from), FormatTime(g.to), Length(g.to - g.from),
                    g.reason.empty() ? "-" : g.reason});
  }
  PrintTable(rows, {false, false, false, false, true, false});
  return true;
}

// Per positions series, the open-position rows (size > 0) and those among
// them the venue sent with no liquidation price (liq_price 0: the heatmaps
// and maps give them no level; docs/heatmaps.md). Decodes two columns.
struct NoLiqPriceRows {
  SeriesKey key;
  uint64_t open_rows = 0, no_liq_price = 0;
};
Result<std::vector<NoLiqPriceRows>> CountNoLiqPrice(const Store& store) {
  std::vector<NoLiqPriceRows> out;
  for (const SeriesInfo& s : store.ListSeries(Kind::kPositions)) {
    NoLiqPriceRows n{s.key};
    LIQDB_ASSIGN_OR_RETURN(auto reader,
                           store.ReadChunks(Kind::kPositions, {s.series_id}, kMinTimestamp, kMaxTimestamp));
    Columns rows(Kind::kPositions);
    for (; reader->Valid(); reader->Next()) {
      LIQDB_RETURN_IF_ERROR(reader->Decode(MaskValue(pos_col::kSize) | MaskValue(pos_col::kLiqPrice), &rows));
      const std::vector<double>& size = rows.values[pos_col::kSize];
      const std::vector<double>& liq = rows.values[pos_col::kLiqPrice];
      for (size_t i = 0; i < size.size(); ++i) {  // no ts decoded: rows.size() is 0
        if (!(size[i] > 0)) continue;
        ++n.open_rows;
        n.no_liq_price += liq[i] == 0;
      }
    }
    if (n.no_liq_price > 0) out.push_back(std::move(n));
  }
  return out;
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
    Result<std::vector<NoLiqPriceRows>> none = CountNoLiqPrice(**store);
    if (!none.ok()) {
      std::cerr << "liqdb stats: " << none.status().ToString() << "\n";
      return kExitFailure;
    }
    if (!none->empty()) {
      std::cout << "\npositions the venue reported with no liquidation price (liq_price 0; no level in the "
                   "heatmaps and maps):\n";
      for (const NoLiqPriceRows& n : *none) {
        std::cout << fmt::format("  {} {}: {} of {} open-position rows\n", n.key.exchange, n.key.symbol,
                                 Thousands(n.no_liq_price), Thousands(n.open_rows));
      }
    }
  }
  std::cout << fmt::format(
      "\n{} series, {} rows in {} chunks: {} of chunks ({} B/row), {} on disk ({} B/row)\n", st.series.size(),
      Thousands(st.rows), Thousands(st.chunks), Bytes(st.chunk_bytes), PerRow(st.chunk_bytes, st.rows),
      Bytes(st.disk_bytes), PerRow(st.disk_bytes, st.rows));
  if (!PrintGaps(**store)) return kExitFailure;
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
      "(RocksDB's WAL, manifests and SST overhead included) per row.\n"
      "Gaps (times `liqdb record` had no data from a feed: a disconnect, a stall, a market feed without\n"
      "data, the recorder not running) follow, the 20 latest with their count; SQL reads all of them\n"
      "with liq_gaps (docs/sql.md).");
  cmd->callback([dir, exit_code] { *exit_code = RunStats(*dir); });
}

}  // namespace liqdb::cli
