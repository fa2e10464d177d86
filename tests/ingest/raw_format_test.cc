// The liqdb-raw format (ingest/raw_adapter.cc) and FeedFormat: each archived
// message goes to its feed's adapter, so the rows equal those of the bare
// messages read with their own formats; envelopes that are malformed or name
// an unknown venue or feed are rejected with the reason; text messages (not
// JSON when received) yield nothing.
#include <algorithm>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

using namespace liqdb;
using namespace liqdb::testing;

namespace {

std::string Wrap(Timestamp recv, const std::string& venue, const std::string& feed, const std::string& msg) {
  return R"({"recv":)" + std::to_string(recv) + R"(,"venue":")" + venue + R"(","feed":")" + feed +
         R"(","msg":)" + msg + "}\n";
}

}  // namespace

TEST_CASE("FeedFormat maps a recorder's venue and feed to the adapter of its messages", "[raw]") {
  struct Case {
    const char *venue, *feed;
    Format want;
  };
  for (const Case& c : {Case{"binance", "liquidations", Format::kBinanceForceOrder},
                        Case{"binance", "liquidations-coinm", Format::kBinanceForceOrder},
                        Case{"binance", "market", Format::kBinanceMarkPrice},
                        Case{"bybit", "liquidations-inverse", Format::kBybitLiquidation},
                        Case{"bybit", "market-linear", Format::kBybitTicker},
                        Case{"okx", "liquidations", Format::kOkxLiquidationOrders},
                        Case{"okx", "market", Format::kOkxMarkPrice},
                        Case{"hyperliquid", "market", Format::kHyperliquidAssetCtxs},
                        Case{"hyperliquid", "positions", Format::kHyperliquidClearinghouse}}) {
    INFO(c.venue << "/" << c.feed);
    auto f = FeedFormat(c.venue, c.feed);
    REQUIRE(f.ok());
    CHECK(*f == c.want);
  }
  auto venue = FeedFormat("kraken", "liquidations");
  CHECK_THAT(venue.status().message(),
             Catch::Contains("unknown venue 'kraken'") && Catch::Contains("hyperliquid"));
  auto feed = FeedFormat("hyperliquid", "liquidations");
  CHECK_THAT(feed.status().message(), Catch::Contains("unknown feed 'liquidations' of hyperliquid") &&
                                          Catch::Contains("market, positions"));
  CHECK_FALSE(FeedFormat("binance", "marketplace").ok());  // a prefix only counts before '-'
}

TEST_CASE("liqdb-raw gives the rows of the bare messages read with their feeds' formats", "[raw]") {
  const Timestamp t0 = 1718000000000000;
  std::string raw;
  Timestamp recv = t0;
  auto add_file = [&](const std::string& venue, const std::string& feed, const std::string& text) {
    for (const std::string& m : Lines(text)) raw += Wrap(recv += 1000, venue, feed, m);
  };
  add_file("binance", "liquidations", (Sample("binance-forceorder.jsonl")));
  add_file("bybit", "liquidations-linear", (Sample("bybit-liquidation.jsonl")));
  add_file("okx", "liquidations", (Sample("okx-liquidation-orders.jsonl")));
  add_file("hyperliquid", "positions", (Sample("hyperliquid-clearinghouse.jsonl")));
  const std::string binance_market =
      R"({"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT","p":"67000.5","i":"1","P":"1","r":"0","T":0})"
      "\n"
      R"({"openInterest":"80123.456","symbol":"BTCUSDT","time":1718000005000})"
      "\n";
  add_file("binance", "market", binance_market);
  const std::string bybit_market =
      R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","markPrice":"67217.33","openInterest":"68744.761"},"cs":1,"ts":1718000000100})"
      "\n";
  add_file("bybit", "market", bybit_market);
  // A pong the recorder archived as text: nothing to store.
  raw += R"({"recv":1718000009000000,"venue":"okx","feed":"market","msg":"pong"})"
         "\n";

  IngestOptions options;  // the OKX sample's dated future needs its contract size
  options.contract_sizes["BTC-USD-240628"] = 100;
  Parsed got = ParseWith(Format::kLiqdbRaw, raw, options);
  INFO(got.errors.size() << " errors, first: " << (got.errors.empty() ? "" : got.errors[0]));
  REQUIRE(got.errors.empty());

  std::vector<Row> want;
  auto add_rows = [&](Format f, const std::string& text) {
    Parsed p = ParseWith(f, text, options);
    REQUIRE(p.errors.empty());
    REQUIRE_FALSE(p.rows.empty());
    want.insert(want.end(), p.rows.begin(), p.rows.end());
  };
  add_rows(Format::kBinanceForceOrder, (Sample("binance-forceorder.jsonl")));
  add_rows(Format::kBybitLiquidation, (Sample("bybit-liquidation.jsonl")));
  add_rows(Format::kOkxLiquidationOrders, (Sample("okx-liquidation-orders.jsonl")));
  add_rows(Format::kHyperliquidClearinghouse, (Sample("hyperliquid-clearinghouse.jsonl")));
  add_rows(Format::kBinanceMarkPrice, binance_market);
  add_rows(Format::kBybitTicker, bybit_market);
  // The market messages give one row each (worked out in market_adapters_test.cc).
  CHECK(std::count_if(want.begin(), want.end(), [](const Row& r) { return r.kind == Kind::kMarket; }) == 2);
  CHECK(Sorted(got.rows) == Sorted(want));
  CHECK(got.stats.skipped >= 2);  // the mark price alone, the pong
}

