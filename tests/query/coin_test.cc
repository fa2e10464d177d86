// CoinOf: the base asset of every venue symbol in the samples
// (tests/data/samples, copies of ../shared/samples) and of every shape issue 9
// lists, written out by hand; unknown shapes keep the symbol.
#include "liqdb/coin.h"

#include <string>

#include <catch2/catch.hpp>

namespace liqdb {
namespace {

void Expect(const char* exchange, const char* symbol, const char* coin, double factor = 1) {
  INFO(exchange << " " << symbol);
  const CoinInfo c = CoinOf(exchange, symbol);
  CHECK(c.coin == coin);
  CHECK(c.qty_factor == factor);
}

TEST_CASE("CoinOf: every symbol in the sample files", "[coin]") {
  // binance-forceorder.jsonl
  Expect("binance", "BTCUSDT", "BTC");
  Expect("binance", "ETHUSDT", "ETH");
  Expect("binance", "SOLUSDT", "SOL");
  Expect("binance", "1000PEPEUSDT", "PEPE", 1000);
  // binance-liquidation-snapshot.csv: the symbol comes from the file name (COIN-M)
  Expect("binance", "BTCUSD_PERP", "BTC");
  // bybit-liquidation.jsonl, tardis-liquidations.csv (bybit, binance-futures)
  Expect("bybit", "BTCUSDT", "BTC");
  Expect("bybit", "ETHUSDT", "ETH");
  Expect("bybit", "SOLUSDT", "SOL");
  // okx-liquidation-orders.jsonl, tardis okex-swap
  Expect("okx", "BTC-USDT-SWAP", "BTC");
  Expect("okx", "ETH-USDT-SWAP", "ETH");
  Expect("okx", "BTC-USD-SWAP", "BTC");
  Expect("okx", "BTC-USD-240628", "BTC");
  // hyperliquid-clearinghouse.jsonl
  Expect("hyperliquid", "BTC", "BTC");
  Expect("hyperliquid", "ETH", "ETH");
  Expect("hyperliquid", "SOL", "SOL");
}

TEST_CASE("CoinOf: the venue shapes of issue 9 and their neighbours", "[coin]") {
  // Binance USDⓈ-M (linear, USDT and USDC margined) and COIN-M (inverse) perpetuals and quarterlies.
  Expect("binance", "BTCUSDC", "BTC");
  Expect("binance", "BTCUSD_250328", "BTC");
  Expect("binance", "BTCUSDT_250328", "BTC");
  Expect("binance", "ETHUSD_PERP", "ETH");
  Expect("binance", "BTCFDUSD", "BTC");  // longest quote first: not BTCFD in USD
  Expect("binance", "ETHBUSD", "ETH");
  Expect("binance", "1000SHIBUSDT", "SHIB", 1000);
  Expect("binance", "1MBABYDOGEUSDT", "BABYDOGE", 1e6);
  Expect("binance", "1000000MOGUSDT", "MOG", 1e6);
  Expect("binance", "1INCHUSDT", "1INCH");  // a coin whose name starts with a digit
  // Bybit linear, USDC perps, inverse perps and inverse futures, USDC dated futures.
  Expect("bybit", "BTCPERP", "BTC");
  Expect("bybit", "BTCUSD", "BTC");
  Expect("bybit", "BTCUSDH25", "BTC");
  Expect("bybit", "BTCUSDTH25", "BTC");
  Expect("bybit", "BTC-27DEC24", "BTC");
  Expect("bybit", "10000LADYSUSDT", "LADYS", 1e4);
  // OKX futures and Deribit.
  Expect("okx", "BTC-USDT-250328", "BTC");
  Expect("deribit", "BTC-PERPETUAL", "BTC");
  Expect("deribit", "ETH-28MAR25", "ETH");
  Expect("deribit", "SOL_USDC-PERPETUAL", "SOL");
  // BitMEX: XBT is BTC; quarterlies carry a month code.
  Expect("bitmex", "XBTUSD", "BTC");
  Expect("bitmex", "XBTUSDT", "BTC");
  Expect("bitmex", "ETHUSD", "ETH");
  Expect("bitmex", "XBTZ24", "BTC");
  // Hyperliquid: the coin itself; k is a lot of 1,000.
  Expect("hyperliquid", "kPEPE", "PEPE", 1000);
  Expect("hyperliquid", "HYPE", "HYPE");
}

TEST_CASE("CoinOf: unknown shapes keep the symbol", "[coin]") {
  Expect("binance", "ETHBTC", "ETHBTC");
  Expect("hyperliquid", "@107", "@107");
  Expect("somevenue", "WEIRD", "WEIRD");
  Expect("binance", "USDT", "USDT");  // nothing left once the quote is gone
  Expect("okx", "-SWAP", "-SWAP");
  // A joined symbol on a venue without month codes keeps the letters (H25 is not stripped).
  Expect("binance", "ABCH25", "ABCH25");
}

TEST_CASE("NormalizeCoin spells a coin as CoinOf does", "[coin]") {
  CHECK(NormalizeCoin("btc") == "BTC");
  CHECK(NormalizeCoin(" Eth ") == "ETH");
  CHECK(NormalizeCoin("XBT") == "BTC");
  CHECK(NormalizeCoin("pepe") == "PEPE");
}

}  // namespace
}  // namespace liqdb
