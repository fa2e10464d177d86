// Scalar functions:
//
//   liq_price(entry_price, leverage, side [, mmr [, contract]])
//     The liquidation price of an isolated-margin position (liqdb/liq_price.h):
//     mmr defaults to 0.005, contract to 'linear' ('inverse' for coin-margined).
//     A NULL entry_price, leverage or side gives NULL (a position without a
//     known leverage has no computable price); invalid values are errors.
//       SELECT liq_price(100, 10, 'long');               -- 90.452261306532662
//       SELECT liq_price(60000, 25, 'short', 0.004, 'inverse');
//
//   liq_time(time [, unit])
//     A time argument as integer µs since the epoch: ISO-8601 text or an
//     integer µs (from 10^14 on: smaller integers are seconds or ms by
//     mistake and fail saying so, sql_args.h). With a unit 's', 'ms' or 'us'
//     a number is converted explicitly. For ts comparisons SQLite evaluates
//     itself (inside OR, say), where ts >= '2024-03-01' would compare an
//     integer with text:
//       SELECT * FROM liq WHERE ts >= liq_time('2024-03-01') OR side = 'short';
//       SELECT liq_time(1709251200, 's');      -- 1709251200000000
//
//   liq_iso(ts)
//     ISO-8601 UTC text of a µs timestamp (FormatTime: '2024-03-01T12:00:00Z',
//     '.250' for whole milliseconds, else 6 fractional digits):
//       SELECT liq_iso(ts), price FROM liq LIMIT 5;
//
//   liqdb_version()  the version string, e.g. '0.1.0'.
#include <string>

#include "extension/ext_util.h"
#include "extension/modules.h"
#include "extension/sql_args.h"

#include "liqdb/liq_price.h"
#include "liqdb/timeparse.h"
#include "liqdb/version.h"

namespace liqdb::ext {

namespace {

void LiqPriceFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  GuardFunction(ctx, [&] {
    auto fail = [&](const Status& s) {
      sqlite3_result_error(ctx, ("liq_price: " + s.message()).c_str(), -1);
    };
    for (int i = 0; i < 3; ++i) {
      if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
      }
    }
    auto entry = ReadNumber(argv[0], "entry_price", false);
    if (!entry.ok()) return fail(entry.status());
    auto leverage = ReadNumber(argv[1], "leverage", false);
    if (!leverage.ok()) return fail(leverage.status());
    auto side_text = ReadText(argv[2], "side", false);
    if (!side_text.ok()) return fail(side_text.status());
    const std::string side_word = NormalizeKeyword(**side_text);
    auto side = ParseSide(side_word);
    if (!side) {
      std::string why = "side must be 'long' or 'short', got " + DescribeValue(argv[2]);
      if (side_word == "buy" || side_word == "sell") {
        why += " (the side of the position: a forced " + side_word + " closes a " +
               (side_word == "buy" ? "short" : "long") + ")";
      }
      return fail(Status::InvalidArgument(why));
    }
    double mmr = kDefaultMmr;
    if (argc > 3) {
      auto m = ReadNumber(argv[3], "mmr", true);
      if (!m.ok()) return fail(m.status());
      if (m->has_value()) mmr = **m;
    }
    Contract contract = Contract::kLinear;
    if (argc > 4 && sqlite3_value_type(argv[4]) != SQLITE_NULL) {
      auto text = ReadText(argv[4], "contract", false);
      if (!text.ok()) return fail(text.status());
      auto c = ParseContract(NormalizeKeyword(**text));
      if (!c.ok()) return fail(c.status());
      contract = *c;
    }
    auto price = LiqPrice(**entry, **leverage, *side, mmr, contract);
    if (!price.ok()) return fail(price.status());
    sqlite3_result_double(ctx, *price);
  });
}

void TimeFunction(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  GuardFunction(ctx, [&] {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
      sqlite3_result_null(ctx);
      return;
    }
    auto fail = [&](const Status& s) { sqlite3_result_error(ctx, ("liq_time: " + s.message()).c_str(), -1); };
    if (argc == 2) {
      auto unit = ReadText(argv[1], "unit", false);
      if (!unit.ok()) return fail(unit.status());
      auto t = ScaleTime(argv[0], **unit);
      if (!t.ok()) return fail(t.status());
      sqlite3_result_int64(ctx, *t);
      return;
    }
    auto t = ReadTimeArgument(argv[0], "time");
    if (!t.ok()) return fail(t.status());
    sqlite3_result_int64(ctx, *t);
  });
}

void IsoFunction(sqlite3_context* ctx, int, sqlite3_value** argv) {
  GuardFunction(ctx, [&] {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
      sqlite3_result_null(ctx);
      return;
    }
    // Any integer is µs here: liq_iso formats stored timestamps, it does not read arguments.
    auto t = ReadTime(argv[0], "ts");
    if (!t.ok()) {
      sqlite3_result_error(ctx, ("liq_iso: " + t.status().message()).c_str(), -1);
      return;
    }
    const std::string iso = FormatTime(*t);
    sqlite3_result_text(ctx, iso.c_str(), static_cast<int>(iso.size()), SQLITE_TRANSIENT);
  });
}

void VersionFunction(sqlite3_context* ctx, int, sqlite3_value**) {
  sqlite3_result_text(ctx, kVersion, -1, SQLITE_STATIC);
}

}  // namespace

int RegisterScalars(sqlite3* db) {
  constexpr int kFlags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  for (int n = 3; n <= 5; ++n) {
    const int rc = sqlite3_create_function_v2(db, "liq_price", n, kFlags, nullptr, LiqPriceFunction, nullptr,
                                              nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  for (int n = 1; n <= 2; ++n) {
    const int rc = sqlite3_create_function_v2(db, "liq_time", n, kFlags, nullptr, TimeFunction, nullptr,
                                              nullptr, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  const int rc =
      sqlite3_create_function_v2(db, "liq_iso", 1, kFlags, nullptr, IsoFunction, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function_v2(db, "liqdb_version", 0, kFlags, nullptr, VersionFunction, nullptr,
                                    nullptr, nullptr);
}

}  // namespace liqdb::ext
