// Golden tests of every source adapter on the shared samples: side (the
// position's), ts (µs), qty (base units) and notional (quote) per record,
// with the expected values worked out by hand from samples/README.md.
#include <cmath>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

using namespace liqdb;
using namespace liqdb::testing;

namespace {

constexpr int kLong = 0;
constexpr int kShort = 1;

void CheckLiq(const std::vector<Row>& rows, const std::string& exchange, const std::string& symbol,
              Timestamp ts, int side, double price, double qty, double notional) {
  INFO(symbol << " @ " << ts);
  const Row* r = FindRow(rows, symbol, ts);
  REQUIRE(r != nullptr);
  CHECK(r->kind == Kind::kLiquidations);
  CHECK(r->exchange == exchange);
  CHECK(r->side == side);
  CHECK(r->values[liq_col::kPrice] == price);
  CHECK(r->values[liq_col::kQty] == qty);
  CHECK(r->values[liq_col::kNotional] == notional);
}

}  // namespace

TEST_CASE("binance-forceorder: order side SELL closes a long; ap and z; plain and wrapped", "[adapters]") {
  Parsed p = ParseWith(Format::kBinanceForceOrder, Sample("binance-forceorder.jsonl"));
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 4);
  CheckLiq(p.rows, "binance", "BTCUSDT", 1718000001230000, kLong, 67012.30, 0.250, 0.250 * 67012.30);
  CheckLiq(p.rows, "binance", "ETHUSDT", 1718000001683000, kShort, 3549.90, 3.412, 3.412 * 3549.90);
  // z (accumulated filled qty), not l (last fill); o.T, not E.
  CheckLiq(p.rows, "binance", "SOLUSDT", 1718000002948000, kLong, 158.605, 120, 120 * 158.605);
  // {"stream":…,"data":…} wrapper.
  CheckLiq(p.rows, "binance", "1000PEPEUSDT", 1718000003309000, kShort, 0.0142880, 250000,
           250000 * 0.0142880);
}

TEST_CASE("binance-liquidation-snapshot: contracts of 100 USD for BTCUSD_PERP, symbol from file name",
          "[adapters]") {
  Parsed p = ParseWith(Format::kBinanceLiquidationSnapshot, Sample("binance-liquidation-snapshot.csv"), {},
                       "/x/BTCUSD_PERP-liquidationSnapshot-2024-06-10.csv");
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 4);
  CheckLiq(p.rows, "binance", "BTCUSD_PERP", 1717977612345000, kLong, 66790.1, 1200 / 66790.1, 1200);
  CheckLiq(p.rows, "binance", "BTCUSD_PERP", 1717977931002000, kShort, 67195.4, 300 / 67195.4, 300);
  // accumulated_fill_quantity (40), not last_fill_quantity (28); average_price, not price.
  CheckLiq(p.rows, "binance", "BTCUSD_PERP", 1717979004511000, kLong, 66377.6, 4000 / 66377.6, 4000);
  CheckLiq(p.rows, "binance", "BTCUSD_PERP", 1717981550870000, kShort, 67388.2, 100 / 67388.2, 100);
}

TEST_CASE("binance-liquidation-snapshot: other COIN-M 10 USD, headerless, repeats, unfilled, --symbol",
          "[adapters]") {
  const std::string text =
      "1717977612345,SELL,LIMIT,IOC,12,3510.3,3500.5,FILLED,12,12\n"
      "1717977612345,SELL,LIMIT,IOC,12,3510.3,3500.5,FILLED,12,12\n"  // exact repeat: one liquidation
      "1717977700000,BUY,LIMIT,IOC,5,3520.0,3519.0,EXPIRED,0,0\n";
  Parsed p = ParseWith(Format::kBinanceLiquidationSnapshot, text, {},
                       "ETHUSD_PERP-liquidationSnapshot-2024-06-10.csv.gz");
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 1);
  CheckLiq(p.rows, "binance", "ETHUSD_PERP", 1717977612345000, kLong, 3500.5, 120 / 3500.5, 120);
  CHECK(p.stats.repeats == 1);
  CHECK(p.stats.skipped == 1);

  IngestOptions o;
  o.symbol = "BTCUSD_240628";
  Parsed q = ParseWith(Format::kBinanceLiquidationSnapshot, text, o, "<stdin>");
  REQUIRE(q.rows.size() == 1);
  CHECK(q.rows[0].symbol == "BTCUSD_240628");
  CHECK(q.rows[0].values[liq_col::kNotional] == 1200);

  Parsed bad = ParseWith(Format::kBinanceLiquidationSnapshot, text, {}, "renamed.csv");
  REQUIRE(bad.errors.size() == 1);
  CHECK_THAT(bad.errors[0], Catch::Contains("--symbol"));
}

