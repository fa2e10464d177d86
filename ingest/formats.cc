// Format names, the adapter factory and `--format auto`'s sniffer.
#include <cstdio>

#include "ingest/adapter_util.h"

namespace liqdb {

namespace {
struct FormatEntry {
  Format format;
  const char* name;
};
constexpr FormatEntry kFormats[] = {
    {Format::kAuto, "auto"},
    {Format::kCsv, "csv"},
    {Format::kTardisLiquidations, "tardis-liquidations"},
    {Format::kTardisDerivativeTicker, "tardis-derivative-ticker"},
    {Format::kBinanceForceOrder, "binance-forceorder"},
    {Format::kBinanceLiquidationSnapshot, "binance-liquidation-snapshot"},
    {Format::kBybitLiquidation, "bybit-liquidation"},
    {Format::kOkxLiquidationOrders, "okx-liquidation-orders"},
    {Format::kHyperliquidClearinghouse, "hyperliquid-clearinghouse"},
    {Format::kBinanceMarkPrice, "binance-mark-price"},
    {Format::kBybitTicker, "bybit-ticker"},
    {Format::kOkxMarkPrice, "okx-mark-price"},
    {Format::kOkxOpenInterest, "okx-open-interest"},
    {Format::kHyperliquidAssetCtxs, "hyperliquid-asset-ctxs"},
    {Format::kLiqdbRaw, "liqdb-raw"},
};

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}
}  // namespace

const char* FormatName(Format format) {
  for (const auto& e : kFormats) {
    if (e.format == format) return e.name;
  }
  return "?";
}

std::optional<Format> ParseFormat(std::string_view name) {
  for (const auto& e : kFormats) {
    if (name == e.name) return e.format;
  }
  return std::nullopt;
}

std::vector<std::string> FormatNames() {
  std::vector<std::string> out;
  for (const auto& e : kFormats) out.emplace_back(e.name);
  return out;
}

std::optional<Format> SniffFormat(const std::vector<std::string>& lines, std::string* why) {
  auto say = [&](const char* reason) {
    if (why) *why = reason;
  };
  bool saw_json = false;
  for (const std::string& raw : lines) {
    std::string_view line = ingest::Trim(raw);
    if (line.empty()) continue;
    // The raw archive's envelope first: its messages hold every other key.
    if (line.rfind("{\"recv\":", 0) == 0 && Contains(line, "\"venue\":") && Contains(line, "\"msg\":")) {
      say("JSON lines {\"recv\",\"venue\",\"feed\",\"msg\"} (a liqdb raw archive)");
      return Format::kLiqdbRaw;
    }
    if (line.front() == '[' && Contains(line, "\"universe\"") && Contains(line, "\"markPx\"")) {
      say("a JSON array with Hyperliquid's universe and markPx (metaAndAssetCtxs)");
      return Format::kHyperliquidAssetCtxs;
    }
    if (line.front() == '{' || line.front() == '[') {
      if (Contains(line, "\"tickers.")) {
        say("JSON with a Bybit tickers topic");
        return Format::kBybitTicker;
      }
      if (Contains(line, "\"markPriceUpdate\"") ||
          (Contains(line, "\"openInterest\":") && Contains(line, "\"symbol\"") &&
           Contains(line, "\"time\""))) {
        say("JSON with Binance's markPriceUpdate event or openInterest response");
        return Format::kBinanceMarkPrice;
      }
      if (Contains(line, "\"mark-price\"") || Contains(line, "\"markPx\"")) {
        say("JSON with the OKX mark-price channel");
        return Format::kOkxMarkPrice;
      }
      if (Contains(line, "\"open-interest\"") || Contains(line, "\"oiCcy\"")) {
        say("JSON with the OKX open-interest channel");
        return Format::kOkxOpenInterest;
      }
    }
    if (line.front() == '{') {
      if (Contains(line, "\"forceOrder\"")) {
        say("JSON with \"e\":\"forceOrder\"");
        return Format::kBinanceForceOrder;
      }
      if (Contains(line, "\"allLiquidation.") || Contains(line, "\"liquidation.")) {
        say("JSON with a Bybit liquidation topic");
        return Format::kBybitLiquidation;
      }
      if (Contains(line, "\"liquidation-orders\"") || Contains(line, "\"bkPx\"")) {
        say("JSON with the OKX liquidation-orders channel");
        return Format::kOkxLiquidationOrders;
      }
      if (Contains(line, "\"assetPositions\"")) {
        say("JSON with Hyperliquid assetPositions");
        return Format::kHyperliquidClearinghouse;
      }
      saw_json = true;
      continue;  // e.g. a subscription ack; look at the next line
    }
    std::string_view f[16];
    size_t n = ingest::SplitCsv(line, f, 15);
    if (line.rfind("exchange,symbol,timestamp,local_timestamp,id,side,price,amount", 0) == 0) {
      say("the Tardis liquidations CSV header");
      return Format::kTardisLiquidations;
    }
    if (line.rfind("exchange,symbol,timestamp,local_timestamp,funding_timestamp", 0) == 0) {
      say("the Tardis derivative_ticker CSV header");
      return Format::kTardisDerivativeTicker;
    }
    if (line.rfind("time,side,order_type,time_in_force", 0) == 0) {
      say("the Binance liquidationSnapshot CSV header");
      return Format::kBinanceLiquidationSnapshot;
    }
    Timestamp ts;
    if (n == 10 && (f[1] == "SELL" || f[1] == "BUY") && ingest::ParseTimeField(f[0], &ts)) {
      say("headerless 10-field CSV with BUY/SELL (Binance liquidationSnapshot)");
      return Format::kBinanceLiquidationSnapshot;
    }
    if (n == 8 && (f[5] == "sell" || f[5] == "buy") && ingest::ParseTimeField(f[2], &ts)) {
      say("headerless 8-field CSV (Tardis liquidations)");
      return Format::kTardisLiquidations;
    }
    if (n == 11 && ingest::ParseTimeField(f[2], &ts)) {
      say("headerless 11-field CSV (Tardis derivative_ticker)");
      return Format::kTardisDerivativeTicker;
    }
    std::string_view first = ingest::Trim(f[0]);
    if (first == "ts" || ingest::ParseTimeField(first, &ts)) {
      say(first == "ts" ? "a liqdb CSV header" : "CSV starting with a time (liqdb CSV)");
      return Format::kCsv;
    }
    say("the first line is neither JSON nor a known CSV layout");
    return std::nullopt;
  }
  say(saw_json ? "JSON lines of no source liqdb knows (no forceOrder, markPriceUpdate, Bybit, OKX or "
                 "Hyperliquid keys)"
               : "no data lines");
  return std::nullopt;
}

