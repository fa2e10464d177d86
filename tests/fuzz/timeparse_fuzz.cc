// Fuzzes query/timeparse: ParseTime, ParseInterval, ParseDuration, FormatTime
// and AlignDown on any text. Input: the time text, a newline, the interval
// text. Properties: no crash and no UB (signed overflow included, which
// UBSan traps); an interval is > 0 and a duration >= 0; a parsed time that
// FormatTime renders as a year 0000-9999 parses back to itself; AlignDown
// gives a multiple of the interval at most one interval below the time (or,
// where that is not representable, the first aligned time above it).
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/fuzz/fuzz_util.h"

#include "liqdb/timeparse.h"
#include "liqdb/types.h"

using namespace liqdb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view time_text = input.substr(0, nl);
  const std::string_view span_text = nl == std::string_view::npos ? input : input.substr(nl + 1);

  auto interval = ParseInterval(span_text);
  if (interval.ok()) FUZZ_CHECK(*interval > 0);
  auto duration = ParseDuration(span_text);
  if (duration.ok()) FUZZ_CHECK(*duration >= 0);
  if (interval.ok()) FUZZ_CHECK(duration.ok() && *duration == *interval);

  auto t = ParseTime(time_text);
  if (!t.ok()) return 0;
  const std::string text = FormatTime(*t);
  // Years 0000..9999: [-62167219200 s, 253402300800 s) since the epoch.
  const bool four_digit_year =
      *t >= -62167219200LL * kMicrosPerSecond && *t < 253402300800LL * kMicrosPerSecond;
  auto back = ParseTime(text);
  FUZZ_CHECK(back.ok() == four_digit_year);
  if (back.ok()) FUZZ_CHECK(*back == *t);

  if (interval.ok()) {
    const Timestamp a = AlignDown(*t, *interval);
    FUZZ_CHECK(a % *interval == 0);
    if (a <= *t) {
      FUZZ_CHECK(static_cast<uint64_t>(*t) - static_cast<uint64_t>(a) < static_cast<uint64_t>(*interval));
    } else {  // saturated near kMinTimestamp: a floor below it does not exist
      FUZZ_CHECK(static_cast<uint64_t>(a) - static_cast<uint64_t>(*t) < static_cast<uint64_t>(*interval));
      FUZZ_CHECK(*t - kMinTimestamp < *interval);
    }
  }
  return 0;
}
