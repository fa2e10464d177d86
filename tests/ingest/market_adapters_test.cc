// The market-sample adapters (ingest/market_adapters.cc): Binance mark price
// + open interest, Bybit tickers, OKX mark-price + open-interest, Hyperliquid
// metaAndAssetCtxs. The messages are written from the venues' documented
// shapes (no venue is reachable from the test machines); each expected row
// is worked out by hand from the message's own fields and docs/ingest.md's
// rules (open interest in base units; a row per open-interest sample with
// the latest mark price at most 60 s away).
#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

using namespace liqdb;
using namespace liqdb::testing;

namespace {

const Row* Find(const std::vector<Row>& rows, const std::string& exchange, const std::string& symbol,
                Timestamp ts) {
  for (const Row& r : rows) {
    if (r.exchange == exchange && r.symbol == symbol && r.ts == ts) return &r;
  }
  return nullptr;
}

void CheckMarketRow(const std::vector<Row>& rows, const std::string& exchange, const std::string& symbol,
                    Timestamp ts, double mark, double oi) {
  INFO(exchange << " " << symbol << " @ " << ts);
  const Row* r = Find(rows, exchange, symbol, ts);
  REQUIRE(r != nullptr);
  CHECK(r->kind == Kind::kMarket);
  CHECK(r->values[mkt_col::kMarkPrice] == mark);
  CHECK(r->values[mkt_col::kOpenInterest] == Approx(oi).epsilon(1e-15));
}

bool HasError(const Parsed& p, const std::string& line_no, const std::string& says) {
  for (const std::string& e : p.errors) {
    if (e.rfind(line_no + ": ", 0) == 0 && e.find(says) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("binance-mark-price: each openInterest poll takes the latest mark price of its symbol",
          "[adapters][market]") {
  const std::string in =
      // 1: mark price of BTCUSDT at 10:00:00.000 (Mark Price Stream, USDⓈ-M).
      R"({"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT","p":"67000.50000000","i":"66990.10000000","P":"66995.00000000","r":"0.00010000","T":1718006400000})"
      "\n"
      // 2: GET /fapi/v1/openInterest 5 s later -> a row at its time.
      R"({"openInterest":"80123.456","symbol":"BTCUSDT","time":1718000005000})"
      "\n"
      // 3: !markPrice@arr@1s in the combined stream: two symbols at once.
      R"({"stream":"!markPrice@arr@1s","data":[{"e":"markPriceUpdate","E":1718000010000,"s":"BTCUSDT","p":"67010.00000000","i":"67000.0","P":"67001.0","r":"0.0001","T":1718006400000},{"e":"markPriceUpdate","E":1718000010000,"s":"BTCUSD_PERP","p":"67020.0","i":"67011.0","P":"67012.0","r":"0.0001","T":1718006400000}]})"
      "\n"
      // 4: COIN-M GET /dapi/v1/openInterest: 500000 contracts of 100 USD.
      R"({"symbol":"BTCUSD_PERP","pair":"BTCUSD","openInterest":"500000","contractType":"PERPETUAL","time":1718000012000})"
      "\n"
      // 5: no mark price of ETHUSDT yet: skipped.
      R"({"openInterest":"100.0","symbol":"ETHUSDT","time":1718000013000})"
      "\n"
      // 6: BTCUSDT's mark price (10:00:10) is 70 s older than this poll: skipped.
      R"({"openInterest":"80200.0","symbol":"BTCUSDT","time":1718000080000})"
      "\n"
      // 7-10: malformed.
      R"({"e":"forceOrder","E":1718000000000,"o":{"s":"BTCUSDT"}})"
      "\n"
      R"({"openInterest":"lots","symbol":"BTCUSDT","time":1718000005000})"
      "\n"
      R"({"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT"})"
      "\n"
      R"({"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT","p":"-1"})"
      "\n";
  Parsed p = ParseWith(Format::kBinanceMarkPrice, in);
  CHECK(p.errors.size() == 4);
  CHECK(HasError(p, "7", "not a markPriceUpdate event"));
  CHECK(HasError(p, "8", "bad openInterest 'lots'"));
  CHECK(HasError(p, "9", "missing p (mark price)"));
  CHECK(HasError(p, "10", "mark_price"));
  REQUIRE(p.rows.size() == 2);
  CheckMarketRow(p.rows, "binance", "BTCUSDT", 1718000005000000, 67000.5, 80123.456);
  // Inverse: 500000 × 100 USD = 5e7 USD of BTC at the mark price.
  CheckMarketRow(p.rows, "binance", "BTCUSD_PERP", 1718000012000000, 67020.0, 500000.0 * 100 / 67020.0);
  // Lines 1 and 3 (three mark prices), 5 and 6 hold nothing to store.
  CHECK(p.stats.skipped == 5);
}

TEST_CASE("bybit-ticker: a snapshot then deltas of the changed fields; a row per message with open interest",
          "[adapters][market]") {
  const std::string in =
      // 1: the snapshot (v5 public linear tickers.BTCUSDT): mark and OI.
      R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","tickDirection":"PlusTick","price24hPcnt":"0.017103","lastPrice":"67216.00","prevPrice24h":"66926.50","highPrice24h":"67281.50","lowPrice24h":"66915.00","prevPrice1h":"67238.00","markPrice":"67217.33","indexPrice":"67227.36","openInterest":"68744.761","openInterestValue":"4620938419.43","turnover24h":"1570383121.94","volume24h":"91705.275","nextFundingTime":"1718006400000","fundingRate":"-0.000212","bid1Price":"67215.50","bid1Size":"84.489","ask1Price":"67216.00","ask1Size":"83.020"},"cs":24987956059,"ts":1718000000100})"
      "\n"
      // 2: a delta of the book only: skipped.
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","bid1Price":"67215.00","bid1Size":"80.1"},"cs":24987956060,"ts":1718000000200})"
      "\n"
      // 3: the mark price moves; no open interest in the message: skipped.
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","markPrice":"67220.00"},"cs":24987956061,"ts":1718000000300})"
      "\n"
      // 4: open interest moves: a row with the mark price of line 3.
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","openInterest":"68750.000"},"cs":24987956062,"ts":1718000000400})"
      "\n"
      // 5: inverse (v5 public inverse): open interest in USD (contracts of 1 USD).
      R"({"topic":"tickers.BTCUSD","type":"snapshot","data":{"symbol":"BTCUSD","markPrice":"67000.00","openInterest":"1000000000","fundingRate":"0.0001"},"cs":1,"ts":1718000000500})"
      "\n"
      // 6: a delta with open interest before any mark price of ETHUSDT: skipped.
      R"({"topic":"tickers.ETHUSDT","type":"delta","data":{"symbol":"ETHUSDT","openInterest":"5000"},"cs":2,"ts":1718000000600})"
      "\n"
      // 7-10: a subscription reply, another topic, a negative OI, a bad type.
      R"({"success":true,"ret_msg":"","conn_id":"a1","req_id":"liqdb-1","op":"subscribe"})"
      "\n"
      R"({"topic":"orderbook.50.BTCUSDT","type":"delta","data":{"s":"BTCUSDT"},"ts":1718000000700})"
      "\n"
      R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT","openInterest":"-5"},"cs":3,"ts":1718000000800})"
      "\n"
      R"({"topic":"tickers.BTCUSDT","type":"full","data":{"symbol":"BTCUSDT","openInterest":"5"},"cs":3,"ts":1718000000900})"
      "\n";
  Parsed p = ParseWith(Format::kBybitTicker, in);
  CHECK(p.errors.size() == 4);
  CHECK(HasError(p, "7", "a reply to a request"));
  CHECK(HasError(p, "8", "not a tickers topic"));
  CHECK(HasError(p, "9", "openInterest must be >= 0"));
  CHECK(HasError(p, "10", "bad type 'full'"));
  REQUIRE(p.rows.size() == 3);
  CheckMarketRow(p.rows, "bybit", "BTCUSDT", 1718000000100000, 67217.33, 68744.761);
  CheckMarketRow(p.rows, "bybit", "BTCUSDT", 1718000000400000, 67220.00, 68750.0);
  CheckMarketRow(p.rows, "bybit", "BTCUSD", 1718000000500000, 67000.00, 1e9 / 67000.0);
  CHECK(p.stats.skipped == 3);
}

TEST_CASE(
    "okx-mark-price / okx-open-interest: open-interest pushes paired with mark-price pushes, contracts to "
    "base",
    "[adapters][market]") {
  const std::string in =
      R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","markPx":"67000.1","ts":"1718000000000"}]})"
      "\n"
      // 2: 2,500,000 contracts of 0.01 BTC = 25,000 BTC.
      R"({"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","oi":"2500000","oiCcy":"25000","oiUsd":"1675002500","ts":"1718000003000"}]})"
      "\n"
      R"({"arg":{"channel":"mark-price","instId":"BTC-USD-SWAP"},"data":[{"instType":"SWAP","instId":"BTC-USD-SWAP","markPx":"66990.0","ts":"1718000001000"}]})"
      "\n"
      // 4: 300,000 contracts of 100 USD = 3e7 USD of BTC.
      R"({"arg":{"channel":"open-interest","instId":"BTC-USD-SWAP"},"data":[{"instType":"SWAP","instId":"BTC-USD-SWAP","oi":"300000","oiCcy":"447.82","oiUsd":"30000000","ts":"1718000003000"}]})"
      "\n"
      // 5-6: an instrument without a known contract size is an error naming it.
      R"({"arg":{"channel":"mark-price","instId":"BTC-USD-240628"},"data":[{"instType":"FUTURES","instId":"BTC-USD-240628","markPx":"67500","ts":"1718000001000"}]})"
      "\n"
      R"({"arg":{"channel":"open-interest","instId":"BTC-USD-240628"},"data":[{"instType":"FUTURES","instId":"BTC-USD-240628","oi":"10","oiCcy":"0.01","oiUsd":"1000","ts":"1718000003000"}]})"
      "\n"
      // 7-9: a subscription event, an item with neither value, no data.
      R"({"event":"subscribe","arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"})"
      "\n"
      R"({"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","ts":"1718000003000"}]})"
      "\n"
      R"({"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"}})"
      "\n";
  for (Format f : {Format::kOkxMarkPrice, Format::kOkxOpenInterest}) {
    INFO(FormatName(f));
    Parsed p = ParseWith(f, in);
    CHECK(p.errors.size() == 4);
    CHECK(HasError(p, "6", "BTC-USD-240628"));
    CHECK(HasError(p, "7", "a subscription event"));
    CHECK(HasError(p, "8", "neither markPx nor oi"));
    CHECK(HasError(p, "9", "no 'data'"));
    REQUIRE(p.rows.size() == 2);
    CheckMarketRow(p.rows, "okx", "BTC-USDT-SWAP", 1718000003000000, 67000.1, 25000);
    CheckMarketRow(p.rows, "okx", "BTC-USD-SWAP", 1718000003000000, 66990.0, 3e7 / 66990.0);
  }
}

namespace {

// Parses `line` with a fresh hyperliquid-asset-ctxs adapter, received at `recv`.
Status ParseCtxs(const std::string& line, Timestamp recv, RowBuffer* out, LineStats* stats) {
  auto adapter = MakeAdapter(Format::kHyperliquidAssetCtxs, IngestOptions());
  REQUIRE(adapter.ok());
  REQUIRE((*adapter)->BeginFile("poll").ok());
  if (recv != kMinTimestamp) (*adapter)->SetReceiveTime(recv);
  std::string padded = line + std::string(kLinePadding, ' ');
  return (*adapter)->ParseLine(std::string_view(padded.data(), line.size()), out, stats);
}

const std::string kAssetCtxs =
    R"([{"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},{"name":"ETH","szDecimals":4,"maxLeverage":50},)"
    R"({"name":"OLD","szDecimals":0,"maxLeverage":3,"isDelisted":true}]},)"
    R"([{"funding":"0.0000125","openInterest":"688.11","prevDayPx":"67000.0","dayNtlVlm":"1000.0","premium":"0.0003",)"
    R"("oraclePx":"67010.0","markPx":"67012.0","midPx":"67011.5","impactPxs":["67011.0","67012.0"],"dayBaseVlm":"10.0"},)"
    R"({"funding":"0.00001","openInterest":"15000.5","prevDayPx":"3500.0","dayNtlVlm":"1.0","premium":null,)"
    R"("oraclePx":"3550.0","markPx":"3550.1","midPx":null,"impactPxs":null,"dayBaseVlm":"1.0"},)"
    R"({"funding":"0.0","openInterest":"0.0","prevDayPx":"1.0","dayNtlVlm":"0.0","premium":null,"oraclePx":"1.0",)"
    R"("markPx":"1.0","midPx":null,"impactPxs":null,"dayBaseVlm":"0.0"}]])";

}  // namespace

TEST_CASE("hyperliquid-asset-ctxs: universe[i] names ctxs[i]; the sample time is the receive time",
          "[adapters][market]") {
  RowBuffer buf;
  LineStats stats;
  REQUIRE(ParseCtxs(kAssetCtxs, 1718000000123456, &buf, &stats).ok());
  std::vector<Row> rows;
  for (const auto& b : buf.TakeAll()) {
    for (auto& r : RowsOf(b)) rows.push_back(std::move(r));
  }
  REQUIRE(rows.size() == 2);
  CheckMarketRow(rows, "hyperliquid", "BTC", 1718000000123456, 67012.0, 688.11);
  CheckMarketRow(rows, "hyperliquid", "ETH", 1718000000123456, 3550.1, 15000.5);
  CHECK(stats.skipped == 1);  // OLD is delisted

  RowBuffer none;
  Status no_time = ParseCtxs(kAssetCtxs, kMinTimestamp, &none, &stats);
  CHECK(no_time.IsInvalidArgument());
  CHECK_THAT(no_time.message(), Catch::Contains("carries no time") && Catch::Contains("liqdb-raw"));
  Status short_ctxs =
      ParseCtxs(R"([{"universe":[{"name":"BTC"},{"name":"ETH"}]},[{"markPx":"1","openInterest":"2"}]])",
                1718000000123456, &none, &stats);
  CHECK_THAT(short_ctxs.message(), Catch::Contains("universe has 2 assets but 1 contexts"));
  Status wrong_coin = ParseCtxs(
      R"([{"universe":[{"name":"BTC"},{"name":"ETH"}]},[{"coin":"BTC","markPx":"1","openInterest":"2"},)"
      R"({"coin":"SOL","markPx":"1","openInterest":"2"}]])",
      1718000000123456, &none, &stats);
  CHECK_THAT(wrong_coin.message(), Catch::Contains("assetCtxs[1] is SOL's but universe[1] is ETH"));
  RowBuffer named;
  REQUIRE(ParseCtxs(R"([{"universe":[{"name":"BTC"}]},[{"coin":"BTC","markPx":"67000","openInterest":"2"}]])",
                    1718000000123456, &named, &stats)
              .ok());
  CHECK(named.rows() == 1);
  Status not_pair = ParseCtxs(R"([{"universe":[]}])", 1718000000123456, &none, &stats);
  CHECK_THAT(not_pair.message(), Catch::Contains("[meta, assetCtxs]"));
  Status no_universe = ParseCtxs(R"([{"marginTables":[]},[]])", 1718000000123456, &none, &stats);
  CHECK_THAT(no_universe.message(), Catch::Contains("meta without 'universe'"));
  CHECK(none.empty());
}

TEST_CASE("auto recognises every market-sample and raw format from its first line",
          "[adapters][market][sniff]") {
  struct Case {
    const char* line;
    Format want;
  };
  const Case cases[] = {
      {R"({"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT","p":"67000.5"})", Format::kBinanceMarkPrice},
      {R"({"openInterest":"80123.456","symbol":"BTCUSDT","time":1718000005000})", Format::kBinanceMarkPrice},
      {R"([{"e":"markPriceUpdate","E":1718000000000,"s":"BTCUSDT","p":"67000.5"}])",
       Format::kBinanceMarkPrice},
      {R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT","openInterest":"1"},"ts":1})",
       Format::kBybitTicker},
      {R"({"arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"},"data":[]})", Format::kOkxMarkPrice},
      {R"({"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[]})", Format::kOkxOpenInterest},
      {R"([{"universe":[{"name":"BTC"}]},[{"markPx":"1","openInterest":"2"}]])",
       Format::kHyperliquidAssetCtxs},
      {R"({"recv":1718000000000000,"venue":"binance","feed":"liquidations","msg":{"e":"forceOrder"}})",
       Format::kLiqdbRaw},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    std::string why;
    auto f = SniffFormat({c.line}, &why);
    REQUIRE(f.has_value());
    CHECK(*f == c.want);
    CHECK_FALSE(why.empty());
  }
}
