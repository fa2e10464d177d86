// Number, time and CSV field parsing for the adapters (see parse_util.h).
#include "ingest/parse_util.h"

#include <fast_float/fast_float.h>

#include <bit>
#include <cmath>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace liqdb::ingest {

namespace {

constexpr uint64_t kOnes = 0x0101010101010101ull;

// Whether the 8 bytes of `chunk` are all ASCII digits: each byte has high
// nibble 3, and adding 6 keeps it there (so the low nibble is 0..9; no byte
// carries into the next once the first test passed).
inline bool EightDigits(uint64_t chunk) {
  return (chunk & (0xF0 * kOnes)) == 0x30 * kOnes &&
         ((chunk + 0x06 * kOnes) & (0xF0 * kOnes)) == 0x30 * kOnes;
}

// The value of 8 ASCII digits read little-endian (the first digit in the low
// byte): pairs, then quads, then the eight, by multiply and shift.
inline uint64_t EightDigitsValue(uint64_t chunk) {
  chunk -= 0x30 * kOnes;
  chunk = (chunk * 10 + (chunk >> 8)) & 0x00FF00FF00FF00FFull;
  chunk = (chunk * 100 + (chunk >> 16)) & 0x0000FFFF0000FFFFull;
  return (chunk * 10000 + (chunk >> 32)) & 0xFFFFFFFFull;
}

inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Accumulates the digits of [*p, e) into *w, 8 at a time where it can;
// stops at the first non-digit. Returns the number of digits read. The
// caller bounds the count, so *w may wrap only when it is discarded.
inline size_t ReadDigits(const char** p, const char* e, uint64_t* w) {
  const char* q = *p;
  uint64_t v = *w;
  while (e - q >= 8) {
    const uint64_t chunk = Load8(q);
    if (!EightDigits(chunk)) break;
    v = v * 100000000 + EightDigitsValue(chunk);
    q += 8;
  }
  while (q != e && static_cast<unsigned char>(*q - '0') <= 9) {
    v = v * 10 + static_cast<unsigned char>(*q - '0');
    ++q;
  }
  const size_t n = static_cast<size_t>(q - *p);
  *p = q;
  *w = v;
  return n;
}

constexpr double kExactPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

// The common case, "123" or "-123.45" with at most 15 digits in all, without
// fast_float's generality: the digits w < 10^15 < 2^53 and 10^f (f <= 15)
// are exact doubles, so w / 10^f is one correctly rounded IEEE division, the
// same double fast_float (correctly rounded too) gives. False for anything
// else (exponents, '.5', '5.', inf/nan text, long mantissas): those take
// the general path, so the accepted set and its values do not change.
inline bool ParseShortDecimal(const char* b, const char* e, double* out) {
  const bool neg = b != e && *b == '-';
  const char* p = b + (neg ? 1 : 0);
  uint64_t w = 0;
  const size_t int_digits = ReadDigits(&p, e, &w);
  if (int_digits == 0 || int_digits > 15) return false;
  size_t frac_digits = 0;
  if (p != e) {
    if (*p != '.') return false;
    ++p;
    frac_digits = ReadDigits(&p, e, &w);
    if (frac_digits == 0 || p != e || int_digits + frac_digits > 15) return false;
  }
  const double v = static_cast<double>(w) / kExactPow10[frac_digits];
  *out = neg ? -v : v;
  return true;
}

}  // namespace

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  if (*b == '+') ++b;  // fast_float rejects a leading '+'
  if (ParseShortDecimal(b, e, out)) return true;
  auto r = fast_float::from_chars(b, e, *out);
  return r.ec == std::errc() && r.ptr == e && std::isfinite(*out);
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* p = s.data();
  const char* const e = p + s.size();
  bool neg = false;
  if (*p == '-' || *p == '+') {
    neg = *p == '-';
    ++p;
    if (p == e) return false;
  }
  uint64_t v = 0;
  // Up to 19 digits cannot overflow uint64 (10^19 < 2^64); more take the
  // checked loop after them.
  const char* const fast_end = e - p > 19 ? p + 19 : e;
  ReadDigits(&p, fast_end, &v);
  if (p != fast_end) return false;  // a non-digit
  for (; p != e; ++p) {
    const unsigned d = static_cast<unsigned char>(*p) - '0';
    if (d > 9) return false;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool LeapYear(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

}  // namespace

bool ParseIsoTime(std::string_view s, Timestamp* out) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d)) {
    return false;
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && LeapYear(y) ? 1 : 0)) {
    return false;
  }
  size_t i = 10;
  int64_t frac_us = 0;
  int64_t offset_s = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != ' ' && s[i] != 't') return false;
    if (!Digits(s, i + 1, 2, &h) || i + 3 >= s.size() || s[i + 3] != ':' || !Digits(s, i + 4, 2, &mi)) {
      return false;
    }
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!Digits(s, i + 1, 2, &sec)) return false;
      i += 3;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        ++i;
        int n = 0;
        int64_t scale = 100000;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
          if (n < 6) frac_us += (s[i] - '0') * scale;
          scale /= 10;
          ++n;
          ++i;
        }
        if (n == 0) return false;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return false;
    if (i < s.size()) {
      if (s[i] == 'Z' || s[i] == 'z') {
        ++i;
      } else if (s[i] == '+' || s[i] == '-') {
        int oh, om;
        if (!Digits(s, i + 1, 2, &oh)) return false;
        size_t j = i + 3;
        if (j < s.size() && s[j] == ':') ++j;
        if (!Digits(s, j, 2, &om) || oh > 23 || om > 59) return false;
        offset_s = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i = j + 2;
      } else {
        return false;
      }
    }
    if (i != s.size()) return false;
  }
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 +
                 mi * 60 + sec - offset_s;
  *out = secs * kMicrosPerSecond + frac_us;
  return true;
}

bool ParseTimeField(std::string_view s, Timestamp* out) {
  if (ParseInt64(s, out)) return true;
  return ParseIsoTime(s, out);
}

bool MillisToMicros(int64_t ms, Timestamp* out) {
  if (ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000) return false;
  *out = ms * 1000;
  return true;
}

namespace {

// Cuts [start, end) into fields[*n] (surrounding quotes stripped); false
// when that would be field max + 1.
inline bool EmitField(const char* start, const char* end, std::string_view* fields, size_t max, size_t* n) {
  if (*n == max) return false;
  std::string_view f(start, static_cast<size_t>(end - start));
  if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
  fields[(*n)++] = f;
  return true;
}

}  // namespace

size_t SplitCsv(std::string_view line, std::string_view* fields, size_t max) {
  // This is the hot loop of CSV ingest. Commas are found 16 bytes at a time
  // (SSE2, part of x86-64) while 16 bytes of the line remain, so nothing is
  // read past its end; the rest byte by byte.
  size_t n = 0;
  const char* p = line.data();
  const char* const end = p + line.size();
  const char* start = p;
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  for (; end - p >= 16; p += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, comma)));
    while (mask != 0) {
      const char* c = p + std::countr_zero(mask);
      if (!EmitField(start, c, fields, max, &n)) return max + 1;
      start = c + 1;
      mask &= mask - 1;
    }
  }
#endif
  for (; p != end; ++p) {
    if (*p != ',') continue;
    if (!EmitField(start, p, fields, max, &n)) return max + 1;
    start = p + 1;
  }
  if (!EmitField(start, end, fields, max, &n)) return max + 1;
  return n;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace liqdb::ingest
