// Time and interval parsing for SQL arguments and CLI options.
//
// Times are integer µs or ISO-8601 text; dates map to µs through Howard
// Hinnant's days-from-civil arithmetic (proleptic Gregorian calendar), so the
// result never depends on the process's locale or time zone. Every error
// names the text that failed and says what was expected.
#include "liqdb/timeparse.h"

#include <charconv>
#include <cstdio>
#include <limits>

namespace liqdb {

namespace {

constexpr int64_t kMicrosPerMillisecond = 1'000;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;
constexpr int64_t kMicrosPerWeek = 7 * kMicrosPerDay;

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The inverse of DaysFromCivil.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `n` digits at s[*pos] into *out.
bool ReadDigits(std::string_view s, size_t* pos, int n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

// A whole-text signed decimal integer, or nullopt.
std::optional<int64_t> ParseInteger(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool LooksLikeInteger(std::string_view s) {
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

Status TimeError(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("invalid time '" + std::string(text) + "': " + why +
                                 " (expected integer microseconds since the epoch or ISO-8601 "
                                 "such as '2024-03-01', '2024-03-01T12:00:00Z', "
                                 "'2024-03-01 12:00:00.250')");
}

Result<Timestamp> ParseIso(std::string_view original, std::string_view s) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(s, &pos, 4, &year) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &month) || pos >= s.size() || s[pos++] != '-' ||
      !ReadDigits(s, &pos, 2, &day)) {
    return TimeError(original, "not a date of the form YYYY-MM-DD");
  }
  if (month < 1 || month > 12)
    return TimeError(original, "month " + std::to_string(month) + " out of range 1-12");
  if (day < 1 || static_cast<unsigned>(day) > DaysInMonth(year, month)) {
    return TimeError(original, "day " + std::to_string(day) + " does not exist in " + std::to_string(year) +
                                   "-" + (month < 10 ? "0" : "") + std::to_string(month));
  }
  int hour = 0, minute = 0, second = 0;
  int64_t micros = 0;
  int64_t offset_us = 0;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!ReadDigits(s, &pos, 2, &hour) || pos >= s.size() || s[pos++] != ':' ||
        !ReadDigits(s, &pos, 2, &minute)) {
      return TimeError(original, "time of day must be HH:MM[:SS[.ffffff]]");
    }
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!ReadDigits(s, &pos, 2, &second)) return TimeError(original, "seconds must be two digits");
      if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        int digits = 0;
        while (pos < s.size() && IsDigit(s[pos])) {
          if (digits == 6)
            return TimeError(original, "more than 6 fractional digits (microseconds are the resolution)");
          micros = micros * 10 + (s[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0) return TimeError(original, "no digits after the decimal point");
        for (int i = digits; i < 6; ++i) micros *= 10;
      }
    }
    if (hour > 23) return TimeError(original, "hour " + std::to_string(hour) + " out of range 0-23");
    if (minute > 59) return TimeError(original, "minute " + std::to_string(minute) + " out of range 0-59");
    if (second > 59) return TimeError(original, "second " + std::to_string(second) + " out of range 0-59");
    // Optional zone: 'Z' or ±HH:MM / ±HHMM / ±HH.
    if (pos < s.size()) {
      const char c = s[pos];
      if (c == 'Z' || c == 'z') {
        ++pos;
      } else if (c == '+' || c == '-') {
        ++pos;
        int oh = 0, om = 0;
        if (!ReadDigits(s, &pos, 2, &oh)) return TimeError(original, "offset must be ±HH:MM");
        if (pos < s.size() && s[pos] == ':') ++pos;
        if (pos < s.size() && !ReadDigits(s, &pos, 2, &om))
          return TimeError(original, "offset must be ±HH:MM");
        if (oh > 23 || om > 59) return TimeError(original, "offset out of range");
        offset_us = (oh * kMicrosPerHour + om * kMicrosPerMinute) * (c == '-' ? -1 : 1);
      }
    }
  }
  if (pos != s.size()) return TimeError(original, "unexpected '" + std::string(s.substr(pos)) + "'");
  const int64_t days = DaysFromCivil(year, month, day);
  // Local time minus its offset = UTC. Years 0000-9999 cannot overflow int64 µs.
  return days * kMicrosPerDay + hour * kMicrosPerHour + minute * kMicrosPerMinute +
         second * kMicrosPerSecond + micros - offset_us;
}

struct Unit {
  std::string_view name;
  int64_t micros;
};
constexpr Unit kUnits[] = {{"us", 1},
                           {"\xC2\xB5s", 1},  // µs
                           {"ms", kMicrosPerMillisecond},
                           {"s", kMicrosPerSecond},
                           {"m", kMicrosPerMinute},
                           {"min", kMicrosPerMinute},
                           {"h", kMicrosPerHour},
                           {"d", kMicrosPerDay},
                           {"w", kMicrosPerWeek}};

