// Tests for storage/codec/double_codec: bit-exact round trips of every kind
// of double (NaN payloads, -0.0, infinities, denormals, huge values), sizes
// of realistic price and size columns, and corrupt input.
#include "storage/codec/double_codec.h"

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace liqdb::storage {
namespace {

double FromBits(uint64_t b) {
  return std::bit_cast<double>(b);
}

const double kInf = std::numeric_limits<double>::infinity();
const double kQuietNan = std::numeric_limits<double>::quiet_NaN();
const double kSignalingNan = FromBits(0x7ff0000000000001);
const double kNegativeNanPayload = FromBits(0xfff8dead0000beef);
const double kDenormMin = std::numeric_limits<double>::denorm_min();

std::string Encode(const std::vector<double>& v) {
  std::string buf;
  ByteWriter w(&buf);
  EncodeDoubles(v.data(), v.size(), &w);
  return buf;
}

// Encodes, decodes, compares bit patterns; returns the encoded size.
size_t RoundTrip(const std::vector<double>& v) {
  const std::string buf = Encode(v);
  ByteReader r(buf);
  std::vector<double> out(v.size(), 42.0);
  const Status s = DecodeDoubles(&r, v.size(), out.data());
  REQUIRE(s.ok());
  CHECK(r.remaining() == 0);
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::memcmp(&out[i], &v[i], sizeof(double)) != 0) {
      FAIL_CHECK("row " << i << ": got bits " << std::hex << std::bit_cast<uint64_t>(out[i]) << " want "
                        << std::bit_cast<uint64_t>(v[i]));
      break;
    }
  }
  return buf.size();
}

uint8_t Mode(const std::vector<double>& v) {
  return static_cast<uint8_t>(Encode(v)[0]);
}

// BTC-like prices: a random walk on a 0.1 tick between 60000 and 70000.
std::vector<double> Prices(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  int64_t ticks = 650000;
  for (auto& x : v) {
    ticks += static_cast<int64_t>(rng() % 41) - 20;
    ticks = std::clamp<int64_t>(ticks, 600000, 700000);
    x = static_cast<double>(ticks) / 10.0;
  }
  return v;
}

// Sizes on a 0.001 lot grid, mostly small with a long tail.
std::vector<double> Sizes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> dist(1.0);
  std::vector<double> v(n);
  for (auto& x : v) x = static_cast<double>(1 + static_cast<int64_t>(dist(rng) * 500)) / 1000.0;
  return v;
}

void CheckCorruptInput(const std::vector<double>& v) {
  const std::string buf = Encode(v);
  std::vector<double> out(v.size());
  for (size_t len = 0; len < buf.size(); ++len) {
    ByteReader r(buf.data(), len);
    const Status s = DecodeDoubles(&r, v.size(), out.data());
    INFO("mode " << int(buf[0]) << " truncated to " << len << " of " << buf.size());
    REQUIRE(s.IsCorruption());
    CHECK(s.message().find("double codec") != std::string::npos);
  }
  std::mt19937_64 rng(777);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = buf;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
    ByteReader r(bad);
    const Status s = DecodeDoubles(&r, v.size(), out.data());
    // Flipped payload bits decode to other values (the chunk checksum's
    // job); the decoder's job is to stay in bounds and report structure.
    CHECK((s.ok() || s.IsCorruption()));
  }
}

// Lots of 0.001..1.000 with a 5000.0 block trade every 1000 rows.
std::vector<double> SizesWithBlockTrades(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = i % 1000 == 999 ? 5000.0 : static_cast<double>(1 + static_cast<int64_t>(rng() % 1000)) / 1000.0;
  }
  return v;
}

// A 0.1-tick walk of at most 20 ticks a row that jumps 30000 ticks every 1000 rows.
std::vector<double> PricesWithJumps(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> v(n);
  int64_t ticks = 600000;
  for (size_t i = 0; i < n; ++i) {
    ticks += i % 1000 == 999 ? 30000 : static_cast<int64_t>(rng() % 41) - 20;
    v[i] = static_cast<double>(ticks) / 10.0;
  }
  return v;
}

}  // namespace

