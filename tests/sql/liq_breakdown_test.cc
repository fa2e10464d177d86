// liq_breakdown end to end: rows of six venues' linear and inverse
// instruments go into a liqdb table and into a plain SQLite table that also
// holds each row's coin and coin-units factor, written out by hand (docs/sql.md
// "Coins"); every breakdown must equal GROUP BY exchange, symbol over it.
#include <random>
#include <string>
#include <vector>

#include "sql/sql_test_util.h"

namespace liqdb::sqltest {
namespace {

constexpr int64_t kSec = 1'000'000;
constexpr int64_t kT0 = 1'709'251'200LL * kSec;  // 2024-03-01T00:00:00Z
constexpr int64_t kHour = 3600 * kSec;

struct Instrument {
  const char *exchange, *symbol, *coin;
  double factor;  // coin units per stored qty unit
  double price;
};

// Linear (USDT/USDC) and inverse (USD, coin-margined) instruments of six venues.
constexpr Instrument kInstruments[] = {
    {"binance", "BTCUSDT", "BTC", 1, 60000},
    {"binance", "BTCUSD_PERP", "BTC", 1, 60000},
    {"binance", "1000PEPEUSDT", "PEPE", 1000, 0.008},
    {"binance", "ETHUSDT", "ETH", 1, 3000},
    {"bybit", "BTCUSDT", "BTC", 1, 60000},
    {"bybit", "BTCUSD", "BTC", 1, 60000},
    {"bybit", "SOLUSDT", "SOL", 1, 150},
    {"okx", "BTC-USDT-SWAP", "BTC", 1, 60000},
    {"okx", "BTC-USD-SWAP", "BTC", 1, 60000},
    {"okx", "ETH-USDT-SWAP", "ETH", 1, 3000},
    {"hyperliquid", "BTC", "BTC", 1, 60000},
    {"hyperliquid", "SOL", "SOL", 1, 150},
    {"deribit", "BTC-PERPETUAL", "BTC", 1, 60000},
    {"bitmex", "XBTUSD", "BTC", 1, 60000},
};

struct Fixture {
  TempDir dir{"breakdown"};
  Db db;
  Fixture() {
    db.Exec("CREATE VIRTUAL TABLE liq USING liqdb(store='" + (dir / "store") + "', kind='liquidations')");
    db.Exec(
        "CREATE TABLE plain(ts INTEGER, exchange TEXT, symbol TEXT, side TEXT, price REAL, qty REAL, "
        "notional REAL, coin TEXT, factor REAL)");
    std::mt19937_64 rng(21);
    // Ten transactions, so each series has several chunks to answer from headers, rollups and rows.
    for (int batch = 0; batch < 10; ++batch) {
      db.Exec("BEGIN");
      for (int i = 0; i < 400; ++i) {
        const Instrument& in = kInstruments[rng() % std::size(kInstruments)];
        const int64_t ts = kT0 + static_cast<int64_t>(rng() % static_cast<uint64_t>(12 * kHour));
        const double price = in.price * (0.95 + 0.1 * static_cast<double>(rng() % 1000) / 1000);
        const double qty = static_cast<double>(1 + rng() % 5000) / 1000;
        const std::string side = rng() % 10 < 6 ? "long" : "short";
        const std::string row = std::to_string(ts) + ", '" + in.exchange + "', '" + in.symbol + "', '" +
                                side + "', " + std::to_string(price) + ", " + std::to_string(qty) + ", " +
                                std::to_string(price * qty);
        db.Exec("INSERT INTO liq VALUES (" + row + ")");
        db.Exec("INSERT INTO plain VALUES (" + row + ", '" + in.coin + "', " + std::to_string(in.factor) +
                ")");
      }
      db.Exec("COMMIT");
    }
  }

