// Hot-path text parsing shared by the adapters: numbers, times, CSV fields.
//
// No allocation, no locale, no exceptions: fast_float for doubles (correctly
// rounded, so a value re-read from its decimal text is bit-equal), hand-rolled
// integers and ISO-8601 times. Each parser accepts the whole field or fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "liqdb/types.h"

namespace liqdb::ingest {

// A finite decimal number (optional sign, fraction, exponent).
bool ParseDouble(std::string_view s, double* out);
// A base-10 integer that fits in int64.
bool ParseInt64(std::string_view s, int64_t* out);
// ISO-8601 date or date-time: 'YYYY-MM-DD', then 'T' or ' ', 'HH:MM[:SS[.f…]]',
// then optional 'Z' or '±HH:MM'. No offset = UTC.
bool ParseIsoTime(std::string_view s, Timestamp* out);
// An integer (µs since the epoch) or an ISO-8601 time.
bool ParseTimeField(std::string_view s, Timestamp* out);
// Milliseconds since the epoch, to µs (fails on overflow).
bool MillisToMicros(int64_t ms, Timestamp* out);

// Splits a CSV line on commas into at most `max` fields (surrounding double
// quotes are stripped; embedded commas in quotes are not supported: none of
// the sources uses them). Returns the number of fields, or max + 1 when there
// are more.
size_t SplitCsv(std::string_view line, std::string_view* fields, size_t max);

// Trims ASCII spaces and tabs. Inline: every field of every line goes through it.
inline std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
inline bool IsBlank(std::string_view s) {
  return Trim(s).empty();
}

// Equality ignoring ASCII case.
bool EqualsNoCase(std::string_view a, std::string_view b);

}  // namespace liqdb::ingest