TEST_CASE("bybit-liquidation: S is the position side (Buy = long); v5 arrays and the old object",
          "[adapters]") {
  Parsed p = ParseWith(Format::kBybitLiquidation, Sample("bybit-liquidation.jsonl"));
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 5);
  CheckLiq(p.rows, "bybit", "BTCUSDT", 1718000002311000, kLong, 66702.40, 0.412, 0.412 * 66702.40);
  CheckLiq(p.rows, "bybit", "ETHUSDT", 1718000002804000, kShort, 3602.15, 5.18, 5.18 * 3602.15);
  CheckLiq(p.rows, "bybit", "ETHUSDT", 1718000002871000, kShort, 3602.90, 0.75, 0.75 * 3602.90);
  CheckLiq(p.rows, "bybit", "SOLUSDT", 1718000004122000, kLong, 156.87, 37.4, 37.4 * 156.87);
  CheckLiq(p.rows, "bybit", "BTCUSDT", 1673251091822000, kLong, 16925.50, 0.118, 0.118 * 16925.50);
}

TEST_CASE("bybit-liquidation: a line with a bad record leaves nothing behind for the next line",
          "[adapters]") {
  // Record 1 of line 1 is fine, record 2 has price 0: the whole line is bad,
  // and line 2 must store only its own row.
  const std::string text =
      R"({"topic":"allLiquidation.BTCUSDT","data":[{"T":1718000000001,"s":"BTCUSDT","S":"Buy","v":"1","p":"100"},)"
      R"({"T":1718000000002,"s":"BTCUSDT","S":"Buy","v":"1","p":"0"}]})"
      "\n"
      R"({"topic":"allLiquidation.BTCUSDT","data":[{"T":1718000000003,"s":"BTCUSDT","S":"Sell","v":"2","p":"200"}]})"
      "\n";
  Parsed p = ParseWith(Format::kBybitLiquidation, text);
  REQUIRE(p.errors.size() == 1);
  CHECK_THAT(p.errors[0], Catch::StartsWith("1: "));
  REQUIRE(p.rows.size() == 1);
  CheckLiq(p.rows, "bybit", "BTCUSDT", 1718000000003000, kShort, 200, 2, 400);
}

TEST_CASE("okx-liquidation-orders: contract sizes, posSide and net mode, unknown instrument", "[adapters]") {
  Parsed p = ParseWith(Format::kOkxLiquidationOrders, Sample("okx-liquidation-orders.jsonl"));
  // BTC-USD-240628 has no built-in contract value: an error that names it.
  REQUIRE(p.errors.size() == 1);
  CHECK_THAT(p.errors[0], Catch::StartsWith("4: ") && Catch::Contains("BTC-USD-240628") &&
                              Catch::Contains("--contract-size"));
  REQUIRE(p.rows.size() == 4);
  // 35 contracts of 0.01 BTC = 0.35 BTC.
  CheckLiq(p.rows, "okx", "BTC-USDT-SWAP", 1718000003456000, kLong, 66705.3, 0.35, 0.35 * 66705.3);
  // posSide net, side buy: a short was closed. 120 × 0.1 ETH = 12 ETH; details out of time order.
  CheckLiq(p.rows, "okx", "ETH-USDT-SWAP", 1718000004102000, kShort, 3598.42, 12, 12 * 3598.42);
  CheckLiq(p.rows, "okx", "ETH-USDT-SWAP", 1718000004099000, kShort, 3598.90, 6.4, 6.4 * 3598.90);
  // Inverse: 900 contracts of 100 USD = 90000 USD.
  CheckLiq(p.rows, "okx", "BTC-USD-SWAP", 1718000005870000, kShort, 66810.1, 90000 / 66810.1, 90000);

  IngestOptions o;
  REQUIRE(ParseContractSizeArg("BTC-USD-240628=100", &o).ok());
  Parsed q = ParseWith(Format::kOkxLiquidationOrders, Sample("okx-liquidation-orders.jsonl"), o);
  REQUIRE(q.errors.empty());
  REQUIRE(q.rows.size() == 5);
  CheckLiq(q.rows, "okx", "BTC-USD-240628", 1718000006233000, kLong, 67350.2, 1800 / 67350.2, 1800);
  CHECK_FALSE(ParseContractSizeArg("BTC-USD-240628", &o).ok());
  CHECK_FALSE(ParseContractSizeArg("X=-1", &o).ok());
}

