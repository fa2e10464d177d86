// The hot-path parsers of ingest/parse_util: ParseDouble's short-decimal
// fast path and its fallback, ParseInt64's 8-digit steps, SplitCsv's SSE2
// comma search, each against values known independently (the compiler's own
// reading of a literal, glibc's strtod, a plain reference split), and the
// liqdb CSV adapter end to end on the edge cases they must not change.
#include "ingest/parse_util.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/ingest/ingest_test_util.h"

using namespace liqdb;
using namespace liqdb::ingest;
using namespace liqdb::testing;

namespace {

bool SameBits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

double Num(const std::string& s) {
  double d = 12345;  // a value no case expects
  INFO("'" << s << "'");
  REQUIRE(ParseDouble(s, &d));
  return d;
}

bool Rejected(const std::string& s) {
  double d = 0;
  return !ParseDouble(s, &d);
}

// The fields of `line` split on every comma, quotes stripped as SplitCsv
// documents it: a reference written the plain way.
std::vector<std::string> ReferenceSplit(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    std::string f = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
    out.push_back(f);
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

}  // namespace

TEST_CASE("ParseDouble: short decimals, signs, leading '+' and zeros", "[parse]") {
  CHECK(SameBits(Num("61989.8"), 61989.8));
  CHECK(SameBits(Num("0.028"), 0.028));
  CHECK(SameBits(Num("1735.7144"), 1735.7144));
  CHECK(SameBits(Num("0.1"), 0.1));
  CHECK(SameBits(Num("7"), 7.0));
  CHECK(SameBits(Num("-3549.90"), -3549.90));
  CHECK(SameBits(Num("+158.605"), 158.605));
  CHECK(SameBits(Num("0000.0142880"), 0.0142880));
  CHECK(SameBits(Num("123456789012.345"), 123456789012.345));  // 15 digits: the fast path's limit
  CHECK(SameBits(Num("999999999999999"), 999999999999999.0));
  CHECK(SameBits(Num("0.000000000000001"), 0.000000000000001));
  // Zero keeps its sign, as fast_float and strtod give it.
  CHECK(SameBits(Num("0"), 0.0));
  CHECK(SameBits(Num("-0"), -0.0));
  CHECK(SameBits(Num("-0.000"), -0.0));
}

TEST_CASE("ParseDouble: many digits, exponents and odd forms take the general path", "[parse]") {
  CHECK(SameBits(Num("1234567890123456"), 1234567890123456.0));  // 16 digits
  CHECK(SameBits(Num("9007199254740993"), 9007199254740992.0));  // 2^53 + 1 rounds to even
  CHECK(SameBits(Num("123456789012345678901234567890"), 123456789012345678901234567890.0));
  CHECK(SameBits(Num("0.12345678901234567890123"), 0.12345678901234567890123));
  CHECK(SameBits(Num("1e3"), 1000.0));
  CHECK(SameBits(Num("1.5E-3"), 0.0015));
  CHECK(SameBits(Num("-2.5e+10"), -2.5e10));
  CHECK(SameBits(Num("+6.02e23"), 6.02e23));
  CHECK(SameBits(Num(".5"), 0.5));
  CHECK(SameBits(Num("5."), 5.0));
  CHECK(SameBits(Num("-.25"), -0.25));
  CHECK(SameBits(Num("1e-400"), 0.0));  // underflows to zero: finite
}

TEST_CASE("ParseDouble: rejects empty, NaN and infinity text, overflow and trailing bytes", "[parse]") {
  for (const char* s : {"",     "+",        "-",     ".",      "nan", "NaN",   "-nan",    "inf", "-inf",
                        "+inf", "Infinity", "1e400", "-1e400", "1e",  "1e+",   "12a",     "1,5", " 1",
                        "1 ",   "1.2.3",    "0x10",  "1_000",  "--1", "1.5\r", "\"1.5\"", "１"}) {
    INFO("'" << s << "'");
    CHECK(Rejected(s));
  }
  // A field that is a prefix of a longer buffer: only the view counts.
  const std::string buf = "12.5,7";
  double d = 0;
  REQUIRE(ParseDouble(std::string_view(buf).substr(0, 4), &d));
  CHECK(d == 12.5);
}

TEST_CASE("ParseDouble: random decimals agree bit for bit with strtod", "[parse]") {
  std::mt19937_64 rng(7);
  char text[64];
  for (int i = 0; i < 200000; ++i) {
    const int digits = 1 + static_cast<int>(rng() % 18);
    const int frac = static_cast<int>(rng() % (digits + 1));
    uint64_t w = rng() % 1000000000000000000ull;
    std::string m = std::to_string(w);
    if (m.size() > static_cast<size_t>(digits)) m = m.substr(0, digits);
    if (frac > 0 && static_cast<size_t>(frac) < m.size()) m.insert(m.size() - frac, ".");
    const char* sign = rng() % 4 == 0 ? "-" : (rng() % 8 == 0 ? "+" : "");
    std::snprintf(text, sizeof text, "%s%s", sign, m.c_str());
    double got = 0;
    INFO(text);
    REQUIRE(ParseDouble(text, &got));
    REQUIRE(SameBits(got, std::strtod(text, nullptr)));
  }
}

TEST_CASE("ParseInt64: the full int64 range, 8-digit steps, and every rejection", "[parse]") {
  int64_t v = 0;
  REQUIRE(ParseInt64("1709251242530000", &v));
  CHECK(v == 1709251242530000);
  REQUIRE(ParseInt64("12345678", &v));
  CHECK(v == 12345678);
  REQUIRE(ParseInt64("123456789", &v));
  CHECK(v == 123456789);
  REQUIRE(ParseInt64("-5", &v));
  CHECK(v == -5);
  REQUIRE(ParseInt64("+7", &v));
  CHECK(v == 7);
  REQUIRE(ParseInt64("0", &v));
  CHECK(v == 0);
  REQUIRE(ParseInt64("9223372036854775807", &v));
  CHECK(v == INT64_MAX);
  REQUIRE(ParseInt64("-9223372036854775808", &v));
  CHECK(v == INT64_MIN);
  REQUIRE(ParseInt64("0000000000000000000000000123", &v));  // 28 digits, leading zeros
  CHECK(v == 123);
  for (const char* s : {"", "-", "+", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
                        "99999999999999999999", "1.0", "1e3", "12a4", "1234567a", "12345678a", " 1", "1 ",
                        "--1", "0x1f", "1709251242530000\r"}) {
    INFO("'" << s << "'");
    CHECK_FALSE(ParseInt64(s, &v));
  }
}

TEST_CASE("SplitCsv: commas on both sides of 16-byte steps, empty and quoted fields, the field cap",
          "[parse]") {
  std::string_view f[12];
  REQUIRE(SplitCsv("", f, 11) == 1);
  CHECK(f[0].empty());
  REQUIRE(SplitCsv(",,", f, 11) == 3);
  CHECK((f[0].empty() && f[1].empty() && f[2].empty()));
  const std::string line = "1709251242530000,binance,BTCUSDT,\"short\",61989.8,0.028,";
  REQUIRE(SplitCsv(line, f, 11) == 7);
  CHECK(f[0] == "1709251242530000");
  CHECK(f[3] == "short");
  CHECK(f[5] == "0.028");
  CHECK(f[6].empty());
  CHECK(SplitCsv("a,b,c,d,e,f,g,h,i,j,k,l", f, 11) == 12);  // one over: max + 1
  CHECK(SplitCsv("a,b,c,d,e,f,g,h,i,j,k", f, 11) == 11);

  // Random lines against the reference, lengths across several 16-byte steps.
  std::mt19937 rng(11);
  const char alphabet[] = "ab,\",1 ";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 70, 'x');
    for (char& c : s) c = alphabet[rng() % (sizeof alphabet - 1)];
    const std::vector<std::string> want = ReferenceSplit(s);
    std::string_view got[12];
    const size_t n = SplitCsv(s, got, 11);
    INFO("'" << s << "'");
    if (want.size() > 11) {
      CHECK(n == 12);
      continue;
    }
    REQUIRE(n == want.size());
    for (size_t k = 0; k < n; ++k) CHECK(got[k] == want[k]);
  }
}