TEST_CASE("liqdb-raw: a message archived again (a restarted recorder) is a repeat, stored once", "[raw]") {
  const std::vector<std::string> msgs = Lines(Sample("bybit-liquidation.jsonl"));
  REQUIRE(msgs.size() >= 3);
  // Run 1 archived msgs 0 and 1; run 2 received 1 again (the venue's replay
  // after the restart), then 2. The other feed's copy of msg 0 is its own.
  const Timestamp t0 = 1718000000000000;
  std::string raw = Wrap(t0, "bybit", "liquidations-linear", msgs[0]) +
                    Wrap(t0 + 1000, "bybit", "liquidations-linear", msgs[1]) +
                    Wrap(t0 + 9000000, "bybit", "liquidations-linear", msgs[1]) +
                    Wrap(t0 + 9001000, "bybit", "liquidations-linear", msgs[2]) +
                    Wrap(t0 + 9002000, "bybit", "liquidations-inverse", msgs[0]);
  Parsed got = ParseWith(Format::kLiqdbRaw, raw);
  REQUIRE(got.errors.empty());
  CHECK(got.stats.repeats == 1);
  Parsed want =
      ParseWith(Format::kBybitLiquidation, msgs[0] + "\n" + msgs[1] + "\n" + msgs[2] + "\n" + msgs[0] + "\n");
  REQUIRE(want.errors.empty());
  CHECK(Sorted(got.rows) == Sorted(want.rows));

  // Hyperliquid metaAndAssetCtxs takes its time from the receipt: the same
  // bytes polled again are a new sample, not a repeat.
  const std::string ctxs =
      R"([{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50}]},[{"openInterest":"688.11","markPx":"67012.0"}]])";
  Parsed hl = ParseWith(Format::kLiqdbRaw, Wrap(t0, "hyperliquid", "market", ctxs) +
                                               Wrap(t0 + 10000000, "hyperliquid", "market", ctxs));
  REQUIRE(hl.errors.empty());
  CHECK(hl.stats.repeats == 0);
  REQUIRE(hl.rows.size() == 2);
  CHECK(hl.rows[1].ts == t0 + 10000000);
}

TEST_CASE("liqdb-raw: the receive time is the Hyperliquid metaAndAssetCtxs sample's time", "[raw]") {
  const std::string msg =
      R"([{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50}]},[{"openInterest":"688.11","markPx":"67012.0"}]])";
  Parsed p = ParseWith(Format::kLiqdbRaw, Wrap(1718000000123456, "hyperliquid", "market", msg));
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 1);
  CHECK(p.rows[0].exchange == "hyperliquid");
  CHECK(p.rows[0].symbol == "BTC");
  CHECK(p.rows[0].ts == 1718000000123456);
  CHECK(p.rows[0].values[mkt_col::kMarkPrice] == 67012.0);
  CHECK(p.rows[0].values[mkt_col::kOpenInterest] == 688.11);
}