TEST_CASE("Doubles round-trip special values bit-exactly", "[double_codec]") {
  CHECK(RoundTrip({}) == 1);
  RoundTrip({1.5});
  RoundTrip({-0.0});
  RoundTrip({0.0, -0.0, 0.0, -0.0});
  RoundTrip({kQuietNan, kSignalingNan, kNegativeNanPayload, -kQuietNan});
  RoundTrip({kInf, -kInf, kInf});
  RoundTrip({kDenormMin, -kDenormMin, DBL_MIN, FromBits(0x000fffffffffffff)});
  RoundTrip({DBL_MAX, -DBL_MAX, 1e300, -1e-300, 9007199254740993.0, 1e16, 123456789012345678.0});
  RoundTrip({0.1, 0.2, 0.30000000000000004, 1.0 / 3.0, M_PI});
}

TEST_CASE("Doubles keep -0.0 and NaN inside a decimal column", "[double_codec]") {
  auto v = Prices(1000, 1);
  v[0] = -0.0;
  v[10] = kNegativeNanPayload;
  v[500] = kSignalingNan;
  v[999] = kInf;
  const size_t size = RoundTrip(v);
  CHECK(size < 1000 * 3);  // still the decimal path, with four exceptions
  CHECK(Mode(v) <= 3);

  // A non-decimal outlier far outside the range is an exception that does
  // not widen the frame: the other rows still pack in a few bits.
  auto outlier = Prices(1000, 2);
  outlier[500] = 1e11 + 1.0 / 3.0;
  CHECK(RoundTrip(outlier) < 1000 * 2);
}

TEST_CASE("Doubles round-trip random bit patterns and mixtures", "[double_codec]") {
  std::mt19937_64 rng(2024);
  for (size_t n : {1, 2, 3, 7, 8, 9, 100, 1023, 1024, 1025, 5000}) {
    std::vector<double> bits(n), mixed(n), decimals(n), huge(n);
    for (size_t i = 0; i < n; ++i) {
      bits[i] = FromBits(rng());
      const uint64_t pick = rng() % 8;
      mixed[i] = pick == 0   ? FromBits(rng())
                 : pick == 1 ? -0.0
                 : pick == 2 ? kQuietNan
                             : static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) / 1000.0;
      decimals[i] = static_cast<double>(static_cast<int64_t>(rng() % 100000000000)) / 1e9;
      huge[i] = static_cast<double>(static_cast<int64_t>(rng() >> 11)) * ((rng() & 1) ? 1.0 : -1.0);
    }
    RoundTrip(bits);
    RoundTrip(mixed);
    RoundTrip(decimals);
    RoundTrip(huge);
  }
  // Products of decimals are not decimal in general: the notional column.
  const auto prices = Prices(5000, 3);
  const auto sizes = Sizes(5000, 4);
  std::vector<double> notional(5000);
  for (size_t i = 0; i < notional.size(); ++i) notional[i] = prices[i] * sizes[i];
  RoundTrip(notional);
}

TEST_CASE("Doubles take the XOR path for non-decimal columns", "[double_codec]") {
  // The encoder falls back to raw when its own output does not decode, so
  // the mode is checked too: a broken XOR stream must not hide behind raw.
  std::mt19937_64 rng(55);
  const size_t n = 3000;
  std::vector<double> smooth(n), repeats(n), thirds(n), liq(n);
  for (size_t i = 0; i < n; ++i) {
    smooth[i] = 65000.0 + std::sin(static_cast<double>(i) * 0.001) * 1000.0;
    repeats[i] = (i % 5 == 0 || i == 0) ? std::sqrt(static_cast<double>(i) + 2.0) : repeats[i - 1];
    // Few significant bits: XORs with many trailing zeros (flag 01).
    thirds[i] =
        (1.0 / 3.0) * static_cast<double>(1 + rng() % 4) * std::ldexp(1.0, static_cast<int>(rng() % 3));
    const double entry = 60000.0 + static_cast<double>(rng() % 100000) / 10.0;
    const double leverage = static_cast<double>(1 + rng() % 100);
    liq[i] = entry * (1 - 1 / leverage) / (1 - 0.005);
  }
  std::sort(liq.begin(), liq.end());
  for (const auto* v : {&smooth, &repeats, &thirds, &liq}) {
    CHECK(Mode(*v) == 4);
    CHECK(RoundTrip(*v) < n * 8);
  }
  CHECK(RoundTrip(smooth) < n * 6);
  CHECK(RoundTrip(repeats) < n * 3);

  // Hand-made XOR blocks: mode 4, stream length, first value 0.0 (64 bits),
  // then the second value's flag bits, least significant first.
  std::vector<double> out(2);
  const auto decode = [&out](const std::string& stream, size_t n) {
    std::string block = "\x04";
    block.push_back(static_cast<char>(stream.size()));
    block += stream;
    ByteReader r(block);
    return DecodeDoubles(&r, n, out.data());
  };
  const std::string zero(8, '\0');
  CHECK(decode(zero + std::string(1, '\0'), 2).ok());  // flag 00: equal to the previous
  Status s = decode(zero + "\x02", 2);                 // flag 10 before any 11
  CHECK(s.IsCorruption());
  CHECK(s.message().find("reused") != std::string::npos);
  s = decode(zero + std::string("\x01\x00", 2), 2);  // flag 01, code 0, centre 0
  CHECK(s.IsCorruption());
  CHECK(s.message().find("centre") != std::string::npos);
  s = decode(zero + std::string(1, '\0'), 1);  // a byte the single value does not use
  CHECK(s.IsCorruption());
  CHECK(s.message().find("trailing") != std::string::npos);
}

