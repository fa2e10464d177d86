// Readers for SQL argument values (see sql_args.h).
#include "extension/sql_args.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "liqdb/timeparse.h"

namespace liqdb::ext {

namespace {

std::string Quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string_view TextOf(sqlite3_value* value) {
  const unsigned char* p = sqlite3_value_text(value);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_value_bytes(value))};
}

std::string Named(std::string_view name) {
  return std::string(name) + " ";
}

// An omitted optional argument arrives as a null pointer: it reads as NULL.
int TypeOf(sqlite3_value* value) {
  return value == nullptr ? SQLITE_NULL : sqlite3_value_type(value);
}

// An INTEGER, or a REAL holding a whole number in int64 range.
std::optional<int64_t> WholeNumber(sqlite3_value* value) {
  if (TypeOf(value) == SQLITE_INTEGER) return sqlite3_value_int64(value);
  if (TypeOf(value) == SQLITE_FLOAT) {
    const double d = sqlite3_value_double(value);
    if (std::isfinite(d) && d == std::floor(d) && d >= -9.2e18 && d <= 9.2e18) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

}  // namespace

std::string DescribeValue(sqlite3_value* value) {
  switch (TypeOf(value)) {
    case SQLITE_NULL: return "NULL";
    case SQLITE_INTEGER: return std::to_string(sqlite3_value_int64(value));
    case SQLITE_FLOAT: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", sqlite3_value_double(value));
      return buf;
    }
    case SQLITE_BLOB: return "a blob of " + std::to_string(sqlite3_value_bytes(value)) + " bytes";
    default: return Quote(TextOf(value));
  }
}