TEST_CASE("tardis-liquidations: order side, venue ids mapped, OKX amounts in contracts", "[adapters]") {
  Parsed p = ParseWith(Format::kTardisLiquidations, Sample("tardis-liquidations.csv"));
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 5);
  CheckLiq(p.rows, "binance", "BTCUSDT", 1718000001230000, kLong, 67012.3, 0.25, 0.25 * 67012.3);
  CheckLiq(p.rows, "binance", "ETHUSDT", 1718000001683000, kShort, 3549.9, 3.412, 3.412 * 3549.9);
  // Tardis already flipped Bybit: sell = a long was liquidated (Bybit's own S=Buy).
  CheckLiq(p.rows, "bybit", "BTCUSDT", 1718000002311000, kLong, 66702.4, 0.412, 0.412 * 66702.4);
  CheckLiq(p.rows, "okx", "BTC-USDT-SWAP", 1718000003456000, kLong, 66705.3, 0.35, 0.35 * 66705.3);
  CheckLiq(p.rows, "bybit", "ETHUSDT", 1718000002804000, kShort, 3602.15, 5.18, 5.18 * 3602.15);
}

TEST_CASE("tardis-liquidations: a repeated id is one liquidation; rows without id are all kept",
          "[adapters]") {
  const std::string text =
      "exchange,symbol,timestamp,local_timestamp,id,side,price,amount\n"
      "bitmex,XBTUSD,1718000001000000,1718000001000100,abc,sell,67000,6700\n"
      "bitmex,XBTUSD,1718000001000000,1718000001000200,abc,sell,67000,6700\n"
      "binance-futures,BTCUSDT,1718000002000000,1718000002000100,,buy,67000,0.1\n"
      "binance-futures,BTCUSDT,1718000002000000,1718000002000100,,buy,67000,0.1\n";
  Parsed p = ParseWith(Format::kTardisLiquidations, text);
  REQUIRE(p.errors.empty());
  CHECK(p.stats.repeats == 1);
  REQUIRE(p.rows.size() == 3);
  // BitMEX XBTUSD: 1 USD inverse contracts.
  CheckLiq(p.rows, "bitmex", "XBTUSD", 1718000001000000, kLong, 67000, 0.1, 6700);
}

TEST_CASE("tardis-derivative-ticker: mark price and open interest in base units; gaps skipped",
          "[adapters]") {
  std::string text = Sample("tardis-derivative-ticker.csv");
  text += "bybit,BTCUSDT,1718000002000000,1718000002000001,,,,,67000.1,67000.2,\n";  // no mark price
  Parsed p = ParseWith(Format::kTardisDerivativeTicker, text);
  REQUIRE(p.errors.empty());
  CHECK(p.stats.skipped == 1);
  REQUIRE(p.rows.size() == 4);
  auto check = [&](const std::string& ex, const std::string& sym, Timestamp ts, double mark, double oi) {
    const Row* r = FindRow(p.rows, sym, ts);
    REQUIRE(r != nullptr);
    CHECK(r->kind == Kind::kMarket);
    CHECK(r->exchange == ex);
    CHECK(r->values[mkt_col::kMarkPrice] == mark);
    CHECK(r->values[mkt_col::kOpenInterest] == oi);
  };
  check("binance", "BTCUSDT", 1718000000000000, 67018.9, 81234.567);
  check("binance", "BTCUSDT", 1718000001000000, 67013.4, 81236.112);
  check("bybit", "BTCUSDT", 1718000000100000, 67019.25, 55210.871);
  // OKX open interest is in contracts of 0.01 BTC.
  check("okx", "BTC-USDT-SWAP", 1718000000200000, 67018.1, 29150.32);
}