TEST_CASE("Doubles encode realistic columns compactly", "[double_codec]") {
  const size_t n = 10000;
  const size_t price_bytes = RoundTrip(Prices(n, 11));
  INFO("price bytes/value " << double(price_bytes) / n);
  CHECK(price_bytes < n * 2);  // the walk moves at most 20 ticks: 6-bit deltas

  const size_t size_bytes = RoundTrip(Sizes(n, 12));
  INFO("size bytes/value " << double(size_bytes) / n);
  CHECK(size_bytes < n * 2);

  // Random prices (no walk) near 65000 on a 0.1 tick: 17-bit frame.
  std::mt19937_64 rng(13);
  std::vector<double> scattered(n);
  for (auto& x : scattered) x = static_cast<double>(600000 + static_cast<int64_t>(rng() % 100000)) / 10.0;
  CHECK(RoundTrip(scattered) <= 20 + (n * 17 + 7) / 8);

  // Notionals (price * size) sit a few ulps from 4-decimal numbers: decimal
  // path with small exceptions, not the 8-byte-ish XOR fallback.
  const auto prices = Prices(n, 14);
  const auto sizes = Sizes(n, 15);
  std::vector<double> notional(n);
  for (size_t i = 0; i < n; ++i) notional[i] = prices[i] * sizes[i];
  const size_t notional_bytes = RoundTrip(notional);
  INFO("notional bytes/value " << double(notional_bytes) / n);
  CHECK(notional_bytes < n * 6);

  // All equal: mode + 8 bytes, whatever the value.
  CHECK(RoundTrip(std::vector<double>(n, 65000.1)) == 9);
  CHECK(RoundTrip(std::vector<double>(n, kNegativeNanPayload)) == 9);
  CHECK(RoundTrip(std::vector<double>(n, -0.0)) == 9);

  // {1.5, 2.5} at scale 1 is k = {15, 25}: mode, scale, min 15 (zigzag 30),
  // divisor 10, width 1, one packed byte, zero exceptions = 7 bytes.
  CHECK(RoundTrip({1.5, 2.5}) == 7);

  // A 0.5 tick (Deribit BTC) is k in steps of 5 at scale 1: the frame
  // divides the 5 out, so the 2000-tick range takes 11 bits, not 14.
  std::vector<double> half_tick(n);
  for (auto& x : half_tick) x = 64000.0 + static_cast<double>(rng() % 2000) * 0.5;
  CHECK(RoundTrip(half_tick) <= 20 + (n * 11 + 7) / 8);

  // Nothing decimal: never worse than raw plus the mode byte.
  std::vector<double> noise(n);
  for (auto& x : noise) x = FromBits(rng());
  CHECK(RoundTrip(noise) <= 1 + n * 8);
}