std::string NormalizeKeyword(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> ParseNumber(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

Result<Timestamp> ReadTime(sqlite3_value* value, std::string_view name) {
  if (auto whole = WholeNumber(value)) return *whole;
  switch (TypeOf(value)) {
    case SQLITE_NULL: return Status::InvalidArgument(Named(name) + "must not be NULL (a time is needed)");
    case SQLITE_TEXT: {
      auto t = ParseTime(TextOf(value));
      if (!t.ok()) return t.status().WithContext(std::string(name));
      return t;
    }
    default:
      return Status::InvalidArgument(Named(name) + "must be a time (integer µs or ISO-8601 text), got " +
                                     DescribeValue(value));
  }
}

namespace {

constexpr int64_t kMicrosPerDay = 86'400LL * kMicrosPerSecond;

// ISO text for a suggestion: the date alone at midnight.
std::string IsoSuggestion(Timestamp ts) {
  const std::string iso = FormatTime(ts);
  if (ts % kMicrosPerDay == 0) return "'" + iso.substr(0, iso.find('T')) + "'";
  return "'" + iso + "'";
}

bool IsIntegerText(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

Status CheckIntegerTime(int64_t v, std::string_view name) {
  if (v >= kMinIntegerTime) return Status::OK();
  const std::string n = std::to_string(v);
  const std::string head = std::string(name) + " = " + n;
  constexpr const char* kRule = "times are integer microseconds or ISO-8601 text: write ";
  // Seconds of 1973 … 5138 and milliseconds of the same years: the two usual mistakes.
  if (v >= 100'000'000'000LL) {
    const Timestamp us = v * 1000;
    return Status::InvalidArgument(head + " looks like milliseconds (" + FormatTime(us) + "); " + kRule +
                                   std::to_string(us) + ", " + IsoSuggestion(us) + " or liq_time(" + n +
                                   ", 'ms')");
  }
  if (v >= 100'000'000LL) {
    const Timestamp us = v * kMicrosPerSecond;
    return Status::InvalidArgument(head + " looks like seconds (" + FormatTime(us) + "); " + kRule +
                                   std::to_string(us) + ", " + IsoSuggestion(us) + " or liq_time(" + n +
                                   ", 's')");
  }
  return Status::InvalidArgument(head + " is " + FormatTime(v) +
                                 " as microseconds, before 1973: integer times below 10^14 are refused as "
                                 "seconds or milliseconds written by mistake; write such a time as ISO-8601 "
                                 "text (" +
                                 IsoSuggestion(v) + ")");
}

Result<Timestamp> ReadTimeArgument(sqlite3_value* value, std::string_view name) {
  if (auto whole = WholeNumber(value)) {
    LIQDB_RETURN_IF_ERROR(CheckIntegerTime(*whole, name));
    return *whole;
  }
  auto t = ReadTime(value, name);
  if (t.ok() && TypeOf(value) == SQLITE_TEXT && IsIntegerText(TextOf(value))) {
    LIQDB_RETURN_IF_ERROR(CheckIntegerTime(*t, name));
  }
  return t;
}

Result<Timestamp> ScaleTime(sqlite3_value* x, std::string_view unit_text) {
  std::string unit;
  for (char c : unit_text) {
    if (c != ' ' && c != '\t') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  int64_t per = 0;
  if (unit == "s") {
    per = kMicrosPerSecond;
  } else if (unit == "ms") {
    per = 1000;
  } else if (unit == "us" || unit == "\xC2\xB5s") {
    per = 1;
  } else {
    return Status::InvalidArgument("unit must be 's', 'ms' or 'us', got " + Quote(unit_text));
  }
  switch (TypeOf(x)) {
    case SQLITE_INTEGER: {
      const int64_t v = sqlite3_value_int64(x);
      int64_t out = 0;
      if (__builtin_mul_overflow(v, per, &out)) {
        return Status::InvalidArgument("time " + std::to_string(v) + " " + unit +
                                       " is out of range (int64 microseconds)");
      }
      return out;
    }
    case SQLITE_FLOAT: {
      const double us = std::nearbyint(sqlite3_value_double(x) * static_cast<double>(per));
      if (!std::isfinite(us) || us < -9.2e18 || us > 9.2e18) {
        return Status::InvalidArgument("time " + DescribeValue(x) + " " + unit +
                                       " is out of range (int64 microseconds)");
      }
      return static_cast<Timestamp>(us);
    }
    default:
      return Status::InvalidArgument("time with a unit must be a number, got " + DescribeValue(x) +
                                     " (ISO text needs no unit: liq_time('2024-03-01'))");
  }
}

namespace {
Result<int64_t> ReadSpan(sqlite3_value* value, std::string_view name, bool allow_zero) {
  const char* what = allow_zero ? "a duration" : "an interval";
  if (auto whole = WholeNumber(value)) {
    if (*whole < 0 || (*whole == 0 && !allow_zero)) {
      return Status::InvalidArgument(Named(name) + "must be " + (allow_zero ? ">= 0" : "> 0") + ", got " +
                                     std::to_string(*whole));
    }
    return *whole;
  }
  switch (TypeOf(value)) {
    case SQLITE_NULL:
      return Status::InvalidArgument(Named(name) + "must not be NULL (" + what + " is needed)");
    case SQLITE_TEXT: {
      auto r = allow_zero ? ParseDuration(TextOf(value)) : ParseInterval(TextOf(value));
      if (!r.ok()) return r.status().WithContext(std::string(name));
      return r;
    }
    default:
      return Status::InvalidArgument(Named(name) + "must be " + what +
                                     " (integer µs or text such as '5m'), got " + DescribeValue(value));
  }
}
}  // namespace

Result<int64_t> ReadInterval(sqlite3_value* value, std::string_view name) {
  return ReadSpan(value, name, false);
}

Result<int64_t> ReadDuration(sqlite3_value* value, std::string_view name) {
  return ReadSpan(value, name, true);
}

Result<std::optional<double>> ReadNumber(sqlite3_value* value, std::string_view name, bool null_ok) {
  double v = 0;
  switch (TypeOf(value)) {
    case SQLITE_NULL:
      if (null_ok) return std::optional<double>();
      return Status::InvalidArgument(Named(name) + "must not be NULL");
    case SQLITE_INTEGER: v = static_cast<double>(sqlite3_value_int64(value)); break;
    case SQLITE_FLOAT: v = sqlite3_value_double(value); break;
    case SQLITE_TEXT: {
      auto parsed = ParseNumber(TextOf(value));
      if (!parsed)
        return Status::InvalidArgument(Named(name) + "must be a number, got " + DescribeValue(value));
      v = *parsed;
      break;
    }
    default: return Status::InvalidArgument(Named(name) + "must be a number, got " + DescribeValue(value));
  }
  if (!std::isfinite(v)) {
    return Status::InvalidArgument(Named(name) + "must be a finite number, got " + DescribeValue(value));
  }
  return std::optional<double>(v);
}

Result<std::optional<std::string>> ReadText(sqlite3_value* value, std::string_view name, bool null_ok) {
  switch (TypeOf(value)) {
    case SQLITE_NULL:
      if (null_ok) return std::optional<std::string>();
      return Status::InvalidArgument(Named(name) + "must not be NULL");
    case SQLITE_TEXT: return std::optional<std::string>(std::string(TextOf(value)));
    default: return Status::InvalidArgument(Named(name) + "must be text, got " + DescribeValue(value));
  }
}

}  // namespace liqdb::ext