TEST_CASE("hyperliquid-clearinghouse: positions from szi, closes for positions that disappear",
          "[adapters]") {
  Parsed p = ParseWith(Format::kHyperliquidClearinghouse, Sample("hyperliquid-clearinghouse.jsonl"));
  REQUIRE(p.errors.empty());
  REQUIRE(p.rows.size() == 5);
  const std::string a = "0x5b5d51203a0f9079f8aeb098a6523a13f298c060";
  const std::string b = "0x0e4b1c3a2d9f8e7c6b5a49382716f5e4d3c2b1a0";
  auto check = [&](const std::string& coin, Timestamp ts, const std::string& acct, int side, double size,
                   double entry, double lev, double liq) {
    INFO(coin << " @ " << ts);
    const Row* r = nullptr;
    for (const Row& x : p.rows) {
      if (x.symbol == coin && x.ts == ts && x.account == acct) r = &x;
    }
    REQUIRE(r != nullptr);
    CHECK(r->kind == Kind::kPositions);
    CHECK(r->exchange == "hyperliquid");
    CHECK(r->side == side);
    CHECK(r->values[pos_col::kSize] == size);
    CHECK(r->values[pos_col::kEntryPrice] == entry);
    CHECK(r->values[pos_col::kLeverage] == lev);
    if (std::isnan(liq))
      CHECK(std::isnan(r->values[pos_col::kLiqPrice]));
    else
      CHECK(r->values[pos_col::kLiqPrice] == liq);
  };
  check("BTC", 1718000004567000, a, kLong, 0.5, 64000, 10, 21392.9);
  check("ETH", 1718000004567000, a, kShort, 4, 3500, 5, 4117.65);
  check("SOL", 1718000005120000, b, kShort, 150, 160.12, 20, 188.44);
  // liquidationPx null: the venue reports no liquidation price, stored as 0 (no level), not NULL.
  check("BTC", 1718000064567000, a, kLong, 0.5, 64000, 10, 0);
  // ETH vanished from wallet a's next poll: closed at that poll's time.
  check("ETH", 1718000064567000, a, kShort, 0, 3500, 5, std::nan(""));
}