TEST_CASE("Doubles with rare outliers take a patched frame", "[double_codec]") {
  // Hand-built: 64 values 1, 2, 1, 2, ... with 1000 at row 5, scale 0. Mode
  // 6, scale 0, frame min 1 (zigzag 2), divisor 1, width 1; low bits
  // 0b10101010 in each of 8 bytes (999 is odd); one patch at gap 5 holding
  // 999 >> 1 = 499 (0xf3 0x03); no exceptions.
  std::vector<double> ones(64);
  for (size_t i = 0; i < ones.size(); ++i) ones[i] = static_cast<double>(i % 2 + 1);
  ones[5] = 1000.0;
  CHECK(Encode(ones) == std::string("\x06\x00\x02\x01\x01", 5) + std::string(8, '\xaa') +
                            std::string("\x01\x05\xf3\x03\x00", 5));
  RoundTrip(ones);

  // 10-bit lots whose block trades would widen every row to 23 bits:
  // mode, scale, frame (min, divisor, width), low bits, patch count, 10
  // patches (2-byte gap, 5e6 >> 10 in 3 bytes), exception count.
  const size_t n = 10000;
  const auto sizes = SizesWithBlockTrades(n, 21);
  CHECK(Mode(sizes) == 6);
  CHECK(RoundTrip(sizes) <= 2 + 3 + (n * 10 + 7) / 8 + 1 + 10 * 5 + 1);

  // A walk of 6-bit steps whose jumps would widen every delta to 15 bits:
  // mode, scale, first k (4 bytes), frame, low bits, patches, exceptions.
  const auto prices = PricesWithJumps(n, 22);
  CHECK(Mode(prices) == 7);
  CHECK(RoundTrip(prices) <= 2 + 4 + 4 + ((n - 1) * 6 + 7) / 8 + 1 + 10 * 5 + 1);

  // Exceptions on top of patches, and the outliers at both ends.
  auto mixed = SizesWithBlockTrades(n, 23);
  mixed[0] = 7777.0;
  mixed[n - 1] = 8888.0;
  mixed[17] = -0.0;
  mixed[4000] = kQuietNan;
  mixed[4001] = 0.1 * 3;  // 0.30000000000000004: an exception a few ulps off
  CHECK(Mode(mixed) == 6);
  RoundTrip(mixed);
  auto walk = PricesWithJumps(n, 24);
  walk[0] = 10.0;
  walk[123] = kInf;
  CHECK(Mode(walk) == 7);
  RoundTrip(walk);
}

TEST_CASE("Doubles at chosen rows are the rows DecodeDoubles gives", "[double_codec]") {
  std::mt19937_64 rng(40);
  auto nan_walk = Prices(5000, 41);
  nan_walk[0] = kQuietNan;
  nan_walk[1023] = -0.0;
  nan_walk[1024] = 0.1 * 3;
  nan_walk[4999] = kInf;
  std::vector<double> noise(3000);
  for (auto& x : noise) x = FromBits(rng());
  std::vector<double> xored(3000);
  for (size_t i = 0; i < xored.size(); ++i) xored[i] = std::sqrt(static_cast<double>(i) + 2.0);
  const std::vector<std::vector<double>> columns = {
      std::vector<double>(3000, 65000.5),  // constant
      SizesWithBlockTrades(5000, 42),      // FOR, patched
      Prices(5000, 43),                    // delta
      PricesWithJumps(5000, 44),           // delta, patched
      nan_walk,                            // delta with exceptions
      xored,                               // XOR
      noise,                               // raw
      {1.5},
  };
  for (const auto& v : columns) {
    const std::string buf = Encode(v);
    const size_t n = v.size();
    // Empty, first, last, everything, one row per block edge, random sets.
    std::vector<std::vector<uint32_t>> picks = {{}, {0}, {static_cast<uint32_t>(n - 1)}};
    std::vector<uint32_t> all(n);
    for (size_t i = 0; i < n; ++i) all[i] = static_cast<uint32_t>(i);
    picks.push_back(all);
    std::vector<uint32_t> edges;
    for (uint32_t i : {1023u, 1024u, 1025u, 2048u, 4999u}) {
      if (i < n) edges.push_back(i);
    }
    picks.push_back(edges);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<uint32_t> some;
      const uint64_t every = 1 + rng() % 2000;
      for (uint32_t i = 0; i < n; ++i) {
        if (rng() % every == 0) some.push_back(i);
      }
      picks.push_back(some);
    }
    for (const auto& rows : picks) {
      ByteReader r(buf);
      std::vector<double> got(rows.size(), 42.0);
      INFO("mode " << int(buf[0]) << ", " << rows.size() << " of " << n << " rows");
      REQUIRE(DecodeDoublesAt(&r, n, rows.data(), rows.size(), got.data()).ok());
      CHECK(r.remaining() == 0);
      for (size_t k = 0; k < rows.size(); ++k) {
        if (std::memcmp(&got[k], &v[rows[k]], sizeof(double)) != 0) {
          FAIL_CHECK("row " << rows[k] << ": got " << got[k] << " want " << v[rows[k]]);
          break;
        }
      }
    }
    // Every truncation fails, as for the whole decode.
    const std::vector<uint32_t> some =
        n > 1 ? std::vector<uint32_t>{0, static_cast<uint32_t>(n / 2)} : std::vector<uint32_t>{0};
    std::vector<double> got(2);
    for (size_t len = 0; len < buf.size(); ++len) {
      ByteReader r(buf.data(), len);
      INFO("mode " << int(buf[0]) << " truncated to " << len);
      CHECK(DecodeDoublesAt(&r, n, some.data(), some.size(), got.data()).IsCorruption());
    }
    // Rows out of order or past the end are the caller's mistake.
    const std::vector<uint32_t> descending = {1, 0}, past = {static_cast<uint32_t>(n)};
    ByteReader r1(buf), r2(buf);
    if (n > 1) CHECK(DecodeDoublesAt(&r1, n, descending.data(), 2, got.data()).IsInvalidArgument());
    CHECK(DecodeDoublesAt(&r2, n, past.data(), 1, got.data()).IsInvalidArgument());
  }
  CHECK(Mode(columns[3]) == 7);
  CHECK(Mode(columns[4]) == 3);
}