TEST_CASE("liqdb-raw rejects malformed envelopes and unknown feeds with the reason", "[raw]") {
  const std::string in = R"({"venue":"binance","feed":"liquidations","msg":{}})"
                         "\n"
                         R"({"recv":1,"feed":"liquidations","msg":{}})"
                         "\n"
                         R"({"recv":1,"venue":"binance","msg":{}})"
                         "\n"
                         R"({"recv":1,"venue":"binance","feed":"liquidations"})"
                         "\n"
                         R"({"recv":1,"venue":"binance","feed":"trades","msg":{}})"
                         "\n"
                         R"({"recv":1,"venue":"binance","feed":"liquidations","msg":42})"
                         "\n"
                         // The message's own adapter rejects it: its reason comes through.
                         R"({"recv":1,"venue":"binance","feed":"liquidations","msg":{"e":"trade","o":{}}})"
                         "\n"
                         R"({"recv":1,"venue":"binance","feed":"liquidations","msg":{"e":"forceOrder")"
                         "\n";
  Parsed p = ParseWith(Format::kLiqdbRaw, in);
  REQUIRE(p.errors.size() == 8);
  CHECK_THAT(p.errors[0], Catch::Contains("missing recv"));
  CHECK_THAT(p.errors[1], Catch::Contains("missing venue"));
  CHECK_THAT(p.errors[2], Catch::Contains("missing feed"));
  CHECK_THAT(p.errors[3], Catch::Contains("missing msg"));
  CHECK_THAT(p.errors[4], Catch::Contains("unknown feed 'trades' of binance"));
  CHECK_THAT(p.errors[5], Catch::Contains("msg is neither"));
  CHECK_THAT(p.errors[6], Catch::Contains("not a forceOrder event"));
  CHECK_THAT(p.errors[7], Catch::Contains("bad JSON"));
  CHECK(p.rows.empty());
}

TEST_CASE("liqdb-raw sample: every venue's message by hand", "[raw]") {
  Parsed p = ParseWith(Format::kLiqdbRaw, Sample("liqdb-raw.jsonl"));
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 5);
  auto find = [&](const std::string& exchange, const std::string& symbol, Kind kind) -> const Row& {
    for (const Row& r : p.rows) {
      if (r.exchange == exchange && r.symbol == symbol && r.kind == kind) return r;
    }
    FAIL("no row " << exchange << " " << symbol);
    return p.rows[0];
  };
  // forceOrder: SELL closes a long; ap and z; o.T.
  const Row& b = find("binance", "BTCUSDT", Kind::kLiquidations);
  CHECK(b.ts == 1718000001230000);
  CHECK(b.side == 0);
  CHECK(b.values == std::vector<double>{67012.30, 0.250, 0.250 * 67012.30});
  // The open-interest response at its time, with the mark price before it.
  const Row& m = find("binance", "BTCUSDT", Kind::kMarket);
  CHECK(m.ts == 1718000005000000);
  CHECK(m.values == std::vector<double>{67000.5, 80123.456});
  // OKX: 35 contracts of 0.01 BTC.
  const Row& o = find("okx", "BTC-USDT-SWAP", Kind::kLiquidations);
  CHECK(o.ts == 1718000003456000);
  CHECK(o.values == std::vector<double>{66705.3, 0.35, 66705.3 * 0.35});
  // Hyperliquid's poll at its receive time.
  CHECK(find("hyperliquid", "BTC", Kind::kMarket).ts == 1718000008123456);
  CHECK(find("hyperliquid", "ETH", Kind::kMarket).values == std::vector<double>{3550.1, 15000.5});
  CHECK(p.stats.skipped == 2);  // the mark price alone, the pong
}
