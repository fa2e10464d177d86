// The venues' feeds (venues.h). Endpoints, messages and keep-alive rules come
// from each venue's API documentation (docs/record.md lists them); none was
// checked against a live venue from this machine.
#include "record/venues.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "liqdb/suggest.h"

namespace liqdb::record {

namespace {

using std::chrono::milliseconds;

struct VenueInfo {
  const char* name;
  const char* base;  // default base URL
  // Instruments known without a VENUE: prefix (main perpetuals first; the
  // first three are the defaults where a venue subscribes per symbol).
  std::vector<std::string> symbols;
};

const std::vector<VenueInfo>& Venues() {
  static const std::vector<VenueInfo> v = {
      // USDⓈ-M; COIN-M lives on dstream.binance.com (same path rules).
      {"binance",
       "wss://fstream.binance.com",
       {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT", "BTCUSD_PERP", "ETHUSD_PERP",
        "SOLUSD_PERP"}},
      {"bybit",
       "wss://stream.bybit.com",
       {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BTCUSD", "ETHUSD", "SOLUSD", "XRPUSDT", "DOGEUSDT", "BNBUSDT",
        "XRPUSD"}},
      {"okx",
       "wss://ws.okx.com:8443",
       {"BTC-USDT-SWAP", "ETH-USDT-SWAP", "SOL-USDT-SWAP", "BTC-USD-SWAP", "ETH-USD-SWAP", "SOL-USD-SWAP"}},
      {"hyperliquid", "wss://api.hyperliquid.xyz", {"BTC", "ETH", "SOL"}},
  };
  return v;
}

// Binance USDⓈ-M serves its market streams (forceOrder, markPrice among them)
// on routed paths since its WebSocket change notice of 2026-03-06; the legacy
// unrouted paths stopped delivering them on 2026-04-23. COIN-M is unchanged.
constexpr const char* kBinanceUsdmMarket = "/market";

const std::vector<std::string> kKinds = {"liquidations", "market", "positions"};

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

Status Unknown(const std::string& what, const std::string& name, const std::vector<std::string>& known) {
  std::string msg = "unknown " + what + " '" + name + "'";
  if (auto c = Closest(name, known)) msg += " (did you mean " + *c + "?)";
  return Status::InvalidArgument(msg + "; known: " + Join(known));
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool BybitInverse(std::string_view s) {
  // BTCUSD, BTCUSDH25: quoted in USD, not USDT/USDC.
  return s.find("USDT") == std::string_view::npos && s.find("USDC") == std::string_view::npos &&
         s.find("USD") != std::string_view::npos;
}

// ---- message classification --------------------------------------------------

bool Has(simdjson::dom::object o, std::string_view key) {
  return !o[key].error();
}
std::string_view Str(simdjson::dom::object o, std::string_view key) {
  std::string_view v;
  if (o[key].get(v)) return {};
  return v;
}

}  // namespace

std::chrono::milliseconds MinPositionsInterval(size_t wallets, std::chrono::milliseconds market_interval,
                                               bool market) {
  double market_per_minute = 0;
  if (market && market_interval.count() > 0) {
    market_per_minute = kHyperliquidMarketWeight * 60'000.0 / static_cast<double>(market_interval.count());
  }
  const double budget = std::max(60.0, (kHyperliquidWeightPerMinute - market_per_minute) / 2);
  const double polls_per_minute = budget / kHyperliquidPositionsWeight;
  const auto ms = static_cast<int64_t>(std::ceil(static_cast<double>(wallets) * 60'000.0 / polls_per_minute));
  return milliseconds(std::max<int64_t>(ms, 1000));
}

std::vector<std::string> VenueNames() {
  std::vector<std::string> v;
  for (const auto& x : Venues()) v.push_back(x.name);
  return v;
}

std::vector<std::string> KindNames() {
  return kKinds;
}

MessageClass Classify(std::string_view venue, std::string_view message, std::string* why) {
  std::string_view trimmed = message;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back())))
    trimmed.remove_suffix(1);
  if (venue == "okx" && trimmed == "pong") return MessageClass::kControl;
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(message.data(), message.size()).get(doc)) {
    *why = std::string("not JSON (") + simdjson::error_message(e) + ")";
    return MessageClass::kBad;
  }
  simdjson::dom::object o;
  if (doc.get(o)) {
    *why = "not a JSON object";
    return MessageClass::kBad;
  }
  if (venue == "binance") {
    // A raw stream (/ws/…) sends the bare event; a combined one (/stream?…,
    // what the recorder subscribes with --symbols and for mark prices) wraps
    // it as {"stream":"<name>","data":<event>} (docs/record.md, "What is
    // recorded"); the adapter unwraps it and judges the event.
    const std::string_view event = Str(o, "e");
    if (event == "forceOrder" || event == "markPriceUpdate" || (Has(o, "stream") && Has(o, "data"))) {
      return MessageClass::kData;
    }
    if (Has(o, "result") && Has(o, "id")) return MessageClass::kControl;  // a (un)subscribe reply
    if (Has(o, "error") || Has(o, "code")) {
      *why = "the venue reported an error";
      return MessageClass::kRejected;
    }
  } else if (venue == "bybit") {
    if (Has(o, "topic") && Has(o, "data")) return MessageClass::kData;
    if (Has(o, "op")) {
      bool success = true;
      if (!o["success"].get(success) && !success) {
        *why = "the venue refused '" + std::string(Str(o, "op")) + "': " + std::string(Str(o, "ret_msg"));
        return MessageClass::kRejected;
      }
      return MessageClass::kControl;  // subscribe ack, pong
    }
  } else if (venue == "okx") {
    if (Has(o, "arg") && Has(o, "data")) return MessageClass::kData;
    const std::string_view event = Str(o, "event");
    if (event == "error") {
      *why = "the venue reported error " + std::string(Str(o, "code")) + ": " + std::string(Str(o, "msg"));
      return MessageClass::kRejected;
    }
    if (!event.empty()) return MessageClass::kControl;  // subscribe, unsubscribe, notice
  } else if (venue == "hyperliquid") {
    const std::string_view channel = Str(o, "channel");
    if (channel == "pong" || channel == "subscriptionResponse") return MessageClass::kControl;
    if (channel == "error") {
      *why = "the venue reported an error";
      return MessageClass::kRejected;
    }
    if (!channel.empty() && Has(o, "data")) return MessageClass::kData;
  }
  *why = "unexpected message";
  return MessageClass::kBad;
}