TEST_CASE("liqdb CSV: CRLF, quotes, spaces, exponents, '+', empty notional; bad numbers named",
          "[parse][csv]") {
  const std::string text =
      "ts,exchange,symbol,side,price,qty,notional\r\n"
      "1709251242530000,binance,BTCUSDT,short,61989.8,0.028,1735.7144\r\n"
      "1709251243005000,\"binance\",\"BTCUSDT\",\"long\",\"6.19930e4\",+0.112,\r\n"
      "1709251244000000, binance , BTCUSDT ,long, 61993.0 ,1.5E-1,1.23456789012345678e4\n"
      "1709251245000000,binance,BTCUSDT,long,nan,1,1\n"
      "1709251246000000,binance,BTCUSDT,long,inf,1,1\n"
      "1709251247000000,binance,BTCUSDT,long,61993.0,,1\n"
      "1709251248000000,binance,BTCUSDT,long,-61993.0,1,1\n"
      "1709251249000000,binance,BTCUSDT,long,6199x,1,1\n";
  Parsed p = ParseWith(Format::kCsv, text);
  REQUIRE(p.rows.size() == 3);
  CHECK(p.rows[0].ts == 1709251242530000);
  CHECK(p.rows[0].side == 1);
  CHECK(SameBits(p.rows[0].values[liq_col::kPrice], 61989.8));
  CHECK(SameBits(p.rows[0].values[liq_col::kQty], 0.028));
  CHECK(SameBits(p.rows[0].values[liq_col::kNotional], 1735.7144));
  CHECK(p.rows[1].side == 0);
  CHECK(SameBits(p.rows[1].values[liq_col::kPrice], 61993.0));
  CHECK(SameBits(p.rows[1].values[liq_col::kQty], 0.112));
  CHECK(SameBits(p.rows[1].values[liq_col::kNotional], 61993.0 * 0.112));  // empty: price x qty
  CHECK(SameBits(p.rows[2].values[liq_col::kQty], 0.15));
  CHECK(SameBits(p.rows[2].values[liq_col::kNotional], 12345.6789012345678));
  REQUIRE(p.errors.size() == 5);
  CHECK(p.errors[0] == "5: bad price 'nan'");
  CHECK(p.errors[1] == "6: bad price 'inf'");
  CHECK(p.errors[2] == "7: bad qty ''");
  CHECK(p.errors[3].rfind("8: price must be > 0", 0) == 0);
  CHECK(p.errors[4] == "9: bad price '6199x'");
}
