// Readers for SQL argument values: times, intervals, text and numbers, as
// every liqdb SQL function and the virtual table's INSERT accept them.
//
// Times: INTEGER µs, or TEXT that ParseTime reads (integer or ISO-8601), or a
// REAL holding a whole number; integers from 10^14 on (ReadTimeArgument). Intervals: INTEGER µs > 0 or TEXT
// such as '5m' (ParseInterval). Numbers: INTEGER, REAL, or TEXT that is a number. Errors are InvalidArgument
// and name the argument (`name`) and the value.
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

// A time argument of a function (the TVFs' from/to/at, liq_time, the
// tables' INSERT ts); NULL is an error. An integer below kMinIntegerTime
// (10^14 µs, 1973-03-03) fails: it is seconds or milliseconds written where
// µs are meant (liq_time(1709251200) would be 1970). The message says which
// unit it looks like and how to write it:
//   from = 1709251200 looks like seconds (2024-03-01T00:00:00Z); times are
//   integer microseconds or ISO-8601 text: write 1709251200000000,
//   '2024-03-01' or liq_time(1709251200, 's')
// Integer text ('1709251200') is held to the same rule; ISO text is not
// (any date can be written that way).
Result<Timestamp> ReadTimeArgument(sqlite3_value* value, std::string_view name);
// A time as a comparison operand (the tables' WHERE ts > 0): any integer is
// µs, as SQLite compares it. NULL is an error.
Result<Timestamp> ReadTime(sqlite3_value* value, std::string_view name);
// The check ReadTimeArgument applies to an integer time `v` given as `name`.
Status CheckIntegerTime(int64_t v, std::string_view name);
// Integer times below this are refused by ReadTimeArgument: as µs they are before 1973-03-03.
constexpr int64_t kMinIntegerTime = 100'000'000'000'000;
// x seconds ('s'), milliseconds ('ms') or microseconds ('us', 'µs') as µs:
// liq_time(x, unit). A fractional x rounds to the nearest µs.
Result<Timestamp> ScaleTime(sqlite3_value* x, std::string_view unit);
// An interval in µs, > 0; NULL is an error.
Result<int64_t> ReadInterval(sqlite3_value* value, std::string_view name);
// A duration in µs, >= 0; NULL is an error.
Result<int64_t> ReadDuration(sqlite3_value* value, std::string_view name);
// A finite number; NULL is an error unless `null_ok` (then nullopt).
Result<std::optional<double>> ReadNumber(sqlite3_value* value, std::string_view name, bool null_ok);
// Text; NULL gives nullopt when `null_ok`, else an error. Numbers are not
// accepted as text (a symbol written as 5 is almost certainly a mistake).
Result<std::optional<std::string>> ReadText(sqlite3_value* value, std::string_view name, bool null_ok);

// A keyword argument value as liqdb spells it: trimmed, lower case
// ('long ' and 'Long' are 'long', 'Inverse' is 'inverse').
std::string NormalizeKeyword(std::string_view text);

// A whole-text decimal number ("64123.5", " 1e3 "), or nullopt.
std::optional<double> ParseNumber(std::string_view text);

}  // namespace liqdb::ext