Result<FeedPlan> PlanFeeds(const FeedSelection& sel) {
  const std::vector<std::string> all_venues = VenueNames();
  std::vector<std::string> venues = sel.venues.empty() ? all_venues : sel.venues;
  for (const auto& v : venues) {
    if (std::find(all_venues.begin(), all_venues.end(), v) == all_venues.end())
      return Unknown("venue", v, all_venues);
  }
  std::vector<std::string> kinds =
      sel.kinds.empty() ? std::vector<std::string>{"liquidations", "market"} : sel.kinds;
  for (const auto& k : kinds) {
    if (std::find(kKinds.begin(), kKinds.end(), k) == kKinds.end()) return Unknown("kind", k, kKinds);
  }
  for (const auto& [venue, url] : sel.endpoints) {
    if (std::find(all_venues.begin(), all_venues.end(), venue) == all_venues.end()) {
      return Unknown("venue in --endpoint", venue, all_venues);
    }
    if (Result<Url> u = ParseUrl(url); !u.ok()) return u.status().WithContext("--endpoint " + venue);
  }

  std::vector<std::string> plan_notes_early;
  // Symbols: a known name of a chosen venue, or VENUE:SYMBOL for any other,
  // or "all" alone.
  std::map<std::string, std::vector<std::string>> symbols;  // venue -> its symbols
  std::vector<std::string> known;
  for (const auto& info : Venues()) {
    if (std::find(venues.begin(), venues.end(), info.name) == venues.end()) continue;
    for (const auto& s : info.symbols) {
      if (std::find(known.begin(), known.end(), s) == known.end()) known.push_back(s);
    }
  }
  const bool all = sel.symbols.size() == 1 && sel.symbols[0] == "all";
  if (all) {
    symbols["bybit"] = sel.bybit_all;
    if (std::find(kinds.begin(), kinds.end(), "market") != kinds.end()) {
      plan_notes_early.push_back(
          "--symbols all applies to liquidations; market samples are of the main BTC/ETH/SOL perpetuals");
    }
  }
  for (const std::string& s : all ? std::vector<std::string>{} : sel.symbols) {
    const size_t colon = s.find(':');
    if (colon != std::string::npos) {
      const std::string venue = s.substr(0, colon), sym = s.substr(colon + 1);
      if (std::find(venues.begin(), venues.end(), venue) == venues.end()) {
        return Status::InvalidArgument("symbol '" + s + "' names venue '" + venue +
                                       "', which is not recorded (--venues " + Join(venues) + ")");
      }
      if (sym.empty()) return Status::InvalidArgument("symbol '" + s + "' has no instrument after ':'");
      symbols[venue].push_back(sym);
      continue;
    }
    bool found = false;
    for (const auto& info : Venues()) {
      if (std::find(venues.begin(), venues.end(), info.name) == venues.end()) continue;
      if (std::find(info.symbols.begin(), info.symbols.end(), s) != info.symbols.end()) {
        symbols[info.name].push_back(s);
        found = true;
      }
    }
    if (!found) {
      Status st = Unknown("symbol", s, known);
      return Status::InvalidArgument(st.message() + " (write VENUE:SYMBOL for another instrument)");
    }
  }

  FeedPlan plan;
  plan.notes = std::move(plan_notes_early);
  // The venue's --endpoint, else `default_base`; REST calls take its host too.
  auto base_of = [&](const VenueInfo& info, const char* default_base) -> Url {
    auto it = sel.endpoints.find(info.name);
    Result<Url> u = ParseUrl(it != sel.endpoints.end() ? it->second : default_base);
    return *u;  // checked above; the defaults are valid
  };
  auto has = [&](const char* kind) { return std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); };
  auto make = [&](const std::string& venue, const std::string& feed) -> Result<FeedSpec> {
    FeedSpec f;
    f.venue = venue;
    f.feed = feed;
    LIQDB_ASSIGN_OR_RETURN(f.format, FeedFormat(venue, feed));  // the mapping liqdb-raw replays with
    return f;
  };
  // Bybit: at most 10 topics a subscribe request; a ping every 20 s.
  auto bybit = [&](const VenueInfo& info, const char* feed, const char* path, const char* topic,
                   const std::vector<std::string>& list, milliseconds cadence) -> Status {
    if (list.empty()) return Status::OK();
    LIQDB_ASSIGN_OR_RETURN(FeedSpec f, make(info.name, feed));
    f.url = WithBase(base_of(info, info.base), path, true);
    for (size_t i = 0; i < list.size(); i += 10) {
      std::string args;
      for (size_t j = i; j < std::min(list.size(), i + 10); ++j) {
        args += fmt::format("{}\"{}.{}\"", j > i ? "," : "", topic, list[j]);
      }
      f.subscribe.push_back(
          fmt::format(R"({{"req_id":"liqdb-{}","op":"subscribe","args":[{}]}})", i / 10 + 1, args));
    }
    f.ping = R"({"req_id":"liqdb-ping","op":"ping"})";
    f.ping_interval = milliseconds(20'000);
    f.data_cadence = cadence;
    plan.feeds.push_back(std::move(f));
    return Status::OK();
  };
  const std::vector<std::string> kBybitDefaults = {"BTCUSDT", "ETHUSDT", "SOLUSDT",
                                                   "BTCUSD",  "ETHUSD",  "SOLUSD"};
  for (const auto& info : Venues()) {
    const std::string venue = info.name;
    if (std::find(venues.begin(), venues.end(), venue) == venues.end()) continue;
    const std::vector<std::string>& syms = symbols[venue];
    if (venue == "binance") {
      std::vector<std::string> usdm, coinm;
      for (const auto& s : syms) (s.find('_') != std::string::npos ? coinm : usdm).push_back(s);
      if (has("liquidations")) {
        // !forceOrder@arr is every symbol's; with --symbols, one stream each.
        auto add = [&](const char* feed, const char* default_base, const char* prefix,
                       const std::vector<std::string>& list) -> Status {
          LIQDB_ASSIGN_OR_RETURN(FeedSpec f, make(venue, feed));
          f.subscribed_by_url = true;
          std::string target = std::string(prefix) + "/ws/!forceOrder@arr";
          if (!list.empty()) {
            target = std::string(prefix) + "/stream?streams=";
            for (size_t i = 0; i < list.size(); ++i)
              target += (i ? "/" : "") + Lower(list[i]) + "@forceOrder";
          }
          // Binance's pings are answered by Beast; no client ping.
          f.url = WithBase(base_of(info, default_base), target, true);
          plan.feeds.push_back(std::move(f));
          return Status::OK();
        };
        // An --endpoint for binance carries both USDⓈ-M and COIN-M paths:
        // it replaces scheme, host and port, each feed keeps its own path.
        if (syms.empty() || !usdm.empty())
          LIQDB_RETURN_IF_ERROR(add("liquidations", "wss://fstream.binance.com", kBinanceUsdmMarket, usdm));
        if (syms.empty() || !coinm.empty()) {
          LIQDB_RETURN_IF_ERROR(add("liquidations-coinm", "wss://dstream.binance.com", "", coinm));
        }
      }
      if (has("market")) {
        // The mark price stream (1 s) and an open-interest poll per symbol:
        // USDⓈ-M on fstream/fapi, COIN-M (with --symbols BTCUSD_PERP, ...) on dstream/dapi.
        auto add = [&](const char* feed, const char* ws_base, const char* ws_prefix, const char* rest_base,
                       const char* path, const std::vector<std::string>& list) -> Status {
          if (list.empty()) return Status::OK();
          LIQDB_ASSIGN_OR_RETURN(FeedSpec f, make(venue, feed));
          f.subscribed_by_url = true;
          std::string target = std::string(ws_prefix) + "/stream?streams=";
          for (size_t i = 0; i < list.size(); ++i)
            target += (i ? "/" : "") + Lower(list[i]) + "@markPrice@1s";
          f.url = WithBase(base_of(info, ws_base), target, true);
          f.data_cadence = milliseconds(1000);  // markPrice@1s: every second
          for (const auto& s : list) {
            PollSpec p;
            p.url = WithBase(base_of(info, rest_base), std::string(path) + "?symbol=" + s, false);
            f.polls.push_back(std::move(p));
          }
          f.poll_interval = sel.market_interval;
          plan.feeds.push_back(std::move(f));
          return Status::OK();
        };
        const std::vector<std::string> defaults = {"BTCUSDT", "ETHUSDT", "SOLUSDT"};
        LIQDB_RETURN_IF_ERROR(add("market", "wss://fstream.binance.com", kBinanceUsdmMarket,
                                  "https://fapi.binance.com", "/fapi/v1/openInterest",
                                  syms.empty() ? defaults : usdm));
        LIQDB_RETURN_IF_ERROR(add("market-coinm", "wss://dstream.binance.com", "", "https://dapi.binance.com",
                                  "/dapi/v1/openInterest", coinm));
      }
    } else if (venue == "bybit") {
      std::vector<std::string> linear, inverse;
      for (const auto& s : syms.empty() ? kBybitDefaults : syms)
        (BybitInverse(s) ? inverse : linear).push_back(s);
      if (has("liquidations")) {
        LIQDB_RETURN_IF_ERROR(bybit(info, "liquidations-linear", "/v5/public/linear", "allLiquidation",
                                    linear, milliseconds(0)));
        LIQDB_RETURN_IF_ERROR(bybit(info, "liquidations-inverse", "/v5/public/inverse", "allLiquidation",
                                    inverse, milliseconds(0)));
      }
      if (has("market")) {
        std::vector<std::string> mlinear = linear, minverse = inverse;
        if (all) {  // tickers push every 100 ms: not for every instrument
          mlinear.clear();
          minverse.clear();
          for (const auto& s : kBybitDefaults) (BybitInverse(s) ? minverse : mlinear).push_back(s);
        }
        // Derivatives tickers push every 100 ms (Bybit v5 "Ticker").
        LIQDB_RETURN_IF_ERROR(
            bybit(info, "market-linear", "/v5/public/linear", "tickers", mlinear, milliseconds(100)));
        LIQDB_RETURN_IF_ERROR(
            bybit(info, "market-inverse", "/v5/public/inverse", "tickers", minverse, milliseconds(100)));
      }
    } else if (venue == "okx") {
      const bool market = has("market");
      if (has("liquidations")) {
        LIQDB_ASSIGN_OR_RETURN(FeedSpec f, make(venue, "liquidations"));
        f.url = WithBase(base_of(info, info.base), "/ws/v5/public", true);
        f.subscribe.push_back(
            R"({"op":"subscribe","args":[{"channel":"liquidation-orders","instType":"SWAP"},)"
            R"({"channel":"liquidation-orders","instType":"FUTURES"}]})");
        f.ping = "ping";  // within 30 s of quiet, or OKX closes the connection
        f.ping_interval = milliseconds(25'000);
        if (!syms.empty()) {
          plan.notes.push_back(
              "okx: liquidation-orders is one channel per instrument type; every instrument is recorded");
        }
        plan.feeds.push_back(std::move(f));
      }
      if (market) {
        // The instruments whose contract value is known (ingest's contract table).
        const std::vector<std::string> list =
            syms.empty()
                ? std::vector<std::string>{"BTC-USDT-SWAP", "ETH-USDT-SWAP", "BTC-USD-SWAP", "ETH-USD-SWAP"}
                : syms;
        LIQDB_ASSIGN_OR_RETURN(FeedSpec f, make(venue, "market"));
        f.url = WithBase(base_of(info, info.base), "/ws/v5/public", true);
        std::string args;
        for (const char* channel : {"mark-price", "open-interest"}) {
          for (const auto& s : list) {
            args += fmt::format(R"({}{{"channel":"{}","instId":"{}"}})", args.empty() ? "" : ",", channel, s);
          }
        }
        f.subscribe.push_back(R"({"op":"subscribe","args":[)" + args + "]}");
        f.ping = "ping";
        f.ping_interval = milliseconds(25'000);
        // mark-price pushes every 200 ms while the price moves and every 10 s
        // when it does not: 10 s at the least.
        f.data_cadence = milliseconds(10'000);
        plan.feeds.push_back(std::move(f));
      }
    } else if (venue == "hyperliquid") {
      if (has("liquidations")) {
        plan.notes.push_back("hyperliquid: no public liquidation feed; liquidations are not recorded there");
      }
      if (has("market")) {
        // One POST /info a market interval: every perpetual's mark price and open interest.
        LIQDB_ASSIGN_OR_RETURN(FeedSpec f, make(venue, "market"));
        f.websocket = false;
        f.url = WithBase(base_of(info, "https://api.hyperliquid.xyz"), "/info", false);
        PollSpec p;
        p.method = "POST";
        p.url = f.url;
        p.body = R"({"type":"metaAndAssetCtxs"})";
        f.polls.push_back(std::move(p));
        f.poll_interval = sel.market_interval;
        if (!syms.empty())
          plan.notes.push_back("hyperliquid: metaAndAssetCtxs carries every coin; all are recorded");
        plan.feeds.push_back(std::move(f));
      }
    }
  }
  if (has("positions")) {
    if (std::find(venues.begin(), venues.end(), "hyperliquid") == venues.end()) {
      return Status::InvalidArgument("positions are recorded from hyperliquid only; add it to --venues");
    }
    if (sel.wallets.empty()) {
      return Status::InvalidArgument("--kinds positions needs --wallets FILE (one 0x address a line)");
    }
    for (const std::string& w : sel.wallets) {
      const bool ok =
          w.size() == 42 && w[0] == '0' && w[1] == 'x' &&
          std::all_of(w.begin() + 2, w.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
      if (!ok) return Status::InvalidArgument("bad wallet '" + w + "': expected 0x and 40 hex digits");
    }
    const VenueInfo& info = *std::find_if(Venues().begin(), Venues().end(), [](const VenueInfo& v) {
      return std::string(v.name) == "hyperliquid";
    });
    LIQDB_ASSIGN_OR_RETURN(FeedSpec f, make("hyperliquid", "positions"));
    f.websocket = false;
    f.url = WithBase(base_of(info, "https://api.hyperliquid.xyz"), "/info", false);
    for (const std::string& w : sel.wallets) {
      PollSpec p;
      p.method = "POST";
      p.url = f.url;
      p.body = R"({"type":"clearinghouseState","user":")" + w + "\"}";
      p.user = w;
      f.polls.push_back(std::move(p));
    }
    const milliseconds least = MinPositionsInterval(sel.wallets.size(), sel.market_interval, has("market"));
    f.poll_interval = std::max(sel.positions_interval, least);
    if (sel.positions_interval.count() > 0 && sel.positions_interval < least) {
      plan.notes.push_back(
          fmt::format("hyperliquid positions: {} wallets every {} ms would pass the request-weight budget; "
                      "polling every {} ms",
                      sel.wallets.size(), sel.positions_interval.count(), least.count()));
    }
    plan.feeds.push_back(std::move(f));
  }
  if (plan.feeds.empty()) {
    return Status::InvalidArgument("nothing to record: " +
                                   (plan.notes.empty() ? std::string("no feed chosen") : Join(plan.notes)));
  }
  return plan;
}

}  // namespace liqdb::record