TEST_CASE("csv: liqdb's own CSV for each kind, header or --kind, ISO or µs times", "[adapters]") {
  Parsed liq = ParseWith(Format::kCsv,
                         "ts,exchange,symbol,side,price,qty,notional\n"
                         "1718000000000000,binance,BTCUSDT,long,67000,0.5,\n"
                         "2024-06-10T06:13:20.5Z,Binance,BTCUSDT,short,67001,0.25,16750.25\n");
  REQUIRE(liq.errors.empty());
  REQUIRE(liq.rows.size() == 2);
  CheckLiq(liq.rows, "binance", "BTCUSDT", 1718000000000000, kLong, 67000, 0.5, 67000 * 0.5);
  CheckLiq(liq.rows, "binance", "BTCUSDT", 1718000000500000, kShort, 67001, 0.25, 16750.25);

  Parsed pos = ParseWith(Format::kCsv,
                         "1718000000000000,hyperliquid,BTC,0xabc,long,0.5,64000,10,\n"
                         "1718000000000000,hyperliquid,BTC,0xdef,short,1,65000,,70000\n");
  REQUIRE(pos.errors.empty());
  REQUIRE(pos.rows.size() == 2);
  CHECK(pos.rows[0].kind == Kind::kPositions);
  CHECK(pos.rows[0].account == "0xabc");
  CHECK(std::isnan(pos.rows[0].values[pos_col::kLiqPrice]));
  CHECK(std::isnan(pos.rows[1].values[pos_col::kLeverage]));
  CHECK(pos.rows[1].values[pos_col::kLiqPrice] == 70000);

  IngestOptions o;
  o.kind = Kind::kMarket;
  Parsed mkt = ParseWith(Format::kCsv, "1718000000000000,okx,BTC-USDT-SWAP,67000.5,29150.32\n", o);
  REQUIRE(mkt.errors.empty());
  REQUIRE(mkt.rows.size() == 1);
  CHECK(mkt.rows[0].kind == Kind::kMarket);
  CHECK(mkt.rows[0].values[mkt_col::kOpenInterest] == 29150.32);

  // A headerless file takes its kind from its first line: a stray 9-field
  // line in a liquidations file is a bad line, not a position.
  Parsed mixed = ParseWith(Format::kCsv,
                           "1718000000000000,binance,BTCUSDT,long,67000,0.5\n"
                           "1718000000000001,binance,BTCUSDT,0xabc,long,0.5,64000,10,\n"
                           "1718000000000002,binance,BTCUSDT,short,67000,0.5,33500\n");
  REQUIRE(mixed.errors.size() == 1);
  CHECK_THAT(mixed.errors[0], Catch::StartsWith("2: ") && Catch::Contains("liquidations"));
  REQUIRE(mixed.rows.size() == 2);
  CHECK(mixed.rows[0].kind == Kind::kLiquidations);
  CHECK(mixed.rows[1].kind == Kind::kLiquidations);

  Parsed clash = ParseWith(Format::kCsv, "ts,exchange,symbol,mark_price,open_interest\n", [] {
    IngestOptions x;
    x.kind = Kind::kLiquidations;
    return x;
  }());
  REQUIRE(clash.errors.size() == 1);
}

TEST_CASE("bad lines: every class is rejected with a reason and adds nothing", "[adapters][bad]") {
  struct Case {
    Format format;
    std::string line;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {Format::kCsv, "1718000000000000,binance,BTCUSDT,sell,67000,0.5", "side"},
      {Format::kCsv, "1718000000000000,binance,BTCUSDT,long,abc,0.5", "bad price"},
      {Format::kCsv, "1718000000000000,binance,BTCUSDT,long,-5,0.5", "price"},
      {Format::kCsv, "1718000000000000,binance,BTCUSDT,long,nan,0.5", "price"},
      {Format::kCsv, "yesterday,binance,BTCUSDT,long,67000,0.5", "bad ts"},
      {Format::kCsv, "2024-13-01,binance,BTCUSDT,long,67000,0.5", "bad ts"},
      {Format::kCsv, "1718000000000000,binance,BTCUSDT,long", "fields"},
      {Format::kCsv, "1718000000000000,,BTCUSDT,long,67000,1", "exchange"},
      {Format::kTardisLiquidations, "binance-futures,BTCUSDT,17180000,x,,sideways,1,1", "side"},
      {Format::kTardisLiquidations, "binance-futures,BTCUSDT,notatime,x,,sell,1,1", "timestamp"},
      {Format::kTardisLiquidations, "binance-futures,BTCUSDT,1718000000000000,x,,sell,1", "fields"},
      {Format::kTardisLiquidations, "okex-swap,DOGE-USDT-SWAP,1718000000000000,x,,sell,0.1,5",
       "DOGE-USDT-SWAP"},
      {Format::kTardisDerivativeTicker, "binance-futures,BTCUSDT,1718000000000000,1,1,0,,5,1,1,-3",
       "mark_price"},
      {Format::kBinanceForceOrder, R"({"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","ap":"67000"})",
       "JSON"},
      {Format::kBinanceForceOrder,
       R"({"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","ap":"67000","z":"1"}})", "o.T"},
      {Format::kBinanceForceOrder,
       R"({"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"HOLD","ap":"1","z":"1","T":1}})", "o.S"},
      {Format::kBinanceForceOrder,
       R"({"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","ap":"x1","z":"1","T":1}})", "o.ap"},
      {Format::kBinanceForceOrder, "not json at all", "JSON"},
      {Format::kBybitLiquidation,
       R"({"topic":"allLiquidation.BTCUSDT","data":[{"T":1,"s":"BTCUSDT","S":"Long","v":"1","p":"1"}]})",
       "side"},
      {Format::kBybitLiquidation,
       R"({"topic":"allLiquidation.BTCUSDT","data":[{"T":1,"s":"BTCUSDT","S":"Buy","p":"1"}]})", "size"},
      {Format::kOkxLiquidationOrders,
       R"({"arg":{},"data":[{"details":[{"bkPx":"1","posSide":"long","side":"sell","sz":"1","ts":"1"}]}]})",
       "instId"},
      {Format::kOkxLiquidationOrders,
       R"({"arg":{},"data":[{"details":[{"bkPx":"1","posSide":"net","side":"x","sz":"1","ts":"1"}],"instId":"BTC-USDT-SWAP"}]})",
       "posSide"},
      {Format::kHyperliquidClearinghouse, R"({"time":1,"assetPositions":[]})", "user"},
      {Format::kHyperliquidClearinghouse,
       R"({"user":"0x1","time":1,"assetPositions":[{"position":{"coin":"BTC","szi":"1","entryPx":"0","leverage":{"value":5}}}]})",
       "entry_price"},
  };
  for (const Case& c : cases) {
    INFO(FormatName(c.format) << ": " << c.line);
    Parsed p = ParseWith(c.format, c.line + "\n");
    CHECK(p.rows.empty());
    REQUIRE(p.errors.size() == 1);
    CHECK_THAT(p.errors[0], Catch::StartsWith("1: ") && Catch::Contains(c.reason));
  }
}

