// The venues' feed plans, message classes and the endpoint URL rules.
#include "record/venues.h"

#include <catch2/catch.hpp>

#include "record/url.h"

namespace liqdb::record {
namespace {

TEST_CASE("record url: schemes, default ports, targets; bad URLs name themselves", "[record]") {
  Result<Url> u = ParseUrl("wss://fstream.binance.com/ws/!forceOrder@arr");
  REQUIRE(u.ok());
  CHECK(u->tls());
  CHECK(u->host == "fstream.binance.com");
  CHECK(u->port == "443");
  CHECK(u->target == "/ws/!forceOrder@arr");
  CHECK(u->HostHeader() == "fstream.binance.com");

  u = ParseUrl("ws://127.0.0.1:9001");
  REQUIRE(u.ok());
  CHECK(!u->tls());
  CHECK(u->port == "9001");
  CHECK(u->target == "/");
  CHECK(u->HostHeader() == "127.0.0.1:9001");

  u = ParseUrl("ws://[::1]:8080/x?y=1");
  REQUIRE(u.ok());
  CHECK(u->host == "::1");
  CHECK(u->HostHeader() == "[::1]:8080");
  CHECK(u->target == "/x?y=1");

  u = ParseUrl("wss://[2001:db8::7]/ws");  // bracketed IPv6, default port
  REQUIRE(u.ok());
  CHECK(u->host == "2001:db8::7");
  CHECK(u->port == "443");
  CHECK(u->HostHeader() == "[2001:db8::7]");
  CHECK(u->ToString() == "wss://[2001:db8::7]/ws");

  for (const char* bad :
       {"ftp://x", "fstream.binance.com", "ws://:80", "ws://h:0", "ws://h:65536", "ws://h:8a", "ws://[::1",
        "ws://[::1]8080", "ws://[]:80", "ws://[example.com]:80", "ws://::1:80", "ws://::1"}) {
    Result<Url> b = ParseUrl(bad);
    CHECK_FALSE(b.ok());
    CHECK_THAT(b.status().message(), Catch::Contains(bad));
  }

  // --endpoint keeps the venue's path; wss stays TLS for https calls.
  Url base = *ParseUrl("ws://127.0.0.1:9001/ignored");
  CHECK(WithBase(base, "/v5/public/linear", true).ToString() == "ws://127.0.0.1:9001/v5/public/linear");
  CHECK(WithBase(*ParseUrl("wss://proxy:8443"), "/info", false).ToString() == "https://proxy:8443/info");
}

TEST_CASE("record venues: the default plan, and unknown names fail naming the known ones", "[record]") {
  FeedSelection liq;
  liq.kinds = {"liquidations"};
  Result<FeedPlan> p = PlanFeeds(liq);
  REQUIRE(p.ok());
  std::vector<std::string> names;
  for (const FeedSpec& f : p->feeds) names.push_back(f.venue + "/" + f.feed + " " + f.url.ToString());
  CHECK(names == std::vector<std::string>{
                     "binance/liquidations wss://fstream.binance.com/market/ws/!forceOrder@arr",
                     "binance/liquidations-coinm wss://dstream.binance.com/ws/!forceOrder@arr",
                     "bybit/liquidations-linear wss://stream.bybit.com/v5/public/linear",
                     "bybit/liquidations-inverse wss://stream.bybit.com/v5/public/inverse",
                     "okx/liquidations wss://ws.okx.com:8443/ws/v5/public",
                 });
  const FeedSpec& bybit = p->feeds[2];
  REQUIRE(bybit.subscribe.size() == 1);
  CHECK(
      bybit.subscribe[0] ==
      R"({"req_id":"liqdb-1","op":"subscribe","args":["allLiquidation.BTCUSDT","allLiquidation.ETHUSDT","allLiquidation.SOLUSDT"]})");
  CHECK(bybit.ping == R"({"req_id":"liqdb-ping","op":"ping"})");
  CHECK(bybit.ping_interval.count() == 20'000);
  CHECK(p->feeds[4].ping == "ping");
  CHECK(p->feeds[4].ping_interval.count() < 30'000);

  FeedSelection s;
  s.venues = {"bybitt"};
  Result<FeedPlan> bad = PlanFeeds(s);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "unknown venue 'bybitt' (did you mean bybit?); known: binance, bybit, okx, hyperliquid");
  s.venues = {};
  s.kinds = {"liquidation"};
  bad = PlanFeeds(s);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(),
             Catch::Contains("unknown kind 'liquidation' (did you mean liquidations?)"));
  s.kinds = {"liquidations"};
  s.venues = {"bybit"};
  s.symbols = {"SOLUSDTT"};
  bad = PlanFeeds(s);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("unknown symbol 'SOLUSDTT' (did you mean SOLUSDT?)"));
  s.symbols = {"bybit:PEPEUSDT", "BTCUSD"};  // any instrument with its venue; inverse on its own endpoint
  p = PlanFeeds(s);
  REQUIRE(p.ok());
  REQUIRE(p->feeds.size() == 2);
  CHECK(p->feeds[0].subscribe[0].find("allLiquidation.PEPEUSDT") != std::string::npos);
  CHECK(p->feeds[1].url.target == "/v5/public/inverse");
  s.endpoints["bybit"] = "http//oops";
  bad = PlanFeeds(s);
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("--endpoint bybit: bad URL 'http//oops'"));
}

