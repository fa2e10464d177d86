// `liqdb render heatmap|chart|map`: PNG pictures of a store's data.
//
//   liqdb render heatmap --store DIR --symbol S|--coin C [--exchange E] [--from T --to T]
//                        [--interval 15m] [--step 50] [--source positions|market] -o heat.png
//   liqdb render chart   --store DIR --symbol S [--from T --to T] [--interval 1h] -o chart.png
//   liqdb render map     --store DIR --symbol S [--at T] [--step 100] [--source …] -o map.png
//
// Omitted times default to the span of the selected data (`--at` to its
// end); an omitted interval gives about 200 buckets, an omitted price step
// about 0.1% of the price. The heatmap and chart overlay the mark price when
// the store holds market samples for the symbol. `--coin BTC` draws every
// venue's BTC instruments on one price axis (liqdb/coin.h).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "tools/render/plots.h"

#include "liqdb/coin.h"
#include "liqdb/heatmap.h"
#include "liqdb/query.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"

namespace liqdb::cli {

namespace {

struct RenderArgs {
  std::string store, symbol, exchange, coin, output;
  std::string from, to, at, interval, step, source = "auto";
  std::optional<double> min_leverage, max_leverage;
  std::string profile = kDefaultLeverageProfile, lookback = "7d";
  std::string max_age;  // empty: levels of any age
  int width = 0, height = 0;
};

// A failure with the exit code it maps to.
struct Failure {
  int code;
  std::string message;
};

struct Selection {
  std::vector<std::string> symbols, exchanges, coins;
};

Selection SelectionOf(const RenderArgs& a) {
  Selection s;
  if (!a.symbol.empty()) s.symbols = {a.symbol};
  if (!a.exchange.empty()) s.exchanges = {a.exchange};
  if (!a.coin.empty()) s.coins = {NormalizeCoin(a.coin)};
  return s;
}

std::vector<SeriesInfo> SeriesOf(const Store& store, Kind kind, const Selection& sel) {
  ScanFilter f;
  f.kind = kind;
  f.symbols = sel.symbols;
  f.exchanges = sel.exchanges;
  f.coins = sel.coins;
  std::vector<uint32_t> ids = SelectSeries(store, f);
  std::vector<SeriesInfo> out;
  for (const SeriesInfo& info : store.ListSeries(kind)) {
    if (std::find(ids.begin(), ids.end(), info.series_id) != ids.end() && info.rows > 0) {
      out.push_back(info);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.key < y.key; });
  return out;
}

// The symbols and exchanges of the series a coin selects, for kernels that
// take names only (the heatmaps and maps): every pair of them is one of the
// coin's series or no series at all.
Selection NamesOf(const Store& store, std::initializer_list<Kind> kinds, Selection sel) {
  if (sel.coins.empty()) return sel;
  std::vector<std::string> symbols, exchanges;
  for (Kind kind : kinds) {
    for (const SeriesInfo& s : SeriesOf(store, kind, sel)) {
      if (std::find(symbols.begin(), symbols.end(), s.key.symbol) == symbols.end())
        symbols.push_back(s.key.symbol);
      if (std::find(exchanges.begin(), exchanges.end(), s.key.exchange) == exchanges.end()) {
        exchanges.push_back(s.key.exchange);
      }
    }
  }
  // No series of the coin: a name no series has, so the picture is empty.
  sel.symbols = symbols.empty() ? std::vector<std::string>{""} : symbols;
  sel.exchanges = exchanges.empty() ? std::vector<std::string>{""} : exchanges;
  return sel;
}

Result<Timestamp> TimeArg(const std::string& text, Timestamp fallback, const char* name) {
  if (text.empty()) return fallback;
  Result<Timestamp> t = ParseTime(text);
  if (!t.ok()) return t.status().WithContext(std::string("--") + name);
  return t;
}

// [from, to) from the arguments, or the span of the given series.
Result<std::pair<Timestamp, Timestamp>> Range(const RenderArgs& a, const std::vector<SeriesInfo>& series) {
  Timestamp lo = kMaxTimestamp, hi = kMinTimestamp;
  for (const SeriesInfo& s : series) {
    lo = std::min(lo, s.min_ts);
    hi = std::max(hi, s.max_ts);
  }
  if (series.empty() && (a.from.empty() || a.to.empty())) {
    return Status::InvalidArgument("no data for this symbol/exchange; give --from and --to");
  }
  LIQDB_ASSIGN_OR_RETURN(Timestamp from, TimeArg(a.from, lo, "from"));
  LIQDB_ASSIGN_OR_RETURN(Timestamp to, TimeArg(a.to, hi + 1, "to"));
  return std::make_pair(from, to);
}

// The given interval, or a round one giving at most ~200 buckets.
Result<int64_t> IntervalArg(const std::string& text, Timestamp from, Timestamp to) {
  if (!text.empty()) return ParseInterval(text);
  constexpr int64_t m = 60 * kMicrosPerSecond;
  for (int64_t i : {m, 5 * m, 15 * m, 30 * m, 60 * m, 240 * m, 1440 * m, 10080 * m}) {
    if ((to - from) / i <= 200) return i;
  }
  return 10080 * m;
}

Result<double> StepArg(const std::string& text, double reference_price) {
  if (text.empty()) return render::NiceStep(std::max(reference_price, 1e-9) * 0.001);
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
    return v;
  } catch (const std::exception&) {
    return Status::InvalidArgument("--step: '" + text + "' is not a number");
  }
}

// Mark prices of the first selected market series within [from, to), at
// most ~2000 points (enough for any picture width).
Result<render::PriceLine> MarkLine(const Store& store, const Selection& sel, Timestamp from, Timestamp to) {
  render::PriceLine line;
  auto series = SeriesOf(store, Kind::kMarket, sel);
  if (series.empty()) return line;
  LIQDB_ASSIGN_OR_RETURN(Columns rows, ReadSeriesSorted(store, Kind::kMarket, series[0].series_id, from, to));
  size_t every = std::max<size_t>(1, rows.size() / 2000);
  for (size_t i = 0; i < rows.size(); i += every) {
    line.emplace_back(rows.ts[i], rows.values[mkt_col::kMarkPrice][i]);
  }
  if (!rows.empty() && (rows.size() - 1) % every != 0) {
    line.emplace_back(rows.ts.back(), rows.values[mkt_col::kMarkPrice].back());
  }
  return line;
}

// A typical price of the selection: the median mark, else the median
// liquidation price, else the median entry price.
Result<double> ReferencePrice(const Store& store, const Selection& sel, Timestamp from, Timestamp to) {
  const std::pair<Kind, int> sources[] = {{Kind::kMarket, mkt_col::kMarkPrice},
                                          {Kind::kLiquidations, liq_col::kPrice},
                                          {Kind::kPositions, pos_col::kEntryPrice}};
  for (auto [kind, col] : sources) {
    for (const SeriesInfo& s : SeriesOf(store, kind, sel)) {
      Timestamp lo = kind == Kind::kPositions ? kMinTimestamp : from;
      LIQDB_ASSIGN_OR_RETURN(Columns rows, ReadSeriesSorted(store, kind, s.series_id, lo, to));
      if (rows.empty()) continue;
      std::vector<double> v = rows.values[col];
      std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
      return v[v.size() / 2];
    }
  }
  // Nothing in range: any price of the selection keeps the step sensible.
  if (from != kMinTimestamp || to != kMaxTimestamp) {
    return ReferencePrice(store, sel, kMinTimestamp, kMaxTimestamp);
  }
  return 1.0;
}

// The instrument and every active filter, so a picture says what it shows.
std::string Title(const RenderArgs& a, bool model) {
  std::string t = !a.symbol.empty() ? a.symbol : !a.coin.empty() ? NormalizeCoin(a.coin) : "ALL SYMBOLS";
  t += a.exchange.empty() ? " ALL VENUES" : " " + a.exchange;
  if (a.min_leverage || a.max_leverage) {
    auto num = [](double v) { return fmt::format("{:g}", v); };
    t += " LEV " + (a.min_leverage ? num(*a.min_leverage) : std::string("1")) + "-" +
         (a.max_leverage ? num(*a.max_leverage) + "X" : std::string("MAX"));
  }
  if (model) t += " MODEL " + a.profile + " LOOKBACK " + a.lookback;
  if (model && !a.max_age.empty()) t += " MAX AGE " + a.max_age;
  return t;
}

// The model's parameters from the options (one parser for every picture).
Result<ModelParams> ModelParamsOf(const RenderArgs& a) {
  ModelParams m;
  m.leverage_profile = a.profile;
  LIQDB_ASSIGN_OR_RETURN(m.lookback, ParseDuration(a.lookback));
  if (!a.max_age.empty()) {
    Result<int64_t> age = ParseInterval(a.max_age);
    if (!age.ok()) return age.status().WithContext("--max-age");
    m.max_age = *age;
  }
  return m;
}

// A picture of several instruments would put BTC and SOL on one price axis.
Status CheckOneInstrument(const Store& store, const RenderArgs& a, std::initializer_list<Kind> kinds) {
  if (!a.symbol.empty() || !a.coin.empty()) return Status::OK();
  std::vector<std::string> symbols;
  for (Kind kind : kinds) {
    for (const SeriesInfo& s : store.ListSeries(kind)) {
      if (s.rows > 0 && (a.exchange.empty() || s.key.exchange == a.exchange) &&
          std::find(symbols.begin(), symbols.end(), s.key.symbol) == symbols.end()) {
        symbols.push_back(s.key.symbol);
      }
    }
  }
  if (symbols.size() <= 1) return Status::OK();
  std::sort(symbols.begin(), symbols.end());
  std::string list;
  for (size_t i = 0; i < symbols.size() && i < 8; ++i) list += (i ? ", " : "") + symbols[i];
  if (symbols.size() > 8) list += ", …";
  return Status::InvalidArgument("the store holds " + std::to_string(symbols.size()) + " instruments (" +
                                 list + "); name one with --symbol, or a coin with --coin");
}

Status Save(const render::Canvas& canvas, const std::string& path) {
  LIQDB_RETURN_IF_ERROR(render::WritePng(canvas, path));
  std::cout << "wrote " << path << " (" << canvas.width() << "x" << canvas.height() << ")\n";
  return Status::OK();
}

Status RenderHeatmap(const Store& store, const RenderArgs& a) {
  LIQDB_RETURN_IF_ERROR(CheckOneInstrument(store, a, {Kind::kPositions, Kind::kMarket}));
  Selection sel = SelectionOf(a);
  std::string source = a.source;
  if (source == "auto") {
    source = SeriesOf(store, Kind::kPositions, sel).empty() ? "market" : "positions";
  }
  Kind kind = source == "market" ? Kind::kMarket : Kind::kPositions;
  auto series = SeriesOf(store, kind, sel);
  LIQDB_ASSIGN_OR_RETURN(auto range, Range(a, series));
  auto [from, to] = range;
  LIQDB_ASSIGN_OR_RETURN(int64_t interval, IntervalArg(a.interval, from, to));
  LIQDB_ASSIGN_OR_RETURN(double ref, ReferencePrice(store, sel, from, to));
  LIQDB_ASSIGN_OR_RETURN(double step, StepArg(a.step, ref));

  std::unique_ptr<HeatmapCursor> cursor;
  if (kind == Kind::kPositions) {
    SnapshotHeatmapSpec spec;
    spec.from = from;
    spec.to = to;
    spec.interval = interval;
    spec.price_step = step;
    const Selection names = NamesOf(store, {Kind::kPositions}, sel);
    spec.symbols = names.symbols;
    spec.exchanges = names.exchanges;
    spec.min_leverage = a.min_leverage;
    spec.max_leverage = a.max_leverage;
    LIQDB_ASSIGN_OR_RETURN(cursor, OpenSnapshotHeatmap(store, spec));
  } else {
    if (series.empty()) return Status::InvalidArgument("no market series for this symbol");
    if (series.size() > 1 && a.exchange.empty()) {
      return Status::InvalidArgument(a.coin.empty() ? "several exchanges list this symbol; give --exchange"
                                                    : "the market model draws one series; give --symbol and "
                                                      "--exchange, or --source positions");
    }
    ModelHeatmapSpec spec;
    spec.from = from;
    spec.to = to;
    spec.interval = interval;
    spec.price_step = step;
    spec.symbol = series[0].key.symbol;
    spec.exchange = series[0].key.exchange;
    LIQDB_ASSIGN_OR_RETURN(spec.model, ModelParamsOf(a));
    LIQDB_ASSIGN_OR_RETURN(cursor, OpenModelHeatmap(store, spec));
  }
  render::HeatmapPicture pic;
  pic.title = Title(a, kind == Kind::kMarket);
  LIQDB_ASSIGN_OR_RETURN(pic.grid, MakeTimeGrid(from, to, interval));
  pic.price_step = step;
  LIQDB_ASSIGN_OR_RETURN(pic.cells, DrainHeatmap(cursor.get()));
  LIQDB_ASSIGN_OR_RETURN(pic.price_line, MarkLine(store, sel, pic.grid.first_bucket, to));
  if (a.width > 0) pic.width = a.width;
  if (a.height > 0) pic.height = a.height;
  return Save(render::DrawHeatmap(pic), a.output);
}

Status RenderChart(const Store& store, const RenderArgs& a) {
  LIQDB_RETURN_IF_ERROR(CheckOneInstrument(store, a, {Kind::kLiquidations}));
  Selection sel = SelectionOf(a);
  LIQDB_ASSIGN_OR_RETURN(auto range, Range(a, SeriesOf(store, Kind::kLiquidations, sel)));
  auto [from, to] = range;
  LIQDB_ASSIGN_OR_RETURN(int64_t interval, IntervalArg(a.interval, from, to));
  LiqHistogramSpec spec;
  spec.from = from;
  spec.to = to;
  spec.interval = interval;
  spec.symbols = sel.symbols;
  spec.exchanges = sel.exchanges;
  spec.coins = sel.coins;
  render::ChartPicture pic;
  pic.title = Title(a, false);
  LIQDB_ASSIGN_OR_RETURN(pic.grid, MakeTimeGrid(from, to, interval));
  LIQDB_ASSIGN_OR_RETURN(pic.rows, LiqHistogram(store, spec));
  LIQDB_ASSIGN_OR_RETURN(pic.price_line, MarkLine(store, sel, pic.grid.first_bucket, to));
  if (pic.price_line.empty()) {
    // No market data: the liquidations' own average price per bucket.
    for (const LiqHistogramRow& r : pic.rows) {
      double qty = r.sides[0].qty + r.sides[1].qty;
      if (qty > 0) {
        pic.price_line.emplace_back(r.bucket + interval / 2,
                                    (r.sides[0].notional + r.sides[1].notional) / qty);
      }
    }
  }
  if (a.width > 0) pic.width = a.width;
  if (a.height > 0) pic.height = a.height;
  return Save(render::DrawChart(pic), a.output);
}

// "12 positions in force: 5 in the map, 7 with no liquidation price (venue)":
// what the map leaves out, so an empty or thin map says why.
std::string PositionsNote(const PositionLevelCounts& c) {
  std::string note = fmt::format("{} position{} in force: {} in the map", c.in_force,
                                 c.in_force == 1 ? "" : "s", c.with_level);
  if (c.no_liq_price) note += fmt::format(", {} with no liquidation price (venue)", c.no_liq_price);
  if (c.no_level) note += fmt::format(", {} with no level (no liq_price or leverage)", c.no_level);
  if (c.filtered) note += fmt::format(", {} outside the leverage filter", c.filtered);
  return note;
}

Status RenderMap(const Store& store, const RenderArgs& a) {
  LIQDB_RETURN_IF_ERROR(CheckOneInstrument(store, a, {Kind::kPositions, Kind::kMarket}));
  Selection sel = SelectionOf(a);
  std::string source = a.source;
  if (source == "auto") {
    source = SeriesOf(store, Kind::kPositions, sel).empty() ? "market" : "positions";
  }
  Kind kind = source == "market" ? Kind::kMarket : Kind::kPositions;
  auto series = SeriesOf(store, kind, sel);
  Timestamp last = kMinTimestamp;
  for (const SeriesInfo& s : series) last = std::max(last, s.max_ts);
  if (series.empty() && a.at.empty()) {
    return Status::InvalidArgument("no data for this symbol/exchange; give --at");
  }
  LIQDB_ASSIGN_OR_RETURN(Timestamp at, TimeArg(a.at, last, "at"));
  LIQDB_ASSIGN_OR_RETURN(double ref, ReferencePrice(store, sel, kMinTimestamp, at + 1));
  LIQDB_ASSIGN_OR_RETURN(double step, StepArg(a.step, ref));
  LiqMapSpec spec;
  spec.at = at;
  spec.price_step = step;
  const Selection names = NamesOf(store, {kind}, sel);
  spec.symbols = names.symbols;
  spec.exchanges = names.exchanges;
  spec.min_leverage = a.min_leverage;
  spec.max_leverage = a.max_leverage;
  LIQDB_ASSIGN_OR_RETURN(spec.model, ModelParamsOf(a));
  if (kind == Kind::kPositions && spec.model.max_age) {
    return Status::InvalidArgument(
        "--max-age ages the market model's levels; this map is of positions "
        "(use --source market)");
  }
  render::MapPicture pic;
  pic.title = Title(a, kind == Kind::kMarket);
  pic.moment = at;
  pic.price_step = step;
  PositionLevelCounts counts;
  LIQDB_ASSIGN_OR_RETURN(pic.rows, LiqMap(store, kind, spec, nullptr, &counts));
  if (kind == Kind::kPositions) pic.note = PositionsNote(counts);
  // The mark: the last market sample at or before `at`, within a day.
  LIQDB_ASSIGN_OR_RETURN(render::PriceLine marks,
                         MarkLine(store, sel, at - 24 * 3600 * kMicrosPerSecond, at + 1));
  if (!marks.empty()) pic.mark_price = marks.back().second;
  if (a.width > 0) pic.width = a.width;
  if (a.height > 0) pic.height = a.height;
  return Save(render::DrawMap(pic), a.output);
}

int Run(const char* what, Status (*fn)(const Store&, const RenderArgs&), const RenderArgs& a) {
  if ((a.width != 0 && a.width < render::kMinWidth) || (a.height != 0 && a.height < render::kMinHeight)) {
    std::cerr << "liqdb render " << what << ": --width and --height must be at least " << render::kMinWidth
              << " x " << render::kMinHeight << " pixels (the title, legend and axes need the room)\n";
    return kExitUsage;
  }
  StoreOptions options;
  options.mode = StoreOptions::Mode::kReadOnly;
  options.create_if_missing = false;
  Result<std::shared_ptr<Store>> store = Store::Open(a.store, options);
  if (!store.ok()) {
    std::cerr << "liqdb render " << what << ": " << store.status().message() << "\n";
    return kExitFailure;
  }
  try {
    Status s = fn(**store, a);
    if (!s.ok()) {
      std::cerr << "liqdb render " << what << ": " << s.message() << "\n";
      return s.IsInvalidArgument() ? kExitUsage : kExitFailure;
    }
  } catch (const std::exception& e) {
    std::cerr << "liqdb render " << what << ": " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

void CommonOptions(CLI::App* cmd, RenderArgs* a) {
  cmd->add_option("--store", a->store, "store folder")->required();
  cmd->add_option("--symbol", a->symbol, "instrument, e.g. BTCUSDT (default: all)");
  cmd->add_option("--exchange", a->exchange, "venue, e.g. binance (default: all)");
  cmd->add_option("--coin", a->coin, "coin across venues, e.g. BTC (BTCUSDT, BTC-USDT-SWAP, BTCUSD_PERP, …)");
  cmd->add_option("-o,--output", a->output, "PNG file to write")->required();
  cmd->add_option("--width", a->width, "image width in pixels");
  cmd->add_option("--height", a->height, "image height in pixels");
}

void LevelOptions(CLI::App* cmd, RenderArgs* a) {
  cmd->add_option("--step", a->step, "price bin in USD (default: ~0.1% of the price)");
  cmd->add_option("--source", a->source, "positions, market (the OI model) or auto")
      ->check(CLI::IsMember({"auto", "positions", "market"}));
  cmd->add_option("--min-leverage", a->min_leverage, "keep positions/tiers at or above");
  cmd->add_option("--max-leverage", a->max_leverage, "keep positions/tiers at or below");
  cmd->add_option("--profile", a->profile, "model leverage profile 'L:w,…'");
  cmd->add_option("--lookback", a->lookback, "model lookback before the range (default 7d)");
  cmd->add_option("--max-age", a->max_age, "drop model levels this old (e.g. 3d; default: any age)");
}

}  // namespace

void RegisterRenderCommand(CLI::App& app, int* exit_code) {
  CLI::App* render = app.add_subcommand("render", "Draw PNG pictures: heatmap, chart, map");
  render->require_subcommand(1);
  render->footer(
      "Examples:\n"
      "  liqdb render heatmap --store data/store --symbol BTCUSDT --exchange binance -o heat.png\n"
      "  liqdb render chart --store data/store --symbol BTCUSDT --interval 1h -o chart.png\n"
      "  liqdb render chart --store data/store --coin BTC -o btc-all-venues.png\n"
      "  liqdb render map --store data/store --symbol BTCUSDT --at 2024-03-05T12:00:00Z -o map.png\n"
      "Run 'liqdb render heatmap --help' (chart, map) for each picture's options.");
  auto args = std::make_shared<RenderArgs>();

  CLI::App* heat = render->add_subcommand("heatmap", "Liquidation heatmap: time x price");
  CommonOptions(heat, args.get());
  LevelOptions(heat, args.get());
  heat->add_option("--from", args->from, "start (ISO-8601 or µs; default: first row)");
  heat->add_option("--to", args->to, "end, exclusive (default: after the last row)");
  heat->add_option("--interval", args->interval, "bucket, e.g. 15m (default: ~200 buckets)");
  heat->footer(
      "Examples:\n"
      "  liqdb render heatmap --store data/store --symbol BTCUSDT --exchange binance -o heat.png\n"
      "  liqdb render heatmap --store data/store --symbol BTCUSDT --exchange okx --source market \\\n"
      "      --from 2024-03-01 --to 2024-03-08 --interval 1h --step 100 -o model.png\n"
      "From positions when the store has them for the instrument, else the open-interest model.");
  heat->callback([args, exit_code] { *exit_code = Run("heatmap", RenderHeatmap, *args); });

  CLI::App* chart = render->add_subcommand("chart", "Liquidations per time bucket, with price");
  CommonOptions(chart, args.get());
  chart->add_option("--from", args->from, "start (default: first liquidation)");
  chart->add_option("--to", args->to, "end, exclusive (default: after the last)");
  chart->add_option("--interval", args->interval, "bucket, e.g. 1h (default: ~200 buckets)");
  chart->footer(
      "Examples:\n"
      "  liqdb render chart --store data/store --symbol BTCUSDT -o chart.png\n"
      "  liqdb render chart --store data/store --symbol BTCUSDT --exchange bybit \\\n"
      "      --from 2024-03-01 --to 2024-03-02 --interval 15m -o day.png\n"
      "Red bars: longs liquidated; green: shorts; the line is the price.");
  chart->callback([args, exit_code] { *exit_code = Run("chart", RenderChart, *args); });

  CLI::App* map = render->add_subcommand("map", "Liquidation map at one moment");
  CommonOptions(map, args.get());
  LevelOptions(map, args.get());
  map->add_option("--at", args->at, "moment (default: the last row)");
  map->footer(
      "Examples:\n"
      "  liqdb render map --store data/store --symbol BTCUSDT --exchange binance -o map.png\n"
      "  liqdb render map --store data/store --symbol BTCUSDT --at 2024-03-05T12:00:00Z --step 100 -o "
      "map.png\n"
      "Bars: notional that would be liquidated at each price; curves: cumulative from the mark.");
  map->callback([args, exit_code] { *exit_code = Run("map", RenderMap, *args); });
}

}  // namespace liqdb::cli
