// `liqdb export`: writes a store's rows, its liquidation chart (--rollup) or a
// heatmap (--heatmap) as an ordinary SQLite table or CSV, for the tools that
// cannot load the extension (Grafana's SQLite plugin, Metabase, DB Browser,
// hosted notebooks).
//
//   liqdb export --store data/store --kind liquidations -o liq.sqlite
//   liqdb export --store data/store --rollup 1h -o chart.csv
//   liqdb export --store data/store --heatmap --kind positions --symbol BTCUSDT
//       --interval 1h --step 100 -o heat.sqlite
//
// Rows stream series by series, each in time order, window by window
// (StoreRowSource reads a bounded window through ReadSeriesSorted), and are
// written as they come: memory stays bounded by one window whatever the
// store's size. Time order within a series is what lets `liqdb ingest` read
// a CSV back to the same rows: it keeps distinct rows that share a timestamp
// only when they arrive together (docs/ingest.md, "Idempotency"). How OUT is
// written safely is export_sink.h's business.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "commands.h"
#include "export_sink.h"
#include "progress.h"

#include "liqdb/coin.h"
#include "liqdb/heatmap.h"
#include "liqdb/query.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"

namespace liqdb::cli {

namespace {

struct ExportArgs {
  std::string store, kind = "liquidations", from, to, output, table;
  std::vector<std::string> symbols, exchanges, coins;
  std::string rollup;
  bool heatmap = false;
  std::string interval, lookback, profile = kDefaultLeverageProfile;
  double step = 0;
  std::optional<double> min_leverage, max_leverage;
};

// Ctrl-C stops between rows, so the sink can remove its temporary file or
// roll its transaction back instead of leaving them behind.
volatile std::sig_atomic_t g_interrupted = 0;
void OnSignal(int) {
  g_interrupted = 1;
}

Status CheckInterrupted() {
  if (g_interrupted) return Status::IOError("interrupted; nothing was written");
  return Status::OK();
}

std::string Thousands(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

// A usage error (exit 2) or a failure (exit 1), with its message.
struct Failure {
  int code;
  std::string message;
};

bool ValidTableName(const std::string& n) {
  if (n.empty() || n.size() > 64 || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
  if (n.rfind("sqlite_", 0) == 0) return false;  // SQLite reserves these
  for (char c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// The selected series of a kind, in (exchange, symbol) order.
std::vector<SeriesInfo> Selected(const Store& store, Kind kind, const ExportArgs& a) {
  ScanFilter filter;
  filter.kind = kind;
  filter.symbols = a.symbols;
  filter.exchanges = a.exchanges;
  for (const std::string& c : a.coins) filter.coins.push_back(NormalizeCoin(c));
  std::vector<uint32_t> ids = SelectSeries(store, filter);
  std::vector<SeriesInfo> out;
  for (const SeriesInfo& s : store.ListSeries(kind)) {
    if (std::find(ids.begin(), ids.end(), s.series_id) != ids.end()) out.push_back(s);
  }
  std::sort(out.begin(), out.end(), [](const SeriesInfo& x, const SeriesInfo& y) { return x.key < y.key; });
  return out;
}

std::string Join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// "symbol BTCUSDT, exchange binance" or "" when unfiltered.
std::string FilterText(const ExportArgs& a) {
  std::string s;
  if (!a.symbols.empty()) s += " for symbol " + Join(a.symbols);
  if (!a.exchanges.empty()) s += (s.empty() ? " for" : ",") + std::string(" exchange ") + Join(a.exchanges);
  if (!a.coins.empty()) s += (s.empty() ? " for" : ",") + std::string(" coin ") + Join(a.coins);
  return s;
}

// ---- Rows ------------------------------------------------------------------

// The kind's columns as liqdb's own CSV spells them (README, docs/ingest.md),
// plus the ISO `time` after `ts` when `with_time` (the SQLite table).
TableDef RowTable(Kind kind, const std::string& name, bool with_time) {
  const KindSchema& k = SchemaOf(kind);
  TableDef t;
  t.name = name;
  t.columns.push_back({"ts", ColumnType::kInteger});
  if (with_time) t.columns.push_back({"time", ColumnType::kText});
  t.columns.push_back({"exchange", ColumnType::kText});
  t.columns.push_back({"symbol", ColumnType::kText});
  if (k.has_account) t.columns.push_back({"account", ColumnType::kText});
  if (k.has_side) t.columns.push_back({"side", ColumnType::kText});
  for (int c = 0; c < k.num_values; ++c) t.columns.push_back({k.value_names[c], ColumnType::kReal});
  t.index = {"symbol", "ts"};
  return t;
}

Result<uint64_t> ExportRows(const Store& store, Kind kind, const std::vector<SeriesInfo>& series,
                            Timestamp from, Timestamp to, bool with_time, bool whole_series,
                            TableSink* sink) {
  const KindSchema& k = SchemaOf(kind);
  uint64_t total = 0;
  for (const SeriesInfo& s : series) total += s.rows;
  // The stored row counts are the total only when no time bound cuts them.
  Progress bar("export", whole_series ? total : 0);
  uint64_t rows = 0;
  for (const SeriesInfo& s : series) {
    bar.SetNote(s.key.exchange + " " + s.key.symbol);
    std::unique_ptr<SortedRowSource> source = StoreRowSource(store, kind, s.series_id, from, to);
    Columns block(kind);
    for (;;) {
      LIQDB_ASSIGN_OR_RETURN(bool more, source->NextBlock(&block));
      if (!more) break;
      for (size_t i = 0; i < block.size(); ++i) {
        sink->Int(block.ts[i]);
        if (with_time) sink->Text(FormatTime(block.ts[i]));
        sink->Text(s.key.exchange);
        sink->Text(s.key.symbol);
        if (k.has_account) sink->Text(block.AccountOf(i));
        if (k.has_side) sink->Text(SideName(static_cast<Side>(block.side[i])));
        for (int c = 0; c < k.num_values; ++c) sink->Real(block.values[c][i]);
        LIQDB_RETURN_IF_ERROR(sink->EndRow());
      }
      rows += block.size();
      bar.Update(rows);
      LIQDB_RETURN_IF_ERROR(CheckInterrupted());
    }
  }
  bar.Finish();
  return rows;
}

// ---- Rollup: the liquidation chart ------------------------------------------

TableDef RollupTable(const std::string& name) {
  TableDef t;
  t.name = name;
  t.columns = {{"bucket", ColumnType::kInteger},     {"time", ColumnType::kText},
               {"exchange", ColumnType::kText},      {"symbol", ColumnType::kText},
               {"long_count", ColumnType::kInteger}, {"long_qty", ColumnType::kReal},
               {"long_notional", ColumnType::kReal}, {"short_count", ColumnType::kInteger},
               {"short_qty", ColumnType::kReal},     {"short_notional", ColumnType::kReal}};
  t.index = {"symbol", "bucket"};
  return t;
}

// One liq_histogram per series over the same buckets, so every series has a
// (zero-filled) row per bucket, as the SQL function gives them. Returns the
// liquidations counted.
Result<uint64_t> ExportRollup(const Store& store, const std::vector<SeriesInfo>& series, Timestamp from,
                              Timestamp to, int64_t interval, TableSink* sink) {
  Progress bar("export", series.size(), "series");
  uint64_t events = 0, done = 0;
  for (const SeriesInfo& s : series) {
    bar.SetNote(s.key.exchange + " " + s.key.symbol);
    LiqHistogramSpec spec;
    spec.from = from;
    spec.to = to;
    spec.interval = interval;
    spec.symbols = {s.key.symbol};
    spec.exchanges = {s.key.exchange};
    LIQDB_ASSIGN_OR_RETURN(std::unique_ptr<LiqHistogramCursor> cursor, LiqHistogramCursor::Open(store, spec));
    LiqHistogramRow row;
    for (;;) {
      LIQDB_ASSIGN_OR_RETURN(bool more, cursor->Next(&row));
      if (!more) break;
      sink->Int(row.bucket);
      sink->Text(FormatTime(row.bucket));
      sink->Text(s.key.exchange);
      sink->Text(s.key.symbol);
      for (Side side : {Side::kLong, Side::kShort}) {
        const SideSums& sums = row.sides[static_cast<int>(side)];
        sink->Int(static_cast<int64_t>(sums.count));
        sink->Real(sums.qty);
        sink->Real(sums.notional);
        events += sums.count;
      }
      LIQDB_RETURN_IF_ERROR(sink->EndRow());
      LIQDB_RETURN_IF_ERROR(CheckInterrupted());
    }
    bar.Update(++done);
  }
  bar.Finish();
  return events;
}

// ---- Heatmap ---------------------------------------------------------------

TableDef HeatmapTable(const std::string& name) {
  TableDef t;
  t.name = name;
  t.columns = {{"bucket", ColumnType::kInteger},      {"time", ColumnType::kText},
               {"price", ColumnType::kReal},          {"long_notional", ColumnType::kReal},
               {"short_notional", ColumnType::kReal}, {"notional", ColumnType::kReal},
               {"positions", ColumnType::kInteger}};
  t.index = {"bucket", "price"};
  return t;
}

// Streams a heatmap's non-empty cells; returns how many.
Result<uint64_t> ExportHeatmap(HeatmapCursor* cursor, Timestamp from, Timestamp to, int64_t interval,
                               TableSink* sink) {
  const Timestamp first = AlignDown(from, interval);
  Progress bar("export", static_cast<uint64_t>((AlignDown(to - 1, interval) - first) / interval + 1),
               "buckets");
  uint64_t cells = 0;
  HeatmapCell cell;
  for (;;) {
    LIQDB_ASSIGN_OR_RETURN(bool more, cursor->Next(&cell));
    if (!more) break;
    sink->Int(cell.bucket);
    sink->Text(FormatTime(cell.bucket));
    sink->Real(cell.price);
    sink->Real(cell.long_notional);
    sink->Real(cell.short_notional);
    sink->Real(cell.long_notional + cell.short_notional);
    sink->Int(static_cast<int64_t>(cell.positions));
    LIQDB_RETURN_IF_ERROR(sink->EndRow());
    ++cells;
    if ((cells & 1023) == 0) {
      bar.Update(static_cast<uint64_t>((cell.bucket - first) / interval));
      LIQDB_RETURN_IF_ERROR(CheckInterrupted());
    }
  }
  bar.Finish();
  return cells;
}

// ---- The command -----------------------------------------------------------

enum class Mode { kRows, kRollup, kHeatmap };

// Checks the options against each other; the kind comes back parsed.
std::optional<Failure> CheckOptions(const ExportArgs& a, Mode mode, Kind* kind) {
  std::optional<Kind> k = ParseKind(a.kind);
  if (!k) {
    return Failure{kExitUsage,
                   fmt::format("unknown --kind '{}' (one of: liquidations, positions, market)", a.kind)};
  }
  *kind = *k;
  if (!a.rollup.empty() && a.heatmap) return Failure{kExitUsage, "give --rollup or --heatmap, not both"};
  if (mode == Mode::kRollup && *k != Kind::kLiquidations) {
    return Failure{kExitUsage, "--rollup charts liquidations: drop --kind or give --kind liquidations"};
  }
  const bool heat_options = !a.interval.empty() || a.step != 0 || a.min_leverage || a.max_leverage ||
                            !a.lookback.empty() || a.profile != kDefaultLeverageProfile;
  if (mode != Mode::kHeatmap && heat_options) {
    return Failure{kExitUsage,
                   "--interval, --step, --min-leverage, --max-leverage, --profile and --lookback "
                   "belong to --heatmap"};
  }
  if (mode != Mode::kHeatmap) return std::nullopt;
  if (*k == Kind::kLiquidations) {
    return Failure{kExitUsage,
                   "--heatmap needs --kind positions (the snapshot heatmap of the positions in force) "
                   "or --kind market (the open-interest model heatmap)"};
  }
  if (a.interval.empty() || !(a.step > 0)) {
    return Failure{kExitUsage,
                   "--heatmap needs --interval (a time bucket, e.g. 1h) and --step (a price bin "
                   "in the quote currency, e.g. 100)"};
  }
  // One instrument per heatmap: BTC and ETH levels on one price axis mean nothing.
  if (a.symbols.size() != 1) return Failure{kExitUsage, "--heatmap needs one --symbol (e.g. BTCUSDT)"};
  if (*k == Kind::kMarket && a.exchanges.size() != 1) {
    return Failure{kExitUsage, "--heatmap --kind market models one series: give one --exchange too"};
  }
  if (*k == Kind::kPositions && (!a.lookback.empty() || a.profile != kDefaultLeverageProfile)) {
    return Failure{kExitUsage, "--profile and --lookback belong to the model heatmap (--kind market)"};
  }
  if (*k == Kind::kMarket && (a.min_leverage || a.max_leverage)) {
    return Failure{kExitUsage,
                   "--min-leverage/--max-leverage filter positions (--kind positions); shape "
                   "the model with --profile"};
  }
  return std::nullopt;
}

std::optional<Failure> RunExport(const ExportArgs& a, std::ostream& report) {
  const Mode mode = a.heatmap ? Mode::kHeatmap : !a.rollup.empty() ? Mode::kRollup : Mode::kRows;
  Kind kind = Kind::kLiquidations;
  if (auto f = CheckOptions(a, mode, &kind)) return f;
  Result<OutputFormat> format = OutputFormatOf(a.output);
  if (!format.ok()) return Failure{kExitUsage, format.status().message()};

  std::optional<Timestamp> from, to;
  for (auto [text, out, name] : {std::tuple{&a.from, &from, "--from"}, std::tuple{&a.to, &to, "--to"}}) {
    if (text->empty()) continue;
    Result<Timestamp> t = ParseTime(*text);
    if (!t.ok()) return Failure{kExitUsage, fmt::format("{}: {}", name, t.status().message())};
    *out = *t;
  }
  if (from && to) {
    Status s = ValidateTimeRange(*from, *to);
    if (!s.ok()) return Failure{kExitUsage, s.message()};
  }
  int64_t interval = 0;
  if (mode != Mode::kRows) {
    Result<int64_t> iv = ParseInterval(mode == Mode::kRollup ? a.rollup : a.interval);
    if (!iv.ok()) {
      return Failure{kExitUsage, fmt::format("{}: {}", mode == Mode::kRollup ? "--rollup" : "--interval",
                                             iv.status().message())};
    }
    interval = *iv;
  }

  std::string table = a.table;
  if (table.empty()) {
    if (mode == Mode::kRows) table = KindName(kind);
    if (mode == Mode::kRollup) {
      table = "liquidations_" + a.rollup;
      for (char& c : table) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    if (mode == Mode::kHeatmap) table = kind == Kind::kPositions ? "heatmap_snapshot" : "heatmap_model";
  }
  if (!ValidTableName(table)) {
    return Failure{kExitUsage, fmt::format("--table '{}': use letters, digits and '_' (not starting with a "
                                           "digit or 'sqlite_')",
                                           table)};
  }

  std::error_code ec;
  if (!std::filesystem::is_directory(a.store, ec)) {
    return Failure{kExitFailure, fmt::format("no store at '{}'", a.store)};
  }
  StoreOptions so;
  so.mode = StoreOptions::Mode::kReadOnly;
  so.create_if_missing = false;
  Result<std::shared_ptr<Store>> opened = Store::Open(a.store, so);
  if (!opened.ok()) {
    return Failure{kExitFailure,
                   fmt::format("cannot open store '{}': {}", a.store, opened.status().message())};
  }
  const Store& store = **opened;

  const std::vector<SeriesInfo> series = Selected(store, kind, a);
  if (series.empty()) {
    std::vector<std::string> names;
    for (const SeriesInfo& s : store.ListSeries(kind)) names.push_back(s.key.exchange + "/" + s.key.symbol);
    std::sort(names.begin(), names.end());
    if (names.empty()) return Failure{kExitFailure, fmt::format("the store holds no {}", KindName(kind))};
    return Failure{kExitFailure, fmt::format("no {} series{} (the store has: {})", KindName(kind),
                                             FilterText(a), Join(names, ", "))};
  }
  // Unbounded sides default to the selected series' span.
  Timestamp first = kMaxTimestamp, last = kMinTimestamp;
  for (const SeriesInfo& s : series) {
    first = std::min(first, s.min_ts);
    last = std::max(last, s.max_ts);
  }
  const Timestamp lo = from.value_or(first);
  const Timestamp hi = to.value_or(last == kMaxTimestamp ? last : last + 1);
  // The range as the user gave it; an open side reads as the data's edge.
  const std::string range = from && to ? fmt::format("[{}, {})", FormatTime(lo), FormatTime(hi))
                            : from     ? fmt::format("from {} on", FormatTime(lo))
                            : to       ? fmt::format("before {}", FormatTime(hi))
                                       : fmt::format("{} .. {}", FormatTime(first), FormatTime(last));
  const std::string range_in = from && to ? "in " + range : range;
  const std::string span = fmt::format("the data spans {} .. {}", FormatTime(first), FormatTime(last));
  if (lo >= hi) {
    return Failure{kExitFailure, fmt::format("no {}{} {} ({}); nothing was written", KindName(kind),
                                             FilterText(a), range_in, span)};
  }

  // The grid's own checks (bucket cap, leverage bounds, profile) run before
  // OUT is created, so a refused spec leaves nothing behind.
  std::unique_ptr<HeatmapCursor> heat;
  if (mode == Mode::kHeatmap) {
    auto open = [&]() -> Result<std::unique_ptr<HeatmapCursor>> {
      if (kind == Kind::kPositions) {
        SnapshotHeatmapSpec spec;
        spec.from = lo;
        spec.to = hi;
        spec.interval = interval;
        spec.price_step = a.step;
        spec.symbols = a.symbols;
        spec.exchanges = a.exchanges;
        spec.min_leverage = a.min_leverage;
        spec.max_leverage = a.max_leverage;
        return OpenSnapshotHeatmap(store, spec);
      }
      ModelHeatmapSpec spec;
      spec.from = lo;
      spec.to = hi;
      spec.interval = interval;
      spec.price_step = a.step;
      spec.symbol = a.symbols[0];
      spec.exchange = a.exchanges[0];
      spec.model.leverage_profile = a.profile;
      if (!a.lookback.empty()) {
        Result<int64_t> lb = ParseDuration(a.lookback);
        if (!lb.ok()) return Status::InvalidArgument("--lookback: " + lb.status().message());
        spec.model.lookback = *lb;
      }
      return OpenModelHeatmap(store, spec);
    };
    Result<std::unique_ptr<HeatmapCursor>> cursor = open();
    if (!cursor.ok()) return Failure{kExitUsage, cursor.status().message()};
    heat = std::move(cursor).value();
  } else if (mode == Mode::kRollup) {
    LiqHistogramSpec check;
    check.from = lo;
    check.to = hi;
    check.interval = interval;
    Status s = ValidateLiqHistogramSpec(check);
    if (!s.ok()) return Failure{kExitUsage, s.message()};
  }

  // CSV keeps liqdb's own columns so that `liqdb ingest` reads it back; the
  // SQLite table, and the chart and heatmap tables, carry ISO `time` too.
  const bool sqlite = *format == OutputFormat::kSqlite;
  const TableDef def = mode == Mode::kRows     ? RowTable(kind, table, sqlite)
                       : mode == Mode::kRollup ? RollupTable(table)
                                               : HeatmapTable(table);
  Result<std::unique_ptr<TableSink>> opened_sink = OpenSink(a.output, *format, def);
  if (!opened_sink.ok()) return Failure{kExitFailure, opened_sink.status().message()};
  std::unique_ptr<TableSink> sink = std::move(opened_sink).value();

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  const std::string what = mode == Mode::kRows     ? KindName(kind)
                           : mode == Mode::kRollup ? "liquidations"
                                                   : "heatmap cells";
  Result<uint64_t> n = mode == Mode::kRows
                           ? ExportRows(store, kind, series, lo, hi, sqlite, !from && !to, sink.get())
                       : mode == Mode::kRollup ? ExportRollup(store, series, lo, hi, interval, sink.get())
                                               : ExportHeatmap(heat.get(), lo, hi, interval, sink.get());
  if (!n.ok()) return Failure{kExitFailure, n.status().message()};
  if (*n == 0) {
    return Failure{kExitFailure,
                   fmt::format("no {}{} {} ({}); nothing was written", what, FilterText(a), range_in, span)};
  }
  Status committed = sink->Commit();
  if (!committed.ok()) return Failure{kExitFailure, committed.message()};
  if (mode == Mode::kRows) {
    report << fmt::format("liqdb export: wrote {} {} rows of {} series ({}) to {}\n", Thousands(*n), what,
                          series.size(), range, sink->Describe());
  } else if (mode == Mode::kRollup) {
    report << fmt::format("liqdb export: wrote the {} chart of {} liquidations ({} series, {}) to {}\n",
                          a.rollup, Thousands(*n), series.size(), range, sink->Describe());
  } else {
    report << fmt::format("liqdb export: wrote {} heatmap cells ({} every {}, step {}, {}) to {}\n",
                          Thousands(*n), kind == Kind::kPositions ? "positions" : "OI model", a.interval,
                          a.step, range, sink->Describe());
  }
  return std::nullopt;
}

}  // namespace

void RegisterExportCommand(CLI::App& app, int* exit_code) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write rows, the liquidation chart or a heatmap as an ordinary SQLite table or CSV, for tools that "
      "cannot load the extension (Grafana, Metabase, DB Browser, notebooks)");
  cmd->add_option("--store", a->store, "store folder")->required();
  cmd->add_option("--kind", a->kind, "liquidations, positions or market")->capture_default_str();
  cmd->add_option("--from", a->from, "start (ISO-8601 or µs; default: the first row)");
  cmd->add_option("--to", a->to, "end, exclusive (default: after the last row)");
  cmd->add_option("--symbol", a->symbols,
                  "instruments, e.g. BTCUSDT (repeatable or comma-separated; default: all)")
      ->delimiter(',');
  cmd->add_option("--exchange", a->exchanges,
                  "venues, e.g. binance (repeatable or comma-separated; default: all)")
      ->delimiter(',');
  cmd->add_option("--coin", a->coins,
                  "coins across venues, e.g. BTC: BTCUSDT, BTC-USDT-SWAP, BTCUSD_PERP, … (repeatable or "
                  "comma-separated; default: all)")
      ->delimiter(',');
  cmd->add_option("-o,--output", a->output,
                  "OUT: .sqlite (.sqlite3, .db), .csv, .csv.gz, .csv.zst, or '-' for CSV on standard output")
      ->required();
  cmd->add_option(
      "--table", a->table,
      "table name in a .sqlite OUT (default: the kind, liquidations_<rollup>, heatmap_snapshot or "
      "heatmap_model)");
  cmd->add_option("--rollup", a->rollup,
                  "write the liquidation chart at this bucket (1m, 1h, 1d) instead of rows");
  cmd->add_flag("--heatmap", a->heatmap,
                "write heatmap cells instead of rows: --kind positions (snapshot) or market (OI model)");
  cmd->add_option("--interval", a->interval, "heatmap time bucket, e.g. 1h (required with --heatmap)");
  cmd->add_option("--step,--bin", a->step, "heatmap price bin, e.g. 100 (required with --heatmap)");
  cmd->add_option("--min-leverage", a->min_leverage, "snapshot heatmap: keep positions at or above");
  cmd->add_option("--max-leverage", a->max_leverage, "snapshot heatmap: keep positions at or below");
  cmd->add_option("--profile", a->profile, "model heatmap: leverage profile 'L:w,…'")->capture_default_str();
  cmd->add_option("--lookback", a->lookback, "model heatmap: history replayed before --from (default 7d)");
  cmd->footer(
      "Examples:\n"
      "  liqdb export --store data/store --kind liquidations -o liq.sqlite\n"
      "  liqdb export --store data/store --kind positions --symbol BTCUSDT --from 2024-03-01 --to 2024-03-08 "
      "\\\n"
      "      -o positions.csv.zst\n"
      "  liqdb export --store data/store --rollup 1h -o liq.sqlite          # table liquidations_1h\n"
      "  liqdb export --store data/store --heatmap --kind positions --symbol BTCUSDT --interval 1h \\\n"
      "      --step 100 -o liq.sqlite                                       # table heatmap_snapshot\n"
      "  liqdb export --store data/store --heatmap --kind market --symbol BTCUSDT --exchange binance \\\n"
      "      --interval 1h --step 100 -o heat.csv\n"
      "  liqdb export --store data/store --kind market -o - | head\n"
      "A .sqlite table has the kind's columns plus `time` (ISO-8601 UTC), indexed on (symbol, ts);\n"
      "re-running replaces that table in one transaction and leaves the file's other tables alone.\n"
      "CSV rows use liqdb's own columns, so `liqdb ingest` reads them back. Chart rows: bucket, time,\n"
      "exchange, symbol, long/short count, qty, notional (every bucket, per series). Heatmap rows:\n"
      "bucket, time, price, long/short notional, notional, positions (non-empty cells).\n"
      "OUT appears only when complete: it is written under a temporary name beside it and renamed.");
  cmd->callback([a, exit_code] {
    std::ostream& report = a->output == "-" ? std::cerr : std::cout;
    std::optional<Failure> f = RunExport(*a, report);
    if (f) std::cerr << "liqdb export: " << f->message << "\n";
    *exit_code = f ? f->code : kExitOk;
  });
}

}  // namespace liqdb::cli