TEST_CASE("multi-record lines are all or nothing", "[adapters][bad]") {
  // The second record lacks a price: the first is not kept either.
  Parsed p = ParseWith(
      Format::kBybitLiquidation,
      R"({"topic":"allLiquidation.ETHUSDT","data":[{"T":1,"s":"ETHUSDT","S":"Sell","v":"1","p":"3000"},{"T":2,"s":"ETHUSDT","S":"Sell","v":"1"}]})"
      "\n");
  CHECK(p.rows.empty());
  CHECK(p.errors.size() == 1);
}

TEST_CASE("auto: each sample is recognised", "[adapters][sniff]") {
  const std::vector<std::pair<std::string, Format>> cases = {
      {"binance-forceorder.jsonl", Format::kBinanceForceOrder},
      {"binance-liquidation-snapshot.csv", Format::kBinanceLiquidationSnapshot},
      {"bybit-liquidation.jsonl", Format::kBybitLiquidation},
      {"okx-liquidation-orders.jsonl", Format::kOkxLiquidationOrders},
      {"hyperliquid-clearinghouse.jsonl", Format::kHyperliquidClearinghouse},
      {"tardis-liquidations.csv", Format::kTardisLiquidations},
      {"tardis-derivative-ticker.csv", Format::kTardisDerivativeTicker},
  };
  for (const auto& [file, format] : cases) {
    INFO(file);
    std::vector<std::string> lines;
    std::istringstream in(Sample(file));
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::string why;
    auto got = SniffFormat(lines, &why);
    REQUIRE(got.has_value());
    CHECK(*got == format);
    CHECK_FALSE(why.empty());
    // Headerless CSV too.
    if (file.find(".csv") != std::string::npos) {
      lines.erase(lines.begin());
      auto again = SniffFormat(lines);
      REQUIRE(again.has_value());
      CHECK(*again == format);
    }
  }
  CHECK(SniffFormat({"ts,exchange,symbol,side,price,qty"}) == Format::kCsv);
  CHECK(SniffFormat({"1718000000000000,binance,BTCUSDT,long,1,1"}) == Format::kCsv);
  CHECK_FALSE(SniffFormat({"hello world"}).has_value());
  for (const std::string& name : FormatNames()) CHECK(ParseFormat(name).has_value());
}