Status IntervalError(std::string_view text, const std::string& why) {
  return Status::InvalidArgument("invalid interval '" + std::string(text) + "': " + why +
                                 " (expected integer microseconds or a number with a unit "
                                 "us, ms, s, m, h, d, w such as '500ms', '5m', '1h', '1d')");
}

// Parses an interval or duration of any sign; callers check the range.
Result<int64_t> ParseSpan(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return IntervalError(text, "empty");
  if (LooksLikeInteger(s)) {
    auto v = ParseInteger(s);
    if (!v) return IntervalError(text, "out of range");
    return *v;
  }
  // number part: [-+]digits[.digits]
  size_t pos = 0;
  bool negative = false;
  if (s[pos] == '-' || s[pos] == '+') negative = s[pos++] == '-';
  const size_t int_begin = pos;
  while (pos < s.size() && IsDigit(s[pos])) ++pos;
  const std::string_view int_part = s.substr(int_begin, pos - int_begin);
  std::string_view frac_part;
  if (pos < s.size() && s[pos] == '.') {
    const size_t frac_begin = ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    frac_part = s.substr(frac_begin, pos - frac_begin);
  }
  if (int_part.empty() && frac_part.empty()) return IntervalError(text, "no number");
  const std::string_view unit_text = Trim(s.substr(pos));
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == unit_text) unit = &u;
  }
  if (unit == nullptr) return IntervalError(text, "unknown unit '" + std::string(unit_text) + "'");
  // value = int_part * unit + frac_part * unit / 10^k, exactly, in µs.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t whole = 0;
  for (char c : int_part) {
    if (whole > (kMax - 9) / 10) return IntervalError(text, "out of range");
    whole = whole * 10 + (c - '0');
  }
  if (whole > kMax / unit->micros) return IntervalError(text, "out of range");
  int64_t total = whole * unit->micros;
  if (!frac_part.empty()) {
    if (frac_part.size() > 12) return IntervalError(text, "too many fractional digits");
    int64_t num = 0, den = 1;
    for (char c : frac_part) {
      num = num * 10 + (c - '0');
      den *= 10;
    }
    // num < den <= 1e12 and unit <= 6.048e11: use 128-bit to stay exact.
    const __int128 scaled = static_cast<__int128>(num) * unit->micros;
    if (scaled % den != 0) return IntervalError(text, "not a whole number of microseconds");
    const int64_t extra = static_cast<int64_t>(scaled / den);
    if (total > kMax - extra) return IntervalError(text, "out of range");
    total += extra;
  }
  return negative ? -total : total;
}

}  // namespace

Result<Timestamp> ParseTime(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return TimeError(text, "empty");
  if (LooksLikeInteger(s)) {
    auto v = ParseInteger(s);
    if (!v) return TimeError(text, "integer out of range");
    return *v;
  }
  return ParseIso(text, s);
}

Result<int64_t> ParseInterval(std::string_view text) {
  auto r = ParseSpan(text);
  if (!r.ok()) return r;
  if (*r <= 0) return IntervalError(text, "must be greater than 0");
  return r;
}

Result<int64_t> ParseDuration(std::string_view text) {
  auto r = ParseSpan(text);
  if (!r.ok()) return r;
  if (*r < 0) return IntervalError(text, "must not be negative");
  return r;
}

std::string FormatTime(Timestamp ts) {
  // Floor division by parts: days * kMicrosPerDay itself would overflow for
  // the earliest timestamps (INT64_MIN is in year -290308).
  int64_t days = ts / kMicrosPerDay;
  int64_t rem = ts % kMicrosPerDay;  // made [0, kMicrosPerDay) below
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  const int64_t secs = rem / kMicrosPerSecond;
  const int64_t micros = rem % kMicrosPerSecond;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y),
                        m, d, static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  // Exchanges stamp in milliseconds: whole milliseconds read better as 3 digits.
  if (micros != 0 && micros % kMicrosPerMillisecond == 0) {
    n += std::snprintf(buf + n, sizeof buf - n, ".%03lld",
                       static_cast<long long>(micros / kMicrosPerMillisecond));
  } else if (micros != 0) {
    n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(micros));
  }
  std::snprintf(buf + n, sizeof buf - n, "Z");
  return buf;
}

Timestamp AlignDown(Timestamp ts, int64_t interval) {
  if (interval <= 0) return ts;
  int64_t r = ts % interval;
  if (r < 0) r += interval;
  // Near kMinTimestamp the floor is not representable: saturate to the
  // smallest aligned timestamp instead of wrapping around.
  if (ts < kMinTimestamp + r) return ts + (interval - r);
  return ts - r;
}

Status ValidateTimeRange(Timestamp from, Timestamp to) {
  if (from < to) return Status::OK();
  return Status::InvalidArgument("from (" + FormatTime(from) + ") must be before to (" + FormatTime(to) +
                                 ")");
}

}  // namespace liqdb