Result<std::unique_ptr<Adapter>> MakeAdapter(Format format, const IngestOptions& options) {
  using namespace ingest;
  switch (format) {
    case Format::kCsv: return MakeCsvAdapter(options);
    case Format::kTardisLiquidations: return MakeTardisLiquidationsAdapter(options);
    case Format::kTardisDerivativeTicker: return MakeTardisTickerAdapter(options);
    case Format::kBinanceForceOrder: return MakeBinanceForceOrderAdapter(options);
    case Format::kBinanceLiquidationSnapshot: return MakeBinanceSnapshotAdapter(options);
    case Format::kBybitLiquidation: return MakeBybitAdapter(options);
    case Format::kOkxLiquidationOrders: return MakeOkxAdapter(options);
    case Format::kHyperliquidClearinghouse: return MakeHyperliquidAdapter(options);
    case Format::kBinanceMarkPrice: return MakeBinanceMarkPriceAdapter(options);
    case Format::kBybitTicker: return MakeBybitTickerAdapter(options);
    case Format::kOkxMarkPrice:
    case Format::kOkxOpenInterest: return MakeOkxMarketAdapter(options, format);
    case Format::kHyperliquidAssetCtxs: return MakeHyperliquidAssetCtxsAdapter(options);
    case Format::kLiqdbRaw: return MakeLiqdbRawAdapter(options);
    case Format::kAuto: break;
  }
  return Status::InvalidArgument("no adapter for format 'auto': sniff the input first");
}

std::string FormatSummary(const IngestSummary& s) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%llu file%s, %llu lines, %llu rows: stored %llu, duplicates %llu, rejected %llu line%s",
                static_cast<unsigned long long>(s.files), s.files == 1 ? "" : "s",
                static_cast<unsigned long long>(s.lines), static_cast<unsigned long long>(s.rows),
                static_cast<unsigned long long>(s.stored), static_cast<unsigned long long>(s.duplicates),
                static_cast<unsigned long long>(s.rejected_lines), s.rejected_lines == 1 ? "" : "s");
  std::string out = buf;
  if (s.skipped) out += ", skipped " + std::to_string(s.skipped) + " (nothing to store)";
  if (s.files_rejected) out += ", " + std::to_string(s.files_rejected) + " file(s) rejected";
  if (s.discarded_rows) out += ", " + std::to_string(s.discarded_rows) + " rows discarded (--strict)";
  return out;
}

}  // namespace liqdb
