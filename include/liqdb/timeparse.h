// Parsing of the time and interval arguments every SQL function and CLI
// command accepts.
//
// Times: an integer (µs since the epoch) or ISO-8601 text: '2024-03-01',
// '2024-03-01T12:00', '2024-03-01T12:00:00Z', '2024-03-01 12:00:00.250',
// with an optional 'Z' or '±HH:MM' offset (no offset = UTC).
// Intervals: an integer (µs) or a number with a unit: 'us', 'ms', 's', 'm',
// 'h', 'd', 'w' ('500ms', '1s', '5m', '1h', '4h', '1d', '1w').
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb {

Result<Timestamp> ParseTime(std::string_view text);
// Interval in µs; must be > 0.
Result<int64_t> ParseInterval(std::string_view text);
// Interval that may be 0 (e.g. a lookback); must be >= 0.
Result<int64_t> ParseDuration(std::string_view text);
// '2024-03-01T12:00:00Z'; a fraction only when there are sub-seconds: 3
// digits for whole milliseconds ('.250'), else 6 ('.000250'). Every ISO time
// liqdb prints (SQL liq_iso, CLI output, export, render titles) is this one.
std::string FormatTime(Timestamp ts);
// The one check of a half-open range [from, to) that every query and SQL
// function applies: fails unless from < to, naming both in ISO time
// ("from (2024-03-02T00:00:00Z) must be before to (2024-03-01T00:00:00Z)").
Status ValidateTimeRange(Timestamp from, Timestamp to);
// floor(ts / interval) * interval, correct for negative ts.
Timestamp AlignDown(Timestamp ts, int64_t interval);

}  // namespace liqdb
