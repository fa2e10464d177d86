// Readers for SQL argument values: times, intervals, text and numbers, as
// every liqdb SQL function and the virtual table's INSERT accept them.
//
// Times: INTEGER µs, or TEXT that ParseTime reads (integer or ISO-8601), or a
// REAL holding a whole number. Intervals: INTEGER µs > 0 or TEXT such as
// '5m' (ParseInterval). Numbers: INTEGER, REAL, or TEXT that is a number.
// Errors are InvalidArgument and name the argument (`name`) and the value.
//
// Thread-safety: stateless; sqlite3_value pointers are used only during the call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "extension/sqlite_api.h"

#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb::ext {

// The value as SQL would print it in a message: 'text', 42, 1.5, NULL, x'..'.
std::string DescribeValue(sqlite3_value* value);

// A time; NULL is an error.
Result<Timestamp> ReadTime(sqlite3_value* value, std::string_view name);
// An interval in µs, > 0; NULL is an error.
Result<int64_t> ReadInterval(sqlite3_value* value, std::string_view name);
// A duration in µs, >= 0; NULL is an error.
Result<int64_t> ReadDuration(sqlite3_value* value, std::string_view name);
// A finite number; NULL is an error unless `null_ok` (then nullopt).
Result<std::optional<double>> ReadNumber(sqlite3_value* value, std::string_view name, bool null_ok);
// Text; NULL gives nullopt when `null_ok`, else an error. Numbers are not
// accepted as text (a symbol written as 5 is almost certainly a mistake).
Result<std::optional<std::string>> ReadText(sqlite3_value* value, std::string_view name, bool null_ok);

// A whole-text decimal number ("64123.5", " 1e3 "), or nullopt.
std::optional<double> ParseNumber(std::string_view text);

}  // namespace liqdb::ext