TEST_CASE("Doubles above a bound are the rows DecodeDoubles gives above it", "[double_codec]") {
  // Heavy-tailed lots: most rows on a 0.001 lot below 1.0, one in 200 a
  // whale lot of 5 to 500, and exceptions (NaN, -0.0, a value a few ulps off
  // a decimal, a huge one) among them.
  std::mt19937_64 rng(50);
  const size_t n = 20000;
  std::vector<double> lots(n);
  for (size_t i = 0; i < n; ++i) {
    lots[i] = rng() % 200 == 0 ? static_cast<double>(5000 + rng() % 495000) / 1000.0
                               : static_cast<double>(1 + rng() % 999) / 1000.0;
  }
  auto with_exceptions = lots;
  with_exceptions[3] = kQuietNan;
  with_exceptions[1024] = -0.0;
  with_exceptions[7000] = 0.1 * 3;
  with_exceptions[7001] = 3.3 * 7;  // 23.099999999999998
  with_exceptions[n - 1] = 1e300;
  for (const auto* v : {&lots, &with_exceptions}) {
    const std::string buf = Encode(*v);
    REQUIRE(Mode(*v) == 6);
    // Unpatched rows reach 0.001 + 1023 × 0.001 (10 bits): every bound from there.
    for (double t : {1.024, 1.5, 4.9995, 5.0, 23.0, 23.099999999999998, 100.0, 499.999, 1e9}) {
      ByteReader r(buf);
      std::vector<uint32_t> rows = {99};
      std::vector<double> values = {99.0};
      bool found = false;
      INFO("t " << t);
      REQUIRE(DecodeDoublesAbove(&r, n, t, &rows, &values, &found).ok());
      REQUIRE(found);
      std::vector<uint32_t> want_rows;
      for (size_t i = 0; i < n; ++i) {
        if ((*v)[i] > t) want_rows.push_back(static_cast<uint32_t>(i));
      }
      CHECK(rows == want_rows);
      REQUIRE(values.size() == rows.size());
      for (size_t k = 0; k < rows.size(); ++k) {
        CHECK(std::memcmp(&values[k], &(*v)[rows[k]], sizeof(double)) == 0);
      }
    }
  }
  // A bound below the unpatched rows' top, or a block not decimal FOR on a
  // patched frame: not found, nothing touched.
  std::vector<std::vector<double>> others = {lots, Prices(5000, 51), SizesWithBlockTrades(5000, 52)};
  others[2].assign(5000, 0.5);  // constant
  for (size_t which = 0; which < others.size(); ++which) {
    const std::string buf = Encode(others[which]);
    ByteReader r(buf);
    std::vector<uint32_t> rows = {7};
    std::vector<double> values = {7.0};
    bool found = true;
    REQUIRE(
        DecodeDoublesAbove(&r, others[which].size(), which == 0 ? 0.5 : 1e9, &rows, &values, &found).ok());
    CHECK_FALSE(found);
    CHECK(rows == std::vector<uint32_t>{7});
    CHECK(r.remaining() == buf.size());
  }
  // Truncated blocks fail as the whole decode does, or say not found; never
  // a wrong answer.
  const std::string buf = Encode(lots);
  for (size_t len = 0; len < buf.size(); ++len) {
    ByteReader r(buf.data(), len);
    std::vector<uint32_t> rows;
    std::vector<double> values;
    bool found = false;
    CHECK(DecodeDoublesAbove(&r, n, 100.0, &rows, &values, &found).IsCorruption());
  }
}

