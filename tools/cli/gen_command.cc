// `liqdb gen`: writes synthetic liquidations, positions and market samples
// (tools/gen/generator.h) as liqdb CSV or straight into a store.
//
// Store output appends in big batches cut at window boundaries (so rows that
// share a timestamp are never split, as the store's idempotency rule
// requires), with the WAL unsynced, and seals everything at the end: a bulk
// load that fails half way is simply redone. CSV output merges the series of
// each window into time order, so the file reads like an exchange archive.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/iostreams/filter/bzip2.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>

#include "commands.h"
#include "generator.h"
#include "progress.h"

#include "liqdb/heatmap.h"
#include "liqdb/store.h"
#include "liqdb/timeparse.h"

namespace liqdb::cli {

namespace {

struct GenArgs {
  std::string store;
  std::string csv;
  std::string kind = "all";
  std::string from = "2024-03-01";
  double days = 30;
  uint64_t events = 1'000'000;
  uint64_t positions = 500'000;
  uint32_t accounts = 2000;
  std::string market_interval = "1s";
  uint64_t seed = 1;
  std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
  std::vector<std::string> exchanges = {"binance", "bybit", "okx"};
  size_t batch_rows = 1 << 18;
  bool quiet = false;
};

// "data/liq.csv" + positions -> "data/liq.positions.csv" (also for .csv.gz).
std::string KindPath(const std::string& path, Kind kind) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find(".csv", slash == std::string::npos ? 0 : slash + 1);
  if (dot == std::string::npos) return path + "." + KindName(kind) + ".csv";
  return path.substr(0, dot) + "." + KindName(kind) + path.substr(dot);
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Appends `v`, a multiple of 10^-decimals (the generator's grids), with
// exactly `decimals` decimals; much faster than a general float formatter,
// and the text parses back to the same double.
void AppendFixed(std::string* buf, double v, int decimals) {
  static constexpr int64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
  const int64_t scale = kPow10[decimals];
  int64_t k = std::llround(v * static_cast<double>(scale));
  if (k < 0) {
    buf->push_back('-');
    k = -k;
  }
  char tmp[24];
  auto r = std::to_chars(tmp, tmp + sizeof tmp, k / scale);
  buf->append(tmp, r.ptr);
  if (decimals == 0) return;
  buf->push_back('.');
  r = std::to_chars(tmp, tmp + sizeof tmp, k % scale);
  buf->append(static_cast<size_t>(decimals - (r.ptr - tmp)), '0');
  buf->append(tmp, r.ptr);
}

// One CSV output file (or standard output), compressed by its name's suffix.
class CsvSink {
 public:
  static Result<std::unique_ptr<CsvSink>> Open(const std::string& path, Kind kind) {
    auto sink = std::unique_ptr<CsvSink>(new CsvSink());
    sink->path_ = path;
    if (path != "-") {
      sink->file_.open(path, std::ios::binary | std::ios::trunc);
      if (!sink->file_) return Status::IOError(fmt::format("cannot create '{}'", path));
      if (EndsWith(path, ".gz")) sink->out_.push(boost::iostreams::gzip_compressor());
      if (EndsWith(path, ".bz2")) sink->out_.push(boost::iostreams::bzip2_compressor());
      sink->out_.push(sink->file_);
    } else {
      sink->out_.push(std::cout);
    }
    switch (kind) {
      case Kind::kLiquidations: sink->buf_ = "ts,exchange,symbol,side,price,qty,notional\n"; break;
      case Kind::kPositions:
        sink->buf_ = "ts,exchange,symbol,account,side,size,entry_price,leverage,liq_price\n";
        break;
      case Kind::kMarket: sink->buf_ = "ts,exchange,symbol,mark_price,open_interest\n"; break;
    }
    return sink;
  }

  // Writes the series of one window merged into time order.
  Status Write(const std::vector<SeriesBatch>& batches, const gen::Generator& g) {
    std::vector<size_t> next(batches.size(), 0);
    std::vector<const gen::SeriesSpec*> specs;
    for (const SeriesBatch& b : batches) specs.push_back(g.FindSeries(b.key));
    auto out = std::back_inserter(buf_);
    for (;;) {
      size_t best = batches.size();
      for (size_t i = 0; i < batches.size(); ++i) {
        if (next[i] < batches[i].rows.size() &&
            (best == batches.size() || batches[i].rows.ts[next[i]] < batches[best].rows.ts[next[best]])) {
          best = i;
        }
      }
      if (best == batches.size()) break;
      const Columns& c = batches[best].rows;
      const size_t r = next[best]++;
      const gen::SeriesSpec& s = *specs[best];
      fmt::format_to(out, "{},{},{},", c.ts[r], s.key.exchange, s.key.symbol);
      switch (c.kind) {
        case Kind::kLiquidations:
          buf_ += SideName(static_cast<Side>(c.side[r]));
          buf_ += ',';
          AppendFixed(&buf_, c.values[liq_col::kPrice][r], s.price_decimals);
          buf_ += ',';
          AppendFixed(&buf_, c.values[liq_col::kQty][r], s.qty_decimals);
          fmt::format_to(out, ",{}\n", c.values[liq_col::kNotional][r]);  // shortest round-trip text
          break;
        case Kind::kPositions: {
          fmt::format_to(out, "{},{},", c.AccountOf(r), SideName(static_cast<Side>(c.side[r])));
          AppendFixed(&buf_, c.values[pos_col::kSize][r], s.qty_decimals);
          buf_ += ',';
          AppendFixed(&buf_, c.values[pos_col::kEntryPrice][r], s.price_decimals);
          fmt::format_to(out, ",{},", c.values[pos_col::kLeverage][r]);
          const double liq = c.values[pos_col::kLiqPrice][r];
          if (!std::isnan(liq)) AppendFixed(&buf_, liq, s.price_decimals);
          buf_ += '\n';
          break;
        }
        case Kind::kMarket:
          AppendFixed(&buf_, c.values[mkt_col::kMarkPrice][r], s.price_decimals);
          buf_ += ',';
          AppendFixed(&buf_, c.values[mkt_col::kOpenInterest][r], s.qty_decimals);
          buf_ += '\n';
          break;
      }
      if (buf_.size() > (1 << 20)) LIQDB_RETURN_IF_ERROR(Drain());
    }
    return Status::OK();
  }

  Status Close() {
    LIQDB_RETURN_IF_ERROR(Drain());
    out_.reset();  // flushes the compressor's trailer
    if (path_ != "-") {
      file_.close();
      if (file_.fail()) return Status::IOError(fmt::format("cannot write '{}'", path_));
    } else {
      std::cout.flush();
    }
    return Status::OK();
  }

 private:
  CsvSink() = default;
  Status Drain() {
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
    if (!out_) return Status::IOError(fmt::format("cannot write '{}'", path_));
    return Status::OK();
  }

  std::string path_;
  std::ofstream file_;
  boost::iostreams::filtering_ostream out_;
  std::string buf_;
};

int RunGen(const GenArgs& a) {
  if (a.store.empty() == a.csv.empty()) {
    std::cerr << "liqdb gen: give exactly one of --store DIR or --csv FILE\n";
    return kExitUsage;
  }
  std::vector<Kind> kinds;
  if (a.kind == "all") {
    kinds = {Kind::kLiquidations, Kind::kPositions, Kind::kMarket};
  } else if (auto k = ParseKind(a.kind)) {
    kinds = {*k};
  } else {
    std::cerr << "liqdb gen: --kind must be liquidations, positions, market or all\n";
    return kExitUsage;
  }
  if (a.csv == "-" && kinds.size() > 1) {
    std::cerr << "liqdb gen: --csv - (standard output) takes a single --kind\n";
    return kExitUsage;
  }

  gen::GenOptions o;
  Result<Timestamp> from = ParseTime(a.from);
  if (!from.ok()) {
    std::cerr << "liqdb gen: --from: " << from.status().message() << "\n";
    return kExitUsage;
  }
  Result<int64_t> interval = ParseInterval(a.market_interval);
  if (!interval.ok()) {
    std::cerr << "liqdb gen: --market-interval: " << interval.status().message() << "\n";
    return kExitUsage;
  }
  if (!(a.days > 0) || a.days > 3660) {
    std::cerr << "liqdb gen: --days must be in (0, 3660]\n";
    return kExitUsage;
  }
  o.seed = a.seed;
  o.from = *from;
  o.duration = static_cast<Timestamp>(a.days * 86400) * kMicrosPerSecond;
  o.symbols = a.symbols;
  o.exchanges = a.exchanges;
  o.liquidations = a.events;
  o.positions = a.positions;
  o.accounts = a.accounts;
  o.market_interval = *interval;
  Result<std::unique_ptr<gen::Generator>> created = gen::Generator::Create(o);
  if (!created.ok()) {
    std::cerr << "liqdb gen: " << created.status().message() << "\n";
    return kExitUsage;
  }
  gen::Generator& g = **created;

  std::shared_ptr<Store> store;
  std::vector<std::unique_ptr<CsvSink>> sinks(4);  // indexed by Kind
  std::vector<std::string> outputs;
  if (!a.store.empty()) {
    StoreOptions so{.mode = StoreOptions::Mode::kReadWrite, .create_if_missing = true, .sync = false};
    Result<std::shared_ptr<Store>> opened = Store::Open(a.store, so);
    if (!opened.ok()) {
      std::cerr << "liqdb gen: cannot open store '" << a.store << "': " << opened.status().ToString() << "\n";
      return kExitFailure;
    }
    store = *opened;
    outputs.push_back(a.store);
  } else {
    for (Kind k : kinds) {
      const std::string path = kinds.size() > 1 ? KindPath(a.csv, k) : a.csv;
      Result<std::unique_ptr<CsvSink>> sink = CsvSink::Open(path, k);
      if (!sink.ok()) {
        std::cerr << "liqdb gen: " << sink.status().message() << "\n";
        return kExitFailure;
      }
      sinks[static_cast<int>(k)] = std::move(*sink);
      outputs.push_back(path);
    }
  }

  const auto start = std::chrono::steady_clock::now();
  Progress progress("gen", 0, "rows");
  AppendStats stored;
  auto wanted = [&](Kind k) { return std::find(kinds.begin(), kinds.end(), k) != kinds.end(); };
  auto flush = [&](bool all) -> Status {
    for (Kind k : {Kind::kLiquidations, Kind::kPositions, Kind::kMarket}) {
      if (!wanted(k)) {
        g.Discard(k);
        continue;
      }
      if (store) {
        std::vector<SeriesBatch> batches = g.TakeBatches(k, all ? 0 : a.batch_rows);
        for (const SeriesBatch& b : batches) {
          Result<AppendStats> r = store->Append(b);
          if (!r.ok())
            return r.status().WithContext(
                fmt::format("append {} {}/{}", KindName(k), b.key.exchange, b.key.symbol));
          stored.received += r->received;
          stored.stored += r->stored;
          stored.duplicates += r->duplicates;
        }
      } else {
        LIQDB_RETURN_IF_ERROR(sinks[static_cast<int>(k)]->Write(g.TakeBatches(k, 0), g));
      }
    }
    return Status::OK();
  };
  auto rows = [&] {
    const gen::GenCounts& c = g.counts();
    return (wanted(Kind::kLiquidations) ? c.liquidations : 0) + (wanted(Kind::kPositions) ? c.positions : 0) +
           (wanted(Kind::kMarket) ? c.market : 0);
  };

  Status s;
  while (s.ok() && g.NextWindow()) {
    s = flush(false);
    const uint64_t done = rows();
    const double frac = g.progress();
    progress.SetNote(FormatTime(g.now()).substr(0, 10));
    progress.Update(done, frac > 0 ? static_cast<uint64_t>(static_cast<double>(done) / frac) : 0);
  }
  if (s.ok()) s = flush(true);
  if (s.ok() && store) {
    progress.SetNote("sealing");
    progress.Update(rows());
    s = store->Seal(true);
    if (s.ok()) s = WritePositionKeyframes(*store).status();  // heatmaps start near `from`
  }
  for (auto& sink : sinks) {
    if (sink && s.ok()) s = sink->Close();
  }
  progress.Finish();
  if (!s.ok()) {
    std::cerr << "liqdb gen: " << s.ToString() << "\n";
    return kExitFailure;
  }

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const gen::GenCounts& c = g.counts();
  std::ostream& report = a.csv == "-" ? std::cerr : std::cout;
  if (!a.quiet) {
    std::string what;
    auto add = [&](Kind k, uint64_t n) {
      if (!wanted(k)) return;
      what += fmt::format("{}{} {}", what.empty() ? "" : ", ", n, KindName(k));
    };
    add(Kind::kLiquidations, c.liquidations);
    add(Kind::kPositions, c.positions);
    add(Kind::kMarket, c.market);
    report << fmt::format("generated {} rows ({}) for {} series from {} to {} in {:.1f} s ({:.2f}M rows/s)\n",
                          rows(), what, g.series().size(), FormatTime(o.from),
                          FormatTime(o.from + o.duration), secs,
                          static_cast<double>(rows()) / std::max(secs, 1e-9) / 1e6);
    if (store) {
      report << fmt::format("stored {} rows in {} ({} duplicates of rows already stored skipped)\n",
                            stored.stored, a.store, stored.duplicates);
    } else {
      for (const std::string& p : outputs) {
        if (p != "-") report << "wrote " << p << "\n";
      }
    }
  }
  return kExitOk;
}

}  // namespace

void RegisterGenCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<GenArgs>();
  CLI::App* cmd =
      app.add_subcommand("gen", "Generate realistic synthetic liquidations, positions and market data");
  cmd->footer(
      "One story per symbol: a price path with volatility regimes and a few sharp moves;\n"
      "per venue bursty liquidations (cascades of thousands of fills within seconds),\n"
      "accounts opening, resizing and closing leveraged positions (closed when their\n"
      "liquidation price is crossed), and mark price + open interest.\n\n"
      "Examples:\n"
      "  liqdb gen --store demo-data/store --days 30 --events 3000000\n"
      "  liqdb gen --csv liq.csv.gz --kind liquidations --days 7 --symbols BTCUSDT --exchanges binance\n"
      "  liqdb gen --csv data.csv --kind all   # data.liquidations.csv, data.positions.csv, data.market.csv\n"
      "  liqdb gen --csv - --kind market --days 1 --market-interval 1m | head\n"
      "Same --seed and options always give the same rows. okx symbols are spelled BTC-USDT-SWAP.");
  auto* out = cmd->add_option_group("output", "where the rows go");
  out->add_option("--store", args->store, "store folder (created if missing)");
  out->add_option("--csv", args->csv,
                  "CSV file ('-' = stdout; .gz/.bz2 compress; with --kind all one file per kind)");
  out->require_option(1);
  cmd->add_option("--kind", args->kind, "liquidations, positions, market or all")
      ->check(CLI::IsMember({"liquidations", "positions", "market", "all"}))
      ->capture_default_str();
  cmd->add_option("--from", args->from, "start time (ISO-8601 or µs)")->capture_default_str();
  cmd->add_option("--days", args->days, "days of data")->capture_default_str();
  cmd->add_option("--events", args->events, "liquidation events over all series (about)")
      ->capture_default_str();
  cmd->add_option("--positions", args->positions, "position rows over all series (about)")
      ->capture_default_str();
  cmd->add_option("--accounts", args->accounts, "accounts per venue trading the largest symbol")
      ->capture_default_str();
  cmd->add_option("--market-interval", args->market_interval, "market sample interval (1s, 10s, 1m)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "random seed")->capture_default_str();
  std::string bases;
  for (const std::string& b : gen::KnownBases()) bases += (bases.empty() ? "" : " ") + b + "USDT";
  cmd->add_option("--symbols", args->symbols, "symbols, any of: " + bases)
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--exchanges", args->exchanges, "venues (binance bybit okx)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--batch-rows", args->batch_rows, "rows per store append")->capture_default_str();
  cmd->add_flag("-q,--quiet", args->quiet, "print no summary");
  cmd->callback([args, exit_code] { *exit_code = RunGen(*args); });
}

}  // namespace liqdb::cli