TEST_CASE("record venues: market samples' streams, subscriptions and polls", "[record]") {
  FeedSelection s;
  s.kinds = {"market"};
  s.market_interval = std::chrono::milliseconds(5000);
  Result<FeedPlan> p = PlanFeeds(s);
  REQUIRE(p.ok());
  REQUIRE(p->feeds.size() == 5);
  const FeedSpec& binance = p->feeds[0];
  CHECK(binance.feed == "market");
  CHECK(binance.format == Format::kBinanceMarkPrice);
  CHECK(binance.url.ToString() ==
        "wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice@1s/ethusdt@markPrice@1s/"
        "solusdt@markPrice@1s");
  REQUIRE(binance.polls.size() == 3);
  CHECK(binance.polls[0].url.ToString() == "https://fapi.binance.com/fapi/v1/openInterest?symbol=BTCUSDT");
  CHECK(binance.poll_interval.count() == 5000);
  CHECK(p->feeds[1].feed == "market-linear");
  CHECK(p->feeds[1].format == Format::kBybitTicker);
  CHECK(
      p->feeds[1].subscribe[0] ==
      R"({"req_id":"liqdb-1","op":"subscribe","args":["tickers.BTCUSDT","tickers.ETHUSDT","tickers.SOLUSDT"]})");
  CHECK(p->feeds[2].feed == "market-inverse");
  const FeedSpec& okx = p->feeds[3];
  CHECK(okx.format == Format::kOkxMarkPrice);
  CHECK(okx.subscribe[0].find(R"({"channel":"mark-price","instId":"BTC-USDT-SWAP"})") != std::string::npos);
  CHECK(okx.subscribe[0].find(R"({"channel":"open-interest","instId":"ETH-USD-SWAP"})") != std::string::npos);
  const FeedSpec& hl = p->feeds[4];
  CHECK(hl.format == Format::kHyperliquidAssetCtxs);
  CHECK_FALSE(hl.websocket);
  REQUIRE(hl.polls.size() == 1);
  CHECK(hl.polls[0].method == "POST");
  CHECK(hl.polls[0].url.ToString() == "https://api.hyperliquid.xyz/info");
  CHECK(hl.polls[0].body == R"({"type":"metaAndAssetCtxs"})");

  // --endpoint carries the REST calls of a venue too.
  s.venues = {"binance"};
  s.endpoints["binance"] = "ws://127.0.0.1:9001";
  p = PlanFeeds(s);
  REQUIRE(p.ok());
  CHECK(p->feeds[0].polls[0].url.ToString() == "http://127.0.0.1:9001/fapi/v1/openInterest?symbol=BTCUSDT");
  // It replaces scheme, host and port only: USDⓈ-M keeps its routed /market path.
  CHECK(p->feeds[0].url.ToString() ==
        "ws://127.0.0.1:9001/market/stream?streams=btcusdt@markPrice@1s/ethusdt@markPrice@1s/"
        "solusdt@markPrice@1s");
  s.kinds = {"liquidations"};
  s.symbols = {"BTCUSDT", "BTCUSD_PERP"};
  p = PlanFeeds(s);
  REQUIRE(p.ok());
  REQUIRE(p->feeds.size() == 2);
  CHECK(p->feeds[0].url.ToString() == "ws://127.0.0.1:9001/market/stream?streams=btcusdt@forceOrder");
  CHECK(p->feeds[1].url.ToString() == "ws://127.0.0.1:9001/stream?streams=btcusd_perp@forceOrder");
  s.kinds = {"market"};
  s.symbols.clear();

  // COIN-M symbols go to dstream and dapi.
  s.endpoints.clear();
  s.symbols = {"BTCUSD_PERP"};
  p = PlanFeeds(s);
  REQUIRE(p.ok());
  REQUIRE(p->feeds.size() == 1);
  CHECK(p->feeds[0].feed == "market-coinm");
  CHECK(p->feeds[0].format == Format::kBinanceMarkPrice);
  CHECK(p->feeds[0].url.ToString() == "wss://dstream.binance.com/stream?streams=btcusd_perp@markPrice@1s");
  CHECK(p->feeds[0].polls[0].url.ToString() ==
        "https://dapi.binance.com/dapi/v1/openInterest?symbol=BTCUSD_PERP");
}