  // liq_breakdown(...) [WHERE got_where] against GROUP BY over plain [WHERE want_where].
  // `ref_from`/`ref_to`: the range as µs for the plain table, when from/to are ISO text.
  void Compare(const std::string& from, const std::string& to, const std::string& got_where,
               const std::string& want_where, std::string ref_from = "", std::string ref_to = "") {
    if (ref_from.empty()) ref_from = from;
    if (ref_to.empty()) ref_to = to;
    auto got = db.Query("SELECT * FROM liq_breakdown('liq', " + from + ", " + to + ")" +
                        (got_where.empty() ? "" : " WHERE " + got_where));
    auto want = db.Query(
        "SELECT exchange, symbol, coin, sum(side = 'long'), total(CASE side WHEN 'long' THEN qty * factor "
        "END), "
        "total(CASE side WHEN 'long' THEN notional END), sum(side = 'short'), "
        "total(CASE side WHEN 'short' THEN qty * factor END), total(CASE side WHEN 'short' THEN notional "
        "END) "
        "FROM plain WHERE ts >= " +
        ref_from + " AND ts < " + ref_to + (want_where.empty() ? "" : " AND " + want_where) +
        " GROUP BY exchange, symbol ORDER BY exchange, symbol");
    INFO("liq_breakdown(" << from << ", " << to << ") WHERE " << got_where);
    REQUIRE(!want.empty());
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      INFO(AsText(want[i][0]) << " " << AsText(want[i][1]));
      for (int c = 0; c < 3; ++c) CHECK(AsText(got[i][c]) == AsText(want[i][c]));
      CHECK(AsInt(got[i][3]) == AsInt(want[i][3]));
      CHECK(AsInt(got[i][6]) == AsInt(want[i][6]));
      for (int c : {4, 5, 7, 8}) CHECK(Close(AsDouble(got[i][c]), AsDouble(want[i][c])));
    }
  }
};

TEST_CASE("liq_breakdown equals GROUP BY exchange, symbol over a plain table", "[sql][breakdown]") {
  Fixture f;
  const std::string all_from = std::to_string(kT0), all_to = std::to_string(kT0 + 12 * kHour);
  SECTION("whole range, every series") {
    f.Compare(all_from, all_to, "", "");
  }
  SECTION("whole hours") {
    f.Compare(std::to_string(kT0 + 2 * kHour), std::to_string(kT0 + 9 * kHour), "", "");
  }
  SECTION("ragged edges") {
    f.Compare(std::to_string(kT0 + 2 * kHour + 123457), std::to_string(kT0 + 9 * kHour - 999), "", "");
  }
  SECTION("ISO text") {
    f.Compare("'2024-03-01T01:30:00Z'", "'2024-03-01 10:00:00.250'", "", "",
              std::to_string(kT0 + 5400 * kSec), std::to_string(kT0 + 36000 * kSec + 250000));
  }
  SECTION("WHERE coin = 'BTC': every venue's BTC, linear and inverse") {
    f.Compare(all_from, all_to, "coin = 'BTC'", "coin = 'BTC'");
  }
  SECTION("coin IN, exchange =, exchange IN, symbol =, combined") {
    f.Compare(all_from, all_to, "coin IN ('SOL', 'PEPE')", "coin IN ('SOL', 'PEPE')");
    f.Compare(all_from, all_to, "exchange = 'okx'", "exchange = 'okx'");
    f.Compare(all_from, all_to, "exchange IN ('bybit', 'hyperliquid', 'bitmex')",
              "exchange IN ('bybit', 'hyperliquid', 'bitmex')");
    f.Compare(all_from, all_to, "symbol = 'BTCUSDT'", "symbol = 'BTCUSDT'");
    f.Compare(all_from, all_to, "coin = 'BTC' AND exchange IN ('binance', 'okx')",
              "coin = 'BTC' AND exchange IN ('binance', 'okx')");
  }
  SECTION("a coin and an exchange in any case") {
    f.Compare(all_from, all_to, "coin = 'btc'", "coin = 'BTC'");
    f.Compare(all_from, all_to, "coin = 'XBT'", "coin = 'BTC'");
    f.Compare(all_from, all_to, "exchange = 'Binance'", "exchange = 'binance'");
  }
  SECTION("other WHERE terms are SQLite's") {
    f.Compare(all_from, all_to, "long_count > 20 AND coin <> 'PEPE'", "coin <> 'PEPE'");
  }
}

TEST_CASE("liq_breakdown: the plan pushes coin/exchange/symbol, and bad input fails clearly",
          "[sql][breakdown]") {
  Fixture f;
  const std::string call = "liq_breakdown('liq', '2024-03-01', '2024-03-02')";
  // idxNum (tvf_args.h): bits 0-2 the arguments, 16 + k filter k (exchange, symbol, coin), 24 + k an
  // IN list handed over at once.
  auto plan = [&](const std::string& where) {
    std::string out;
    for (const Row& r : f.db.Query("EXPLAIN QUERY PLAN SELECT * FROM " + call + " WHERE " + where))
      out += AsText(r.back());
    return out;
  };
  CHECK_THAT(plan("coin = 'BTC'"), Catch::Contains("INDEX " + std::to_string(7 | 1 << 18)));
  CHECK_THAT(plan("exchange IN ('okx', 'bybit')"),
             Catch::Contains("INDEX " + std::to_string(7 | 1 << 16 | 1 << 24)));
  CHECK_THAT(plan("symbol = 'BTCUSDT' AND exchange = 'okx'"),
             Catch::Contains("INDEX " + std::to_string(7 | 1 << 16 | 1 << 17)));
  // = NULL and an empty IN list match nothing.
  CHECK(f.db.Query("SELECT * FROM " + call + " WHERE coin = NULL").empty());
  CHECK(f.db.Query("SELECT * FROM " + call + " WHERE exchange IN (SELECT 1 WHERE 0)").empty());
  // The arguments as WHERE constraints, and a view.
  f.db.Exec("CREATE VIEW by_venue AS SELECT * FROM " + call);
  CHECK(
      f.db.Query("SELECT * FROM by_venue WHERE coin = 'BTC'") ==
      f.db.Query("SELECT * FROM liq_breakdown WHERE source = 'liq' AND \"from\" = '2024-03-01' AND \"to\" = "
                 "'2024-03-02' AND coin = 'BTC'"));
  // Totals per exchange, the "liquidations per exchange today".
  auto per_exchange = f.db.Query("SELECT exchange, sum(long_count + short_count) FROM " + call +
                                 " GROUP BY exchange ORDER BY exchange");
  auto want = f.db.Query("SELECT exchange, count(*) FROM plain GROUP BY exchange ORDER BY exchange");
  CHECK(per_exchange == want);
  auto err = [&](const std::string& sql, const std::vector<const char*>& needles) {
    const std::string e = f.db.Error(sql);
    INFO(sql << " → " << e);
    for (const char* n : needles) CHECK_THAT(e, Catch::Contains(n));
  };
  err("SELECT * FROM liq_breakdown('liq', '2024-03-02', '2024-03-01')", {"liq_breakdown", "before"});
  err("SELECT * FROM liq_breakdown('liq', 1709251200, '2024-03-02')",
      {"liq_breakdown", "looks like seconds"});
  err("SELECT * FROM liq_breakdown('nope', '2024-03-01', '2024-03-02')", {"nope"});
  err("SELECT * FROM liq_breakdown('liq', '2024-03-01')", {"missing", "to"});
  // Names the table does not hold fail naming the closest it does, in an IN list too.
  err("SELECT * FROM " + call + " WHERE coin = 'BTCC'", {"BTCC", "BTC"});
  err("SELECT * FROM " + call + " WHERE exchange IN ('okx', 'binanse')", {"binanse", "binance"});
  CHECK(f.db.Query("SELECT * FROM " + call + " WHERE coin = 'btc'") ==
        f.db.Query("SELECT * FROM " + call + " WHERE coin = 'BTC'"));
  f.db.Exec("CREATE VIRTUAL TABLE pos USING liqdb(store='" + (f.dir / "store") + "', kind='positions')");
  err("SELECT * FROM liq_breakdown('pos', '2024-03-01', '2024-03-02')", {"liquidations"});
}

}  // namespace
}  // namespace liqdb::sqltest