TEST_CASE("Double decoder rejects corrupt input", "[double_codec][corrupt]") {
  CheckCorruptInput({});
  CheckCorruptInput({65000.1});
  CheckCorruptInput(std::vector<double>(50, kQuietNan));  // constant
  CheckCorruptInput(Prices(300, 5));                      // decimal
  auto with_exceptions = Prices(300, 6);
  with_exceptions[7] = -0.0;
  with_exceptions[299] = kQuietNan;
  CheckCorruptInput(with_exceptions);
  auto patched_for = SizesWithBlockTrades(1200, 25);
  patched_for[3] = kQuietNan;
  CHECK(Mode(patched_for) == 6);
  CheckCorruptInput(patched_for);
  const auto patched_delta = PricesWithJumps(2100, 26);
  CHECK(Mode(patched_delta) == 7);
  CheckCorruptInput(patched_delta);
  std::vector<double> xored(300);  // XOR fallback
  for (size_t i = 0; i < xored.size(); ++i) xored[i] = std::sqrt(static_cast<double>(i) + 2.0);
  CHECK(Mode(xored) == 4);
  CheckCorruptInput(xored);
  std::mt19937_64 rng(8);
  std::vector<double> raw(300);
  for (auto& x : raw) x = FromBits(rng());
  CHECK(Mode(raw) == 5);
  CheckCorruptInput(raw);

  // Random garbage after a mode byte (each valid one, and 0), many row counts.
  {
    std::mt19937_64 rng(2718);
    std::string junk;
    for (int trial = 0; trial < 20000; ++trial) {
      junk.resize(rng() % 64);
      for (auto& c : junk) c = static_cast<char>(rng());
      if (!junk.empty()) junk[0] = static_cast<char>(rng() % 8);
      const size_t n = rng() % 3000;
      ByteReader r(junk);
      std::vector<double> got(n);
      const Status s = DecodeDoubles(&r, n, got.data());
      CHECK((s.ok() || s.IsCorruption()));
    }
  }
  std::vector<double> out(10);
  const auto decode = [&out](const std::string& bad, size_t n) {
    ByteReader r(bad);
    return DecodeDoubles(&r, n, out.data());
  };
  CHECK(decode(std::string("\x09", 1), 10).IsCorruption());  // mode
  // Decimal FOR blocks: mode 2, scale, frame (min, divisor, width), exceptions.
  CHECK(decode(std::string("\x02\x0a\x00\x01\x00\x00", 6), 10).IsCorruption());  // scale 10
  CHECK(decode(std::string("\x02\x01\x00\x01\x41\x00", 6), 10).IsCorruption());  // width 65
  CHECK(decode(std::string("\x02\x01\x00\x00\x00\x00", 6), 10).IsCorruption());  // divisor 0
  CHECK(decode(std::string("\x02\x01\x00\x01\x00\x00", 6), 10).ok());
  // One exception at position 10 of 10 rows.
  CHECK(decode(std::string("\x02\x01\x00\x01\x00\x01\x0a\0\0\0\0\0\0\0\0", 15), 10).IsCorruption());
  // Exception count larger than the rows.
  CHECK(decode(std::string("\x02\x01\x00\x01\x00\x0b", 6), 10).IsCorruption());
  CHECK(decode(Encode({1.0, 2.0}), size_t{1} << 40).IsCorruption());
}

}  // namespace liqdb::storage