TEST_CASE("record venues: hyperliquid positions within the request-weight budget", "[record]") {
  FeedSelection s;
  s.venues = {"hyperliquid"};
  s.kinds = {"positions"};
  Result<FeedPlan> p = PlanFeeds(s);
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.status().message(), Catch::Contains("--wallets"));
  s.wallets = {"0x5b5d51203a0f9079f8aeb098a6523a13f298c06"};  // 39 digits
  p = PlanFeeds(s);
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.status().message(), Catch::Contains("bad wallet '0x5b5d51203a0f9079f8aeb098a6523a13f298c06'"));
  s.wallets.assign(400, "0x5b5d51203a0f9079f8aeb098a6523a13f298c060");
  s.kinds = {"market", "positions"};
  s.positions_interval = std::chrono::milliseconds(1000);
  p = PlanFeeds(s);
  REQUIRE(p.ok());
  REQUIRE(p->feeds.size() == 2);
  const FeedSpec& f = p->feeds[1];
  CHECK(f.feed == "positions");
  REQUIRE(f.polls.size() == 400);
  CHECK(f.polls[0].body ==
        R"({"type":"clearinghouseState","user":"0x5b5d51203a0f9079f8aeb098a6523a13f298c060"})");
  // By hand: market polls every 10 s weigh 6 × 20 = 120 a minute; half of the
  // 1080 left is 540, 270 polls of weight 2 a minute: 400 wallets every
  // 400 / 270 minutes = 88,889 ms (rounded up).
  CHECK(f.poll_interval.count() == 88'889);
  CHECK_THAT(p->notes.back(), Catch::Contains("polling every 88889 ms"));
}

TEST_CASE("record venues: data, control, rejected and bad messages", "[record]") {
  std::string why;
  CHECK(Classify("okx", "pong", &why) == MessageClass::kControl);
  CHECK(Classify("okx", R"({"event":"subscribe","arg":{"channel":"liquidation-orders"},"connId":"a"})",
                 &why) == MessageClass::kControl);
  CHECK(Classify("okx", R"({"event":"error","code":"60012","msg":"Invalid request"})", &why) ==
        MessageClass::kRejected);
  CHECK_THAT(why, Catch::Contains("60012"));
  CHECK(Classify("okx", R"({"arg":{"channel":"liquidation-orders"},"data":[]})", &why) ==
        MessageClass::kData);
  CHECK(Classify("bybit", R"({"success":true,"ret_msg":"pong","op":"ping"})", &why) ==
        MessageClass::kControl);
  CHECK(Classify("bybit", R"({"success":false,"ret_msg":"error:handler not found","op":"subscribe"})",
                 &why) == MessageClass::kRejected);
  CHECK(Classify("bybit", R"({"topic":"allLiquidation.BTCUSDT","data":[]})", &why) == MessageClass::kData);
  CHECK(Classify("binance", R"({"result":null,"id":1})", &why) == MessageClass::kControl);
  CHECK(Classify("binance", R"({"e":"forceOrder","o":{}})", &why) == MessageClass::kData);
  CHECK(Classify("binance", R"({"e":"markPriceUpdate","s":"BTCUSDT"})", &why) == MessageClass::kData);
  // Combined streams wrap the event: {"stream":…,"data":…}.
  CHECK(Classify("binance", R"({"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","o":{}}})", &why) ==
        MessageClass::kData);
  CHECK(Classify("binance", R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate"}})", &why) ==
        MessageClass::kData);
  CHECK(Classify("binance", R"({"stream":"btcusdt@forceOrder"})", &why) == MessageClass::kBad);
  CHECK(Classify("hyperliquid", R"({"channel":"pong"})", &why) == MessageClass::kControl);
  CHECK(Classify("binance", "{not json", &why) == MessageClass::kBad);
  CHECK_THAT(why, Catch::Contains("not JSON"));
  CHECK(Classify("bybit", "[1,2]", &why) == MessageClass::kBad);
  CHECK(Classify("bybit", R"({"x":1})", &why) == MessageClass::kBad);
  CHECK(why == "unexpected message");
}

}  // namespace
}  // namespace liqdb::record
